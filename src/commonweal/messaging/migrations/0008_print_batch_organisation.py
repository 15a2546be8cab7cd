"""Print batches belong to one organisation and one day: the column, empty for now (the
next migration gives existing batches their organisation, the one after requires it).
Three migrations, so PostgreSQL never alters the table with row updates still pending in
the same transaction."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0007_notice_sent"),
        ("organisations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="printbatch",
            name="organisation",
            field=models.ForeignKey(
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="organisations.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="printbatch",
            name="day",
            field=models.DateField(),
        ),
    ]
