"""RSS and Atom feeds, site-wide and per tag. Links are absolute from SITE_URL, never from
the Host header (behind CloudFront, API Gateway's host is not the readers' one), inside
bodies too; each post's cover is its item's enclosure.

What a feed says of each post is stored with the post's card (`Post.card_feed`, rendered and
kept fresh by blog.cards): a feed reads twenty stored items, one query, and builds no model
instance and rewrites no body per request. Django's Feed asks for each item's attributes
through `_get_dynamic_attr`, so the item methods only read the stored dict.

Text fields are stripped of XML-invalid characters when saved; the feed generators strip every
text they are given again, for text that came in another way (usernames, rows written before
that, raw updates), since one such character makes Django refuse the whole feed, or write one
that readers cannot parse."""

import io
import json
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed

from blog.cards import fresh_cards
from blog.models import Post, Tag
from blog.urlpaths import path_for
from blog.xmltext import xml_safe

FEED_LENGTH = 20


def _xml_safe(value):
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, (list, tuple)):  # categories
        return type(value)(_xml_safe(item) for item in value)
    return value


class _XmlSafeText:
    """For Django's feed generators: the feed's and each item's texts lose the characters
    XML 1.0 cannot carry, whichever Feed method produced them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})


class _OneWrite:
    """For Django's feed generators: the document is written into a string and handed to the
    response at once. Written straight to the response, each of a feed's ~900 tags and texts
    went through a text wrapper and HttpResponse.write on its own, the largest cost left of a
    feed. The bytes are the ones that wrapper wrote (xml.sax.saxutils encodes with
    xmlcharrefreplace)."""

    def write(self, outfile, encoding):
        text = io.StringIO()
        super().write(text, encoding)
        outfile.write(text.getvalue().encode(encoding, "xmlcharrefreplace"))


class XmlSafeRss(_OneWrite, _XmlSafeText, Rss201rev2Feed):
    pass


class XmlSafeAtom(_OneWrite, _XmlSafeText, Atom1Feed):
    pass


def _stored_items(posts):
    """The stored feed items of `posts` (a queryset, in order), stale ones rendered again, with
    their dates as datetimes (once per item, not per attribute asked)."""
    items = []
    for text in fresh_cards(posts.newest_first()[:FEED_LENGTH].card_rows("card_feed"), "card_feed"):
        if not text:  # a post deleted between the read and the render of its stale item
            continue
        item = json.loads(text)
        item["pubdate"] = datetime.fromisoformat(item["pubdate"])
        item["updateddate"] = datetime.fromisoformat(item["updateddate"])
        items.append(item)
    return items


class LatestPostsRss(Feed):
    feed_type = XmlSafeRss
    feed_url_name = "blog:feed-rss"

    def title(self):
        return settings.SITE_NAME

    def description(self):
        return settings.SITE_DESCRIPTION

    subtitle = description

    def link(self):
        return settings.SITE_URL + reverse("blog:home")

    def feed_url(self):
        return settings.SITE_URL + reverse(self.feed_url_name)

    def items(self):
        return _stored_items(Post.objects.published())

    def item_title(self, item):
        return item["title"]

    def item_description(self, item):
        return item["description"]

    def item_enclosures(self, item):
        """The cover, as its widest JPEG rendition. Its size is not recorded (the manifest lists
        none) and asking storage per item would cost a request each: RSS's advice for an
        unknown length is 0."""
        url = item["enclosure"]
        return [Enclosure(url, "0", "image/jpeg")] if url else []

    def item_link(self, item):
        return item["link"]

    def item_guid(self, item):
        return item["link"]

    def item_author_name(self, item):
        return item["author_name"]

    def item_pubdate(self, item):
        return item["pubdate"]

    def item_updateddate(self, item):
        return item["updateddate"]

    def item_categories(self, item):
        return item["categories"]


class LatestPostsAtom(LatestPostsRss):
    feed_type = XmlSafeAtom
    feed_url_name = "blog:feed-atom"


class TagPostsRss(LatestPostsRss):
    feed_url_name = "blog:tag-feed-rss"

    def get_object(self, request, slug):
        # The tag's name, slug and id: a dict, no model instance.
        return get_object_or_404(Tag.objects.in_use().values("pk", "name", "slug"), slug=slug)

    def title(self, tag):
        return f"{settings.SITE_NAME}: {tag['name']}"

    def description(self, tag):
        return f"Posts tagged {tag['name']}."

    subtitle = description

    def link(self, tag):
        return settings.SITE_URL + path_for("blog:tag", "slug", tag["slug"])

    def feed_url(self, tag):
        return settings.SITE_URL + reverse(self.feed_url_name, kwargs={"slug": tag["slug"]})

    def items(self, tag):
        return _stored_items(Post.objects.published().filter(tags=tag["pk"]))


class TagPostsAtom(TagPostsRss):
    feed_type = XmlSafeAtom
    feed_url_name = "blog:tag-feed-atom"
