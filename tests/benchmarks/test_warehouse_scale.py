"""benchmarks.warehouse_scale builds its two warehouses and reads the same summary in both
(what ``summary_scale_ratio`` times; never timed here)."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

from benchmarks.warehouse_scale import RUN_ID, summary_scale, summary_scale_ratio
from tests.warehouse.test_pivotal import store_run
from warehouse.queries import read_summary
from warehouse.store import connect


def test_the_run_reads_the_same_in_a_fresh_and_a_full_warehouse(tmp_path: Path) -> None:
    source = tmp_path / "source.duckdb"
    con = connect(source)
    store_run(con, "plain", "source")  # 2,000 draws
    con.close()
    ratio = summary_scale_ratio(source, tmp_path, draws=1_500, other_draws=6_000)
    assert ratio > 0
    summaries = []
    for name, runs in (("summary-fresh.duckdb", 1), ("summary-full.duckdb", 5)):
        with duckdb.connect(str(tmp_path / name), read_only=True) as con:
            counts = con.execute(
                "select count(*), sum(draws), count(distinct run_key) from completed_points"
            ).fetchall()
            assert counts == [(runs, 1_500 * runs, runs)]
            assert con.execute("select count(*) from draws").fetchall() == [(1_500 * runs,)]
            summaries.append(read_summary(con, RUN_ID))
    assert summaries[0] == summaries[1]
    assert summaries[0]["draws"] == 1_500


def test_summary_scale_reports_both_reads_and_the_build(tmp_path: Path) -> None:
    source = tmp_path / "source.duckdb"
    con = connect(source)
    store_run(con, "plain", "source")  # 2,000 draws
    con.close()
    scale = summary_scale(source, tmp_path, draws=1_000, other_draws=3_000)
    for value in (scale.alone_s, scale.beside_s, scale.build_s, scale.ratio):
        assert isinstance(value, float)
        assert math.isfinite(value)
        assert value > 0
    assert scale.ratio == scale.beside_s / scale.alone_s
    with duckdb.connect(str(tmp_path / "summary-full.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from completed_runs").fetchall() == [(4,)]
