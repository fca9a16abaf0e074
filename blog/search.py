"""Post search: PostgreSQL full-text search where available, a portable fallback elsewhere."""

from django.db import connection
from django.db.models import Q

MAX_QUERY_LENGTH = 200


def clean_query(query):
    """What is left of a reader's query worth searching for: no NUL (PostgreSQL rejects it),
    no surrounding space, bounded length."""
    return (query or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]


def search_posts(queryset, query):
    query = clean_query(query)
    if not query:
        return queryset.none()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("summary", weight="B", config="english")
            + SearchVector("body", weight="C", config="english")
        )
        search_query = SearchQuery(query, search_type="websearch", config="english")
        return (
            queryset.annotate(search=vector, rank=SearchRank(vector, search_query))
            .filter(search=search_query)
            .order_by("-rank", "-publish_at", "-id")
        )
    # SQLite and others: every word must appear in the title, summary or body.
    condition = Q()
    for word in query.split()[:10]:
        condition &= Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
    return queryset.filter(condition).order_by("-publish_at", "-id")
