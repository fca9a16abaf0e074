"""Post search: PostgreSQL full-text search where available, a portable fallback elsewhere."""

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

MAX_QUERY_LENGTH = 200
# Made by migration 0006 on PostgreSQL only: a stored tsvector of title (A), the start of the
# summary (B) and of the body (C), with a GIN index. The model does not declare it.
SEARCH_DOCUMENT = "search_document"


def clean_query(query):
    """What is left of a reader's query worth searching for: no NUL (PostgreSQL rejects it),
    no surrounding space, bounded length."""
    return (query or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]


def _search_document(model):
    """The stored column as an expression, qualified by the table: listings join tags and
    authors, and the GIN index only serves a filter on the column itself."""
    from django.contrib.postgres.search import SearchVectorField

    quote = connection.ops.quote_name
    sql = f"{quote(model._meta.db_table)}.{quote(SEARCH_DOCUMENT)}"
    # Params as a list: SearchVectorExact adds them to the query's list (a tuple fails).
    return RawSQL(sql, [], output_field=SearchVectorField())  # noqa: S611 (no user input)


def search_posts(queryset, query):
    query = clean_query(query)
    if not query:
        return queryset.none()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        document = _search_document(queryset.model)
        search_query = SearchQuery(query, search_type="websearch", config="english")
        return (
            queryset.alias(document=document)
            .filter(document=search_query)
            .annotate(rank=SearchRank(document, search_query))
            .order_by("-rank", "-publish_at", "-id")
        )
    # SQLite and others: every word must appear in the title, summary or body.
    condition = Q()
    for word in query.split()[:10]:
        condition &= Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
    return queryset.filter(condition).order_by("-publish_at", "-id")
