"""Every 4xx and 5xx under /api/ is the API's JSON error, whichever layer answers, with DEBUG on
or off; every public URL follows the same method rules; the OpenAPI document says what the
server does (lengths, statuses, the answers to unknown paths and methods)."""

import pytest
from django.urls import get_resolver

pytestmark = pytest.mark.django_db


def assert_api_error(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == status and error["code"] and error["message"]
    assert set(response.json()) == {"error"} and set(error) == {"status", "code", "message"}
    return error


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_a_bad_host_is_a_json_400(client, debug):
    response = client.get("/api/v1/posts/", HTTP_HOST="evil.example")
    assert assert_api_error(response, 400)["code"] == "bad_request"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_over_a_thousand_parameters_is_a_json_400(client, debug):
    query = "&".join(f"p{n}=1" for n in range(1001))
    assert_api_error(client.get(f"/api/v1/posts/?{query}"), 400)
    assert_api_error(client.get(f"/api/v1/posts/anything/?{query}"), 400)


@pytest.mark.parametrize("path", ["/api/v1/unknown/", "/api/v2/posts/", "/api/", "/api/v1/posts/a/b/"])
def test_unknown_api_paths_are_a_json_404(client, debug, path):
    """Also under DEBUG, where Django would answer with its HTML debug page."""
    response = client.get(path)
    assert assert_api_error(response, 404)["code"] == "not_found"
    assert b"<html" not in response.content.lower()


def test_a_server_error_is_a_json_500_without_the_traceback(client, debug, monkeypatch):
    from blog.models import TagQuerySet

    def broken(self):
        raise RuntimeError("the database is on fire")

    monkeypatch.setattr(TagQuerySet, "with_post_counts", broken)
    client.raise_request_exception = False
    response = client.get("/api/v1/tags/")
    assert assert_api_error(response, 500)["code"] == "server_error"
    assert b"on fire" not in response.content
    assert response["Cache-Control"] == "private, no-store"


def test_an_api_error_keeps_its_own_json(client):
    """Errors the API already answers in its shape are left alone (their codes are theirs)."""
    assert assert_api_error(client.get("/api/v1/posts/?page=0"), 400)["code"] == "invalid_parameter"


def test_pages_outside_the_api_keep_their_html_errors(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


# --- methods -------------------------------------------------------------------------------

READING = "GET, HEAD"


@pytest.fixture
def public_urls(make_post):
    """Every public route, by name, with a URL that exists (so a 405 cannot hide behind a 404),
    and the methods it takes."""
    post = make_post(tags=["Travel"])
    author = post.author.username
    return {
        "blog:home": ("/", READING),
        "blog:post": (post.get_absolute_url(), READING),
        "blog:tag": ("/tags/travel/", READING),
        "blog:author": (f"/authors/{author}/", READING),
        "blog:search": ("/search/?q=post", READING),
        "blog:feed-rss": ("/feeds/rss.xml", READING),
        "blog:feed-atom": ("/feeds/atom.xml", READING),
        "blog:tag-feed-rss": ("/feeds/tags/travel/rss.xml", READING),
        "blog:tag-feed-atom": ("/feeds/tags/travel/atom.xml", READING),
        "blog:sitemap": ("/sitemap.xml", READING),
        "blog:robots": ("/robots.txt", READING),
        "blog:api-posts": ("/api/v1/posts/", READING),
        "blog:api-post": (f"/api/v1/posts/{post.slug}/", READING),
        "blog:api-tags": ("/api/v1/tags/", READING),
        "blog:api-openapi": ("/api/v1/openapi.json", READING),
        "blog:local-upload": ("/local-upload/", "POST"),
        "welcome:subscribe": ("/subscribe/", "GET, HEAD, POST"),
        "welcome:subscribed": ("/subscribe/thanks/", READING),
        "welcome:api-subscribers": ("/api/v1/subscribers/", "POST"),
        "welcome:confirm": ("/confirm/not-a-token/", "GET, HEAD, POST"),
        "welcome:unsubscribe": ("/unsubscribe/not-a-token/", "GET, HEAD, POST"),
    }


def test_the_list_covers_every_public_route(public_urls):
    names = set()
    for pattern in get_resolver().url_patterns:
        namespace = getattr(pattern, "namespace", None)
        if namespace in ("blog", "welcome"):
            names |= {f"{namespace}:{p.name}" for p in pattern.url_patterns}
    names -= {"blog:preview"}  # staff only (tests/blog/test_permissions.py)
    assert names == set(public_urls)


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "PUT", "PATCH", "DELETE", "POST", "CONNECT"])
def test_every_public_url_refuses_other_methods_alike(client, public_urls, method):
    """A 405 naming the allowed methods, with no body to speak of: pages, feeds, the sitemap
    and the API alike (feeds and the sitemap used to answer OPTIONS and TRACE with a 200)."""
    for name, (url, allowed) in public_urls.items():
        if method in allowed.split(", "):
            continue
        response = client.generic(method, url)
        assert response.status_code == 405, (name, method, response.status_code)
        assert response["Allow"] == allowed, (name, method)
        if url.startswith("/api/"):
            assert_api_error(response, 405)
        else:
            assert response.content == b"", (name, method)


def test_a_cors_preflight_is_still_answered(client):
    response = client.options(
        "/api/v1/posts/", HTTP_ORIGIN="https://other.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert response.status_code == 204


# --- the OpenAPI document ------------------------------------------------------------------


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json()


def test_the_email_length_is_the_servers(client, document):
    """254 characters, as the server checks; one more is refused."""
    from welcome.addresses import MAX_LENGTH

    email = document["components"]["schemas"]["SubscriptionRequest"]["properties"]["email"]
    assert email["maxLength"] == MAX_LENGTH == 254
    too_long = "a" * 64 + "@" + ("b" * 60 + ".") * 3 + "c" * (254 - 64 - 1 - 183 + 1) + ".com"
    assert len(too_long) > 254
    response = client.post("/api/v1/subscribers/", {"email": too_long}, content_type="application/json")
    assert_api_error(response, 400)


def test_every_status_and_the_unlisted_answers_are_documented(document, client):
    """Each reading operation lists 304 and 400 (a bad Host, too many parameters) beside its
    own; every operation lists server errors; the answers to a path or a method the document
    does not list are its NotFound and MethodNotAllowed responses, in the Error shape."""
    responses = document["components"]["responses"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "description":
                continue
            assert "5XX" in operation["responses"], path
            if method == "get":
                assert {"200", "304", "400", "404"} <= set(operation["responses"]), path
    assert responses["NotFound"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert responses["MethodNotAllowed"]["headers"]["Allow"]["required"] is True
    assert "405" in document["info"]["description"] and "404" in document["info"]["description"]
