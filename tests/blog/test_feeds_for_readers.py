"""Feeds as a feed reader reads them (feedparser): every URL inside a body absolute, the
cover as the item's enclosure (a rendition, never the upload)."""

import re

import feedparser
import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/feeds/rss.xml", "/feeds/atom.xml", "/feeds/tags/travel/rss.xml"])
def test_bodies_carry_absolute_urls_and_the_cover_is_the_enclosure(client, make_post, make_photo, url):
    cover = make_photo(alt_text="Cover", size=(1000, 700))
    inline = make_photo(alt_text="Inline", size=(700, 500))
    post = make_post(
        tags=["Travel"],
        cover=cover,
        body=f"See [the other post](/posts/other/), [a note](#note) and [a file](notes.txt).\n\n![](photo:{inline.pk})\n\n![local](/media/x.jpg)",
    )
    feed = feedparser.parse(client.get(url).content)
    assert not feed.bozo, feed.bozo_exception
    (entry,) = feed.entries
    html = entry.content[0].value if "content" in entry else entry.summary
    page = f"https://blog.example.com/posts/{post.slug}/"
    assert 'href="https://blog.example.com/posts/other/"' in html
    assert f'href="{page}#note"' in html and f'href="{page}notes.txt"' in html
    assert 'src="https://blog.example.com/media/x.jpg"' in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html) + [
        u.split()[0] for s in re.findall(r'srcset="([^"]+)"', html) for u in s.split(",")
    ]
    assert urls and all(u.startswith("https://") for u in urls), urls
    assert "/renditions/" in html and "photo:" not in html

    (enclosure,) = entry.enclosures
    assert enclosure.type == "image/jpeg"
    assert re.fullmatch(r"https://blog\.example\.com/media/renditions/.+/960\.jpg", enclosure.href)
    assert "/uploads/" not in enclosure.href


def test_a_post_without_a_ready_cover_has_no_enclosure(client, make_post, make_photo):
    make_post(cover=make_photo(renditions=False))
    (entry,) = feedparser.parse(client.get("/feeds/rss.xml").content).entries
    assert entry.enclosures == []
