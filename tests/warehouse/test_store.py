"""The warehouse: schema, all-or-nothing runs, probability views, read-only SQL."""

from __future__ import annotations

import dataclasses
import math

import duckdb
import pyarrow as pa
import pytest

from models.errors import CountlabError
from models.outcomes import NO_CHOICE, OUTCOMES, outcome_label, parse_label
from warehouse.adhoc import check_read_only
from warehouse.schema import SCHEMA_VERSION, ensure_schema
from warehouse.store import (
    INTERRUPTED,
    ChunkEntry,
    PointRecord,
    RunRecord,
    begin_run,
    complete_run,
    connect,
    fail_run,
    query_rows,
    store_chunks,
    stored_chunk_starts,
)

Z95 = 1.959963984540054


CANDIDATES = ("biden", "trump")
OUTCOME_CODES = {"electors": 0, "house": 1, "no_choice": 2}


def record(run_id: str = "run1", draws: int = 10) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        kind="run",
        scenario_json="{}",
        scenario_hash="h",
        session="2021-01-06",
        regime="eca1887",
        denominator="appointed",
        rules={},
        candidates=CANDIDATES,
        objection_states=("AZ", "PA"),
        seed=1,
        draws=draws,
        points=1,
        sweep_json=None,
        base_dir=".",
        chunk_draws=draws,
        block_draws=32768,
        sampler="grouped",
        countlab_version="0",
    )


def point(draws: int = 10) -> PointRecord:
    return PointRecord(
        point=0,
        params={},
        param_values={},
        scenario_json="{}",
        scenario_hash="h",
        session="2021-01-06",
        regime="eca1887",
        denominator="appointed",
        candidates=CANDIDATES,
        vp_candidates=("harris", "pence"),
        objection_states=("AZ", "PA"),
        seed=1,
        draws=draws,
    )


def start(con, run_id: str = "run1", draws: int = 10) -> int:
    return begin_run(con, record(run_id, draws), [point(draws)])


def draws_rows(run_key: int, outcomes: list[tuple[str, str | None]], first: int = 0) -> pa.Table:
    n = len(outcomes)
    return pa.table(
        {
            "run_key": pa.array([run_key] * n, pa.int32()),
            "point": pa.array([0] * n, pa.int32()),
            "draw": list(range(first, first + n)),
            "outcome": pa.array([OUTCOME_CODES[o] for o, _ in outcomes], pa.uint8()),
            "winner": pa.array(
                [None if w is None else CANDIDATES.index(w) for _, w in outcomes], pa.uint8()
            ),
            "vice_president": pa.array([1] * n, pa.uint8()),
            "acting_president": pa.array([0] * n, pa.uint8()),
            "totals": pa.array([[300, 238]] * n, type=pa.list_(pa.int16())),
            "whole_number": pa.array([538] * n, pa.int16()),
            "majority_needed": pa.array([270] * n, pa.int16()),
            "n_raised": pa.array([2] * n, pa.int16()),
            "n_sustained": pa.array([0] * n, pa.int16()),
            "house_states": pa.array([None] * n, type=pa.list_(pa.int16())),
        }
    )


def votes_rows(run_key: int, n: int, sustained_az: int) -> pa.Table:
    return pa.table(
        {
            "run_key": pa.array([run_key] * (2 * n), pa.int32()),
            "point": pa.array([0] * (2 * n), pa.int32()),
            "draw": [d for d in range(n) for _ in range(2)],
            "objection": pa.array([0, 1] * n, pa.uint8()),
            "raised": [s == "AZ" or d % 2 == 0 for d in range(n) for s in ("AZ", "PA")],
            "house_yes": pa.array([100] * (2 * n), pa.int16()),
            "house_no": pa.array([300] * (2 * n), pa.int16()),
            "senate_yes": pa.array([5] * (2 * n), pa.int16()),
            "senate_no": pa.array([90] * (2 * n), pa.int16()),
            "sustained": [s == "AZ" and d < sustained_az for d in range(n) for s in ("AZ", "PA")],
        }
    )


