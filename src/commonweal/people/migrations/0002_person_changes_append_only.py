from django.db import migrations

from commonweal.core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [append_only("people_personchange")]
