"""The linkage model and its run on Splink: the same settings on any Splink backend.

`make_linker(db_api, table)` is the one place a Splink linker is made. The tests and every
ordinary run pass a `DuckDBAPI`; a national-scale batch passes Splink's `SparkAPI` over a
Spark table with the same columns (see docs/person-index.md). Nothing here is specific to
DuckDB except `duckdb_api()`.

Input columns (one row per source record): record_id, given_name, family_name,
date_of_birth (text, YYYY-MM-DD), postcode, address_line_1, ni_number, email, phone, and the
derived blocking key `initials` (the first letters of the two names in alphabetical order,
so swapped names still meet).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.internals.comparison_creator import ComparisonCreator

from .fields import COMPARED

U_PAIRS = 400_000  # random pairs for the u probabilities
MATCH_THRESHOLD = 0.95  # at or above: the same person
REVIEW_THRESHOLD = 0.5  # from here up to the match threshold: a caseworker decides

INPUT_COLUMNS = ("record_id", *COMPARED, "initials")

# SQL for the derived blocking key, for DuckDB and Spark alike.
INITIALS_SQL = (
    "least(substr(given_name, 1, 1), substr(family_name, 1, 1)) || "
    "greatest(substr(given_name, 1, 1), substr(family_name, 1, 1))"
)

# Pairs are compared when they share any of these. Each is narrow enough that a million
# records make a few million pairs at most, and together they meet every kind of
# duplicate the index sees: a different NI number or none, a typo in a name, swapped
# names, a new address.
BLOCKING_RULES = (
    block_on("ni_number"),
    block_on("date_of_birth", "initials"),
    block_on("date_of_birth", "postcode"),
    block_on("postcode", "family_name"),
    block_on("email"),
)


def _names() -> ComparisonCreator:
    # Splink's ForenameSurnameComparison less its term-frequency adjustments, which would
    # need frequency tables beside every single-record score.
    given, family = "given_name", "family_name"
    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.And(cll.NullLevel(given), cll.NullLevel(family)),
            cll.And(cll.ExactMatchLevel(given), cll.ExactMatchLevel(family)),
            cll.ColumnsReversedLevel(given, family, symmetrical=True),
            cll.And(cll.JaroWinklerLevel(given, 0.92), cll.JaroWinklerLevel(family, 0.92)),
            cll.And(cll.JaroWinklerLevel(given, 0.8), cll.JaroWinklerLevel(family, 0.8)),
            cll.ExactMatchLevel(family),
            cll.ExactMatchLevel(given),
            cll.ElseLevel(),
        ],
    )


def _date_of_birth() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel("date_of_birth"),
            cll.ExactMatchLevel("date_of_birth"),
            cll.DamerauLevenshteinLevel("date_of_birth", 1),
            cll.ElseLevel(),
        ],
    )


# The same comparison levels in Python, in the same order (the null level first), for
# scoring one record without a database round trip (scoring.py). A condition on a NULL is
# false, as in SQL. tests/test_person_index.py checks these against Splink's own SQL.
_SECTOR = re.compile(r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? [0-9]")
_DISTRICT = re.compile(r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?")
_AREA = re.compile(r"^[A-Za-z]{1,2}")


def _same(field):
    return lambda left, right: (
        left[field] is not None and right[field] is not None and left[field] == right[field]
    )


def _null(field):
    return lambda left, right: left[field] is None or right[field] is None


def _similar(field, threshold):
    def level(left, right):
        a, b = left[field], right[field]
        return a is not None and b is not None and jaro_winkler(a, b) >= threshold

    return level


def _part(pattern, field):
    def level(left, right):
        a, b = left[field], right[field]
        if a is None or b is None:
            return False
        ma, mb = pattern.match(a), pattern.match(b)
        return bool(ma and mb and ma.group(0) == mb.group(0))

    return level


def _all(*levels):
    return lambda left, right: all(level(left, right) for level in levels)


def _always(left, right):
    return True


PYTHON_LEVELS = {
    "name": [
        _all(_null("given_name"), _null("family_name")),
        _all(_same("given_name"), _same("family_name")),
        lambda left, right: (
            None
            not in (
                left["given_name"],
                left["family_name"],
                right["given_name"],
                right["family_name"],
            )
            and left["given_name"] == right["family_name"]
            and right["given_name"] == left["family_name"]
        ),
        _all(_similar("given_name", 0.92), _similar("family_name", 0.92)),
        _all(_similar("given_name", 0.8), _similar("family_name", 0.8)),
        _same("family_name"),
        _same("given_name"),
        _always,
    ],
    "date_of_birth": [
        _null("date_of_birth"),
        _same("date_of_birth"),
        lambda left, right: (
            left["date_of_birth"] is not None
            and right["date_of_birth"] is not None
            and within_one_edit(left["date_of_birth"], right["date_of_birth"])
        ),
        _always,
    ],
    "postcode": [
        _null("postcode"),
        _same("postcode"),
        _part(_SECTOR, "postcode"),
        _part(_DISTRICT, "postcode"),
        _part(_AREA, "postcode"),
        _always,
    ],
    "address_line_1": [
        _null("address_line_1"),
        _same("address_line_1"),
        _similar("address_line_1", 0.9),
        _always,
    ],
    "ni_number": [_null("ni_number"), _same("ni_number"), _always],
    "email": [_null("email"), _same("email"), _always],
    "phone": [_null("phone"), _same("phone"), _always],
}


def jaro_winkler(a: str, b: str) -> float:
    """Jaro–Winkler similarity as DuckDB's jaro_winkler_similarity computes it."""
    if a == b:
        return 1.0
    la, lb = len(a), len(b)
    if not la or not lb:
        return 0.0
    window = max(max(la, lb) // 2 - 1, 0)
    taken = [False] * lb
    matched_a = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(i + window + 1, lb)):
            if not taken[j] and b[j] == ch:
                taken[j] = True
                matched_a.append(ch)
                break
    matches = len(matched_a)
    if not matches:
        return 0.0
    matched_b = [b[j] for j in range(lb) if taken[j]]
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) // 2
    jaro = (matches / la + matches / lb + (matches - transpositions) / matches) / 3
    if jaro > 0.7:
        prefix = 0
        for x, y in zip(a[:4], b[:4], strict=False):
            if x != y:
                break
            prefix += 1
        jaro += prefix * 0.1 * (1 - jaro)
    return jaro


