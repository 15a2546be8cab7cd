"""`commonweal bench workspace`: the server time of the caseworker's busiest pages on a
large database, beside the bare SQL query behind the team queue.

Requests go through Django's whole stack in this process (middleware, session, sign-in,
permission filters, templates), timed from request to rendered response: the time a
server spends, without the network. The floor is the queue's own SQL (the page of rows,
without the count, flags or rendering) run on the same connection in the same run.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.db import connection

from commonweal.devtools import bench

NAMES_SAMPLE = 200


@dataclass
class Timing:
    name: str
    samples_ms: list[float]

    @property
    def p95_ms(self) -> float:
        return bench.percentile_95(self.samples_ms)

    @property
    def p50_ms(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[len(ordered) // 2] if ordered else 0.0


def _time(name: str, calls, check) -> Timing:
    samples = []
    for call in calls:
        started = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - started) * 1000)
        check(response)
    return Timing(name, samples)


def bench_user():
    """A caseworker in the team that holds most of the seeded cases."""
    from commonweal.accounts.models import User
    from commonweal.devtools import organisations as demo_organisations
    from commonweal.organisations import services as organisations

    teams = demo_organisations.organisations_demo_ensure()
    user, _created = User.objects.get_or_create(
        email="bench-caseworker@seed.example", defaults={"display_name": "Bench Caseworker"}
    )
    organisations.membership_ensure(user=user, team=teams["financial-support"], role="caseworker")
    return user, teams["financial-support"]


def run(*, requests: int, out) -> dict:
    from commonweal.cases import selectors as cases_selectors
    from commonweal.cases.models import Case
    from commonweal.organisations import selectors as organisations_selectors
    from commonweal.people.models import Person

    user, team = bench_user()
    client = bench.staff_client(user)
    chance = random.Random(7)  # which pages the benchmark opens, not a secret  # nosec B311

    open_references = list(
        Case.objects.filter(closed_at__isnull=True, team=team)
        .order_by("?")
        .values_list("reference", flat=True)[:requests]
    )
    family_names = list(
        Person.objects.exclude(family_name="")
        .order_by("?")
        .values_list("family_name", flat=True)[:NAMES_SAMPLE]
    )
    if not open_references or not family_names:
        raise RuntimeError("The database has no open cases or people: seed it first.")
    queue_urls = [
        f"/staff/queue/?team={team.pk}&service={service}&assigned=nobody"
        for service in ("budgeting-loan", "energy-support", "carers-grant")
    ] + [f"/staff/queue/?team={team.pk}&due=at_risk", f"/staff/queue/?team={team.pk}"]

    def ok(response) -> None:
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code} from the workspace during the bench")

    # Warm up caches and connections as a running server would be.
    for url in queue_urls:
        ok(client.get(url))
    ok(client.get(f"/staff/cases/{open_references[0]}/"))
    ok(client.get("/staff/search/", {"q": family_names[0]}))

    out(f"Timing {requests} requests of each page…")

    def get(url: str, params: dict | None = None):
        return lambda: client.get(url, params)

    queue = _time("team queue", [get(chance.choice(queue_urls)) for _ in range(requests)], ok)
    search = _time(
        "search by name",
        [get("/staff/search/", {"q": chance.choice(family_names)}) for _ in range(requests)],
        ok,
    )
    case = _time(
        "case page",
        [
            get(f"/staff/cases/{open_references[i % len(open_references)]}/")
            for i in range(requests)
        ],
        ok,
    )

    # The floor: the first page of the filtered queue, as bare SQL.
    context = organisations_selectors.staff_context(user=user)
    statements = []
    for url in queue_urls:
        from django.http import QueryDict

        filters = cases_selectors.QueueFilters.from_query(QueryDict(url.split("?", 1)[1]))
        rows = cases_selectors.queue_rows_queryset(context=context, filters=filters)
        sql, params = rows[: cases_selectors.PAGE_SIZE].query.sql_with_params()
        statements.append((sql, params))

    def bare(statement):
        def call():
            with connection.cursor() as cursor:
                cursor.execute(*statement)
                return cursor.fetchall()

        return call

    floor = _time(
        "bare queue SQL",
        [bare(chance.choice(statements)) for _ in range(requests)],
        lambda rows: None,
    )
    return {"queue": queue, "search": search, "case": case, "floor": floor}
