"""Markdown to safe HTML: editors paste anything, readers get only harmless markup."""

from functools import cache

import nh3
from markdown_it import MarkdownIt

from blog.nesting import MAX_HTML_DEPTH, limit_nesting

# Links and images may point only to the web or a mail address; relative URLs stay allowed.
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed with their content, not just unwrapped: their text is never meant for readers.
CLEAN_CONTENT_TAGS = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript"})
# nh3's allowed attributes without `cite` (on blockquote, q, ins, del): it holds a URL that
# nh3's scheme filter does not check (`javascript:` survives), and no browser shows it.
ATTRIBUTES = {tag: set(names) - {"cite"} for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}

# nh3 is quadratic in nesting depth: Post.clean refuses longer bodies and deeper HTML
# (blog.nesting), and render_markdown never hands nh3 deeper HTML whoever calls it.
MAX_BODY_LENGTH = 200_000


@cache
def _parser(raw_html=True):
    # "commonmark" plus tables and strikethrough; raw HTML is allowed through the parser
    # on purpose (editors use <figure>, <abbr>...), the sanitiser decides what survives.
    return MarkdownIt("commonmark", {"html": raw_html, "linkify": False}).enable(["table", "strikethrough"])


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
    non-web URLs removed."""
    html = limit_nesting(_parser().render(text or ""))
    if html is None:
        # Only a caller that skipped Post.clean gets here: show its raw HTML as text rather
        # than keep nh3 busy for minutes. Markdown itself nests at most 20 levels.
        html = limit_nesting(_parser(raw_html=False).render(text or ""))
        if html is None:
            raise ValueError(f"Markdown nests more than {MAX_HTML_DEPTH} levels deep.")
    return nh3.clean(
        html,
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        url_schemes=set(URL_SCHEMES),
        attributes=ATTRIBUTES,
        link_rel="noopener noreferrer",
    )
