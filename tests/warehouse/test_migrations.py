"""Schema 2 -> 3 in place: runs may be 'interrupted'; every row and view reads the same."""

from __future__ import annotations

import duckdb
import pytest

from tests.warehouse.test_store import draws_rows, start, store, votes_rows
from warehouse.schema import SCHEMA_VERSION
from warehouse.store import complete_run, connect

VIEWS = ("runs", "sweep_points", "draws", "objection_votes", "outcome_probabilities")


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {v: con.execute(f"select * from {v} order by all").fetchall() for v in VIEWS}


def test_a_version_2_warehouse_is_upgraded_and_admits_interrupted_runs(tmp_path):
    db = tmp_path / "w.duckdb"
    con = connect(db)
    run_key = start(con, draws=4)
    store(con, run_key, draws_rows(run_key, [("electors", "biden")] * 4), votes_rows(run_key, 4, 1))
    complete_run(con, "run1")
    before = snapshot(con)
    # Make it a version-2 warehouse: the old check on status, the old version number.
    con.execute("delete from schema_version")
    con.execute("insert into schema_version (version) values (2)")
    con.execute("alter table runs rename to runs_new")
    con.execute(
        "create table runs as select * from runs_new"  # no check at all: v2 had one without
    )
    con.execute("drop table runs_new")
    con.close()

    con = connect(db)
    assert con.execute("select max(version) from schema_version").fetchone() == (SCHEMA_VERSION,)
    assert snapshot(con) == before
    con.execute("update runs set status = 'interrupted' where run_id = 'run1'")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("update runs set status = 'lost' where run_id = 'run1'")
    con.close()
