from django.db import migrations

from commonweal.core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]

    operations = [append_only("rules_ruleevaluation"), append_only("rules_automationrecord")]
