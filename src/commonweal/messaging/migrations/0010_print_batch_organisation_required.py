# A separate migration, so PostgreSQL alters the table after the rows have moved (in their
# own transaction), not with their updates still pending.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0009_print_batch_organisation_assigned"),
    ]

    operations = [
        migrations.AlterField(
            model_name="printbatch",
            name="organisation",
            field=models.ForeignKey(
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="organisations.organisation",
            ),
        ),
        migrations.AlterModelOptions(
            name="printbatch",
            options={"ordering": ["-day", "organisation_id"]},
        ),
        migrations.AddConstraint(
            model_name="printbatch",
            constraint=models.UniqueConstraint(
                fields=("organisation", "day"), name="one_print_batch_per_organisation_day"
            ),
        ),
    ]
