"""The person index: import, linkage with Splink on DuckDB, stable ids, review, scoring."""

import csv
import functools
import io
import json
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commonweal.devtools import bench_link, synthetic
from commonweal.personindex import linkage, normalise, scoring, selectors, services
from commonweal.personindex.models import (
    IdentityChange,
    ImportBatch,
    IndexPerson,
    RecordLink,
    ReviewPair,
    SourceRecord,
)
from tests.workspace import citizen_case, make_staff

HEADER = (
    "source_id,given_name,family_name,date_of_birth,postcode,address_line_1,town,ni_number,"
    "email,phone"
)


@functools.cache
def trained_model() -> dict:
    """A model trained once (with Splink, on DuckDB) on a synthetic population, so tests
    that are not about training link in a moment."""
    import duckdb
    import pyarrow as pa

    population = synthetic.population(3000, seed=11)
    rows = [normalise.normalise(row) for row in population.rows]
    columns = {name: [row[name] for row in rows] for name in linkage.INPUT_COLUMNS[1:-1]}
    columns["record_id"] = list(range(1, len(rows) + 1))
    con = duckdb.connect()
    con.register("input", pa.table(columns))
    con.execute(
        f"CREATE TABLE records AS SELECT *, {linkage.INITIALS_SQL} AS initials FROM input"  # noqa: S608
    )
    linker = linkage.make_linker(linkage.duckdb_api(con), "records")
    return linkage.train(linker)


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_population(tmp_path, population) -> dict:
    truth = {}
    by_source: dict[str, list] = {}
    for row, person in zip(population.rows, population.truth, strict=True):
        by_source.setdefault(row["source"], []).append(row)
        truth[(row["source"], row["source_id"])] = person
    for source, rows in by_source.items():
        path = synthetic.write_csv(rows, tmp_path / f"{source}.csv")
        batch = services.records_import(source=source, path=path)
        assert batch.rejected == 0
    return truth


# Import


def test_import_sets_aside_unusable_fields_and_refuses_only_rows_it_cannot_use(db, tmp_path):
    path = write(
        tmp_path,
        "housing.csv",
        f"{HEADER},tenancy_ref\n"
        "h1,Siân,Evans,1979-11-04,cf83 1aa,2 High Street,Caerphilly,ab 12 34 56 c,"
        "Sian@Example.com,+44 7700 900982,T-77\n"
        "h2,Sam,Evans,04/11/1979,CF83 1AA,,,,,,\n"
        "h3,Sam,Evans,1979-11-04,NOT A CODE,,,,,,\n"
        ",Nobody,Here,,,,,,,,\n"
        "h1,Again,Same,,,,,,,,\n"
        "h4,Too,Few\n"
        "h5,Jo,Bloggs,,,,,,,,\n"
        "h6,Jo,Bloggs,1980-02-30,,,,,,,\n"
        "h7,Jo,Bloggs,,,,,QQ123456C,,,\n"
        "h8,,,1980-02-30,,,Cardiff,,not-an-email,,\n",
    )
    batch = services.records_import(source="housing", path=path)
    assert (batch.imported, batch.rejected) == (6, 4)
    by_line = {error["line"]: error["reason"] for error in batch.errors}
    assert by_line == {
        5: "source_id is empty",
        6: "source_id h1 appears twice in the file",
        7: "the row has 3 fields, not 11",
        11: "nothing that identifies the person is left: date_of_birth 1980-02-30 is not a "
        "date in the form YYYY-MM-DD; email not-an-email is not an email address",
    }
    # The rows with one unusable field are kept, that field set aside as given, with why.
    sam = SourceRecord.objects.get(source="housing", source_id="h2")
    assert (sam.given_name, sam.postcode, sam.date_of_birth) == ("SAM", "CF83 1AA", None)
    assert sam.set_aside == {
        "date_of_birth": {"raw": "04/11/1979", "reason": "not a date in the form YYYY-MM-DD"}
    }
    assert SourceRecord.objects.get(source_id="h3").set_aside == {
        "postcode": {"raw": "NOT A CODE", "reason": "not a UK postcode"}
    }
    assert SourceRecord.objects.get(source_id="h7").ni_number is None
    # The import report counts what was set aside by field and reason, and lists the lines.
    assert batch.set_aside == {
        "date_of_birth": {"not a date in the form YYYY-MM-DD": 2},
        "postcode": {"not a UK postcode": 1},
        "ni_number": {"not a National Insurance number": 1},
    }
    assert [(line["line"], line["field"]) for line in batch.set_aside_lines] == [
        (3, "date_of_birth"),
        (4, "postcode"),
        (9, "date_of_birth"),
        (10, "ni_number"),
    ]
    assert batch.set_aside_lines[0]["reason"] == (
        "date_of_birth 04/11/1979 is not a date in the form YYYY-MM-DD"
    )
    record = SourceRecord.objects.get(source="housing", source_id="h1")
    assert (record.given_name, record.family_name) == ("SIAN", "EVANS")
    assert (record.postcode, record.ni_number) == ("CF83 1AA", "AB123456")
    assert (record.email, record.phone) == ("sian@example.com", "07700900982")
    assert str(record.date_of_birth) == "1979-11-04"
    assert record.extra == {"tenancy_ref": "T-77"}
    plain = SourceRecord.objects.get(source="housing", source_id="h5")
    assert (plain.date_of_birth, plain.postcode, plain.extra, plain.set_aside) == (
        None,
        None,
        {},
        {},
    )


