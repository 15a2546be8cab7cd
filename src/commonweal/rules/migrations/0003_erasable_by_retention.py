"""Rule evaluations hold a copy of the answers they read: the retention job must be able to
delete them with the rest of a closed case, so their append-only triggers get the same
retention exception as case history."""

from django.db import migrations

from commonweal.core.db import append_only_unless_erasing


class Migration(migrations.Migration):
    dependencies = [
        ("rules", "0002_append_only"),
        ("rights", "0002_history_erasable_by_retention"),
    ]

    operations = [append_only_unless_erasing("rules_ruleevaluation", "rules_automationrecord")]