def within_one_edit(a: str, b: str) -> bool:
    """Damerau–Levenshtein distance at most 1: one letter changed, added, dropped, or two
    neighbours swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[
            _names(),
            _date_of_birth(),
            cl.PostcodeComparison("postcode"),
            cl.JaroWinklerAtThresholds("address_line_1", [0.9]),
            cl.ExactMatch("ni_number"),
            cl.ExactMatch("email"),
            cl.ExactMatch("phone"),
        ],
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def duckdb_api(connection=None):
    from splink import DuckDBAPI

    if connection is None:
        import duckdb

        connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    return DuckDBAPI(connection=connection)


def make_linker(db_api, table: str, model: dict | None = None) -> Linker:
    """A linker over `table` (a table of INPUT_COLUMNS already in db_api's database), with
    a trained `model` or the untrained settings."""
    frame = db_api.register(table)
    return Linker(frame, model if model is not None else settings(), log_level=None)


def train(linker: Linker) -> dict:
    """Estimate the model's parameters from the data itself (no labels): the chance two
    records match from deterministic rules, u from random pairs, m by expectation
    maximisation in two passes, each blocked on fields the other one trains."""
    # Splink reports every training step, and warns of levels a pass cannot see; the run's
    # summary says what matters.
    logging.getLogger("splink").setLevel(logging.ERROR)
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [
            block_on("ni_number", "date_of_birth"),
            "l.given_name = r.given_name and l.family_name = r.family_name "
            "and l.date_of_birth = r.date_of_birth and l.postcode = r.postcode",
        ],
        recall=0.8,
    )
    # One pass over random pairs: Splink's early stopping re-runs small chunks per
    # comparison, which costs more than it saves here. Every level's u is floored (below),
    # so the rare agreements a smaller sample misses cannot weigh infinitely.
    training.estimate_u_using_random_sampling(
        max_pairs=U_PAIRS, seed=1, min_count_per_level=None, num_chunks=1
    )
    training.estimate_parameters_using_expectation_maximisation(
        block_on("ni_number"), estimate_without_term_frequencies=True
    )
    training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth", "postcode"), estimate_without_term_frequencies=True
    )
    return _floored(linker.misc.save_model_to_json())


def parameters(model: dict) -> tuple[float, dict[str, list[float | None]]]:
    """The prior match weight and, per comparison, each level's log2 Bayes factor (None
    for the null level), as Splink itself reads them from the saved model."""
    parsed = SettingsCreator.from_path_or_dict(model).get_settings("duckdb")
    prior = parsed._probability_two_random_records_match
    weights = {}
    for comparison in parsed.comparisons:
        weights[comparison.output_column_name] = [
            None if level.is_null_level else level._log2_bayes_factor
            for level in comparison.comparison_levels
        ]
    return math.log2(prior / (1 - prior)), weights


def _floored(model: dict, floor: float = 1e-6) -> dict:
    """No level may be impossible: a level never seen in training (an NI number that
    differs between two records of one person) keeps a small chance rather than an
    infinite weight against the match."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            for key in ("m_probability", "u_probability"):
                if key in level and level[key] is not None and level[key] < floor:
                    level[key] = floor
    return model


