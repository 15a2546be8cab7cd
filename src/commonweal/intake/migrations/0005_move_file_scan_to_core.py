# The virus scanner's quarantine moved to core (issue 14), where every app that keeps files
# (intake's evidence, messaging's attachments) holds them. The table stays as it is: intake
# forgets the model here, core's 0003 takes it over without touching the database.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("intake", "0004_application_existing_record"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="FileScan")],
            database_operations=[],
        ),
    ]
