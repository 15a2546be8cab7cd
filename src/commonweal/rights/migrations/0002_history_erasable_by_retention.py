"""History stays append-only, except that the retention job may delete it.

The triggers on case events, decisions and person changes (and the new consents table)
refuse every UPDATE, and every DELETE unless the deleting transaction holds a row in
`rights_erasurepass`. Only the retention job writes that row, inside its own transaction,
and deletes it before committing, so no other transaction ever sees it.

Also loads the templates of the `data_request_outcome` notice."""

from pathlib import Path

import yaml
from django.db import migrations
from django.utils import timezone

TABLES = ("cases_caseevent", "cases_decision", "people_personchange", "rights_consent")
TEMPLATES = Path(__file__).resolve().parents[2] / "messaging" / "default_templates.yaml"
EVENTS = ("data_request_outcome",)


def _sqlite(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update",
        f"DROP TRIGGER IF EXISTS {table}_no_delete",
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        "WHEN NOT EXISTS (SELECT 1 FROM rights_erasurepass) "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
    ]


def _postgresql(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}",
        f"""
        CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM rights_erasurepass) THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
        END;
        $$ LANGUAGE plpgsql
        """,
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
    ]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        statements = {"sqlite": _sqlite, "postgresql": _postgresql}.get(vendor)
        for statement in statements(table) if statements else []:
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    # The earlier migrations' triggers (no exception) come back with theirs re-run; rolling
    # back this far is for development only.


def load_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    data = yaml.safe_load(TEMPLATES.read_text(encoding="utf-8"))
    now = timezone.now()
    for event in EVENTS:
        for language, texts in data.get(event, {}).items():
            for channel in ("email", "letter", "portal", "sms", "phone"):
                long = channel in ("email", "letter", "portal")
                if MessageTemplate.objects.filter(
                    event=event, channel=channel, language=language
                ).exists():
                    continue
                MessageTemplate.objects.create(
                    event=event,
                    channel=channel,
                    language=language,
                    version=1,
                    status="published",
                    subject=texts["subject"] if long else "",
                    body=texts["long"] if long else texts["short"],
                    published_at=now,
                )


class Migration(migrations.Migration):
    dependencies = [
        ("rights", "0001_data_rights"),
        ("cases", "0004_decisions_append_only"),
        ("people", "0002_person_changes_append_only"),
        ("messaging", "0005_default_templates"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(load_templates, migrations.RunPython.noop),
    ]
