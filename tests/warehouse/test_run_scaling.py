"""Summary views that scale with the run, not the warehouse (issue 17 item 3).

A summary view read ``where run_id = ?`` (as ``read_summary``, the reports and ``countlab
sql`` read them) must filter the stored tables by the run's key before it aggregates: the
plan's every scan of ``stored_draws`` and ``stored_objection_votes`` carries a filter
``run_key = K`` and hands on no row of another run. DuckDB (2.x) derives that filter at run
time from the join with ``completed_points`` (a dynamic filter, shown by ``EXPLAIN
ANALYZE``, not by ``EXPLAIN``); a view whose stored rows are read before that join (a CTE
materialized for every run) loses it, and then costs the whole warehouse. Speed itself is
measured by ``countlab bench`` (``summary_scale_ratio``), not here.

The filter is a race in DuckDB 2.0: where the optimizer puts a stored scan on the build side
of a join below the join that produces the filter, the two builds run as sibling pipelines,
and on a busy machine the scan may start before the filter exists (about 1 profile in 15
with both cores loaded; duckdb/duckdb#24094 orders such pipelines). So each plan is profiled
up to ``ATTEMPTS`` times and must filter every scan in one of them: a view that cannot
filter (a materialized CTE) fails all of them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from benchmarks.warehouse_scale import copy_runs
from tests.warehouse import test_slates
from tests.warehouse.test_pivotal import store_run
from warehouse.queries import read_summary
from warehouse.schema import render
from warehouse.store import connect

SUMMARY_VIEWS = (
    "outcome_probabilities",
    "winner_probabilities",
    "objection_probabilities",
    "slate_probabilities",
    "remand_answers",
    "pivotal_objections",
    "pivotal_transitions",
    "conditional_probabilities",
    "objection_flips",
    "draws",
    "objection_votes",
    "sweep_outcome_probabilities",
    "sweep_objection_probabilities",
    "sweep_slate_probabilities",
)
STORED = ("stored_draws", "stored_objection_votes")
RUNS = {"plain": "plain", "returns": "returns", "other": "plain"}
"""run_id -> scenario (of tests/warehouse/test_pivotal.py), stored as a run would be; then
``remanded`` (tests/warehouse/test_slates.py: made-up slates and remand answers)."""
COPIES = 600
"""The run ``bulk``: ``other``'s draws this many times over, so that the stored tables span
several row groups (DuckDB pushes no run-time filter into a table of one)."""
READ = (*RUNS, "remanded")
ATTEMPTS = 6
"""Profiles of one query before a scan that never gets its run's filter fails the test."""
BEFORE = Path(__file__).parent / "fixtures" / "views_before_issue17.sql"
"""The views issue 17 restructured, as they were (``*_before``)."""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("scaling") / "w.duckdb"
    con = connect(db)
    for run_id, name in RUNS.items():
        store_run(con, name, run_id)
    blocks = [test_slates.remand_draws(1000, block) for block in range(2)]
    test_slates.store_run(con, "remanded", blocks)
    copy_runs(con, "other", "bulk", copies=COPIES)
    con.close()
    return db


@pytest.fixture
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def stored_scans(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    """Every scan of a ``stored_*`` table in the profiled plan of ``sql``: ``table``,
    ``filters`` (static and dynamic, as text) and ``rows`` (the rows it hands on)."""
    plan = json.loads(con.execute(f"explain (analyze, format json) {sql}").fetchall()[0][1])
    found: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        info = node.get("extra_info", {})
        table = str(info.get("Table", "")).rsplit(".", 1)[-1]
        if node.get("type") == "TABLE_SCAN" and table in STORED:
            filters = json.dumps([info.get("Filters"), info.get("Dynamic Filters")])
            found.append({"table": table, "filters": filters, "rows": node["intermediate_rows"]})
        for child in node.get("children", []):
            walk(child)

    for operator in plan["operator"]:
        walk(operator)
    return found


def run_scans(con: duckdb.DuckDBPyConnection, sql: str, run_id: str) -> list[str]:
    """The stored tables ``sql``'s plan scans, from the first of ``ATTEMPTS`` profiles in
    which every scan is filtered by ``run_id``'s key and hands on no row of another run."""
    key, rows = run_rows(con, run_id)
    failure: tuple[str, dict[str, Any]] | None = None
    for _ in range(ATTEMPTS):
        scans = stored_scans(con, sql)
        failure = next(
            (
                (sql, scan)
                for scan in scans
                if f"run_key = {key})" not in scan["filters"] or scan["rows"] > rows[scan["table"]]
            ),
            None,
        )
        if failure is None:
            return [scan["table"] for scan in scans]
    raise AssertionError(f"run {run_id} (key {key}) in every profile: {failure}")


def run_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[int, dict[str, int]]:
    """The run's key and its number of rows in each stored table."""
    key = con.execute("select run_key from runs where run_id = ?", [run_id]).fetchall()[0][0]
    rows = {
        table: con.execute(f"select count(*) from {table} where run_key = ?", [key]).fetchall()[0][
            0
        ]
        for table in STORED
    }
    return key, rows


@pytest.mark.parametrize("view", SUMMARY_VIEWS)
def test_a_view_read_by_run_scans_only_the_runs_stored_rows(con, view):
    scanned = []
    for run_id in READ:
        scanned += run_scans(con, f"select * from {view} where run_id = '{run_id}'", run_id)
    # not vacuous: the view does read the stored rows (a run without slates may not)
    assert scanned, view


class Recorder:
    """A connection that records every query ``read_summary`` sends through ``sql``."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.queries: list[tuple[str, list[Any]]] = []

    def sql(self, query: str, params: list[Any] | None = None) -> duckdb.DuckDBPyRelation:
        self.queries.append((query, list(params or [])))
        return self.con.sql(query, params=params)


@pytest.mark.parametrize("run_id", READ)
def test_read_summary_scans_only_the_runs_stored_rows(con, run_id):
    recorder = Recorder(con)
    read_summary(recorder, run_id)  # type: ignore[arg-type]
    scans = []
    for query, params in recorder.queries:
        literal = [f"'{p}'" if isinstance(p, str) else str(p) for p in params]
        parts = query.split("?")
        assert len(parts) == len(literal) + 1, query
        sql = parts[0] + "".join(v + rest for v, rest in zip(literal, parts[1:], strict=True))
        scans += run_scans(con, sql, run_id)
    assert set(scans) == set(STORED)


def rows_of(con: duckdb.DuckDBPyConnection, view: str, run_id: str | None) -> list[Any]:
    where = "" if run_id is None else f" where run_id = '{run_id}'"
    return con.execute(f"select * from {view}{where} order by all").fetchall()


@pytest.mark.parametrize(
    "view", ["slate_probabilities", "remand_answers", "conditional_probabilities"]
)
def test_the_restructured_views_give_the_same_rows_as_before(con, view):
    con.execute(render(BEFORE.read_text(encoding="utf-8")))
    columns = [c[0] for c in con.execute(f"select * from {view} limit 0").description]
    before = [c[0] for c in con.execute(f"select * from {view}_before limit 0").description]
    assert columns == before
    found = 0
    for run_id in (None, *READ):
        now = rows_of(con, view, run_id)
        assert now == rows_of(con, f"{view}_before", run_id), run_id
        found += len(now)
    assert found > 0
