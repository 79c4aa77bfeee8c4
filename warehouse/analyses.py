"""Analyses of a stored sweep (issue 15): Sobol'/Morris indices (``sensitivity_indices``)
and PRIM boxes (``discovered_boxes``). Each analysis is written whole, in one transaction
that first deletes the rows of the same run, method and target (and level, for boxes), under
the writer lease: re-analysing replaces, a failure leaves the warehouse as it was."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

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
    db: str | Path, table: str, where: dict[str, Any], rows: list[dict[str, Any]], kind: str
) -> None:
    """Replace ``table``'s rows matching ``where`` by ``rows``, in one transaction."""
    stamp = _stamp()
    records = [{**where, **row, **stamp} for row in rows]
    with writer_lease(db, kind=kind):
        con = connect(db, kind=kind)
        try:
            con.begin()
            try:
                clause = " and ".join(f"{name} = ?" for name in where)
                con.execute(f"delete from {table} where {clause}", list(where.values()))
                if records:
                    insert_rows(con, table, pa.Table.from_pylist(records))
                con.commit()
            except BaseException:
                con.rollback()
                raise
        finally:
            con.close()


def store_sensitivity(
    db: str | Path, *, run_id: str, method: str, target: str, rows: list[dict[str, Any]]
) -> None:
    """Store one target's indices (``rows``: dicts of :data:`SENSITIVITY_COLUMNS`)."""
    _write(
        db,
        "sensitivity_indices",
        {"run_id": run_id, "method": method, "target": target},
        [{name: row.get(name) for name in SENSITIVITY_COLUMNS} for row in rows],
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
        {"run_id": run_id, "method": "prim", "target": target, "level": float(level)},
        [
            {
                **{name: row[name] for name in BOX_COLUMNS},
                "restrictions": json.dumps(row["restrictions"]),
            }
            for row in rows
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
