"""The read-only JSON API through HTTP."""

import pytest

pytestmark = pytest.mark.django_db


def test_post_list_shape_and_pagination(client, make_post, make_photo):
    """Posts come newest first, twenty a page, with absolute next/previous links."""
    for _ in range(22):
        make_post(tags=["Travel"], cover=make_photo())
    first = client.get("/api/v1/posts/").json()
    second = client.get(first["next"].removeprefix("https://blog.example.com")).json()

    assert first["count"] == 22
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert first["next"] == "https://blog.example.com/api/v1/posts/?page=2"
    assert len(second["results"]) == 2
    assert second["next"] is None
    assert second["previous"] == "https://blog.example.com/api/v1/posts/"
    post = first["results"][0]
    assert set(post) == {
        "slug", "title", "summary", "url", "api_url", "published_at", "updated_at", "author", "tags", "cover",
    }  # fmt: skip
    assert post["tags"][0]["slug"] == "travel"
    assert post["cover"]["alt"] == "A red door"
    assert post["cover"]["width"] == 64
    assert post["cover"]["url"].startswith("https://blog.example.com/media/renditions/")
    assert {r["type"] for r in post["cover"]["renditions"]} == {"image/avif", "image/webp", "image/jpeg"}


def test_filters_by_tag_author_and_query(client, make_author, make_post):
    """`tag`, `author` and `q` narrow the list, and links keep the filters."""
    ada = make_author("ada")
    make_post(title="Alpine lakes", author=ada, tags=["Mountains"])
    make_post(title="Harbour food", tags=["Food"])
    make_post(title="Alpine food", author=ada, tags=["Food"])

    titles = lambda url: sorted(p["title"] for p in client.get(url).json()["results"])  # noqa: E731
    assert titles("/api/v1/posts/?tag=food") == ["Alpine food", "Harbour food"]
    assert titles("/api/v1/posts/?author=ada") == ["Alpine food", "Alpine lakes"]
    assert titles("/api/v1/posts/?tag=food&author=ada") == ["Alpine food"]
    assert titles("/api/v1/posts/?q=alpine") == ["Alpine food", "Alpine lakes"]
    assert titles("/api/v1/posts/?tag=nothing") == []
    assert titles("/api/v1/posts/?tag=food%00&author=%00ada") == []


def test_filters_are_kept_in_page_links(client, make_post):
    """The next link carries the filters along with the page number."""
    for _ in range(21):
        make_post(tags=["Food"])
    assert client.get("/api/v1/posts/?tag=food").json()["next"] == (
        "https://blog.example.com/api/v1/posts/?tag=food&page=2"
    )


def test_post_detail_has_body_html(client, make_post):
    """The detail adds the sanitised HTML body."""
    post = make_post(body="Hi <script>alert(1)</script> **there**")
    data = client.get(f"/api/v1/posts/{post.slug}/").json()
    assert data["slug"] == post.slug
    assert "<strong>there</strong>" in data["body_html"]
    assert "script" not in data["body_html"]


def test_tags_list_counts_published_posts_only(client, make_post):
    """Tags carry the number of published posts; a tag only drafts carry is not listed."""
    make_post(tags=["Travel", "Food"])
    make_post(tags=["Travel"])
    make_post(state="draft", tags=["Travel", "Hidden"])
    results = client.get("/api/v1/tags/").json()["results"]
    assert [(t["slug"], t["post_count"]) for t in results] == [("food", 1), ("travel", 2)]


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/posts/missing/", 404, "not_found"),
        ("/api/v1/posts/?page=0", 400, "invalid_parameter"),
        ("/api/v1/posts/?page=abc", 400, "invalid_parameter"),
        ("/api/v1/posts/?page=%D9%A3", 400, "invalid_parameter"),
        ("/api/v1/posts/?page=99", 404, "page_not_found"),
        ("/api/v1/posts/?tag=" + "x" * 201, 400, "invalid_parameter"),
        ("/api/v1/tags/?page=-1", 400, "invalid_parameter"),
        # More digits than int() converts (4,300): refused before it, not a 500.
        ("/api/v1/posts/?page=" + "1" * 5000, 400, "invalid_parameter"),
        ("/api/v1/tags/?page=" + "9" * 4301, 400, "invalid_parameter"),
        ("/api/v1/posts/?q=x&page=" + "1" * 5000, 400, "invalid_parameter"),
        ("/api/v1/posts/?page=1000001", 400, "invalid_parameter"),
        ("/api/v1/unknown/", 404, "not_found"),
    ],
)
def test_errors_have_one_json_shape(client, url, status, code):
    """Every error is JSON: {"error": {"status", "code", "message"}}."""
    response = client.get(url)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == status
    assert error["code"] == code
    assert error["message"]


def test_writes_are_refused_with_json_405(client):
    """The API is read-only: a POST gets a JSON 405 with `Allow`."""
    response = client.post("/api/v1/posts/", {})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_cors_open_to_any_origin(client, make_post):
    """GETs are open to any origin, with or without an Origin header (CloudFront caches one
    copy for all), and a preflight is answered."""
    make_post()
    assert client.get("/api/v1/posts/")["Access-Control-Allow-Origin"] == "*"
    assert (
        client.get("/api/v1/posts/", HTTP_ORIGIN="https://other.example")["Access-Control-Allow-Origin"]
        == "*"
    )
    preflight = client.options(
        "/api/v1/posts/", HTTP_ORIGIN="https://other.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert preflight.status_code == 204
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in client.get("/")


def test_openapi_document_describes_the_api(client):
    """The OpenAPI document lists exactly the API's paths."""
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/v1/posts/", "/api/v1/posts/{slug}/", "/api/v1/tags/", "/api/v1/subscribers/",
    }  # fmt: skip
