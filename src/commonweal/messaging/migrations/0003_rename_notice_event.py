from django.db import migrations


class Migration(migrations.Migration):
    """A message's `notice` (the event's name) becomes `event`, so `notice` can be the
    Notice it delivers."""

    dependencies = [("messaging", "0002_threads")]

    operations = [migrations.RenameField("message", "notice", "event")]
