"""Hostile Markdown: whatever an editor pastes, readers get no script, style, frame, event
handler, or javascript:/data: URL. Checked on the published page itself."""

import re
from html.parser import HTMLParser

import pytest

from blog.highlight import token_classes

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<style>body{display:none}</style>",
    '<iframe src="https://evil.example"></iframe>',
    '<img src="x" onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="&#106;avascript:alert(1)">entity</a>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    "<svg><script>alert(1)</script></svg>",
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<form action="https://evil.example"><input name="x"></form>',
    '<div style="background:url(javascript:alert(1))">styled</div>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    "<!-- <script>alert(1)</script> -->",
    '<p title="</p><script>alert(1)</script>">t</p>',
    '<blockquote cite="javascript:alert(1)">quoted</blockquote>',
    '<q cite="JAVASCRIPT:alert(1)">q</q><del cite="vbscript:x">d</del><ins cite="data:,x">i</ins>',
    # What highlighting and photos let through must not open a door: a class only as
    # `language-*` on <code> or Pygments' token names on <span>; `photo:` only as an <img>.
    '```js" onmouseover="alert(1)\nx\n```',
    "```python\n</code></pre><script>alert(1)</script>\n```",
    '<code class="language-x" onclick="alert(1)" style="color:red">c</code>',
    "[photo](photo:1) <a href='photo:2'>p</a> ![x](photo:1 onerror=alert(1))",
    '<img src="photo:1" onerror="alert(1)" srcset="javascript:alert(1)">',
    '<picture><source srcset="javascript:alert(1)"><img src="x"></picture>',
]


class _Audit(HTMLParser):
    """Collects every element and attribute a browser would see in the body."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in {
            "script",
            "style",
            "iframe",
            "object",
            "embed",
            "form",
            "input",
            "svg",
            "math",
            "link",
            "meta",
        }:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "xlink:href", "formaction", "srcdoc"}:
                self.problems.append(f"{tag}[{name}]")
            if name == "class" and not (
                (tag == "code" and re.fullmatch(r"language-[\w+#.-]+", value or ""))
                or (tag == "span" and set((value or "").split()) <= token_classes())
                or (tag in {"picture", "figure", "span"} and value in {"photo", "photo-note"})
            ):
                self.problems.append(f"{tag}[class={value}]")
            if name == "srcset" and any(
                not part.split()[0].startswith(("/media/", "https://")) for part in (value or "").split(",")
            ):
                self.problems.append(f"{tag}[srcset={value}]")
            if name in {"href", "src", "cite", "action", "srcset"} and value:
                scheme = value.strip().split(":", 1)[0].lower() if ":" in value else ""
                if scheme and scheme not in {"http", "https", "mailto"}:
                    self.problems.append(f"{tag}[{name}={value}]")


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_markdown_is_neutralised_on_the_page(client, make_post, body):
    """The rendered body holds no dangerous element, no event handler or style attribute,
    and no URL with a scheme other than http, https or mailto."""
    post = make_post(body=f"Intro.\n\n{body}\n\nOutro.")
    html = client.get(f"/posts/{post.slug}/").content.decode()
    article = html.split('<div class="body">', 1)[1].split("</article>", 1)[0]
    audit = _Audit()
    audit.feed(article)
    assert audit.problems == [], article
    assert "Intro." in article and "Outro." in article


def test_ordinary_markdown_survives(client, make_post):
    """Headings, links, lists, emphasis, code and tables come through."""
    body = "## Title\n\n*em* **strong** `code`\n\n- a\n- b\n\n[site](https://example.com)\n\n| x | y |\n|---|---|\n| 1 | 2 |\n"
    post = make_post(body=body)
    html = client.get(f"/posts/{post.slug}/").content.decode()
    for fragment in ("<h2>Title</h2>", "<em>em</em>", "<strong>strong</strong>", "<code>code</code>",
                     "<li>a</li>", 'href="https://example.com"', "<td>1</td>"):  # fmt: skip
        assert fragment in html


def test_body_html_follows_body_on_every_save(make_post):
    """Editing the body re-renders the stored HTML, even through `update_fields`."""
    post = make_post(body="*one*")
    post.body = "**two**"
    post.save(update_fields=["body"])
    post.refresh_from_db()
    assert "<strong>two</strong>" in post.body_html


def test_text_after_a_script_with_a_less_than_sign_survives(client, make_post):
    """The script goes, with its content; a `<` inside it (`a<b`) is no tag, so what follows
    the script is still on the page."""
    post = make_post(
        body="<script>if (a<b) alert(1)</script>\n\nAfter the script.\n\n<style>p<b{}</style>\n\nEnd."
    )
    html = client.get(f"/posts/{post.slug}/").content.decode()
    article = html.split('<div class="body">', 1)[1].split("</article>", 1)[0]
    assert "After the script." in article and "End." in article
    assert "alert" not in article and "<script" not in article and "<style" not in article


CODE = """Some code:

```python
def greet(name: str) -> str:
    return f"<b>{name}</b>"  # not a tag
```

```
plain, no language
```

```made-up-language
kept as text
```
"""


def test_code_is_highlighted_at_save_and_survives_the_sanitiser(client, make_post):
    """Pygments' spans and the `language-*` class come through nh3; the code's own `<b>` is
    text; a block without a language (or with one Pygments lacks) is plain escaped text."""
    post = make_post(body=CODE)
    assert '<span class="k">def</span>' in post.body_html  # done when saved, stored
    html = client.get(f"/posts/{post.slug}/").content.decode()
    article = html.split('<div class="body">', 1)[1].split("</article>", 1)[0]
    assert '<pre><code class="language-python"><span class="k">def</span>' in article
    assert '<span class="nf">greet</span>' in article
    assert "&lt;b&gt;" in article and "<b>" not in article
    assert '<span class="c1"># not a tag</span>' in article
    assert "<pre><code>plain, no language\n</code></pre>" in article
    assert '<code class="language-made-up-language">kept as text' in article
    assert '<link rel="stylesheet" href="/static/blog/code.css">' in html
    assert "<script" not in article


def test_the_code_stylesheet_is_generated_and_meets_contrast_rules():
    """The committed stylesheet is what blog.highlight generates, and each colour in it has at
    least 4.5:1 contrast (WCAG AA) on the code's background."""
    from pathlib import Path

    from blog.highlight import BACKGROUND, stylesheet

    css = (Path(__file__).resolve().parents[2] / "blog" / "static" / "blog" / "code.css").read_text()
    assert css == stylesheet(), "regenerate it: python -m blog.highlight > blog/static/blog/code.css"

    def luminance(colour):
        colour = colour.lstrip("#")
        if len(colour) == 3:
            colour = "".join(c * 2 for c in colour)
        channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    def contrast(a, b):
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    colours = re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", css)
    assert len(colours) > 20
    assert not re.search(r"background(-color)?:\s*#(?!ffffff)", css, re.I)  # one background only
    worst = min(colours, key=lambda c: contrast(c, BACKGROUND))
    assert contrast(worst, BACKGROUND) >= 4.5, worst


def test_the_post_page_shows_photos_and_code_without_javascript(client, make_post, make_photo):
    photo = make_photo(size=(700, 500))
    post = make_post(body=f"![](photo:{photo.pk})\n\n" + CODE)
    html = client.get(f"/posts/{post.slug}/").content.decode()
    assert "<script" not in html.replace('<script type="application/ld+json">', "")
