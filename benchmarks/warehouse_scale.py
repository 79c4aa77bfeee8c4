"""``summary_scale_ratio`` (issue 17 item 3): a run's summary read (``read_summary``, what
``countlab run --json`` prints) in a warehouse holding many other runs' draws, over the same
read in a fresh warehouse holding that run alone. 1 is perfect; the target is at most 1.5.

The run is the first ``draws`` draws of a stored run (e.g. the end-to-end run's); the other
runs are copies of it under new run keys and ids (completed, one point each), appended after
it in one insert per run and table, as ``countlab run`` would have stored them one after
another. A key of ``countlab bench`` (:mod:`benchmarks.bench`): there the source is the
end-to-end run's warehouse.

Building the other runs is the cost: about 2 s per million draws (7 million rows with the
benchmark scenario's six objections) on the 2-core machine, the same whether copied one run
per insert, in one ``insert ... select`` per table from a cross join with ``range(runs)``
(which interleaves the runs' rows, 2,048 at a time, unless sorted), by doubling (copies of
the copies, 6 inserts per table), or without preserving insertion order: DuckDB's append
and compression of the rows is the cost, not the statements. Measured for 10 million other
draws: 21.0, 21.8, 23.1 and 22.3 s.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.queries import read_summary
from warehouse.store import connect

STORED = ("stored_draws", "stored_objection_votes")
RUN_ID = "summary-scale"


def copy_runs(
    con: duckdb.DuckDBPyConnection, source: str, run_id: str, *, runs: int = 1, copies: int = 1
) -> None:
    """Store ``runs`` completed runs (``run_id``, or ``run_id-0``, ``run_id-1``, ... when
    more than one), each the draws of the run ``source`` (one point) repeated ``copies``
    times, draws renumbered: one transaction and one insert per run and table, so that each
    run's rows lie together as a run's chunks do."""
    con.execute("set enable_progress_bar = false")
    found = con.execute("select run_key, draws from runs where run_id = ?", [source]).fetchall()
    (key, draws), first = found[0], con.execute("select max(run_key) + 1 from runs").fetchall()
    order = " order by d.range, t.draw" if copies > 1 else ""
    for i in range(runs):
        new = {"id": run_id if runs == 1 else f"{run_id}-{i}", "key": first[0][0] + i}
        con.begin()
        for table in ("runs", "sweep_points"):
            con.execute(
                f"insert into {table} select * replace ($id as run_id, $key::integer as "
                f"run_key, $draws as draws) from {table} where run_key = {key}",
                {**new, "draws": draws * copies},
            )
        for table in STORED:
            con.execute(
                f"insert into {table} select t.* replace ($key::integer as run_key, "
                f"t.draw + d.range * {draws} as draw) from {table} as t "
                f"cross join range({copies}) as d where t.run_key = {key}{order}",
                {"key": new["key"]},
            )
        con.commit()


def _target(source: Path, db: Path, draws: int) -> None:
    """A new warehouse ``db`` holding the first ``draws`` draws of ``source``'s first run."""
    con = connect(db)
    try:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach '{source}' as source (read_only)")
        key = con.execute(
            "select run_key from source.runs where status = 'completed' order by run_key limit 1"
        ).fetchall()[0][0]
        con.begin()
        for table in ("runs", "sweep_points"):
            con.execute(
                f"insert into {table} select * replace ($id as run_id, 1 as run_key, "
                f"$draws as draws) from source.{table} where run_key = {key}",
                {"id": RUN_ID, "draws": draws},
            )
        for table in STORED:
            con.execute(
                f"insert into {table} select * replace (1 as run_key) from source.{table} "
                f"where run_key = {key} and draw < {draws} order by draw"
            )
        con.commit()
        con.execute("detach source")
    finally:
        con.close()


def summary_seconds(db: Path, run_id: str, repeats: int = 3) -> float:
    """The best of ``repeats`` ``read_summary`` calls on a read-only connection (s)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("set enable_progress_bar = false")
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            read_summary(con, run_id)
            best = min(best, time.perf_counter() - start)
        return best
    finally:
        con.close()


@dataclass(frozen=True, slots=True)
class SummaryScale:
    """The two reads (best of 3, s) and what building the full warehouse's other runs cost."""

    alone_s: float
    beside_s: float
    build_s: float

    @property
    def ratio(self) -> float:
        return self.beside_s / self.alone_s


def summary_scale(source: Path, folder: Path, *, draws: int, other_draws: int) -> SummaryScale:
    """``read_summary`` of a ``draws``-draw run (from ``source``, a warehouse whose first
    completed run has at least that many) in a warehouse also holding ``other_draws`` draws
    of other runs, and the same in a fresh warehouse (files written in ``folder``)."""
    fresh, full = folder / "summary-fresh.duckdb", folder / "summary-full.duckdb"
    _target(source, fresh, draws)
    shutil.copyfile(fresh, full)
    start = time.perf_counter()
    con = connect(full)
    try:
        copy_runs(con, RUN_ID, "other", runs=max(1, other_draws // draws))
        con.execute("checkpoint")
    finally:
        con.close()
    build = time.perf_counter() - start
    return SummaryScale(summary_seconds(fresh, RUN_ID), summary_seconds(full, RUN_ID), build)


def summary_scale_ratio(source: Path, folder: Path, *, draws: int, other_draws: int) -> float:
    """:func:`summary_scale`'s ratio: the read beside the other runs over the read alone."""
    return summary_scale(source, folder, draws=draws, other_draws=other_draws).ratio
