"""The templates of the `stage_changed` notice, from messaging/default_templates.yaml, for a
database made before it existed: every default template still missing is added, as the
first load did. (Templates already in a database, such as `more_information_needed` and
`delay`, are left as they are: a new version is made in the admin.)"""

import importlib

from django.db import migrations

defaults = importlib.import_module("commonweal.messaging.migrations.0005_default_templates")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0013_template_machine_translation")]

    operations = [migrations.RunPython(defaults.load, migrations.RunPython.noop)]
