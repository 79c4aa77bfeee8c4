"""Analyses of a stored sweep (issue 15): Sobol'/Morris indices (``sensitivity_indices``)
and PRIM boxes (``discovered_boxes``). Each analysis is written whole, in one transaction
that first deletes the rows of the same run, method and target (and level, for boxes), under
the writer lease: re-analysing replaces, a failure leaves the warehouse as it was."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from warehouse.backtests import countlab_version
from warehouse.lease import writer_lease
from warehouse.store import connect, insert_rows

SENSITIVITY_COLUMNS = (
    "key",
    "points",
    "s1",
    "s1_conf",
    "st",
    "st_conf",
    "noise_floor",
    "mu",
    "mu_star",
    "mu_star_conf",
    "sigma",
)
"""The per-key fields of a ``sensitivity_indices`` row (None where the method has none)."""

BOX_COLUMNS = ("box", "step", "chosen", "coverage", "density", "mass", "n_restricted")
"""The per-step fields of a ``discovered_boxes`` row, beside ``restrictions`` (a dict)."""


def _stamp() -> dict[str, Any]:
    return {
        "created_at": datetime.now(UTC).replace(tzinfo=None),
        "countlab_version": countlab_version(),
    }


def _write(
    db: str | Path, table: str, groups: list[tuple[dict[str, Any], list[dict[str, Any]]]], kind: str
) -> None:
    """For each ``(where, rows)`` of ``groups``, replace ``table``'s rows matching ``where``
    by ``rows``: all of them in one transaction."""
    stamp = _stamp()
    with writer_lease(db, kind=kind):
        con = connect(db, kind=kind)
        try:
            con.begin()
            try:
                for where, rows in groups:
                    clause = " and ".join(f"{name} = ?" for name in where)
                    con.execute(f"delete from {table} where {clause}", list(where.values()))
                    records = [{**where, **row, **stamp} for row in rows]
                    if records:
                        insert_rows(con, table, pa.Table.from_pylist(records))
                con.commit()
            except BaseException:
                con.rollback()
                raise
        finally:
            con.close()


def store_sensitivity(
    db: str | Path, *, run_id: str, method: str, targets: dict[str, list[dict[str, Any]]]
) -> None:
    """Store one analysis: each target's indices (``targets``: target -> rows, dicts of
    :data:`SENSITIVITY_COLUMNS`), replacing that target's earlier ones, in one transaction."""
    _write(
        db,
        "sensitivity_indices",
        [
            (
                {"run_id": run_id, "method": method, "target": target},
                [{name: row.get(name) for name in SENSITIVITY_COLUMNS} for row in rows],
            )
            for target, rows in targets.items()
        ],
        kind="analysis",
    )


def store_boxes(
    db: str | Path, *, run_id: str, target: str, level: float, rows: list[dict[str, Any]]
) -> None:
    """Store one PRIM analysis (``rows``: dicts of :data:`BOX_COLUMNS` and
    ``restrictions``, a dict of key -> [lo, hi] or [values])."""
    _write(
        db,
        "discovered_boxes",
        [
            (
                {"run_id": run_id, "method": "prim", "target": target, "level": float(level)},
                [
                    {
                        **{name: row[name] for name in BOX_COLUMNS},
                        "restrictions": json.dumps(row["restrictions"]),
                    }
                    for row in rows
                ],
            )
        ],
        kind="analysis",
    )


def read_sensitivity(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """Every stored index of ``run_id``, by method, target and key."""
    cursor = con.execute(
        "select * from sensitivity_indices where run_id = ? order by method, target, key",
        [run_id],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_boxes(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """Every stored PRIM step of ``run_id`` (restrictions decoded), by target, level, box,
    step."""
    cursor = con.execute(
        "select * from discovered_boxes where run_id = ? order by target, level, box, step",
        [run_id],
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["restrictions"] = json.loads(row["restrictions"])
    return rows


@dataclass(frozen=True, slots=True)
class SweepTargets:
    """A completed sweep's points (in order) and what an analysis can target at each.

    ``outcomes``: P(label) per outcome label (every label, 0 where it never occurred);
    ``sustained``: P(the objection is sustained) per state objected to at some point, 0 at a
    point without that objection; each ``(n_points,)``.
    """

    params: tuple[dict[str, str], ...]  # sweep_points.params, point by point
    draws: NDArray[np.int64]  # (n_points,)
    outcomes: dict[str, NDArray[np.float64]]
    sustained: dict[str, NDArray[np.float64]]


def _by_point(rows: list[tuple[str, int, float]], n_points: int) -> dict[str, NDArray[np.float64]]:
    """``{name: values by point}`` of ``(name, point, value)`` rows (0 where no row)."""
    series: dict[str, NDArray[np.float64]] = {}
    for name, point, value in rows:
        series.setdefault(name, np.zeros(n_points))[point] = value
    return series


def read_sweep_targets(con: duckdb.DuckDBPyConnection, run_id: str) -> SweepTargets:
    """The points of completed sweep ``run_id`` and its targets' values at each (from
    ``completed_points``, ``sweep_outcome_probabilities``, ``sweep_objection_probabilities``)."""
    points = con.execute(
        "select point, params, draws from completed_points where run_id = ? order by point",
        [run_id],
    ).fetchall()
    n_points = len(points)
    if [row[0] for row in points] != list(range(n_points)):
        raise ValueError(f"run {run_id!r}: its points are not numbered 0 to {n_points - 1}")
    outcomes = con.execute(
        "select label, point, p from sweep_outcome_probabilities where run_id = ? "
        "order by outcome, candidate nulls last, point",
        [run_id],
    ).fetchall()
    sustained = con.execute(
        "select state, point, p_sustained from sweep_objection_probabilities where run_id = ? "
        "order by state, point",
        [run_id],
    ).fetchall()
    return SweepTargets(
        params=tuple(dict(row[1]) for row in points),
        draws=np.array([row[2] for row in points], dtype=np.int64),
        outcomes=_by_point(outcomes, n_points),
        sustained=_by_point(sustained, n_points),
    )
