"""How people can reach a provider themselves, for those asked to let us share their details."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organisations', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='organisation',
            name='public_contact',
            field=models.CharField(blank=True, help_text='For charities and contractors: how people can contact you themselves (a phone number and hours, a website). Told to people asked to let a council share their details with you.', max_length=300),
        ),
    ]
