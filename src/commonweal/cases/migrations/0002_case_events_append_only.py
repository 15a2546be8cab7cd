from django.db import migrations

from commonweal.core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [append_only("cases_caseevent")]
