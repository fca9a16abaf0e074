"""The API's representation of posts, tags and covers (`blog/openapi.py` describes it): shared
by the API's views and by each post's stored list item (blog.cards)."""

from django.conf import settings

from blog.seo import absolute_media_url
from blog.urlpaths import path_for


def absolute(path):
    return settings.SITE_URL + path


def tag_data(tag):
    return {"slug": tag.slug, "name": tag.name, "url": absolute(tag.get_absolute_url())}


def photo_data(photo):
    """A cover as its renditions: none until they exist, and never the original upload."""
    if photo is None or not photo.ready:
        return None
    # Each format's URLs once (through storage): the widest JPEG is the cover's own URL.
    sets = {fmt: photo.rendition_set(fmt) for fmt in ("avif", "webp", "jpeg")}
    if not sets["jpeg"]:
        return None
    width, height, url = sets["jpeg"][-1]
    return {
        "url": absolute_media_url(url),
        "alt": photo.alt_text,
        "caption": photo.caption,
        "width": width,
        "height": height,
        "renditions": [
            {"url": absolute_media_url(u), "width": w, "height": h, "type": f"image/{fmt}"}
            for fmt, found in sets.items()
            for w, h, u in found
        ],
    }


def post_summary(post):
    return {
        "slug": post.slug,
        "title": post.title,
        "summary": post.summary,
        "url": absolute(post.get_absolute_url()),
        "api_url": absolute(path_for("blog:api-post", "slug", post.slug)),
        "published_at": post.publish_at.isoformat(),
        "updated_at": post.updated_at.isoformat(),
        "author": {
            "username": post.author.username,
            "name": post.author_name,
            "url": absolute(post.get_author_url()),
        },
        "tags": [tag_data(tag) for tag in post.tags.all()],
        "cover": photo_data(post.cover),
    }


def post_detail(post):
    return {**post_summary(post), "body_html": post.body_html}
