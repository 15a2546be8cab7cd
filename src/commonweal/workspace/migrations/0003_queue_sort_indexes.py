"""Indexes for the team queue's other sorts: received (oldest or newest first) and
reference, on both databases.

A team's open cases soonest due first walk `case_open_team_queue` (cases' model); sorted
by when they arrived or by reference, the same walk needs these, or the database sorts
every open case of the team to show 50 of them.
"""

from django.db import migrations

INDEXES = {
    "case_open_team_opened": '("team_id", "opened_at", "id")',
    "case_open_team_reference": '("team_id", "reference")',
}


def create_indexes(apps, schema_editor):
    for name, columns in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "cases_case" {columns} '
            'WHERE "closed_at" IS NULL'
        )


def drop_indexes(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("workspace", "0002_queue_covering_index")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
