"""Version 1 of every notice's templates, in English and Welsh, from
messaging/default_templates.yaml (`commonweal templates load` adds any missing later)."""

from pathlib import Path

import yaml
from django.db import migrations
from django.utils import timezone

DEFAULTS = Path(__file__).resolve().parents[1] / "default_templates.yaml"
LONG = ("email", "letter", "portal")
SHORT = ("sms", "phone")


def load(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    data = yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))
    now = timezone.now()
    rows = []
    for event, languages in data.items():
        for language, texts in languages.items():
            for channel in (*LONG, *SHORT):
                if MessageTemplate.objects.filter(
                    event=event, channel=channel, language=language
                ).exists():
                    continue
                rows.append(
                    MessageTemplate(
                        event=event,
                        channel=channel,
                        language=language,
                        version=1,
                        status="published",
                        subject=texts["subject"] if channel in LONG else "",
                        body=texts["long"] if channel in LONG else texts["short"],
                        published_at=now,
                    )
                )
    MessageTemplate.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_notices")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
