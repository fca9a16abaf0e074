"""Code in posts, highlighted once when the post is saved (Pygments): pages carry coloured
<span>s and a stylesheet, and no JavaScript.

A fenced block with a language Pygments knows (```python) becomes
`<pre><code class="language-python">` holding Pygments' short token classes (`k`, `s2`...);
any other block is escaped text, as before. The sanitiser keeps exactly these classes
(blog.markdown). `python -m blog.highlight > blog/static/blog/code.css` writes the stylesheet,
from a style whose every colour meets WCAG AA (4.5:1) on its background; a test holds the
committed file to that and to this output."""

from functools import cache

from django.utils.html import escape

# Xcode's colours on white: the lowest contrast of any token is 5.07:1 (WCAG AA asks 4.5:1).
STYLE = "xcode"
BACKGROUND = "#ffffff"
# Where the token rules apply: code blocks of a post's body only.
SCOPE = ".body pre > code"
# A fence's info string longer than this is no language name.
MAX_LANGUAGE_LENGTH = 40


@cache
def token_classes():
    """Every class Pygments' HTML formatter can put on a token's <span>."""
    from pygments.token import STANDARD_TYPES

    return frozenset(name for name in STANDARD_TYPES.values() if name)


@cache
def _lexer(language):
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        # stripnl off: the code is shown as the editor wrote it, blank lines included.
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@cache
def _formatter():
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


def highlight(code, language, attrs=None):
    """markdown-it's `highlight` option: the inside of `<pre><code class="language-...">`,
    or "" to let markdown-it escape the block itself (no language, or one Pygments lacks)."""
    language = (language or "").strip().lower()
    if not language or len(language) > MAX_LANGUAGE_LENGTH:
        return ""
    lexer = _lexer(language)
    if lexer is None:
        return ""
    from pygments import highlight as pygments_highlight

    html = pygments_highlight(code, lexer, _formatter())
    # Pygments drops nothing, but a block must stay exactly the editor's text.
    return html if html else escape(code)


def stylesheet():
    """The CSS for highlighted code, as committed in blog/static/blog/code.css."""
    from pygments.formatters import HtmlFormatter

    rules = HtmlFormatter(style=STYLE).get_style_defs(SCOPE)
    # The rule for highlighted lines is for a feature not used here.
    kept = [line for line in rules.splitlines() if line.startswith(SCOPE + " .") and ".hll" not in line]
    header = (
        "/* Highlighted code in posts (blog/highlight.py, Pygments style "
        f'"{STYLE}"). Generated: python -m blog.highlight > blog/static/blog/code.css */\n'
        f"{SCOPE} {{ color: #000000; background: {BACKGROUND}; }}\n"
    )
    return header + "\n".join(kept) + "\n"


if __name__ == "__main__":
    print(stylesheet(), end="")
