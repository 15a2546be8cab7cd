"""Decisions carry an amount (with the rules' entitlement and why they differ), point at
the decision they looked at again or replace, and a correction has its reason.

On SQLite adding these columns rebuilds the table, which drops its triggers, so the
append-only triggers are made again afterwards (on PostgreSQL this is the same trigger
again). Also loads the templates of the notices for a corrected decision and for the
decision after a reconsideration."""

from pathlib import Path

import django.db.models.deletion
import yaml
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from commonweal.core.db import append_only_unless_erasing

TEMPLATES = Path(__file__).resolve().parents[2] / "messaging" / "default_templates.yaml"
EVENTS = ("decision_corrected", "reconsideration_decided")


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
        ('rights', '0002_history_erasable_by_retention'),
        ('messaging', '0010_print_batch_organisation_required'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='decision',
            name='amount_pence',
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='decision',
            name='amount_reason',
            field=models.TextField(blank=True, db_default=''),
        ),
        migrations.AddField(
            model_name='decision',
            name='correction_reason',
            field=models.TextField(blank=True, db_default=''),
        ),
        migrations.AddField(
            model_name='decision',
            name='entitlement_pence',
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='decision',
            name='reconsiders',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.decision'),
        ),
        migrations.AddField(
            model_name='decision',
            name='supersedes',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='cases.decision'),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='kind',
            field=models.CharField(choices=[('submitted', 'Application submitted'), ('stage_changed', 'Stage changed'), ('message_sent', 'Message sent'), ('note', 'Internal note'), ('update', 'Update for the person'), ('assigned', 'Assigned'), ('transferred', 'Moved to another team'), ('referred', 'Referred'), ('referral_ended', 'Referral ended'), ('decided', 'Decision made'), ('decision_corrected', 'Decision corrected'), ('reconsideration', 'Asked to look at the decision again'), ('task_added', 'Task added'), ('task_done', 'Task done'), ('flagged', 'Flag added'), ('unflagged', 'Flag removed'), ('thread_message', 'Secure message'), ('clock_stopped', 'Time limit paused'), ('clock_restarted', 'Time limit restarted'), ('check_overridden', 'Red check overridden'), ('checks_run', 'Automated checks run'), ('message_failed', 'Message not delivered'), ('payment_instructed', 'Payment instructed'), ('payment_cancelled', 'Payment cancelled'), ('payment_paid', 'Payment made'), ('payment_failed', 'Payment failed')], max_length=30),
        ),
        migrations.AddConstraint(
            model_name='decision',
            constraint=models.CheckConstraint(condition=models.Q(('amount_pence__isnull', True), ('outcome', 'approved'), _connector='OR'), name='decision_amount_only_on_approval'),
        ),
        migrations.AddConstraint(
            model_name='decision',
            constraint=models.CheckConstraint(condition=models.Q(('supersedes__isnull', True), models.Q(('correction_reason', ''), _negated=True), _connector='OR'), name='decision_correction_has_reason'),
        ),
        append_only_unless_erasing("cases_decision"),
        migrations.RunPython(load_templates, migrations.RunPython.noop),
    ]
