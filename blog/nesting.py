"""How deeply HTML nests, measured in one linear pass, without trusting a parser that can
be made slow: nh3 (html5ever) is quadratic in nesting depth ("<div>" * 40_000 takes seconds),
and Python 3.12's html.parser is quadratic on some unclosed comments."""

import re

MAX_HTML_DEPTH = 100

# fmt: off
VOID_TAGS = frozenset({
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img",
    "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
})
# Start tags that close the current element when it is one of these (HTML's optional end
# tags): "<li>a<li>b" nests no deeper than two items would.
_P_CLOSERS = frozenset({
    "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl",
    "dd", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hgroup", "li", "listing", "main", "menu", "nav", "ol", "p", "pre", "section",
    "summary", "ul", "xmp",
})
# fmt: on
_CLOSED_BY = {
    "p": _P_CLOSERS,
    "li": {"li"},
    "dt": {"dt", "dd"},
    "dd": {"dt", "dd"},
    "option": {"option"},
    "tr": {"tr"},
    "td": {"td", "th", "tr"},
    "th": {"td", "th", "tr"},
}
_SPACE = re.compile(r"[\t\n\f\r /]*")
_NAME = re.compile(r"[^\t\n\f\r />]*")
_ATTRIBUTE = re.compile(
    r"""([^\t\n\f\r />][^\t\n\f\r /=>]*)(?:[\t\n\f\r ]*=[\t\n\f\r ]*("[^"]*"|'[^']*'|[^\t\n\f\r >]*))?"""
)
_COMMENT_END = re.compile(r"--!?>")
# Elements whose content is text up to their own end tag, "<" and all (`if (a<b)` in a
# script): read as tags, a stray "<b" would swallow the end tag and all that follows.
RAW_TEXT_TAGS = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"}
)


def _tag(html, start):
    """(name, attributes, self-closing, end) of the tag whose name starts at `start`; None when
    the input ends inside it (HTML drops such a tag, and everything after is in it)."""
    name_end = _NAME.match(html, start).end()
    attributes = []
    pos = name_end
    while True:
        pos = _SPACE.match(html, pos).end()
        if pos >= len(html):
            return None
        if html[pos] == ">":
            return html[start:name_end].lower(), attributes, html[pos - 1] == "/", pos + 1
        match = _ATTRIBUTE.match(html, pos)
        value = match[2] or ""
        if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        attributes.append(f' {match[1].lower()}="{value.replace(chr(34), "&quot;")}"')
        pos = match.end()


def limit_nesting(html, limit=MAX_HTML_DEPTH):
    """`html` rewritten as plain tags and text (comments dropped, every attribute quoted),
    or None if its elements nest deeper than `limit`.

    One linear pass; an end tag closes only the innermost open element, so the count is never
    below the depth a browser (or nh3) builds from the rewritten HTML, which is what nh3 then
    parses: the two cannot disagree on where a tag or comment ends."""
    out, stack, pos, n = [], [], 0, len(html)
    while (lt := html.find("<", pos)) != -1:
        out.append(html[pos:lt])
        following = html[lt + 1 : lt + 3]
        if following[:1].isascii() and following[:1].isalpha():
            tag = _tag(html, lt + 1)
            if tag is None:
                break
            name, attributes, self_closing, pos = tag
            out.append(f"<{name}{''.join(attributes)}>")
            if name in VOID_TAGS:
                continue
            if self_closing:
                out.append(f"</{name}>")
                continue
            while stack and name in _CLOSED_BY.get(stack[-1], ()):
                stack.pop()
            stack.append(name)
            if len(stack) > limit:
                return None
            if name in RAW_TEXT_TAGS:
                end = re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE).search(html, pos)
                out.append(html[pos : end.start() if end else n])
                if end is None:
                    return "".join(out)
                pos = end.start()
        elif following[:1] == "/" and following[1:].isascii() and following[1:].isalpha():
            tag = _tag(html, lt + 2)
            if tag is None:
                break
            name, _, _, pos = tag
            out.append(f"</{name}>")
            if stack and stack[-1] == name:
                stack.pop()
        elif html.startswith("<!--", lt):
            if html.startswith((">", "->"), lt + 4):
                pos = html.index(">", lt + 4) + 1
                continue
            end = _COMMENT_END.search(html, lt + 4)
            if end is None:
                break
            pos = end.end()
        elif following[:1] in ("!", "?", "/"):
            # Doctypes, processing instructions, "</ x>": bogus comments up to the next ">".
            pos = html.find(">", lt) + 1
            if pos == 0:
                break
        else:
            out.append("&lt;")
            pos = lt + 1
    else:
        out.append(html[pos:n])
    return "".join(out)
