"""RSS and Atom feeds, site-wide and per tag. Links are absolute from SITE_URL, never from
the Host header (behind CloudFront, API Gateway's host is not the readers' one), inside
bodies too; each post's cover is its item's enclosure.

Text fields are stripped of XML-invalid characters when saved; the feed generators strip every
text they are given again, for text that came in another way (usernames, rows written before
that, raw updates), since one such character makes Django refuse the whole feed, or write one
that readers cannot parse."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed

from blog.bodies import absolute_html
from blog.models import Post, Tag
from blog.seo import absolute_media_url
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


class XmlSafeRss(_XmlSafeText, Rss201rev2Feed):
    pass


class XmlSafeAtom(_XmlSafeText, Atom1Feed):
    pass


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
        return Post.objects.published().for_listing().newest_first()[:FEED_LENGTH]

    def item_title(self, post):
        return post.title

    def item_description(self, post):
        # Feed readers resolve relative links against nothing of ours: every URL absolute.
        return absolute_html(post.body_html, self.item_link(post))

    def item_enclosures(self, post):
        """The cover, as its widest JPEG rendition (never the original upload). Its size is
        not recorded (the manifest lists none) and asking storage per item would cost a
        request each: RSS's advice for an unknown length is 0."""
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


class LatestPostsAtom(LatestPostsRss):
    feed_type = XmlSafeAtom
    feed_url_name = "blog:feed-atom"


class TagPostsRss(LatestPostsRss):
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
        return Post.objects.published().filter(tags=tag).for_listing().newest_first()[:FEED_LENGTH]


class TagPostsAtom(TagPostsRss):
    feed_type = XmlSafeAtom
    feed_url_name = "blog:tag-feed-atom"