def test_import_parquet_with_extra_columns(db, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "source_id": ["p1", "p2", "p3"],
            "given_name": ["Rhys", "Cerys", "Bad"],
            "family_name": ["Jones", "Price", "Date"],
            "date_of_birth": ["1990-01-02", None, "1990-13-01"],
            "postcode": ["NP20 1AA", "", None],
            "address_line_1": ["1 Station Road", None, None],
            "town": ["Newport", None, None],
            "ni_number": ["JK123456A", None, None],
            "email": [None, "cerys@example.com", None],
            "phone": [None, None, None],
            "school": ["Ysgol Gymraeg", None, "x"],
            "year": [7, None, 8],
        }
    )
    path = tmp_path / "schools.parquet"
    pq.write_table(table, path)
    batch = services.records_import(source="schools", path=path)
    assert (batch.imported, batch.rejected) == (3, 0)
    assert batch.set_aside_lines == [
        {
            "line": 4,
            "field": "date_of_birth",
            "reason": "date_of_birth 1990-13-01 is not a date in the form YYYY-MM-DD",
        }
    ]
    rhys = SourceRecord.objects.get(source_id="p1")
    assert rhys.extra == {"school": "Ysgol Gymraeg", "year": "7"}
    assert SourceRecord.objects.get(source_id="p2").postcode is None


def test_a_file_without_the_standard_columns_is_refused_whole(db, tmp_path):
    path = write(tmp_path, "odd.csv", "id,name\n1,Sam\n")
    with pytest.raises(services.FileRefused, match="no column source_id"):
        services.records_import(source="odd", path=path)
    assert not ImportBatch.objects.exists()
    assert not SourceRecord.objects.exists()
    with pytest.raises(services.FileRefused, match="not a CSV or Parquet"):
        services.records_import(source="odd", path=write(tmp_path, "odd.txt", "x"))


def test_importing_again_replaces_the_record(db, tmp_path):
    services.records_import(
        source="tax", path=write(tmp_path, "a.csv", f"{HEADER}\nt1,Sam,Evans,,,,,,,\n")
    )
    services.records_import(
        source="tax", path=write(tmp_path, "b.csv", f"{HEADER}\nt1,Samuel,Evans,,,,,,,\n")
    )
    assert list(SourceRecord.objects.values_list("source_id", "given_name")) == [("t1", "SAMUEL")]


# Linkage


def test_link_trains_a_model_and_clusters_known_duplicates(db, tmp_path):
    population = synthetic.population(2500, seed=3)
    truth = import_population(tmp_path, population)
    result = services.index_link()
    run = result.run
    assert run.records == 2500
    assert run.model["comparisons"], "the trained model is kept with the run"
    assert {"export", "train", "predict", "cluster", "commit"} <= set(result.timings)
    precision, recall = bench_link.pairwise_accuracy(truth)
    assert precision >= 0.98
    assert recall >= 0.95
    # Every record has a person; people are as many as the clusters.
    assert not SourceRecord.objects.filter(link__isnull=True).exists()
    assert IndexPerson.objects.count() == run.people


def _person(source_id: str) -> int:
    return RecordLink.objects.get(record__source_id=source_id).person_id


