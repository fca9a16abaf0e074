"""Fast at the origin: each public page and API list runs a fixed number of SQL queries,
the same with one post as with fifty. List pages (home, tag, author, search) and the API's post
list read each post's stored card or item (blog.cards), the feeds each post's stored feed item:
a count (lists only) and one query for the page's cards, three more when any of them is
stale (the posts, their tags, one UPDATE storing the new cards), however many are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.models import Tag

pytestmark = pytest.mark.django_db

STALE_CARDS = 3  # the stale posts with their author and cover, their tags, the UPDATE

# url, queries, whether it shows stored cards or items
URLS = [
    ("/", 2, True),  # the count, the page's cards
    ("/tags/travel/", 3, True),
    ("/authors/{author}/", 3, True),
    ("/search/?q=post", 2, True),
    ("/feeds/rss.xml", 1, True),  # each post's stored feed item
    ("/feeds/atom.xml", 1, True),
    ("/feeds/tags/travel/rss.xml", 2, True),  # the tag, its posts' stored feed items
    ("/sitemap.xml", 6, False),  # a count and a page for each of posts, tags, authors
    ("/api/v1/posts/", 2, True),  # the count, each post's stored item
    ("/api/v1/posts/?tag=travel&author={author}", 2, True),
    ("/api/v1/tags/", 2, False),
    ("/posts/{slug}/", 2, False),
    ("/api/v1/posts/{slug}/", 2, False),
]


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("url", "expected", "cards"), URLS)
def test_query_count_does_not_grow_with_posts(
    client, make_author, make_post, make_photo, url, expected, cards
):
    """The count is exact, and the same for 1 post as for 50 (covers, tags and authors
    included), so a page never does per-post queries; stale cards add a fixed number too."""
    stale = STALE_CARDS if cards else 0
    author = make_author("writer")
    cover = make_photo()
    first = make_post(author=author, tags=["Travel", "Food"], cover=cover)
    target = url.format(author=author.username, slug=first.slug)
    assert _queries(client, target) == expected + stale  # the new post's card is rendered
    with_one = _queries(client, target)

    for i in range(49):
        make_post(author=make_author() if i % 2 else author, tags=["Travel", f"T{i % 7}"], cover=make_photo())
    assert _queries(client, target) == expected + stale  # twenty new cards, rendered at once
    with_fifty = _queries(client, target)

    assert with_one == with_fifty == expected


@pytest.mark.parametrize(("url", "expected", "cards"), [u for u in URLS if u[2]])
def test_an_edit_elsewhere_costs_the_same_fixed_queries(client, make_author, make_post, url, expected, cards):
    """A tag renamed on fifty posts makes their cards stale: the next page renders the twenty it
    shows in the same fixed number of queries, and stores them."""
    author = make_author("writer")
    first = make_post(author=author, tags=["Travel"])
    for _ in range(49):
        make_post(author=author, tags=["Travel"])
    target = url.format(author=author.username, slug=first.slug)
    client.get(target)
    tag = Tag.objects.get(slug="travel")
    tag.name = "Journeys"
    tag.save()

    assert _queries(client, target) == expected + STALE_CARDS
    assert _queries(client, target) == expected
