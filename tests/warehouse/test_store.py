"""The warehouse: schema, all-or-nothing runs, probability views, read-only SQL."""

from __future__ import annotations

import math

import duckdb
import pyarrow as pa
import pytest

from models.errors import CountlabError
from warehouse.schema import SCHEMA_VERSION, ensure_schema
from warehouse.store import (
    RunRecord,
    RunWriter,
    begin_run,
    check_read_only,
    connect,
    query_rows,
)

Z95 = 1.959963984540054


def record(run_id: str = "run1", draws: int = 10) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        scenario_json="{}",
        scenario_hash="h",
        session="2021-01-06",
        regime="eca1887",
        denominator="appointed",
        rules={},
        candidates=("biden", "trump"),
        objection_states=("AZ", "PA"),
        seed=1,
        draws=draws,
        block_draws=32768,
        sampler="grouped",
        countlab_version="0",
    )


def draws_rows(run_id: str, outcomes: list[tuple[str, str | None]]) -> pa.Table:
    n = len(outcomes)
    return pa.table(
        {
            "run_id": [run_id] * n,
            "draw": list(range(n)),
            "outcome": [o for o, _ in outcomes],
            "winner": [w for _, w in outcomes],
            "vice_president": [None] * n,
            "acting_president": ["none"] * n,
            "totals": pa.array(
                [[("biden", 300), ("trump", 238)]] * n, type=pa.map_(pa.string(), pa.int16())
            ),
            "whole_number": pa.array([538] * n, pa.int16()),
            "majority_needed": pa.array([270] * n, pa.int16()),
            "n_raised": pa.array([2] * n, pa.int16()),
            "n_sustained": pa.array([0] * n, pa.int16()),
            "house_states": pa.array([None] * n, type=pa.map_(pa.string(), pa.int16())),
        }
    )


def votes_rows(run_id: str, n: int, sustained_az: int) -> pa.Table:
    states = ["AZ", "PA"] * n
    return pa.table(
        {
            "run_id": [run_id] * (2 * n),
            "draw": [d for d in range(n) for _ in range(2)],
            "state": states,
            "raised": [s == "AZ" or d % 2 == 0 for d in range(n) for s in ("AZ", "PA")],
            "house_yes": pa.array([100] * (2 * n), pa.int16()),
            "house_no": pa.array([300] * (2 * n), pa.int16()),
            "senate_yes": pa.array([5] * (2 * n), pa.int16()),
            "senate_no": pa.array([90] * (2 * n), pa.int16()),
            "sustained": [s == "AZ" and d < sustained_az for d in range(n) for s in ("AZ", "PA")],
        }
    )


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
    begin_run(con, record(draws=4))
    assert con.execute("select status from runs").fetchone() == ("running",)
    with RunWriter(con, "run1") as writer:
        writer.append("draws", draws_rows("run1", [("electors", "biden")] * 4))
        writer.append("objection_votes", votes_rows("run1", 4, 0))
    status, finished = con.execute("select status, finished_at from runs").fetchone()
    assert status == "completed"
    assert finished is not None
    assert con.execute("select count(*) from draws").fetchone() == (4,)
    assert con.execute("select totals['trump'] from draws limit 1").fetchone() == (238,)
    con.close()


def test_a_failed_run_leaves_only_its_runs_row_marked_failed(db):
    con = connect(db)
    begin_run(con, record(draws=4))
    rows = draws_rows("run1", [("electors", "biden")] * 4)

    def write_then_fail() -> None:
        with RunWriter(con, "run1") as writer:
            writer.append("draws", rows)
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        write_then_fail()
    assert con.execute("select status, error from runs").fetchone() == ("failed", "disk on fire")
    assert con.execute("select count(*) from draws").fetchone() == (0,)
    assert con.execute("select count(*) from objection_probabilities").fetchone() == (0,)
    con.close()


def wilson(n: int, draws: int) -> tuple[float, float]:
    p = n / draws
    center = (p + Z95**2 / (2 * draws)) / (1 + Z95**2 / draws)
    half = Z95 / (1 + Z95**2 / draws) * math.sqrt(p * (1 - p) / draws + Z95**2 / (4 * draws**2))
    return max(0.0, center - half), min(1.0, center + half)


def test_outcome_probabilities_view_has_every_label_with_se_and_wilson_interval(db):
    con = connect(db)
    begin_run(con, record(draws=10))
    outcomes = [("electors", "biden")] * 7 + [("house", "trump")] * 2 + [("no_choice", None)]
    with RunWriter(con, "run1") as writer:
        writer.append("draws", draws_rows("run1", outcomes))
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


def test_objection_probabilities_view(db):
    con = connect(db)
    begin_run(con, record(draws=8))
    with RunWriter(con, "run1") as writer:
        writer.append("draws", draws_rows("run1", [("electors", "biden")] * 8))
        writer.append("objection_votes", votes_rows("run1", 8, sustained_az=2))
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
    begin_run(con, record("stuck"))
    assert con.execute("select count(*) from outcome_probabilities").fetchone() == (0,)
    con.close()


@pytest.mark.parametrize(
    "statement",
    [
        "insert into runs (run_id) values ('x')",
        "delete from draws",
        "update runs set status = 'failed'",
        "create table t (a int)",
        "drop table draws",
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
    begin_run(con, record(draws=2))
    with RunWriter(con, "run1") as writer:
        writer.append("draws", draws_rows("run1", [("electors", "biden")] * 2))
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
