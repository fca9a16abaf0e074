"""Built for the CDN: every public GET is shareable by CloudFront and conditional; nothing
public sets or varies on a cookie; private responses are never stored."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_urls(make_post, make_photo):
    post = make_post(tags=["Travel"], cover=make_photo())
    return [
        "/",
        "/?page=1",
        f"/posts/{post.slug}/",
        "/tags/travel/",
        f"/authors/{post.author.username}/",
        "/search/",
        "/search/?q=post",
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/feeds/tags/travel/rss.xml",
        "/feeds/tags/travel/atom.xml",
        "/sitemap.xml",
        "/robots.txt",
        "/api/v1/posts/",
        "/api/v1/posts/?tag=travel",
        f"/api/v1/posts/{post.slug}/",
        "/api/v1/tags/",
        "/api/v1/openapi.json",
        "/api/v1/posts/missing/",
        "/no-such-page/",
        "/api/v1/nowhere/",
    ]


def test_every_public_url_is_shareable_and_cookie_free(client, public_urls):
    """Each public URL answers with public, max-age, s-maxage and stale-while-revalidate, an
    ETag, and neither a cookie nor `Vary: Cookie`."""
    for url in public_urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        cache_control = response["Cache-Control"]
        for directive in ("public", "max-age=60", "s-maxage=600", "stale-while-revalidate=86400"):
            assert directive in cache_control, (url, cache_control)
        assert response.has_header("ETag"), url
        assert not response.cookies, (url, response.cookies)
        assert "cookie" not in response.get("Vary", "").lower(), url


def test_public_pages_stay_cookie_free_for_a_logged_in_editor(editor_client, public_urls):
    """Even an editor with a session gets no cookie and no `Vary: Cookie` on public pages:
    CloudFront forwards no cookies, so the pages must not depend on one."""
    for url in public_urls:
        response = editor_client.get(url)
        assert not response.cookies, url
        assert "cookie" not in response.get("Vary", "").lower(), url


def test_matching_conditional_request_gets_304(client, public_urls):
    """A request with the ETag a 200 was given gets a 304 with the same caching headers
    (HTTP applies conditions to successful responses only, so 404s are left out)."""
    for url in public_urls:
        first = client.get(url)
        if first.status_code != 200:
            continue
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, url
        assert again.content == b""
        assert again["Cache-Control"] == first["Cache-Control"], url


def test_etag_changes_when_content_changes(client, make_post):
    """An edited post gets a new ETag, so a stale copy is never revalidated as fresh."""
    post = make_post(title="Before")
    etag = client.get(f"/posts/{post.slug}/")["ETag"]
    post.title = "After"
    post.save()
    response = client.get(f"/posts/{post.slug}/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "After" in response.content.decode()


def test_admin_and_preview_are_private_no_store(editor_client, make_post):
    """The admin and a staff preview are never stored by any cache."""
    post = make_post(state="draft")
    for url in ["/admin/", "/admin/blog/post/", f"/preview/posts/{post.pk}/", "/admin/login/"]:
        response = editor_client.get(url)
        assert response.status_code in (200, 302), url
        cache_control = response["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, (url, cache_control)
        assert "public" not in cache_control


def test_writes_are_private(client):
    """A POST to a public URL is never cacheable, whatever its answer."""
    response = client.post("/api/v1/posts/")
    assert response.status_code == 405
    assert response["Cache-Control"] == "private, no-store"
