"""What a post's newsletter says, from the post as readers see it: its title, date and author,
its cover, and its summary (or, without one, the start of its body), with a link to the whole
post. Rendered once per post and batch; only the unsubscribe link differs per reader.

The body is the HTML the site shows (sanitised when the post was saved), cleaned again for
mail with the site's own allow-lists (blog.markdown) minus what mail has no use for: photos
lose their <picture>, AVIF and WebP sources and `srcset` and keep the JPEG <img>, a rendition
(never the upload), its URL absolute; classes go; every link is absolute."""

import html as htmllib
import re
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.html import escape, strip_tags
from django.utils.text import Truncator

# The start of a body without a summary: enough to know what the post is about.
LEAD_WORDS = 120
# A cover rendition about twice the email's 600 px column: sharp on a phone, not heavy.
COVER_WIDTH = 1200
_LINK = re.compile(r'<a\s[^>]*?href="([^"]*)"[^>]*>(.*?)</a>', re.IGNORECASE | re.DOTALL)
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|pre|figure|figcaption|tr|div)>|<br\s*/?>", re.IGNORECASE)


@dataclass(frozen=True)
class Content:
    post_id: int
    title: str
    url: str
    date: str
    author: str
    lead_html: str
    lead_text: str
    more: bool  # the lead is the start of the body, not all of it
    cover_url: str | None = None
    cover_alt: str = ""


@cache
def _cleaner():
    import nh3

    from blog.markdown import ATTRIBUTES

    attributes = {tag: set(names) - {"class"} for tag, names in ATTRIBUTES.items() if tag != "code"}
    attributes["img"] = {"src", "alt"}
    return nh3.Cleaner(
        attributes=attributes,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        # Images fit the column whatever their rendition's width; code keeps its lines.
        set_tag_attribute_values={
            "img": {"style": "max-width:100%;height:auto"},
            "pre": {"style": "white-space:pre-wrap;font-size:14px;background:#f6f3ec;padding:12px"},
        },
    )


def for_email(body_html, base):
    """`body_html` as mail gets it: absolute URLs, mail's allow-lists (see the module's doc)."""
    from blog.bodies import absolute_html

    return _cleaner().clean(absolute_html(body_html, base))


def as_text(html):
    """Plain text of a little HTML: one line per block, entities decoded, each link's address
    after its words."""
    html = _LINK.sub(
        lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(1) != m.group(2) else m.group(1), html
    )
    text = htmllib.unescape(strip_tags(_BLOCK_END.sub("\n", html)))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


def load(post_id):
    """The Content of post `post_id` if readers can see it now, else None (unpublished or
    deleted since the send began: nothing is sent for it)."""
    from blog.models import Post
    from blog.seo import absolute_media_url

    post = Post.objects.published().select_related("author__profile", "cover").filter(pk=post_id).first()
    if post is None:
        return None
    url = settings.SITE_URL + post.get_absolute_url()
    if post.summary.strip():
        lead_html, more = f"<p>{escape(post.summary)}</p>", True
    else:
        words = len(strip_tags(post.body_html).split())
        lead_html = Truncator(post.body_html).words(LEAD_WORDS, html=True, truncate="…")
        more = words > LEAD_WORDS
    lead_html = for_email(lead_html, url)
    cover_url = cover_alt = None
    renditions = post.cover.rendition_set("jpeg") if post.cover and post.cover.ready else []
    if renditions:
        _, _, src = next((r for r in renditions if r[0] >= COVER_WIDTH), renditions[-1])
        cover_url, cover_alt = absolute_media_url(src), post.cover.alt_text
    return Content(
        post_id=post.pk,
        title=" ".join(post.title.split()),
        url=url,
        date=post.publish_at_text,
        author=post.author_name,
        lead_html=lead_html,
        lead_text=as_text(lead_html),
        more=more,
        cover_url=cover_url,
        cover_alt=cover_alt or "",
    )
