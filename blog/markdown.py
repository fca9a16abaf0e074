"""Markdown to safe HTML: editors paste anything, readers get only harmless markup."""

from functools import cache

import nh3
from markdown_it import MarkdownIt

# Links and images may point only to the web or a mail address; relative URLs stay allowed.
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed with their content, not just unwrapped: their text is never meant for readers.
CLEAN_CONTENT_TAGS = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript"})


@cache
def _parser():
    # "commonmark" plus tables and strikethrough; raw HTML is allowed through the parser
    # on purpose (editors use <figure>, <abbr>...), the sanitiser decides what survives.
    return MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(["table", "strikethrough"])


def render_markdown(text: str) -> str:
    """Render an editor's Markdown to HTML with scripts, styles, frames, event handlers and
    non-web URLs removed."""
    html = _parser().render(text or "")
    return nh3.clean(
        html,
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
    )
