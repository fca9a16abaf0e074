"""Fast at the origin: each public page and API list runs a fixed number of SQL queries,
the same with one post as with fifty. The counts are for a cold page cache: the page's own
queries plus one for the content version (blog.versioning); search is not page-cached."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

VERSION = 1  # the content version the page cache is keyed on

URLS = [
    ("/", VERSION + 3),
    ("/tags/travel/", VERSION + 4),
    ("/authors/{author}/", VERSION + 4),
    ("/search/?q=post", 3),
    ("/feeds/rss.xml", VERSION + 2),
    ("/feeds/atom.xml", VERSION + 2),
    ("/feeds/tags/travel/rss.xml", VERSION + 3),
    ("/sitemap.xml", VERSION + 6),  # a count and a page for each of posts, tags, authors
    ("/api/v1/posts/", VERSION + 3),
    ("/api/v1/posts/?tag=travel&author={author}", VERSION + 3),
    ("/api/v1/tags/", VERSION + 2),
    ("/posts/{slug}/", VERSION + 2),
    ("/api/v1/posts/{slug}/", VERSION + 2),
]


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("url", "expected"), URLS)
def test_query_count_does_not_grow_with_posts(client, make_author, make_post, make_photo, url, expected):
    """The count is exact, and the same for 1 post as for 50 (covers, tags and authors
    included), so a page never does per-post queries."""
    author = make_author("writer")
    cover = make_photo()
    first = make_post(author=author, tags=["Travel", "Food"], cover=cover)
    target = url.format(author=author.username, slug=first.slug)
    with_one = _queries(client, target)

    for i in range(49):
        make_post(author=make_author() if i % 2 else author, tags=["Travel", f"T{i % 7}"], cover=make_photo())
    with_fifty = _queries(client, target)

    assert with_one == with_fifty == expected


CACHED = [url for url, _ in URLS if not url.startswith("/search/")]


@pytest.mark.parametrize("url", CACHED)
def test_repeated_request_costs_one_query(client, make_author, make_post, make_photo, url):
    """Asked again with nothing changed, a page costs only the version query and comes back
    byte for byte, with the same headers."""
    author = make_author("writer")
    first = make_post(author=author, tags=["Travel", "Food"], cover=make_photo())
    make_post(author=author, tags=["Travel"])
    target = url.format(author=author.username, slug=first.slug)
    rendered = client.get(target)

    with CaptureQueriesContext(connection) as ctx:
        again = client.get(target)

    assert len(ctx.captured_queries) == 1, [q["sql"] for q in ctx.captured_queries]
    assert again.status_code == rendered.status_code == 200
    assert again.content == rendered.content
    assert sorted(again.items()) == sorted(rendered.items())