@dataclass
class Decisions:
    """Caseworkers' decisions: pairs forced together, pairs forced apart."""

    confirmed: list[tuple[int, int]] = field(default_factory=list)
    rejected: list[tuple[int, int]] = field(default_factory=list)


def cluster(con, *, predictions: str, nodes: str, decisions: Decisions, threshold: float):
    """Connected components over the pairs at or above `threshold`, with caseworkers'
    decisions applied: confirmed pairs are edges whatever their score, rejected pairs are
    never edges, and a cluster that still joins a rejected pair through other records is
    cut at its weakest links until the two are apart. Leaves table `clusters`
    (record_id, cluster_id)."""
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    con.execute("CREATE OR REPLACE TEMP TABLE decided_pairs (l BIGINT, r BIGINT, ok BOOLEAN)")
    pairs = [(min(a, b), max(a, b), True) for a, b in decisions.confirmed] + [
        (min(a, b), max(a, b), False) for a, b in decisions.rejected
    ]
    if pairs:
        con.executemany("INSERT INTO decided_pairs VALUES (?, ?, ?)", pairs)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE edges AS
        SELECT p.record_id_l, p.record_id_r, p.match_probability
        FROM {predictions} p
        ANTI JOIN decided_pairs d ON d.l = p.record_id_l AND d.r = p.record_id_r
        WHERE p.match_probability >= {float(threshold)}
        UNION ALL
        SELECT l, r, 1.0 FROM decided_pairs WHERE ok
        """  # noqa: S608 (table names are ours; the threshold is a float)
    )
    db_api = duckdb_api(con)
    result = cluster_pairwise_predictions_at_threshold(
        nodes, "edges", db_api, node_id_column_name="record_id"
    )
    con.execute(
        "CREATE OR REPLACE TABLE clusters AS "  # noqa: S608
        f"SELECT record_id, cluster_id::VARCHAR AS cluster_id FROM {result.physical_name}"
    )
    if decisions.rejected:
        _separate_rejected(con, decisions)


def _separate_rejected(con, decisions: Decisions) -> None:
    """Split clusters that still hold a rejected pair (joined through other records)."""
    conflicts = con.execute(
        """
        SELECT DISTINCT a.cluster_id FROM decided_pairs d
        JOIN clusters a ON a.record_id = d.l JOIN clusters b ON b.record_id = d.r
        WHERE NOT d.ok AND a.cluster_id = b.cluster_id
        """
    ).fetchall()
    if not conflicts:
        return
    rejected = {(min(a, b), max(a, b)) for a, b in decisions.rejected}
    confirmed = {(min(a, b), max(a, b)) for a, b in decisions.confirmed}
    relabel: list[tuple[int, int]] = []
    for (cluster_id,) in conflicts:
        members = [
            row[0]
            for row in con.execute(
                "SELECT record_id FROM clusters WHERE cluster_id = ?", [cluster_id]
            ).fetchall()
        ]
        edges = con.execute(
            """
            SELECT e.record_id_l, e.record_id_r, e.match_probability FROM edges e
            JOIN clusters c ON c.record_id = e.record_id_l WHERE c.cluster_id = ?
            ORDER BY e.match_probability, e.record_id_l, e.record_id_r
            """,
            [cluster_id],
        ).fetchall()
        edges = [(a, b, p) for a, b, p in edges if (a, b) not in rejected]
        inside = [pair for pair in rejected if pair[0] in members or pair[1] in members]
        # Drop the weakest unconfirmed edge until no rejected pair is joined.
        while True:
            components = _components(members, edges)
            if all(components[a] != components[b] for a, b in inside):
                break
            weakest = next((i for i, e in enumerate(edges) if e[:2] not in confirmed), None)
            if weakest is None:
                break  # only confirmed links hold them together: those decisions win
            edges.pop(weakest)
        relabel.extend((record, root) for record, root in components.items())
    con.execute("CREATE OR REPLACE TEMP TABLE relabel (record_id BIGINT, cluster_id VARCHAR)")
    con.executemany("INSERT INTO relabel VALUES (?, ?)", [(r, f"s{c}") for r, c in relabel])
    con.execute(
        "UPDATE clusters SET cluster_id = relabel.cluster_id FROM relabel "
        "WHERE clusters.record_id = relabel.record_id"
    )


def _components(members: list[int], edges) -> dict[int, int]:
    parent = {m: m for m in members}

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _p in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {m: root(m) for m in members}