def store(con, run_key: int, draws: pa.Table, votes: pa.Table | None = None, first: int = 0):
    facts = {"stored_draws": draws}
    if votes is not None:
        facts["stored_objection_votes"] = votes
    store_chunks(con, run_key=run_key, chunks=[ChunkEntry(0, first, draws.num_rows)], facts=facts)


@pytest.fixture
def db(tmp_path):
    return tmp_path / "test.duckdb"


def test_schema_is_created_on_first_use_and_versioned(db):
    con = connect(db)
    tables = {
        r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
    }
    assert {
        "runs",
        "sweep_points",
        "stored_chunks",
        "stored_draws",
        "stored_objection_votes",
        "draws",
        "objection_votes",
        "exact_probabilities",
        "schema_version",
        "outcome_probabilities",
        "objection_probabilities",
        "winner_probabilities",
    } <= tables
    con.close()
    con = connect(db)  # idempotent
    assert con.execute("select count(*), max(version) from schema_version").fetchone() == (
        1,
        SCHEMA_VERSION,
    )
    con.close()


def test_a_newer_schema_is_refused(db):
    con = connect(db)
    con.execute("insert into schema_version (version) values (?)", [SCHEMA_VERSION + 1])
    with pytest.raises(CountlabError, match="newer"):
        ensure_schema(con)
    con.close()


def test_a_completed_run_lands_with_its_rows(db):
    con = connect(db)
    run_key = start(con, draws=4)
    assert con.execute("select status from runs").fetchone() == ("running",)
    store(con, run_key, draws_rows(run_key, [("electors", "biden")] * 4), votes_rows(run_key, 4, 0))
    # stored, but not visible until the run completes
    assert con.execute("select count(*) from stored_draws").fetchone() == (4,)
    assert con.execute("select count(*) from draws").fetchone() == (0,)
    assert con.execute("select count(*) from outcome_probabilities").fetchone() == (0,)
    complete_run(con, "run1")
    status, finished = con.execute("select status, finished_at from runs").fetchone()
    assert status == "completed"
    assert finished is not None
    assert con.execute("select count(*) from draws").fetchone() == (4,)
    row = con.execute(
        "select run_id, outcome, winner, vice_president, acting_president, totals['trump'],"
        " house_states from draws limit 1"
    ).fetchone()
    assert row == ("run1", "electors", "biden", "pence", "none", 238, None)
    assert con.execute("select distinct state from objection_votes order by state").fetchall() == [
        ("AZ",),
        ("PA",),
    ]
    con.close()


def test_a_chunk_is_stored_whole_or_not_at_all_and_only_once(db):
    con = connect(db)
    run_key = start(con, draws=4)
    bad_votes = votes_rows(run_key, 2, 0).drop_columns(["raised"])  # raised is not null
    with pytest.raises(duckdb.Error):
        store(con, run_key, draws_rows(run_key, [("electors", "biden")] * 2), bad_votes)
    assert con.execute("select count(*) from stored_draws").fetchone() == (0,)
    assert stored_chunk_starts(con, run_key) == set()
    store(con, run_key, draws_rows(run_key, [("electors", "biden")] * 2))
    with pytest.raises(duckdb.Error):
        store(con, run_key, draws_rows(run_key, [("electors", "biden")] * 2))
    assert con.execute("select count(*) from stored_draws").fetchone() == (2,)
    assert stored_chunk_starts(con, run_key) == {(0, 0)}
    con.close()


def test_a_tasks_chunks_are_stored_together_or_not_at_all(db):
    con = connect(db)
    run_key = start(con, draws=4)
    store(con, run_key, draws_rows(run_key, [("electors", "biden")] * 2))
    rows = draws_rows(run_key, [("electors", "biden")] * 4)
    with pytest.raises(duckdb.Error):  # the second chunk was stored already: none of the two
        store_chunks(
            con,
            run_key=run_key,
            chunks=[ChunkEntry(0, 2, 2), ChunkEntry(0, 0, 2)],
            facts={"stored_draws": rows},
        )
    assert con.execute("select count(*) from stored_draws").fetchone() == (2,)
    assert stored_chunk_starts(con, run_key) == {(0, 0)}
    con.close()