def _small_index(tmp_path):
    """Three people: Sam (two records), Jo (three), and Alex (one)."""
    services.records_import(
        source="tax",
        path=write(
            tmp_path,
            "tax.csv",
            f"{HEADER}\n"
            "s1,Sam,Evans,1979-11-04,CF83 1AA,2 High Street,Caerphilly,AB123456C,,\n"
            "j1,Jo,Price,1985-06-01,NP20 1AA,1 Station Road,Newport,JK654321A,jo@example.com,\n"
            "a1,Alex,Morgan,1990-03-03,SA1 1AA,9 Quay Street,Swansea,,,\n",
        ),
    )
    services.records_import(
        source="housing",
        path=write(
            tmp_path,
            "housing.csv",
            f"{HEADER}\n"
            "s2,Sam,Evans,1979-11-04,CF83 1AA,2 High Street,Caerphilly,,,\n"
            "j2,Jo,Price,1985-06-01,NP20 1AA,1 Station Road,Newport,JK654321A,,\n"
            "j3,Joanne,Price,1985-06-01,NP20 1AA,1 Station Road,Newport,,jo@example.com,\n",
        ),
    )


def test_ids_stay_the_same_across_runs_and_merges_and_splits_are_recorded(db, tmp_path):
    _small_index(tmp_path)
    services.index_link(model=trained_model())
    sam, jo, alex = _person("s1"), _person("j1"), _person("a1")
    assert _person("s2") == sam and _person("j2") == jo == _person("j3")
    assert len({sam, jo, alex}) == 3

    # Nothing changed: the same ids, and no history.
    second = services.index_link(model=trained_model()).run
    assert (_person("s1"), _person("j1"), _person("a1")) == (sam, jo, alex)
    assert second.summary["new_people"] == 0
    assert not IdentityChange.objects.exists()

    # A caseworker says Alex is Sam: the two merge; one id is kept, the other retired.
    s1, a1, j1, j3 = (SourceRecord.objects.get(source_id=i).pk for i in ("s1", "a1", "j1", "j3"))
    ReviewPair.objects.create(
        record_a_id=min(s1, a1), record_b_id=max(s1, a1), match_probability=0.6,
        run=second, status=ReviewPair.Status.CONFIRMED,
    )  # fmt: skip
    # …and that j3 is not the same person as j1: Jo's cluster splits.
    ReviewPair.objects.create(
        record_a_id=min(j1, j3), record_b_id=max(j1, j3), match_probability=0.6,
        run=second, status=ReviewPair.Status.REJECTED,
    )  # fmt: skip
    third = services.index_link(model=trained_model()).run
    assert _person("s1") == _person("s2") == _person("a1") == sam  # two records beat one
    assert IndexPerson.objects.get(pk=alex).retired_run == third
    assert _person("j1") == jo
    assert _person("j3") != _person("j1")
    changes = {
        (c.kind, c.from_person_id, c.to_person_id, c.records_moved)
        for c in IdentityChange.objects.filter(run=third)
    }
    assert ("merge", alex, sam, 1) in changes
    split = [c for c in changes if c[0] == "split"]
    assert len(split) == 1 and split[0][1] == jo and split[0][3] >= 1
    assert third.summary["merges"] == 1 and third.summary["splits"] == 1
    assert {c.kind for c in selectors.person_history(person_id=jo)} == {"split"}

    # History is append-only in the database itself.
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        IdentityChange.objects.filter(run=third).update(records_moved=99)


def test_uncertain_pairs_are_queued_once_and_decisions_bind_the_next_run(db, tmp_path):
    _small_index(tmp_path)
    # A match threshold no pair reaches: every scored pair is uncertain.
    services.index_link(model=trained_model(), match_threshold=1.01, review_threshold=0.01)
    pending = list(ReviewPair.objects.filter(status="pending").order_by("pk"))
    assert pending
    assert _person("s1") != _person("s2")  # not linked without a decision
    sam_pair = next(
        p for p in pending if {p.record_a.source_id, p.record_b.source_id} == {"s1", "s2"}
    )
    staff = make_staff()
    services.review_decide(pair_id=sam_pair.pk, same_person=True, by=staff.caseworker)
    again = services.index_link(
        model=trained_model(), match_threshold=1.01, review_threshold=0.01
    ).run
    assert again.summary["queued_for_review"] == 0  # nothing queued twice
    assert _person("s1") == _person("s2")  # confirmed: forced together
    sam_pair.refresh_from_db()
    assert sam_pair.status == "confirmed" and sam_pair.decided_by == staff.caseworker

    # Rejected pairs are forced apart even when the model is sure.
    j1, j2 = (SourceRecord.objects.get(source_id=i).pk for i in ("j1", "j2"))
    jo_pair = ReviewPair.objects.get(record_a_id=min(j1, j2), record_b_id=max(j1, j2))
    services.review_decide(pair_id=jo_pair.pk, same_person=False, by=staff.caseworker)
    services.index_link(model=trained_model())
    assert _person("j1") != _person("j2")
    # A decision stands: the opposite decision later is refused.
    with pytest.raises(services.ReviewRefused):
        services.review_decide(pair_id=jo_pair.pk, same_person=True, by=staff.colleague)


