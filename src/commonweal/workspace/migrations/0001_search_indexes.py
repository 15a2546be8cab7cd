"""Trigram indexes for the workspace's name search, on PostgreSQL only.

The search uses Django's `icontains`, which PostgreSQL runs as
`UPPER("people_person"."family_name"::text) LIKE UPPER('%smith%')`: a B-tree cannot help
with a pattern that starts with a wildcard, a trigram GIN index on exactly that expression
can. SQLite has no such index; there the search scans, which is fine at its sizes.
"""

from django.db import migrations

INDEXES = {
    "person_family_name_trgm": "family_name",
    "person_given_name_trgm": "given_name",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        # The expression must match the one Django writes for icontains, cast and all.
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "people_person" '
            f'USING gin ((UPPER(("{column}")::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_representative"),
        ("cases", "0004_decisions_append_only"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
