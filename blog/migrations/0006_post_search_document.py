"""PostgreSQL only: a stored, indexed tsvector for post search.

search_posts used to compute to_tsvector over every whole body on every query: the cost grew
with the archive, and one body past tsvector's 1 MB limit made every search fail. The column
is computed once per write, from bounded prefixes, and a GIN index serves `@@`.

The model does not declare the column (SQLite has no tsvector), so Django never writes it; it
only reads it through blog.search. Altering the type of title, summary or body on PostgreSQL
needs this column dropped first and made again (a generated column pins what it reads)."""

from django.db import migrations

TABLE = "blog_post"
COLUMN = "search_document"
INDEX = "post_search_document_idx"

DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, left(coalesce(summary, ''), 2000)), 'B') || "
    "setweight(to_tsvector('english'::regconfig, left(coalesce(body, ''), 100000)), 'C')"
)


def add_search_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN {COLUMN} tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    schema_editor.execute(f"CREATE INDEX {INDEX} ON {TABLE} USING gin ({COLUMN})")


def remove_search_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS {COLUMN}")


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0005_photo_renditions"),
    ]

    operations = [
        migrations.RunPython(add_search_document, remove_search_document, elidable=False),
    ]
