"""Hostile Markdown: whatever an editor pastes, readers get no script, style, frame, event
handler, or javascript:/data: URL. Checked on the published page itself."""

from html.parser import HTMLParser

import pytest

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
            if name in {"href", "src", "cite", "action"} and value:
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