def test_a_failed_run_leaves_only_its_runs_row_marked_failed(db):
    con = connect(db)
    run_key = start(con, draws=4)
    store(con, run_key, draws_rows(run_key, [("electors", "biden")] * 2))
    fail_run(con, "run1", RuntimeError("disk on fire"), keep_rows=False)
    assert con.execute("select status, error from runs").fetchone() == ("failed", "disk on fire")
    for table in ("stored_draws", "stored_chunks", "draws", "objection_probabilities"):
        assert con.execute(f"select count(*) from {table}").fetchone() == (0,), table
    con.close()


@pytest.mark.parametrize(("kind", "chunks_left"), [("sweep", {(0, 0)}), ("run", set())])
def test_a_run_left_running_by_a_dead_process_is_marked_failed(db, kind, chunks_left):
    """The next writer marks it failed; a sweep keeps its rows (for --resume), a plain run's
    go (it cannot be resumed)."""
    con = connect(db)
    run_key = begin_run(con, dataclasses.replace(record(draws=4), kind=kind), [point(4)])
    store(con, run_key, draws_rows(run_key, [("electors", "biden")] * 2))
    con.close()  # the writer "dies" here
    con = connect(db)
    assert con.execute("select status, error from runs").fetchone() == ("failed", INTERRUPTED)
    assert stored_chunk_starts(con, run_key) == chunks_left
    assert con.execute("select count(*) from draws").fetchone() == (0,)
    con.close()


def wilson(n: int, draws: int) -> tuple[float, float]:
    p = n / draws
    center = (p + Z95**2 / (2 * draws)) / (1 + Z95**2 / draws)
    half = Z95 / (1 + Z95**2 / draws) * math.sqrt(p * (1 - p) / draws + Z95**2 / (4 * draws**2))
    return max(0.0, center - half), min(1.0, center + half)


def test_outcome_probabilities_view_has_every_label_with_se_and_wilson_interval(db):
    con = connect(db)
    run_key = start(con, draws=10)
    outcomes = [("electors", "biden")] * 7 + [("house", "trump")] * 2 + [("no_choice", None)]
    store(con, run_key, draws_rows(run_key, outcomes))
    complete_run(con, "run1")
    rows = {
        label: (n, p, se, lo, hi)
        for label, n, p, se, lo, hi in con.execute(
            "select label, n, p, se, ci_low, ci_high from outcome_probabilities"
        ).fetchall()
    }
    assert set(rows) == {
        "electors:biden",
        "electors:trump",
        "house:biden",
        "house:trump",
        "no_choice",
    }
    for label, n in (
        ("electors:biden", 7),
        ("house:trump", 2),
        ("no_choice", 1),
        ("electors:trump", 0),
    ):
        got_n, p, se, lo, hi = rows[label]
        assert got_n == n
        assert p == pytest.approx(n / 10)
        assert se == pytest.approx(math.sqrt(n / 10 * (1 - n / 10) / 10))
        assert (lo, hi) == pytest.approx(wilson(n, 10))
    winners = dict(con.execute("select candidate, p from winner_probabilities").fetchall())
    assert winners == pytest.approx({"biden": 0.7, "trump": 0.2})
    con.close()


def test_outcome_labels_view_spells_the_labels_of_models_outcomes(db):
    con = connect(db)
    run_key = start(con, draws=1)
    store(con, run_key, draws_rows(run_key, [("electors", "biden")]))
    complete_run(con, "run1")
    rows = con.execute("select label, outcome, candidate from outcome_labels").fetchall()
    assert sorted(rows) == sorted(
        (outcome_label(kind, c), kind, None if kind == NO_CHOICE else c)
        for kind in OUTCOMES
        for c in (CANDIDATES if kind != NO_CHOICE else (None,))
    )
    assert all(parse_label(label) == (kind, c) for label, kind, c in rows)
    con.close()


