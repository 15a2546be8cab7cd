"""`commonweal bench messages`: notices rendered, stored and handed to a sink channel by
background workers, against inserting the same rows directly; and letters rendered into a
print batch.

Full path: the bulk send (`notices_send_many`: each person's channel planned, the template
rendered in their language, notice and message rows written in batches), then real
`commonweal worker` processes claiming the messages (SKIP LOCKED), sending each through the
channel registry (the "sink" provider, which keeps nothing) and recording the outcomes;
timed until every message is delivered. Floor: the same message rows bulk-inserted.
Letters: PDFs made with WeasyPrint in as many processes as there are workers, each written
into one print-batch zip with its manifest."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

from django.utils import timezone


def _people(count: int) -> list:
    from commonweal.people.models import Person

    people = [
        Person(
            given_name=f"Person{i}",
            family_name="Bench",
            email=f"bench{i}@example.com",
            language="cy" if i % 5 == 0 else "en",
            channels=["email"],
            address_line_1=f"{i} Bench Street",
            address_town="Caerphilly",
            address_postcode="CF83 1AA",
        )
        for i in range(count)
    ]
    return Person.objects.bulk_create(people, batch_size=2000)


def _data(person) -> dict:
    welsh = person.language == "cy"
    return {
        "name": person.full_name,
        "reference": f"BL-BNCH-{person.pk:04d}"[:16],
        "service": "Benthyciad Trefnu'r Gyllideb" if welsh else "Budgeting Loan",
        "url": "https://example.gov.uk/applications/",
        "organisation": "Cyngor Enghreifftiol" if welsh else "Example Council",
        "message": "Mae'r swyddfa ar gau ddydd Llun."
        if welsh
        else "The office is closed on Monday.",
    }


def floor(people) -> float:
    """Seconds to insert the same message rows directly (no planning, no rendering)."""
    from commonweal.messaging.models import Message

    now = timezone.now()
    rows = [
        Message(
            person=person,
            event="service_update",
            channel="email",
            provider="sink",
            language=person.language,
            to_address=person.email,
            subject="An update about Budgeting Loan",
            body="Dear " + person.full_name + ",\n\nThe office is closed on Monday.",
            status="delivered",
            next_attempt_at=now,
        )
        for person in people
    ]
    started = time.perf_counter()
    Message.objects.bulk_create(rows, batch_size=1000)
    seconds = time.perf_counter() - started
    Message.objects.filter(event="service_update").delete()
    return seconds


def full(people, *, database_url: str, workers: int, out) -> float:
    """Seconds from the first notice written to the last message delivered."""
    from django.conf import settings

    from commonweal.messaging import services as messaging
    from commonweal.messaging.models import Message

    # Messages record the provider they are made for: here, the sink, as in the workers.
    settings.COMMONWEAL_CHANNELS = {**settings.COMMONWEAL_CHANNELS, "email": "sink", "sms": "sink"}
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "COMMONWEAL_EMAIL_CHANNEL": "sink",
        "COMMONWEAL_SMS_CHANNEL": "sink",
    }
    processes = [
        subprocess.Popen(  # our own worker, no shell, fixed arguments  # nosec B603
            [sys.executable, "-m", "commonweal.cli", "worker", "--interval", "0.05"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        time.sleep(3)  # let the workers start
        total = len(people)
        started = time.perf_counter()
        for start in range(0, total, 1000):
            messaging.notices_send_many(
                event="service_update", people=people[start : start + 1000], data_for=_data
            )
        written = time.perf_counter() - started
        out(f"  {total:,} notices planned, rendered and written in {written:.1f} s")
        deadline = time.monotonic() + 600
        while True:
            delivered = Message.objects.filter(status="delivered").count()
            if delivered >= total:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {delivered} of {total} messages were delivered")
            time.sleep(0.05)
        return time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _render_letter(index: int) -> tuple[str, bytes, dict]:
    import datetime

    import django

    if not django.apps.apps.ready:
        django.setup()
    from commonweal.messaging import letters

    welsh = index % 5 == 0
    content = letters.LetterContent(
        address_lines=[f"Person {index} Bench", f"{index} Bench Street", "Caerphilly", "CF83 1AA"],
        date=datetime.date.today(),
        reference=f"BL-{index:04d}-BNCH"[:12],
        subject={"en": "A decision has been made", "cy": "Mae penderfyniad wedi'i wneud"},
        body={
            "en": "Dear Person,\n\nWe have made a decision on your application.\n\n"
            "- Sign in to read it\n- You can ask us to look at it again",
            "cy": "Annwyl Berson,\n\nRydym wedi gwneud penderfyniad ar eich cais.",
        },
        languages=["cy", "en"] if welsh else ["en"],
        large_print=index % 7 == 0,
        organisation={
            "name": "Example Council",
            "name_cy": "Cyngor Enghreifftiol",
            "address_lines": ["Council Offices", "Penallta Road", "CF82 7PG"],
            "phone": "0300 123 4567",
            "email": "help@example.gov.uk",
            "website": "https://example.gov.uk",
        },
    )
    metadata = {
        "reference": content.reference,
        "address_lines": content.address_lines,
        "large_print": content.large_print,
        "languages": content.languages,
    }
    return f"bench-{index}", letters.render_letter_pdf(content), metadata


def letters_into_batch(count: int, *, processes: int) -> tuple[float, int]:
    """Seconds to render `count` letters in `processes` processes into one batch zip."""
    from commonweal.messaging import letters

    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=processes) as pool, tempfile.TemporaryFile() as out:
        made = letters.build_print_batch(pool.map(_render_letter, range(count), chunksize=8), out)
        size = out.tell()
    return time.perf_counter() - started, made if size else 0
