"""The feeds print each post's stored feed item (blog.cards): byte for byte the feed that
Django's syndication framework wrote from the posts themselves, before any change and after
each change a feed item shows (title, body, a body's photo, tags, a tag's name, the author's
name, the cover, publishing), with no post read as a model instance per request.

The reference below is the feeds' earlier code, which read Post instances and rewrote each
body per request, writing straight into the response: kept here as the oracle the stored
items and the buffered writing are held to."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.shortcuts import get_object_or_404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed

from blog import feeds
from blog.bodies import absolute_html
from blog.models import AuthorProfile, Photo, Post, Tag
from blog.seo import absolute_media_url

pytestmark = pytest.mark.django_db


class XmlSafeRss(feeds._XmlSafeText, Rss201rev2Feed):
    pass


class XmlSafeAtom(feeds._XmlSafeText, Atom1Feed):
    pass


class ReferenceRss(feeds.LatestPostsRss):
    """The feed as it was made before items were stored: from model instances, each body made
    absolute per request, written straight into the response. The feed's own fields are the
    site feed's (they did not change)."""

    feed_type = XmlSafeRss

    def items(self):
        return Post.objects.published().for_listing().newest_first()[: feeds.FEED_LENGTH]

    def item_title(self, post):
        return post.title

    def item_description(self, post):
        return absolute_html(post.body_html, self.item_link(post))

    def item_enclosures(self, post):
        largest = post.cover.largest("jpeg") if post.cover else None
        if not largest:
            return []
        return [Enclosure(absolute_media_url(largest[2]), "0", "image/jpeg")]

    def item_link(self, post):
        return settings.SITE_URL + post.get_absolute_url()

    def item_guid(self, post):
        return self.item_link(post)

    def item_author_name(self, post):
        return post.author_name

    def item_pubdate(self, post):
        return post.publish_at

    def item_updateddate(self, post):
        return post.updated_at

    def item_categories(self, post):
        return [tag.name for tag in post.tags.all()]


class ReferenceAtom(ReferenceRss):
    feed_type = XmlSafeAtom
    feed_url_name = "blog:feed-atom"


class ReferenceTagRss(ReferenceRss):
    feed_url_name = "blog:tag-feed-rss"

    def get_object(self, request, slug):
        return get_object_or_404(Tag.objects.in_use(), slug=slug)

    def title(self, tag):
        return f"{settings.SITE_NAME}: {tag.name}"

    def description(self, tag):
        return f"Posts tagged {tag.name}."

    subtitle = description

    def link(self, tag):
        return settings.SITE_URL + tag.get_absolute_url()

    def feed_url(self, tag):
        return settings.SITE_URL + reverse(self.feed_url_name, kwargs={"slug": tag.slug})

    def items(self, tag):
        return Post.objects.published().filter(tags=tag).for_listing().newest_first()[: feeds.FEED_LENGTH]


class ReferenceTagAtom(ReferenceTagRss):
    feed_type = XmlSafeAtom
    feed_url_name = "blog:tag-feed-atom"


FEEDS = [
    ("/feeds/rss.xml", ReferenceRss(), {}),
    ("/feeds/atom.xml", ReferenceAtom(), {}),
    ("/feeds/tags/travel/rss.xml", ReferenceTagRss(), {"slug": "travel"}),
    ("/feeds/tags/travel/atom.xml", ReferenceTagAtom(), {"slug": "travel"}),
]


def assert_feeds_match(client):
    """Each feed, as served (twice: once rendering stale items, once from stored ones only),
    equals the reference's, headers that say anything about the content included."""
    for url, reference, kwargs in FEEDS:
        expected = reference(RequestFactory().get(url, secure=True), **kwargs)
        assert expected.status_code == 200, url
        for _ in range(2):
            served = client.get(url, secure=True)
            assert served.status_code == 200, url
            assert served.content == expected.content, url
            assert served["Content-Type"] == expected["Content-Type"], url
            assert served.get("Last-Modified") == expected.get("Last-Modified"), url


@pytest.fixture
def site(make_author, make_post, make_photo):
    ada = make_author("ada", "Ada Lindqvist")
    nameless = get_user_model().objects.create_user("bo", password="x", first_name="Bo\x0b", last_name="Ek")
    inline = make_photo("Inline door", size=(700, 500))
    body = (
        "See [the other post](/posts/other/), [a note](#note), [a file](notes.txt) & <b>bold</b>.\n\n"
        f"![](photo:{inline.pk})\n\n![local](/media/x.jpg)\n\n```python\nprint('<x>')\n```"
    )
    posts = [
        make_post(
            title="Harbour & dawn — café ☕",
            author=ada,
            tags=["Travel", "Food"],
            cover=make_photo(),
            body=body,
        ),
        make_post(title="No cover", author=nameless, tags=["Travel"], body="Plain *text*."),
        make_post(title="Pending cover", author=ada, tags=["Travel"], cover=make_photo(renditions=False)),
        make_post(title="Untagged", author=ada, body=f"![](photo:{inline.pk})"),
    ]
    make_post(state="draft", title="Draft", tags=["Travel"])
    make_post(state="scheduled", title="Later", tags=["Travel"])
    return {"ada": ada, "inline": inline, "posts": posts}


def test_the_stored_items_make_the_reference_feeds(client, site):
    assert_feeds_match(client)
    for i in range(20):  # more posts than a feed holds
        Post.objects.create(
            title=f"More {i}", slug=f"more-{i}", body="x", author=site["ada"], publish_at=timezone.now()
        ).tags.add(Tag.objects.get(slug="travel"))
    assert_feeds_match(client)


def test_each_change_a_feed_item_shows_reaches_the_feeds(client, site):
    assert_feeds_match(client)
    first, second = site["posts"][:2]

    first.title, first.body = "Harbour at noon", first.body + "\n\n[More](more/)"
    first.save()
    assert_feeds_match(client)

    inline = Photo.objects.get(pk=site["inline"].pk)
    inline.alt_text = "A blue door"  # the body's <picture> shows it
    inline.save()
    assert_feeds_match(client)

    travel = Tag.objects.get(slug="travel")
    travel.name = "Journeys"
    travel.save()
    second.tags.remove(travel)
    first.tags.add(Tag.objects.create(name="Sea", slug="sea"))
    assert_feeds_match(client)

    profile = AuthorProfile.objects.get(user=site["ada"])
    profile.display_name = "Ada L."
    profile.save()
    user = get_user_model().objects.get(username="bo")
    user.first_name = "Bob"
    user.save()
    assert_feeds_match(client)

    second.cover = Photo.objects.filter(renditions_status="ready").exclude(pk=inline.pk).first()
    second.save()
    first.cover = None
    first.save()
    assert_feeds_match(client)

    # Published by a raw update (no save): its item, never shown before, is rendered now.
    Post.objects.filter(title="Draft").update(publish_at=timezone.now())
    assert_feeds_match(client)


def test_a_feed_reads_stored_items_only(client, site):
    """Once the items are stored, a feed is one query (the tag feed two), none of them
    reading posts' other columns, their tags or photos."""
    for url, _, _ in FEEDS:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        sqls = [q["sql"] for q in ctx.captured_queries]
        assert len(sqls) == (2 if "/tags/" in url else 1), sqls
        assert not any("body_html" in sql or "blog_photo" in sql for sql in sqls), sqls