def test_mc_se_macro_and_its_return_to_a_warehouse_that_lacks_it(db):
    """The views' standard error is one macro; every write connection re-creates the
    macros, so a warehouse written before it (schema 3 too) gets it when next opened."""
    con = connect(db)
    for n, draws in ((0, 10), (3, 10), (10, 10), (7, 1000)):
        (se,) = con.execute("select mc_se(?::bigint, ?::bigint)", [n, draws]).fetchone()
        assert se == pytest.approx(math.sqrt(n / draws * (1 - n / draws) / draws), abs=1e-15)
    con.close()
    raw = duckdb.connect(str(db))
    raw.execute("drop macro mc_se")
    with pytest.raises(duckdb.CatalogException):
        raw.execute("select * from outcome_probabilities").fetchall()
    raw.close()
    con = connect(db)
    assert con.execute("select count(*) from outcome_probabilities").fetchone() == (0,)
    assert con.execute("select mc_se(1, 4)").fetchone()[0] == pytest.approx(math.sqrt(3) / 8)
    con.close()


def test_objection_probabilities_view(db):
    con = connect(db)
    run_key = start(con, draws=8)
    store(
        con,
        run_key,
        draws_rows(run_key, [("electors", "biden")] * 8),
        votes_rows(run_key, 8, sustained_az=2),
    )
    complete_run(con, "run1")
    rows = {
        s: (pr, ps, se)
        for s, pr, ps, se in con.execute(
            "select state, p_raised, p_sustained, se from objection_probabilities"
        ).fetchall()
    }
    assert rows["AZ"] == pytest.approx((1.0, 0.25, math.sqrt(0.25 * 0.75 / 8)))
    assert rows["PA"] == pytest.approx((0.5, 0.0, 0.0))
    con.close()


def test_running_and_failed_runs_are_not_in_the_views(db):
    con = connect(db)
    start(con, "stuck")
    assert con.execute("select count(*) from outcome_probabilities").fetchone() == (0,)
    con.close()


@pytest.mark.parametrize(
    "statement",
    [
        "insert into runs (run_id) values ('x')",
        "delete from stored_draws",
        "update runs set status = 'failed'",
        "create table t (a int)",
        "drop table stored_draws",
        "copy (select 1) to 'out.csv'",
        "attach 'other.duckdb' as other",
        "install httpfs",
        "load httpfs",
        "export database 'dump'",
        "set threads = 1",
        "pragma enable_profiling",
        "call pragma_version()",
        "select 1; delete from draws",
    ],
)
def test_sql_refuses_anything_that_is_not_a_query(db, statement):
    connect(db).close()
    before = db.read_bytes()
    with pytest.raises(CountlabError, match="read-only"):
        query_rows(db, statement)
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    "statement",
    [
        "select * from read_csv('/etc/passwd')",
        "select * from read_text('/etc/hostname')",
        "select * from 'countlab_other.parquet'",
    ],
)
def test_sql_cannot_read_arbitrary_files(db, statement):
    connect(db).close()
    with pytest.raises(CountlabError, match="sql:"):
        query_rows(db, statement)


def test_sql_answers_queries(db):
    con = connect(db)
    run_key = start(con, draws=2)
    store(con, run_key, draws_rows(run_key, [("electors", "biden")] * 2))
    complete_run(con, "run1")
    con.close()
    columns, rows = query_rows(db, "select label, p from outcome_probabilities order by label")
    assert columns == ["label", "p"]
    assert rows[0] == ("electors:biden", 1.0)


def test_sql_on_a_missing_warehouse_is_a_clear_error(tmp_path):
    with pytest.raises(CountlabError, match="no warehouse"):
        query_rows(tmp_path / "nope.duckdb", "select 1")


def test_check_read_only_accepts_queries():
    con = duckdb.connect()
    check_read_only(con, "with a as (select 1 as x) select * from a")
    check_read_only(con, "explain select 1")


