# The development mailbox and the bench's rows moved to the devtools app (issue 14). Their
# tables stay as they are: core forgets the models here, devtools' 0001 takes them over
# without touching the database.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="BenchInsert"),
                migrations.DeleteModel(name="DevMail"),
            ],
            database_operations=[],
        ),
    ]
