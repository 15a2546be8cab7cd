from django.db import migrations

from commonweal.core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_payments")]

    operations = [append_only("payments_paymentchange")]