def test_people_commands_import_link_and_write_the_links_as_csv(db, tmp_path):
    _small_index(tmp_path)
    model_path = tmp_path / "model.json"
    model_path.write_text(json.dumps(trained_model()))
    out, err = io.StringIO(), io.StringIO()
    bad = write(
        tmp_path,
        "bad.csv",
        f"{HEADER}\nb1,Bad,Date,2001-02-31,,,,,,\nb2,Ok,Row,,,,,,,\nb3,,,2001-02-31,,,,,,\n",
    )
    call_command("people", "import", "--source", "benefits", str(bad), stdout=out, stderr=err)
    assert "2 records imported from benefits, 1 rows refused, 1 fields set aside" in out.getvalue()
    assert (
        "date_of_birth set aside on 1 records: not a date in the form YYYY-MM-DD" in out.getvalue()
    )
    assert "bad.csv:2: set aside, the rest kept: date_of_birth 2001-02-31 is not a date" in (
        err.getvalue()
    )
    assert "bad.csv:4: nothing that identifies the person is left" in err.getvalue()
    out = io.StringIO()
    call_command("people", "link", "--model", str(model_path), stdout=out)
    assert "8 records into 5 people" in out.getvalue()
    out = io.StringIO()
    call_command("people", "links", "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["source", "source_id", "person_id"]
    assert len(rows) == 9
    links = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert links[("tax", "s1")] == links[("housing", "s2")] == str(_person("s1"))
    assert links[("benefits", "b2")] == str(_person("b2"))


# Scoring


def test_python_comparison_levels_give_splinks_own_weights(db):
    """The single-record scorer evaluates the model's levels in Python; Splink's SQL on
    DuckDB is the reference."""
    import duckdb
    import pyarrow as pa
    from splink.internals.realtime import compare_records

    model = trained_model()
    population = synthetic.population(1500, seed=21)
    rows = [normalise.normalise(row) for row in population.rows]
    rng = random.Random(5)
    pairs = [(rows[i], rows[i + 1]) for i in range(len(rows) - 1)]
    pairs += [(rows[rng.randrange(len(rows))], rows[rng.randrange(len(rows))]) for _ in range(500)]
    columns = ["record_id", *scoring.COMPARED, "initials"]
    schema = pa.schema([("record_id", pa.int64())] + [(c, pa.string()) for c in columns[1:]])

    def table(side):
        return pa.Table.from_pylist(
            [{"record_id": i, **{c: pair[side].get(c) for c in columns[1:]}}
             for i, pair in enumerate(pairs)],
            schema=schema,
        )  # fmt: skip

    reference = compare_records(
        table(0), table(1), model, linkage.duckdb_api(), join_condition="l.record_id = r.record_id"
    ).as_record_list()
    prior, weights = linkage.parameters(model)
    parsed = (prior, [(linkage.PYTHON_LEVELS[name], w) for name, w in weights.items()])
    assert len(reference) == len(pairs)
    for row in reference:
        left, right = pairs[row["record_id_l"]]
        assert scoring.match_weight(parsed, left, right) == pytest.approx(row["match_weight"])

    con = duckdb.connect()
    names = [r["family_name"] for r in rows] + [r["given_name"] for r in rows]
    for a in names[:400]:
        b = synthetic._typo(rng, a)
        expected = con.execute("SELECT jaro_winkler_similarity(?, ?)", [a, b]).fetchone()[0]
        assert linkage.jaro_winkler(a, b) == pytest.approx(expected)
        expected = con.execute("SELECT damerau_levenshtein(?, ?) <= 1", [a, b]).fetchone()[0]
        assert linkage.within_one_edit(a, b) == expected


def test_score_record_finds_the_person_and_not_strangers(db, tmp_path):
    population = synthetic.population(1500, seed=8)
    import_population(tmp_path, population)
    services.index_link(model=trained_model())
    assert selectors.score_record({"given_name": "Nobody"}) == []
    applicants = synthetic.new_applicants(population, 40, seed=8)
    person_of = {}
    for record in SourceRecord.objects.all():
        index = population.rows.index(
            next(r for r in population.rows if r["source_id"] == record.source_id)
        )
        person_of[population.truth[index]] = record.link.person_id
    right = 0
    for record, true_person in applicants:
        matches = selectors.score_record(record)
        best = matches[0] if matches and matches[0]["match_probability"] >= 0.5 else None
        if true_person is None:
            right += best is None
        else:
            right += best is not None and best["person_id"] == person_of[true_person]
    assert right >= 38


def test_score_case_is_the_person_match_check(db, tmp_path, demo_services):
    _account, case = citizen_case()  # Sam Evans, 1979-11-04, AB123456C, CF83 1AA
    # Before the index is built nothing is looked at: "not run", never green.
    not_built = selectors.score_case(case.pk)
    assert not_built["status"] == "not_run" and not_built["evidence"]["run"] is None
    assert "has not been built yet" in not_built["reasons"][0]

    services.records_import(
        source="housing",
        path=write(
            tmp_path,
            "h.csv",
            f"{HEADER}\n"
            "h1,Sam,Evans,1979-11-04,CF83 1AA,2 High Street,Caerphilly,AB123456C,,\n"
            "h2,Robin,Other,1960-01-01,LL11 1AA,,,,,\n",
        ),
    )
    services.index_link(model=trained_model())
    result = selectors.score_case(case.pk)
    assert result["status"] == "green"
    assert result["evidence"]["person_id"] == _person("h1")
    assert result["evidence"]["candidates"][0]["records"][0]["source_id"] == "h1"

    # Someone else holding Sam's NI number: a person should look.
    services.records_import(
        source="benefits",
        path=write(
            tmp_path,
            "b.csv",
            f"{HEADER}\nb1,Lee,Hughes,1950-05-05,SY23 1AA,,,AB123456C,,\n",
        ),
    )
    services.index_link(model=trained_model())
    result = selectors.score_case(case.pk)
    assert result["status"] == "red"
    assert result["evidence"]["ni_number_held_by"] == [_person("b1")]
    with pytest.raises(LookupError):
        selectors.score_case(999_999)


# The review page


@pytest.fixture
def queued(db, tmp_path):
    _small_index(tmp_path)
    services.index_link(model=trained_model(), match_threshold=1.01, review_threshold=0.01)
    return list(ReviewPair.objects.order_by("pk"))


def test_review_page_needs_the_organisations_own_staff(client, queued):
    url = reverse("workspace:person-index-review")
    assert url == "/staff/person-index/review/"
    response = client.get(url)
    assert response.status_code == 302 and "sign-in" in response["Location"]
    staff = make_staff()
    client.force_login(staff.provider)
    assert client.get(url).status_code == 403
    pair = queued[0]
    response = client.post(
        reverse("workspace:person-index-review-decide", args=[pair.pk]), {"decision": "same"}
    )
    assert response.status_code == 403
    pair.refresh_from_db()
    assert pair.status == "pending"


def test_review_page_lists_pairs_in_constant_queries_and_records_decisions(client, queued):
    staff = make_staff()
    client.force_login(staff.caseworker)
    url = reverse("workspace:person-index-review")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200
        return len(context.captured_queries)

    many = queries()
    for pair in queued[1:]:
        pair.status = "rejected"
        pair.save()
    assert queries() == many
    page = client.get(url).content.decode()
    pair = queued[0]
    assert f'id="pair-{pair.pk}"' in page
    assert pair.record_a.source_id in page and "Same person" in page

    response = client.post(
        reverse("workspace:person-index-review-decide", args=[pair.pk]) + "?page=1",
        {"decision": "same"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?page=1")
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == ("confirmed", staff.caseworker)
    assert "Recorded: the same person" in client.get(url).content.decode()
    # A second click changes nothing; the opposite decision is refused, not a 500.
    again = client.post(
        reverse("workspace:person-index-review-decide", args=[pair.pk]), {"decision": "same"}
    )
    assert again.status_code == 302
    refused = client.post(
        reverse("workspace:person-index-review-decide", args=[pair.pk]), {"decision": "different"}
    )
    assert refused.status_code == 409
    assert "already decided" in refused.content.decode()
    bad = client.post(
        reverse("workspace:person-index-review-decide", args=[pair.pk]), {"decision": "maybe"}
    )
    assert bad.status_code == 400
    assert "Choose whether the records are the same person" in bad.content.decode()
    assert client.get(url + "?page=abc").status_code == 200


def test_review_decisions_need_the_csrf_token(queued):
    staff = make_staff()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff.caseworker)
    pair = queued[0]
    response = client.post(
        reverse("workspace:person-index-review-decide", args=[pair.pk]), {"decision": "same"}
    )
    assert response.status_code == 403
    pair.refresh_from_db()
    assert pair.status == "pending"


# The benchmark


def test_bench_link_prints_the_figures_as_json_last(db):
    out = io.StringIO()
    result = bench_link.run(
        records=800, seed=2, samples=10, out=lambda line: out.write(line + "\n")
    )
    assert set(result) == {"bench", "records", "wall_s", "precision", "recall", "score_p95_ms"}
    assert result["bench"] == "link" and result["records"] == 800
    assert result["precision"] >= 0.9 and result["recall"] >= 0.9
    assert "Pairwise precision" in out.getvalue()


def test_a_large_import_rebuilds_the_indexes_it_dropped(db, tmp_path, monkeypatch):
    """On PostgreSQL a bulk write as large as the table drops its secondary indexes and
    builds them again after (elsewhere nothing is dropped)."""
    from commonweal.personindex import storage

    monkeypatch.setattr(storage, "REBUILD_INDEXES_FROM", 1)
    _small_index(tmp_path)
    services.index_link(model=trained_model())
    with connection.cursor() as cursor:
        names = {
            index
            for table in ("personindex_sourcerecord", "personindex_recordlink")
            for index in connection.introspection.get_constraints(cursor, table)
        }
    assert {"source_record_ni", "source_record_dob", "source_record_postcode"} <= names
    assert {"source_record_email", "record_link_person"} <= names
    assert SourceRecord.objects.count() == RecordLink.objects.count() == 6


def test_the_vectorised_reader_gives_what_the_row_by_row_reader_gives(tmp_path):
    """Files whose records are one line each are read in DuckDB; others row by row. Both
    must give the same records and the same reasons."""
    import duckdb

    population = synthetic.population(300, seed=4)
    rows = [dict(row) for row in population.rows]
    rows[3]["date_of_birth"] = "1980-02-30"
    rows[5]["postcode"] = "NOT A CODE"
    rows[7]["ni_number"] = "QQ123456C"
    rows[9]["email"] = "not-an-email"
    rows[11]["phone"] = "123"
    rows[13]["source_id"] = rows[12]["source_id"]
    rows[15]["source_id"] = ""
    rows[17]["given_name"] = "  Siân  ap-Rhys O'Neill "
    rows[19]["address_line_1"] = " 2   High\tStreet "
    rows[21]["phone"] = "+44 (0)7700 900 982"
    rows[23]["date_of_birth"] = "2999-01-01"
    rows[25]["source_id"] = "x" * 101
    rows[27]["town"] = "Llanfair PG"
    rows[29].update(dict.fromkeys(("given_name", "family_name", "postcode"), ""))
    rows[29].update(address_line_1="", email="", phone="", ni_number="", date_of_birth="31/02")
    rows[31].update(postcode="X1", phone="12", ni_number="  ")
    path = synthetic.write_csv(rows, tmp_path / "mixed.csv", ("source",))

    con = duckdb.connect()
    fast = normalise.fast_read(path, "csv", con)
    assert fast is not None
    table, rejected, errors, set_aside = fast
    fast_rows = con.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
    reader = normalise.RecordReader(path)
    slow_rows = list(reader.rows())
    assert [e.as_dict() for e in errors] == [e.as_dict() for e in reader.errors]
    assert rejected == reader.rejected == 4
    assert "nothing that identifies the person is left" in errors[-1].reason
    assert [tuple(r[:-2]) for r in fast_rows] == [tuple(r[:-2]) for r in slow_rows]
    assert [[json.loads(v) for v in r[-2:]] for r in fast_rows] == [
        [json.loads(v) for v in r[-2:]] for r in slow_rows
    ]
    assert set_aside.counts == reader.set_aside.counts
    assert sum(sum(n.values()) for n in set_aside.counts.values()) == 9
    assert [s.as_dict() for s in set_aside.lines] == [s.as_dict() for s in reader.set_aside.lines]

    # A line break inside a value: only the row-by-row reader can say which line.
    quoted = tmp_path / "quoted.csv"
    quoted.write_text(f'{HEADER}\nq1,"Sam\nEvans",Jones,,,,,,,\n', encoding="utf-8")
    assert normalise.fast_read(quoted, "csv", con) is None


def test_the_platforms_own_people_are_linked_to_their_index_person(db, tmp_path):
    _account, case = citizen_case()  # Sam Evans, 1979-11-04, AB123456C, CF83 1AA
    batch = services.platform_people_import()
    assert batch.source == "commonweal" and batch.imported >= 1
    services.records_import(
        source="housing",
        path=write(
            tmp_path,
            "h.csv",
            f"{HEADER}\nh1,Sam,Evans,1979-11-04,CF83 1AA,2 High Street,Caerphilly,,,\n",
        ),
    )
    services.index_link(model=trained_model())
    sam = _person("h1")
    assert IndexPerson.objects.get(pk=sam).person_id == case.person_id
    assert selectors.index_person_of(person_id=case.person_id) == sam
    assert selectors.score_case(case.pk)["evidence"]["applicant_person_id"] == sam
    out = io.StringIO()
    call_command("people", "import-platform", stdout=out)
    assert "imported as 'commonweal'" in out.getvalue()


def test_a_record_with_an_unusable_date_of_birth_links_on_name_and_postcode(db, tmp_path):
    _small_index(tmp_path)
    batch = services.records_import(
        source="council-tax",
        path=write(
            tmp_path,
            "ct.csv",
            f"{HEADER}\nc1,Sam,Evans,31/02/1979,CF83 1AA,2 High Street,Caerphilly,,,\n",
        ),
    )
    assert (batch.imported, batch.rejected) == (1, 0)
    services.index_link(model=trained_model())
    record = SourceRecord.objects.get(source_id="c1")
    assert record.date_of_birth is None
    assert record.set_aside["date_of_birth"]["raw"] == "31/02/1979"
    # Linked to Sam's other records on what remained, not left as a stranger.
    assert _person("c1") == _person("s1") == _person("s2")


def test_a_platform_record_with_a_bad_ni_number_is_kept_with_it_set_aside(db, tmp_path):
    """The platform's own people (registered online, by staff or through the API) reach the
    index through the same import: an NI number in the wrong shape is set aside."""
    from commonweal.people.models import Person

    _account, case = citizen_case()
    Person.objects.filter(pk=case.person_id).update(ni_number="AB12345")
    batch = services.platform_people_import()
    assert batch.rejected == 0
    record = SourceRecord.objects.get(source="commonweal", source_id=str(case.person_id))
    assert record.ni_number is None and record.family_name == "EVANS"
    assert record.set_aside == {
        "ni_number": {"raw": "AB12345", "reason": "not a National Insurance number"}
    }
    assert batch.set_aside == {"ni_number": {"not a National Insurance number": 1}}


def test_the_review_page_shows_a_field_set_aside_with_its_reason(client, db, tmp_path):
    _small_index(tmp_path)
    services.records_import(
        source="council-tax",
        path=write(
            tmp_path,
            "ct.csv",
            f"{HEADER}\nc1,Sam,Evans,31/02/1979,CF83 1AA,2 High Street,Caerphilly,,,\n",
        ),
    )
    services.index_link(model=trained_model(), match_threshold=1.01, review_threshold=0.01)
    pair = ReviewPair.objects.filter(record_b__source_id="c1").first() or (
        ReviewPair.objects.get(record_a__source_id="c1", record_b__source_id="s1")
    )
    client.force_login(make_staff().caseworker)
    page = client.get(reverse("workspace:person-index-review") + "?page=1")
    pages = [page.content.decode()]
    for number in range(2, 5):
        pages.append(client.get(f"{reverse('workspace:person-index-review')}?page={number}")
                     .content.decode())  # fmt: skip
    shown = next(text for text in pages if f'id="pair-{pair.pk}"' in text)
    assert "31/02/1979" in shown
    assert "set aside: not a date in the form YYYY-MM-DD" in shown
