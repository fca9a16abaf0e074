"""PostgreSQL search reads a stored, GIN-indexed tsvector (migration 0006) instead of
computing to_tsvector over every body on every query: the cost no longer grows with the
archive, and one body past tsvector's 1 MB limit no longer breaks every search."""

import random
import string

import pytest
from django.db import connection

from blog.models import Post

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search"),
]


def found(client, query):
    html = client.get("/search/", {"q": query})
    api = client.get("/api/v1/posts/", {"q": query})
    assert html.status_code == 200 and api.status_code == 200
    return [post["title"] for post in api.json()["results"]]


def test_a_body_over_a_megabyte_is_searchable_and_breaks_nothing(client, make_post):
    rng = random.Random(1)
    words = sorted({"".join(rng.choices(string.ascii_lowercase, k=10)) for _ in range(150_000)})
    body = " ".join(["harbourmaster", *words])
    assert len(body) > 1_500_000
    make_post(title="Huge", body=body)
    make_post(title="Small", body="A lighthouse keeper.")

    assert found(client, "harbourmaster") == ["Huge"]
    assert found(client, "lighthouse") == ["Small"]
    assert found(client, "zzzzzz") == []


def test_title_outranks_summary_outranks_body(client, make_post):
    make_post(title="Body", body="The ferry was late.")
    make_post(title="Title ferry", body="Nothing here.")
    make_post(title="Summary", summary="A ferry story.", body="Nothing here.")
    assert found(client, "ferry") == ["Title ferry", "Summary", "Body"]


def test_search_can_use_the_gin_index(make_post):
    for n in range(30):
        make_post(title=f"Walk {n}", body="hills and valleys")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    # (A test database is too small for the planner to prefer it; with sequential scans off
    # it must say whether the condition can use the index at all.)
    plan = Post.objects.search("valleys").explain()
    assert "post_search_document_idx" in plan, plan
