"""((service)) is now the service's plain name ("Budgeting Loan"), not its start page's title
("Apply for a Budgeting Loan"), so the default words around it change: "your Budgeting Loan
application", "eich cais ar gyfer Benthyciad Trefnu Cyllideb" (after "am" a name would need
a mutation the template cannot make). Each published template that still has the old
default words gets a new published version with the new ones; templates an organisation
has reworded are left alone. The old versions stay, retired, for the messages that used them."""

from django.db import migrations
from django.utils import timezone

OLD_TO_NEW = [
    (
        'An update about ((service)) (((reference)))',
        "An update about your ((service)) application (((reference)))",
    ),
    (
        "Diweddariad am ((service)) (((reference)))",
        "Diweddariad am eich cais ar gyfer ((service)) (((reference)))",
    ),
    ("your application for ((service))", "your ((service)) application"),
    ("eich cais am ((service))", "eich cais ar gyfer ((service))"),
    ("gyda'ch cais am ((service))", "gyda'ch cais ar gyfer ((service))"),
]


def reworded(text: str) -> str:
    for old, new in OLD_TO_NEW:
        text = text.replace(old, new)
    return text


def forwards(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    now = timezone.now()
    for template in MessageTemplate.objects.filter(status="published").order_by("pk"):
        subject, body = reworded(template.subject), reworded(template.body)
        if (subject, body) == (template.subject, template.body):
            continue
        latest = (
            MessageTemplate.objects.filter(
                event=template.event, channel=template.channel, language=template.language
            )
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        MessageTemplate.objects.filter(pk=template.pk).update(status="retired")
        MessageTemplate.objects.create(
            event=template.event,
            channel=template.channel,
            language=template.language,
            version=latest + 1,
            status="published",
            subject=subject,
            body=body,
            published_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0010_print_batch_organisation_required")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
