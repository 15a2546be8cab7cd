"""`commonweal bench access-log`: what the access log costs the case page.

The case page is requested through Django's whole stack in this process (middleware,
session, sign-in, permission filters, templates, and the access record's INSERT, committed
on its own as in production), timed from request to rendered response. The floor is the
same page, in the same run, with the access log's write taken out. The lists of work that
record a read for every person on them (the team queue, fifty people a page, and "My work")
are timed the same way after it, as are the data requests and access oversight pages
(`LIST_PAGES`). The two alternate in
pairs (the same case with and without, in turn first) so that drift on a shared machine
falls on both alike. A sealer runs beside them every second, as the worker does (more
often than the worker's ten seconds), so the figure includes sealing's contention.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Iterator

from django.db import close_old_connections, connection

from commonweal.devtools import bench
from commonweal.devtools.bench_workspace import Timing, bench_user


@contextlib.contextmanager
def access_log_off() -> Iterator[None]:
    """The case page without its access record (the floor)."""
    from commonweal.privacy import services

    original = services.case_read_record, services.access_record_many
    services.case_read_record = lambda **kwargs: None
    services.access_record_many = lambda **kwargs: []
    try:
        yield
    finally:
        services.case_read_record, services.access_record_many = original


# The other pages that record reads, timed after the case page: (name, address).
LIST_PAGES = [
    ("team queue", "/staff/queue/"),
    ("my work", "/staff/"),
    ("data requests", "/staff/data-requests/"),
]


@contextlib.contextmanager
def sealing_beside(every_seconds: float = 1.0) -> Iterator[dict]:
    """A sealer in another thread (its own database connection), as the worker runs it."""
    from commonweal.privacy import services

    stop = threading.Event()
    totals = {"seals": 0, "records": 0, "seconds": 0.0}

    def run() -> None:
        try:
            while not stop.wait(every_seconds):
                started = time.perf_counter()
                seals = services.access_log_seal()
                totals["seconds"] += time.perf_counter() - started
                totals["seals"] += len(seals)
                totals["records"] += sum(seal.record_count for seal in seals)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="sealer", daemon=True)
    thread.start()
    try:
        yield totals
    finally:
        stop.set()
        thread.join(timeout=30)


def run(*, requests: int, out) -> dict:
    from commonweal.cases.models import Case
    from commonweal.privacy import selectors, services
    from commonweal.privacy.models import AccessRecord

    user, team = bench_user()
    client = bench.staff_client(user)
    references = list(
        Case.objects.filter(closed_at__isnull=True, team=team)
        .order_by("?")
        .values_list("reference", flat=True)[: requests * 2]
    )
    if not references:
        raise RuntimeError("The database has no open cases: seed it first.")
    chance = random.Random(11)  # seeded test data, not secrets  # nosec B311

    def ok(response) -> None:
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code} from the case page during the bench")

    # Warm up caches and the connection, as a running server would be.
    for reference in references[:20]:
        ok(client.get(f"/staff/cases/{reference}/"))
        with access_log_off():
            ok(client.get(f"/staff/cases/{reference}/"))

    def get(reference: str):
        return lambda: client.get(f"/staff/cases/{reference}/")

    before = AccessRecord.objects.count()
    out(f"Timing {requests} case pages with the access log and {requests} without…")
    logged = Timing("with access log", [])
    floor = Timing("without", [])
    with sealing_beside() as sealing:
        for index in range(requests):
            # Pairs: the same case with and without, in turn first, so that the load of a
            # shared machine at that moment falls on both alike.
            reference = chance.choice(references)
            for kind in ("with", "without") if index % 2 == 0 else ("without", "with"):
                if kind == "with":
                    logged.samples_ms.extend(_time([get(reference)], ok))
                else:
                    with access_log_off():
                        floor.samples_ms.extend(_time([get(reference)], ok))
            if index % 100 == 99:
                close_old_connections()
    written = AccessRecord.objects.count() - before
    lists = _time_lists(client, ok, max(1, requests // 2))
    # Whatever the sealer beside had not reached yet, then the whole chain checked.
    started = time.perf_counter()
    services.access_log_seal()
    verify = selectors.access_log_verify()
    verify_s = time.perf_counter() - started
    if not verify.intact:
        raise RuntimeError(f"the chain is broken after the bench: {verify.problem}")
    return {
        "with": logged,
        "without": floor,
        "written": written,
        "expected": len(logged.samples_ms),
        "sealing": sealing,
        "verify": verify,
        "verify_s": verify_s,
        "lists": lists,
    }


def _time_lists(client, ok, pairs: int) -> list[tuple[str, Timing, Timing, float]]:
    """Each list page in pairs with and without its access records, as the case page, and
    how many records a page wrote on average."""
    from commonweal.privacy.models import AccessRecord

    timed = []
    for name, url in LIST_PAGES:
        for _warm in range(5):
            ok(client.get(url))
        logged, floor = Timing(f"{name}, logged", []), Timing(f"{name}, without", [])
        page = [lambda url=url: client.get(url)]
        before = AccessRecord.objects.count()
        for index in range(pairs):
            for kind in ("with", "without") if index % 2 == 0 else ("without", "with"):
                if kind == "with":
                    logged.samples_ms.extend(_time(page, ok))
                else:
                    with access_log_off():
                        floor.samples_ms.extend(_time(page, ok))
        per_page = (AccessRecord.objects.count() - before) / pairs
        timed.append((name, logged, floor, per_page))
    return timed


def _time(calls, check) -> list[float]:
    samples = []
    for call in calls:
        started = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - started) * 1000)
        check(response)
    return samples
