"""What search engines and link previews read from a post page: JSON-LD and absolute URLs."""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe

# Inside <script>, "</script>" or "<!--" in a title would end the block: escape like json_script.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute_media_url(url):
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


def post_meta(post, tags):
    """Context for a post page's head: the cover's absolute URL and a JSON-LD BlogPosting."""
    url = settings.SITE_URL + post.get_absolute_url()
    # Link previews get the widest JPEG rendition; never the original (it may carry GPS).
    largest = post.cover.largest("jpeg") if post.cover else None
    cover_url = absolute_media_url(largest[2]) if largest else None
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.summary,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": post.publish_at,
        "dateModified": post.updated_at,
        "author": {
            "@type": "Person",
            "name": post.author_name,
            "url": settings.SITE_URL + post.get_author_url(),
        },
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME, "url": settings.SITE_URL},
        "keywords": [tag.name for tag in tags],
    }
    if cover_url:
        data["image"] = cover_url
    jsonld = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return {"cover_url": cover_url, "jsonld": mark_safe(jsonld)}  # noqa: S308 (escaped above)
