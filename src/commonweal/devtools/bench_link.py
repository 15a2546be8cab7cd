"""`commonweal bench link`: the person index built from a seeded synthetic population with
known duplicates, its pairwise precision and recall, and the time to score one new record.

What `wall_s` counts: importing the source files (reading, checking and normalising every
row, writing them to the database) and the whole linkage run (reading the records into
DuckDB, training the model, scoring the blocked pairs, clustering, keeping ids stable and
writing every record's person back). Generating the population and writing its files
come before the clock starts; measuring precision and recall and scoring single records
come after it stops. Each part is printed.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connections


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A fresh database for the run: a new PostgreSQL database beside the configured one,
    or a new SQLite file, migrated, and removed afterwards."""
    from commonweal.devtools import bench

    default = settings.DATABASES["default"]
    if default["ENGINE"] == "django.db.backends.postgresql":
        with bench.bench_database() as url:
            call_command("migrate", interactive=False, verbosity=0)
            yield url
        return
    original = default["NAME"]
    with tempfile.TemporaryDirectory(prefix="commonweal-bench-link-") as folder:
        connections.close_all()
        default["NAME"] = str(Path(folder) / "bench.sqlite3")
        try:
            call_command("migrate", interactive=False, verbosity=0)
            yield default["NAME"]
        finally:
            connections.close_all()
            default["NAME"] = original


def pairwise_accuracy(truth: dict[tuple[str, str], int]) -> tuple[float, float]:
    """Pairwise precision and recall of the index against the known people: of the pairs
    of records put together, how many are one person; of the pairs that are one person,
    how many were put together."""
    import duckdb
    import pyarrow as pa

    from commonweal.personindex import selectors

    sources, ids, people = [], [], []
    for source, source_id, person_id in selectors.links_rows():
        sources.append(source)
        ids.append(source_id)
        people.append(person_id)
    con = duckdb.connect()
    con.register(
        "links",
        pa.table({"source": sources, "source_id": ids, "person_id": pa.array(people, pa.int64())}),
    )
    con.register(
        "truth",
        pa.table(
            {
                "source": [k[0] for k in truth],
                "source_id": [k[1] for k in truth],
                "true_person": list(truth.values()),
            }
        ),
    )
    together, same, both = con.execute(
        """
        WITH j AS (SELECT person_id, true_person FROM links JOIN truth USING (source, source_id))
        SELECT
          (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) n FROM j GROUP BY person_id)),
          (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) n FROM j GROUP BY true_person)),
          (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) n FROM j
                                              GROUP BY person_id, true_person))
        """
    ).fetchall()[0]
    con.close()
    precision = both / together if together else 1.0
    recall = both / same if same else 1.0
    return float(precision), float(recall)


def run(*, records: int, seed: int, samples: int, out: Callable[[str], None]) -> dict:
    """Generate, import, link, measure; in the current database (the command gives it a
    throwaway one)."""
    from commonweal.devtools import synthetic
    from commonweal.personindex import selectors, services

    phases: dict[str, float] = {}
    started = time.perf_counter()
    population = synthetic.population(records, seed)
    by_source: dict[str, list[dict]] = {}
    truth: dict[tuple[str, str], int] = {}
    for row, person in zip(population.rows, population.truth, strict=True):
        by_source.setdefault(row["source"], []).append(row)
        truth[(row["source"], row["source_id"])] = person
    folder = Path(tempfile.mkdtemp(prefix="commonweal-bench-link-files-"))
    files = {
        source: synthetic.write_csv(rows, folder / f"{source}.csv")
        for source, rows in sorted(by_source.items())
    }
    phases["generate"] = time.perf_counter() - started
    out(
        f"Generated {len(population.rows):,} records of {population.people:,} people "
        f"from {len(files)} sources in {phases['generate']:.1f} s (not counted)"
    )

    clock = time.perf_counter()
    for source, path in files.items():
        batch = services.records_import(source=source, path=path)
        if batch.rejected:
            raise RuntimeError(f"{batch.rejected} rows of {path.name} were refused")
    phases["import"] = time.perf_counter() - clock
    out(f"Imported in {phases['import']:.1f} s")
    result = services.index_link()
    phases["link"] = time.perf_counter() - clock - phases["import"]
    wall_s = time.perf_counter() - clock
    run = result.run
    out(
        f"Linked {run.records:,} records into {run.people:,} people in {phases['link']:.1f} s ("
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.timings.items())
        + f"); {run.pairs_scored:,} pairs scored, "
        f"{run.summary['queued_for_review']:,} queued for review"
    )
    for path in files.values():
        path.unlink()
    folder.rmdir()

    precision, recall = pairwise_accuracy(truth)
    out(f"Pairwise precision {precision:.4f}, recall {recall:.4f}")

    applicants = synthetic.new_applicants(population, samples, seed)
    person_of_truth = _person_of_truth(truth)
    latencies, right = [], 0
    selectors.score_record(applicants[0][0])  # the model's SQL is made once per process
    for record, true_person in applicants:
        clock = time.perf_counter()
        matches = selectors.score_record(record)
        latencies.append((time.perf_counter() - clock) * 1000)
        best = matches[0] if matches and matches[0]["match_probability"] >= 0.5 else None
        expected = person_of_truth.get(true_person) if true_person is not None else None
        right += (best is None and expected is None) or (
            best is not None and best["person_id"] == expected
        )
    p95 = statistics.quantiles(latencies, n=100, method="inclusive")[94]
    out(
        f"Scored {len(latencies)} single new records: p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {p95:.1f} ms; {right} of {len(latencies)} matched to the right person or to nobody"
    )
    return {
        "bench": "link",
        "records": len(population.rows),
        "wall_s": round(wall_s, 1),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "score_p95_ms": round(p95, 1),
    }


def _person_of_truth(truth: dict[tuple[str, str], int]) -> dict[int, int]:
    """The index person holding most of each true person's records."""
    from commonweal.personindex.models import SourceRecord

    votes: dict[int, dict[int, int]] = {}
    rows = SourceRecord.objects.values_list("source", "source_id", "link__person_id").iterator(
        chunk_size=20_000
    )
    for source, source_id, person_id in rows:
        tally = votes.setdefault(truth[(source, source_id)], {})
        tally[person_id] = tally.get(person_id, 0) + 1
    return {true: max(tally, key=tally.get) for true, tally in votes.items()}
