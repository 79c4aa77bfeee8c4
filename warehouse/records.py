"""The provenance rows of a run: what :func:`warehouse.store.begin_run` writes, and what a
resumed sweep reads back (:func:`read_points`, :func:`stored_record`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb


@dataclass(frozen=True, slots=True)
class RunRecord:
    """The provenance of one run or sweep: its ``runs`` row."""

    run_id: str
    kind: str  # run | sweep
    scenario_json: str
    scenario_hash: str
    session: str
    regime: str
    denominator: str
    rules: dict[str, Any]
    candidates: tuple[str, ...]
    objection_states: tuple[str, ...]
    seed: int
    draws: int  # per point
    points: int
    sweep_json: str | None
    base_dir: str
    chunk_draws: int
    block_draws: int
    sampler: str
    countlab_version: str
    scenario_name: str | None = None  # the scenario file's stem
    prefect_flow_run_id: str | None = None  # the flow run writing it, given when it starts


@dataclass(frozen=True, slots=True)
class PointRecord:
    """One point of a run (a run has one, point 0): its ``sweep_points`` row."""

    point: int
    params: dict[str, str]
    param_values: dict[str, float]
    scenario_json: str
    scenario_hash: str
    session: str
    regime: str
    denominator: str
    candidates: tuple[str, ...]
    vp_candidates: tuple[str, ...]
    objection_states: tuple[str, ...]
    seed: int
    draws: int
    slate_states: tuple[str, ...] = ()  # remanded or with two returns (remand.md M15)


def stored_record(run: dict[str, Any]) -> RunRecord:
    """The :class:`RunRecord` of a ``runs`` row (``warehouse.queries.read_run``)."""
    rules = run["rules"]
    return RunRecord(
        run_id=run["run_id"],
        kind=run["kind"],
        scenario_json=run["scenario"],
        scenario_hash=run["scenario_hash"],
        session=run["session"],
        regime=run["regime"],
        denominator=run["denominator"],
        rules=json.loads(rules) if isinstance(rules, str) else dict(rules),
        candidates=tuple(run["candidates"]),
        objection_states=tuple(run["objection_states"]),
        seed=int(run["seed"]),
        draws=int(run["draws"]),
        points=int(run["points"]),
        sweep_json=run["sweep"],
        base_dir=run["base_dir"],
        chunk_draws=int(run["chunk_draws"]),
        block_draws=int(run["block_draws"]),
        sampler=run["sampler"],
        countlab_version=run["countlab_version"],
        scenario_name=run.get("scenario_name"),
        prefect_flow_run_id=run.get("prefect_flow_run_id"),
    )


def read_points(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> list[tuple[int, str, tuple[str, ...], int]]:
    """Each stored point of a run, in order: ``(point, scenario JSON, objection states,
    seed)``."""
    rows = con.execute(
        "select point, scenario, objection_states, seed from sweep_points"
        " where run_id = ? order by point",
        [run_id],
    ).fetchall()
    return [(int(p), str(js), tuple(states), int(seed)) for p, js, states, seed in rows]


RUN_LIST_COLUMNS = (
    "run_id",
    "kind",
    "scenario_name",
    "draws",
    "points",
    "seed",
    "status",
    "started_at",
    "finished_at",
    "prefect_flow_run_id",
)
"""What ``countlab runs`` lists of each run (``runs`` columns)."""


def read_runs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every run and sweep in the warehouse, oldest first: :data:`RUN_LIST_COLUMNS`."""
    rows = con.execute(
        f"select {', '.join(RUN_LIST_COLUMNS)} from runs order by started_at, run_id"
    ).fetchall()
    return [dict(zip(RUN_LIST_COLUMNS, row, strict=True)) for row in rows]
