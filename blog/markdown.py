"""Markdown to safe HTML: editors paste anything, readers get only harmless markup."""

import re
from functools import cache

import nh3
from markdown_it import MarkdownIt

from blog.highlight import highlight, token_classes
from blog.nesting import MAX_HTML_DEPTH, limit_nesting

# Links and images may point only to the web or a mail address; relative URLs stay allowed.
# `photo:12` is a photo of ours (blog.bodies), kept only as an <img>'s src.
URL_SCHEMES = frozenset({"http", "https", "mailto", "photo"})
# Removed with their content, not just unwrapped: their text is never meant for readers.
CLEAN_CONTENT_TAGS = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript"})
# nh3's allowed attributes without `cite` (on blockquote, q, ins, del): it holds a URL that
# nh3's scheme filter does not check (`javascript:` survives), and no browser shows it.
# `class` on <code> only as `language-*`, checked by _filter_attribute.
ATTRIBUTES = {
    **{tag: set(names) - {"cite"} for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
    "code": {"class"},
}
# A fenced block's language, as markdown-it writes it: `language-` and the info string's word.
LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
PHOTO_SRC = re.compile(r"photo:[1-9][0-9]{0,17}")
URL_ATTRIBUTES = frozenset({"href", "src"})

# nh3 is quadratic in nesting depth: Post.clean refuses longer bodies and deeper HTML
# (blog.nesting), and render_markdown never hands nh3 deeper HTML whoever calls it.
MAX_BODY_LENGTH = 200_000


@cache
def _parser(raw_html=True):
    # "commonmark" plus tables and strikethrough; raw HTML is allowed through the parser
    # on purpose (editors use <figure>, <abbr>...), the sanitiser decides what survives.
    # Fenced code is highlighted here, once, when the post is saved.
    options = {"html": raw_html, "linkify": False, "highlight": highlight}
    return MarkdownIt("commonmark", options).enable(["table", "strikethrough"])


def _filter_attribute(tag, name, value):
    """What nh3's allow-lists cannot say: a <code>'s class is one `language-*` name, and a
    `photo:` URL is only ever an <img>'s src (anywhere else it is dropped)."""
    if tag == "code" and name == "class":
        return value if LANGUAGE_CLASS.fullmatch(value) else None
    if name in URL_ATTRIBUTES and value.lstrip().lower().startswith("photo:"):
        return value if tag == "img" and name == "src" and PHOTO_SRC.fullmatch(value) else None
    return value


@cache
def _cleaner():
    return nh3.Cleaner(
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        url_schemes=set(URL_SCHEMES),
        attributes=ATTRIBUTES,
        # Pygments' token classes on <span>s inside highlighted code, and nothing else.
        allowed_classes={"span": set(token_classes())},
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer",
    )


def body_errors(text):
    """Why `text` cannot be a post body: too long, or raw HTML nested too deeply. [] if fine."""
    if len(text or "") > MAX_BODY_LENGTH:
        return [
            f"The body is {len(text):,} characters long; the most a post can hold is {MAX_BODY_LENGTH:,}."
        ]
    if limit_nesting(_parser().render(text or "")) is None:
        return [
            f"The body's HTML nests elements more than {MAX_HTML_DEPTH} levels deep. "
            "Close the tags you open (</div>, </span>...) or remove some wrappers."
        ]
    return []


def render_markdown(text: str) -> str:
    """Render an editor's Markdown to HTML with scripts, styles, frames, event handlers and
    non-web URLs removed. Code is highlighted; photos stay `<img src="photo:12">` for
    blog.bodies to turn into pictures."""
    html = limit_nesting(_parser().render(text or ""))
    if html is None:
        # Only a caller that skipped Post.clean gets here: show its raw HTML as text rather
        # than keep nh3 busy for minutes. Markdown itself nests at most 20 levels.
        html = limit_nesting(_parser(raw_html=False).render(text or ""))
        if html is None:
            raise ValueError(f"Markdown nests more than {MAX_HTML_DEPTH} levels deep.")
    return _cleaner().clean(html)
