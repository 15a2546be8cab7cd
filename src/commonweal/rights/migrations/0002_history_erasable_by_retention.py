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

from commonweal.core.db import append_only_unless_erasing

TABLES = ("cases_caseevent", "cases_decision", "people_personchange", "rights_consent")
TEMPLATES = Path(__file__).resolve().parents[2] / "messaging" / "default_templates.yaml"
EVENTS = ("data_request_outcome",)


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
        append_only_unless_erasing(*TABLES),
        migrations.RunPython(load_templates, migrations.RunPython.noop),
    ]
