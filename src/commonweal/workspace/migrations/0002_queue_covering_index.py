"""A covering index for the team queue, on PostgreSQL only.

The queue counts and pages through a team's open cases with filters on service, assignee,
stage, time limit and unanswered messages. With those columns in the index (INCLUDE), the
count is an index-only scan instead of a visit to every matching row. SQLite has no
INCLUDE; the plain partial index on the model serves it there.
"""

from django.db import migrations

NAME = "case_open_team_queue_cover"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "cases_case" ("team_id", "due_date", "id") '
        'INCLUDE ("service_id", "assigned_to_id", "stage", "clock_stopped_on", '
        '"awaiting_reply_since") WHERE "closed_at" IS NULL'
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [("workspace", "0001_search_indexes")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
