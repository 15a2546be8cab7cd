"""Consent starts unasked: each answer keeps the words the person was shown, and a request
to answer can hold a referral that waits for it.

Existing data is moved honestly by leaving it as it is: the answers people gave stay; a
person with no answer for a purpose has not been asked, which now counts as no (the code
no longer assumes yes for sharing with providers or reusing answers). Answers recorded
before this migration have no words (we do not know exactly what was shown).

SQLite rebuilds the consents table to add a column, which drops its triggers: they are
made again here. Also loads the templates of the `consent_asked` notice."""

from pathlib import Path

import django.db.models.deletion
import yaml
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from commonweal.core.db import append_only_unless_erasing

TEMPLATES = Path(__file__).resolve().parents[2] / "messaging" / "default_templates.yaml"
EVENTS = ("consent_asked",)


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
        ('cases', '0007_checks_run_event_kind'),
        ('organisations', '0002_organisation_public_contact'),
        ('messaging', '0010_print_batch_organisation_required'),
        ('people', '0006_identity_level'),
        ('rights', '0002_history_erasable_by_retention'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='consent',
            name='language',
            field=models.CharField(blank=True, max_length=2),
        ),
        migrations.AddField(
            model_name='consent',
            name='words',
            field=models.TextField(blank=True),
        ),
        migrations.CreateModel(
            name='ConsentRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('purpose', models.CharField(choices=[('provider_sharing', 'Sharing your case with organisations that help'), ('answer_reuse', 'Using details you gave us before in new applications'), ('research_contact', 'Being contacted to take part in research')], max_length=30)),
                ('scope', models.JSONField(blank=True, default=list)),
                ('reason', models.TextField(blank=True)),
                ('asked_at', models.DateTimeField()),
                ('outcome', models.CharField(choices=[('waiting', 'Waiting for their answer'), ('referred', 'They said yes; the case was referred'), ('not_referred', 'They said yes, but the case could not be referred'), ('refused', 'They said no'), ('cancelled', 'Stopped waiting')], default='waiting', max_length=14)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('answer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rights.consent')),
                ('asked_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.case')),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.organisation')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.person')),
            ],
            options={
                'ordering': ['-asked_at', '-id'],
                'indexes': [models.Index(condition=models.Q(('outcome', 'waiting')), fields=['person', 'purpose'], name='consent_request_waiting')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('outcome', 'waiting')), fields=('case', 'organisation'), name='one_waiting_consent_request')],
            },
        ),
        append_only_unless_erasing("rights_consent"),
        migrations.RunPython(load_templates, migrations.RunPython.noop),
    ]
