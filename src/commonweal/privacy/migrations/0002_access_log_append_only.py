from django.db import migrations

from commonweal.core.db import append_only


class Migration(migrations.Migration):
    """The access log and its seals refuse UPDATE and DELETE in the database itself."""

    dependencies = [("privacy", "0001_initial")]

    operations = [append_only("privacy_accessrecord"), append_only("privacy_seal")]
