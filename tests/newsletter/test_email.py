"""The newsletter email itself: the post's title as its subject; its cover and its summary (or
the start of its body) in HTML, sanitised as on the site, images from renditions at absolute
URLs; a plain-text part; a link to the post; RFC 8058 one-click unsubscribe, whose link works."""

import re

import pytest

from blog import services
from newsletter.local import drain
from tests.newsletter.conftest import recipients

pytestmark = pytest.mark.django_db
SITE = "https://blog.example.com"


def publish_and_read(post, newsletters):
    services.publish_post(post)
    drain()  # what the publishing's commit does (the test's transaction never commits)
    [message] = newsletters()
    return message, message.get_body(("html",)).get_content(), message.get_body(("plain",)).get_content()


def test_title_cover_summary_and_a_link_to_the_post(readers, make_post, make_photo, newsletters, settings):
    readers(ann="confirmed")
    cover = make_photo(alt_text="Boats in the fog", size=(1600, 1000))
    post = make_post(
        state="draft", title="Fog over the harbour", summary="Three sightings & a lighthouse.", cover=cover
    )

    message, html, text = publish_and_read(post, newsletters)

    assert message["Subject"] == "Fog over the harbour"
    assert message["From"] == settings.WELCOME_FROM_EMAIL
    assert f'href="{SITE}/posts/{post.slug}/"' in html
    assert "Three sightings &amp; a lighthouse." in html
    [src] = re.findall(r'<img src="([^"]+)" alt="Boats in the fog"', html)
    assert src.startswith(f"{SITE}/media/renditions/") and src.endswith("/1280.jpg"), (
        "a JPEG rendition, ~2x the column"
    )
    assert "uploads/" not in html, "never the original upload (it may carry GPS)"
    assert "Three sightings & a lighthouse." in text and f"{SITE}/posts/{post.slug}/" in text


def test_without_a_summary_the_start_of_the_body_sanitised_for_mail(
    readers, make_post, make_photo, newsletters
):
    readers(ann="confirmed")
    photo = make_photo(alt_text="A red door")
    body = (
        f"Opening words, [a link](/tags/doors/) and a photo:\n\n![](photo:{photo.pk})\n\n"
        '<script>alert(1)</script><a href="javascript:alert(2)">bad</a> <img src=x onerror=alert(3)>\n\n'
        + " ".join(f"word{n}" for n in range(400))
    )
    post = make_post(state="draft", summary="", body=body)

    _, html, text = publish_and_read(post, newsletters)

    assert "Opening words" in html and f'<a href="{SITE}/tags/doors/">a link</a>' in html
    [img] = re.findall(r"<img [^>]*alt=\"A red door\"[^>]*>", html)
    assert re.search(rf'src="{SITE}/media/renditions/[^"]+\.jpg"', img) and "srcset" not in img
    assert "<picture" not in html and "<source" not in html and "avif" not in html
    for hostile in ("<script", "alert(1)", "javascript:", "onerror"):
        assert hostile not in html, hostile
    assert "word100" in html and "word300" not in html, "the start, not the whole post"
    assert "Read the whole post" in html and "Read the whole post" in text
    assert f"a link ({SITE}/tags/doors/)" in text


def test_one_click_unsubscribe_headers_and_link_for_that_reader(readers, make_post, newsletters, client):
    store = readers(ann="confirmed")
    message, html, text = publish_and_read(make_post(state="draft"), newsletters)

    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    link = re.fullmatch(
        r"<(https://blog\.example\.com(/unsubscribe/[^>]+/))>", str(message["List-Unsubscribe"]).strip()
    )
    assert link and f'href="{link.group(1)}"' in html and link.group(1) in text

    # The reader's click: a page with a button (a link scanner changes nothing) ...
    page = client.get(link.group(2))
    assert page.status_code == 200 and "ann@example.com" in page.content.decode()
    assert store.get("ann@example.com").status == "confirmed"
    # ... and the mail provider's one-click POST, with no cookie.
    response = client.post(
        link.group(2), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert store.get("ann@example.com").status == "unsubscribed"

    # The next post goes to nobody.
    services.publish_post(make_post(state="draft", title="The next one"))
    drain()
    assert recipients(newsletters()) == ["ann@example.com"]


def test_a_title_with_a_line_break_is_one_subject_line(readers, make_post, newsletters):
    readers(ann="confirmed")
    post = make_post(state="draft", title="Two\nlines")
    message, _, _ = publish_and_read(post, newsletters)
    assert message["Subject"] == "Two lines"


def test_an_unpublished_post_is_not_sent(readers, make_post, newsletters):
    """Taken down while its newsletter was still going out: the rest is not sent."""
    from newsletter import messages
    from newsletter.queue import get_queue

    readers(ann="confirmed")
    post = make_post(state="draft")
    get_queue().send([messages.send(post.pk, "ann@example.com")])
    drain()
    assert newsletters() == []
