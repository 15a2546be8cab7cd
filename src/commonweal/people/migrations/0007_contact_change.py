"""New contact details given by someone else wait in ContactChange until checked; the
person is told at the old ones when they change (the `contact_details_changed` notice,
whose default templates are loaded here)."""

import uuid
from pathlib import Path

import django.db.models.deletion
import yaml
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

TEMPLATES = Path(__file__).resolve().parents[2] / "messaging" / "default_templates.yaml"
EVENTS = ("contact_details_changed",)


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
        ('people', '0006_identity_level'),
        ('messaging', '0005_default_templates'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='has_pending_contact_change',
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name='ContactChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('fields', models.JSONField()),
                ('reason', models.CharField(max_length=500)),
                ('case_reference', models.CharField(blank=True, db_index=True, max_length=20)),
                ('requested_at', models.DateTimeField()),
                ('status', models.CharField(choices=[('pending', 'Waiting for a check'), ('applied', 'Checked and applied'), ('kept', 'The details on record were kept'), ('superseded', 'Replaced by a later change')], default='pending', max_length=12)),
                ('code_hash', models.CharField(blank=True, max_length=64)),
                ('code_channel', models.CharField(blank=True, max_length=10)),
                ('code_expires_at', models.DateTimeField(blank=True, null=True)),
                ('code_failed_attempts', models.PositiveSmallIntegerField(default=0)),
                ('codes_sent', models.PositiveSmallIntegerField(default=0)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('how', models.CharField(blank=True, choices=[('code_email', 'A code sent to the email address on record'), ('code_sms', 'A code sent to the mobile number on record'), ('team_leader', 'Approved by a team leader with a reason')], max_length=12)),
                ('decision_reason', models.CharField(blank=True, max_length=500)),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contact_changes', to='people.person')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['person'], name='contact_change_pending')],
            },
        ),
        migrations.RunPython(load_templates, migrations.RunPython.noop),
    ]
