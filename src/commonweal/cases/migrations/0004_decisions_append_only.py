from django.db import migrations

from commonweal.core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_workspace")]

    operations = [append_only("cases_decision")]
