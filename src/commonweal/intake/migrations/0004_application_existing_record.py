"""Whether staff taking an application found a record that existed before (what it shows
and what it may change follow their identity check). Drafts staff are taking for someone
when this arrives cannot say whether their record was found or made, so they are treated
as found: the safer reading."""

from django.db import migrations, models


def in_flight_drafts_found(apps, schema_editor):
    Application = apps.get_model("intake", "Application")
    Application.objects.filter(
        status="draft", taken_by__isnull=False, person__isnull=False
    ).update(existing_record=True)


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0003_file_scan'),
    ]

    operations = [
        migrations.AddField(
            model_name='application',
            name='existing_record',
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(in_flight_drafts_found, migrations.RunPython.noop),
    ]
