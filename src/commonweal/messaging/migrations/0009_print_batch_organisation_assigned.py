"""Print batches belong to one organisation and one day.

Existing batches held every organisation's letters of a day. Each is given to the
organisation of its letters' cases (the organisation of the team holding the case); a batch
with letters of several organisations is split, one batch per organisation, and its zip,
which mixes organisations' letters, is deleted so each organisation builds its own. A letter
whose case is in no team's queue (or that has no case) belongs to nobody's post: it is taken
out of its batch, and, if that batch was never built, it never reached the print house, so it
and its notice are marked failed with the reason. A batch left with no letters is deleted."""

from django.db import migrations
from django.utils import timezone

NO_ORGANISATION = (
    "Taken out of the print batch: its case is in no team's queue, so no organisation "
    "could print it"
)


def assign_batches(apps, schema_editor):
    PrintBatch = apps.get_model("messaging", "PrintBatch")
    Message = apps.get_model("messaging", "Message")
    Notice = apps.get_model("messaging", "Notice")
    now = timezone.now()
    for batch in PrintBatch.objects.filter(organisation__isnull=True).order_by("pk"):
        letters = Message.objects.filter(print_batch=batch)
        orphans = letters.filter(case__team__isnull=True)
        if not batch.file:
            # Never built, so never printed: say so, rather than leave them "sent".
            unprinted = orphans.filter(status="sent")
            orphan_notices = list(
                unprinted.exclude(notice__isnull=True).values_list("notice_id", flat=True)
            )
            unprinted.update(status="failed", failed_at=now, last_error=NO_ORGANISATION)
            Notice.objects.filter(pk__in=orphan_notices, status__in=["pending", "sent"]).update(
                status="failed", failure_reason=NO_ORGANISATION, completed_at=now
            )
        Message.objects.filter(print_batch=batch, case__team__isnull=True).update(print_batch=None)
        organisation_ids = sorted(
            set(
                Message.objects.filter(print_batch=batch).values_list(
                    "case__team__organisation_id", flat=True
                )
            )
        )
        if len(organisation_ids) != 1 and batch.file:
            # No letters left, or several organisations' letters in one zip: never serve it.
            batch.file.delete(save=False)
            batch.letters, batch.built_at, batch.built_by = 0, None, None
        if not organisation_ids:
            batch.delete()
            continue
        batch.organisation_id = organisation_ids[0]
        batch.save()
        for organisation_id in organisation_ids[1:]:
            own = PrintBatch.objects.create(organisation_id=organisation_id, day=batch.day)
            Message.objects.filter(
                print_batch=batch, case__team__organisation_id=organisation_id
            ).update(print_batch=own)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0008_print_batch_organisation"),
    ]

    operations = [
        migrations.RunPython(assign_batches, migrations.RunPython.noop),
    ]