def test_a_version_1_warehouse_is_upgraded_in_place_and_reads_the_same(db):
    from pathlib import Path

    v1 = duckdb.connect(str(db))
    v1.execute((Path(__file__).parent / "fixtures" / "v1_tables.sql").read_text())
    v1.execute(
        "create table schema_version (version integer not null, "
        "applied_at timestamptz not null default current_timestamp)"
    )
    v1.execute("insert into schema_version (version) values (1)")
    v1.execute(
        "insert into runs values ('old', '{}', 'h', '2021-01-06', 'eca1887', 'appointed', '{}',"
        " ['biden', 'trump'], ['AZ', 'PA'], 7, 3, 32768, 'grouped', '0',"
        " now(), now(), 'completed', null)"
    )
    v1.execute(
        "insert into draws values"
        " ('old', 0, 'electors', 'biden', 'harris', 'none', map {'biden': 306, 'trump': 232},"
        "  538, 270, 2, 0, null),"
        " ('old', 1, 'house', 'trump', 'pence', 'none', map {'biden': 227, 'trump': 232},"
        "  459, 230, 2, 1, map {'biden': 20, 'trump': 27}),"
        " ('old', 2, 'no_choice', null, null, 'speaker', map {'biden': 0, 'trump': 0},"
        "  0, 1, 2, 2, map {'biden': 0, 'trump': 0})"
    )
    v1.execute(
        "insert into objection_votes values ('old', 0, 'AZ', true, 121, 303, 6, 93, false),"
        " ('old', 0, 'PA', false, null, null, null, null, false)"
    )
    v1.execute("insert into exact_probabilities values ('old', 'outcome', 'no_choice', 0.5)")
    before = v1.execute(
        "select draw, outcome, winner, vice_president, acting_president, totals, house_states"
        " from draws order by draw"
    ).fetchall()
    v1.close()

    con = connect(db)
    assert con.execute("select max(version) from schema_version").fetchone() == (SCHEMA_VERSION,)
    after = con.execute(
        "select draw, outcome, winner, vice_president, acting_president, totals, house_states"
        " from draws where run_id = 'old' order by draw"
    ).fetchall()
    assert after == before
    assert con.execute(
        "select state, raised, house_yes from objection_votes order by state"
    ).fetchall() == [("AZ", True, 121), ("PA", False, None)]
    probabilities = dict(
        con.execute("select label, n from outcome_probabilities where run_id = 'old'").fetchall()
    )
    assert probabilities["electors:biden"] == 1
    assert probabilities["house:trump"] == 1
    assert probabilities["no_choice"] == 1
    assert con.execute("select point, p from exact_probabilities").fetchall() == [(0, 0.5)]
    # a new run after the upgrade gets a fresh key
    assert start(con, "new") == 2
    con.close()


def test_a_writing_connection_has_bounded_memory(tmp_path):
    """Issue 17: DuckDB's default (80% of RAM) let a long run's peak RSS grow with what it
    wrote and with its summary query; a writer is held to WRITER_SETTINGS."""
    from warehouse.store import open_for_writing

    con = open_for_writing(tmp_path / "w.duckdb", wait=None)
    assert con is not None
    limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    con.close()
    number, unit = limit.split()
    assert unit == "MiB", limit
    assert float(number) <= 64, limit


def _limit_mib(con) -> float:
    number, unit = con.execute("select current_setting('memory_limit')").fetchone()[0].split()
    assert unit == "MiB"
    return float(number)


def test_a_writer_reads_its_summary_with_more_memory_then_goes_back(tmp_path):
    """Issue 17: the summary's join of every draw of a run cannot finish in the writer's
    64MB for 30 M draws; the writer reads it (and upgrades a schema) at QUERY_MEMORY_LIMIT
    and goes back to its own limit afterwards, an error inside the block included."""
    from warehouse.schema import query_memory
    from warehouse.store import open_for_writing

    con = open_for_writing(tmp_path / "w.duckdb", wait=None)
    assert con is not None
    storing = _limit_mib(con)
    with query_memory(con):
        assert _limit_mib(con) >= 4 * storing
    assert _limit_mib(con) == storing
    with pytest.raises(duckdb.CatalogException), query_memory(con):
        con.execute("select * from no_such_table")
    assert _limit_mib(con) == storing
    con.close()
