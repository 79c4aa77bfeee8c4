"""The ``countlab-sweep`` flow: every point of a sweep in one run, resumable.

All points are planned (and every user mistake found) before anything is written. Each
point's chunks run as tasks named ``point P draws F+N``; the flow stores them one transaction
per chunk. A sweep that stops (Ctrl-C, a killed process, a failed worker) keeps its stored
chunks; ``countlab sweep --resume RUN_ID`` rebuilds every point from the warehouse's own
record (scenario JSON, seed, draws, chunk size) and computes only the chunks not stored, so
the finished sweep has exactly the rows an uninterrupted one would have.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow

from flows.chunks import PointPlan, ProgressHook, check_sampler, execute, point_record, run_record
from flows.design import (
    apply_params,
    design_points,
    params_numbers,
    params_text,
    point_seed,
    sweep_spec,
)
from flows.launch import launch
from flows.requests import DEFAULT_DRAWS, SweepRequest
from flows.scenario import load_scenario, stored_scenario, to_scenario
from models.errors import CountlabError
from warehouse.lease import run_id_for
from warehouse.queries import read_run, read_sweep
from warehouse.store import PointRecord, RunRecord, begin_run, reopen_run
from warehouse.writer import Writer


@dataclass(frozen=True, slots=True, eq=False)
class SweepPlan:
    """Everything a sweep will do, checked: its record, its points, its sizes."""

    record: RunRecord
    plans: list[PointPlan]
    points: list[PointRecord]  # the sweep_points rows, one per plan
    draws: int
    chunk_draws: int
    sampler: str

    @property
    def total_draws(self) -> int:
        return self.draws * len(self.plans)


def plan_sweep(request: SweepRequest, *, run_id: str) -> SweepPlan:
    """Plan a new sweep: validate the file, the sweep and every point's scenario."""
    assert request.scenario_path is not None
    path = Path(request.scenario_path)
    config, base = load_scenario(path)
    spec = sweep_spec(request, path)
    seed = request.seed if request.seed is not None else config.run.seed
    if seed is None:
        raise CountlabError("countlab sweep: give --seed (or [run] seed in the file)")
    draws = request.draws or config.run.draws or DEFAULT_DRAWS
    sampler = check_sampler(request.sampler or config.run.sampler)
    base_scenario = to_scenario(config, base=base, source=str(path))
    plans, records = [], []
    for point, params in enumerate(design_points(spec, seed=seed)):
        point_config = apply_params(config, params, source=str(path))
        scenario = to_scenario(point_config, base=base, source=f"{path} (point {point})")
        own_seed = point_seed(seed, point)
        record = point_record(
            point_config,
            scenario,
            point=point,
            seed=own_seed,
            draws=draws,
            params=params_text(params),
            param_values=params_numbers(params),
        )
        plans.append(PointPlan(point, scenario, own_seed))
        records.append(record)
    record = run_record(
        config,
        base_scenario,
        run_id=run_id,
        kind="sweep",
        seed=seed,
        draws=draws,
        points=len(plans),
        sampler=sampler,
        base_dir=base,
        chunk_draws=request.chunk_draws,
        sweep_json=spec.to_json(),
    )
    return SweepPlan(record, plans, records, draws, request.chunk_draws, sampler)


def resume_points(con: Any, run_id: str) -> tuple[dict[str, Any], list[PointPlan]]:
    """The runs row of a sweep to resume and its points, rebuilt from the warehouse."""
    run = read_run(con, run_id)
    if run["status"] == "completed":
        raise CountlabError(f"run {run_id!r} is already completed: nothing to resume")
    base = Path(run["base_dir"])
    plans = []
    for point, scenario_json, states, seed in con.execute(
        "select point, scenario, objection_states, seed from sweep_points"
        " where run_id = ? order by point",
        [run_id],
    ).fetchall():
        source = f"run {run_id} (point {point})"
        config = stored_scenario(scenario_json, states, source=source)
        scenario = to_scenario(config, base=base, source=source)
        plans.append(PointPlan(int(point), scenario, int(seed)))
    return run, plans


@flow(name="countlab-sweep", log_prints=False, validate_parameters=False)
def sweep_flow(request: SweepRequest, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Simulate every point of a sweep (or finish one) and return the sweep's summary."""
    with Writer(request.db, kind="sweep", run_id=request.resume) as writer:
        if request.resume:
            run, plans = resume_points(writer.con, request.resume)
            run_id, run_key = request.resume, int(run["run_key"])
            draws, chunk_draws, sampler = run["draws"], run["chunk_draws"], run["sampler"]
            reopen_run(writer.con, run_id)
        else:
            run_id = run_id_for(request.db)
            writer.name_run(run_id)
            plan = plan_sweep(request, run_id=run_id)
            plans, draws, chunk_draws, sampler = (
                plan.plans,
                plan.draws,
                plan.chunk_draws,
                plan.sampler,
            )
            run_key = begin_run(writer.con, plan.record, plan.points)
        execute(
            writer,
            run_id=run_id,
            run_key=run_key,
            plans=plans,
            draws=draws,
            chunk_draws=chunk_draws,
            sampler=sampler,
            workers=request.workers,
            keep_rows=True,
            progress=progress,
        )
        return read_sweep(writer.con, run_id)


__all__ = ["plan_sweep", "resume_points", "sweep_flow"]


def sweep(request: SweepRequest, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Run :func:`sweep_flow` on the request's task runner (``flows.launch``)."""
    return launch(sweep_flow, request, progress)
