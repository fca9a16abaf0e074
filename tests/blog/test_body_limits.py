"""A post body nh3 would take minutes over is refused by the admin form with a clear message,
and one saved without the form is rendered quickly all the same: nh3 is quadratic in how
deeply HTML nests ("<div>" * 40_000 took seconds, * 100_000 most of a minute)."""

import time

import pytest

from blog.markdown import render_markdown
from blog.models import Post

pytestmark = pytest.mark.django_db


def add_post(editor_client, editor, body):
    return editor_client.post(
        "/admin/blog/post/add/",
        {"title": "Deep", "slug": "deep", "author": editor.pk, "summary": "", "body": body},
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<div>" * 40_000, "nests elements more than 100 levels deep"),
        ("<span>" * 101, "nests elements more than 100 levels deep"),
        ("<div></span>" * 10_000, "nests elements more than 100 levels deep"),
        ("<!--><div>-->" * 10_000, "nests elements more than 100 levels deep"),
        ("word " * 40_001, "the most a post can hold is 200,000"),
    ],
    ids=["open-divs", "just-too-deep", "wrong-end-tags", "short-comments", "too-long"],
)
def test_admin_refuses_bodies_too_deep_or_too_long(editor_client, editor, body, message):
    started = time.monotonic()
    response = add_post(editor_client, editor, body)
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Post.objects.exists()


def test_admin_accepts_nesting_up_to_the_limit(editor_client, editor):
    """Markdown wraps a paragraph in <p>: 98 divs and it make 99 levels. Unclosed <p> and
    <li>, which HTML closes itself, do not count as nesting."""
    body = "<div>" * 98 + "\n\ntext\n\n" + "</div>" * 98 + "\n\n<ul>" + "<li>item" * 500 + "</ul>"
    response = add_post(editor_client, editor, body)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Post.objects.get(slug="deep").body_html.count("<div>") == 98


def test_render_stays_fast_and_shallow_without_the_form(make_post):
    """A save that skipped validation shows the raw HTML as text instead of nesting it."""
    started = time.monotonic()
    post = make_post(body="<div>" * 100_000)
    assert time.monotonic() - started < 5
    assert "<div>" not in post.body_html and "&lt;div&gt;" in post.body_html


def test_self_closed_divs_are_closed_not_nested(editor_client, editor):
    """HTML ignores the slash of "<div/>" (it opens a div); nh3 is handed "<div></div>"."""
    started = time.monotonic()
    response = add_post(editor_client, editor, "<div/>" * 30_000)
    assert time.monotonic() - started < 5
    assert response.status_code == 302
    assert Post.objects.get(slug="deep").body_html.startswith("<div></div><div></div>")


def test_rendering_keeps_ordinary_html():
    html = render_markdown('<figure><img src="/a.jpg" alt="A"><figcaption>A & B</figcaption></figure>')
    assert html == '<figure><img src="/a.jpg" alt="A"><figcaption>A &amp; B</figcaption></figure>'
