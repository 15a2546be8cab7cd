"""The templates of the offer notices (offer made, accepted, declined, ended), from
messaging/default_templates.yaml, for a database made before they existed: every default
template still missing is added, as the first load did."""

import importlib

from django.db import migrations

defaults = importlib.import_module("commonweal.messaging.migrations.0005_default_templates")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0011_templates_plain_service_name")]

    operations = [migrations.RunPython(defaults.load, migrations.RunPython.noop)]
