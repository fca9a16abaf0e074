"""The welcome email: text and HTML from templates, links on the public site URL, and the
RFC 8058 one-click unsubscribe headers naming the same link as the body."""

import re

from welcome import tokens
from welcome.emails import build_welcome_message


def test_the_welcome_has_text_html_links_and_one_click_headers(settings):
    settings.SITE_NAME = "Field Notes"
    message = build_welcome_message("jane@example.com", "2026-11-22T08:00:00.000000Z")
    assert message.subject == "Confirm your subscription to Field Notes"
    assert message.to == ["jane@example.com"]
    assert message.from_email == settings.WELCOME_FROM_EMAIL

    unsubscribe = re.fullmatch(r"<(.+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert unsubscribe.startswith("https://blog.example.com/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = unsubscribe.removeprefix("https://blog.example.com/unsubscribe/").rstrip("/")
    assert tokens.read_unsubscribe_token(token) == "jane@example.com"

    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    confirm = re.search(r"https://blog\.example\.com/confirm/[^/\s\"]+/", message.body).group(0)
    assert tokens.read_confirm_token(confirm.split("/")[-2]) == (
        "jane@example.com",
        "2026-11-22T08:00:00.000000Z",
    )
    for body in (message.body, html):
        assert confirm in body
        assert unsubscribe in body
    assert "&lt;" not in message.body, "the text part is not HTML-escaped"
    assert "#0b5cad" in html, "the HTML part wears the blog's accent colour"


def test_the_mime_message_keeps_the_headers(settings):
    raw = build_welcome_message("jane@example.com", "2026-11-22T08:00:00.000000Z").message()
    assert raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert raw["List-Unsubscribe"].startswith("<https://blog.example.com/unsubscribe/")
    assert raw["Message-ID"].endswith("@blog.example.com>")
    assert raw.get_content_type() == "multipart/alternative"
