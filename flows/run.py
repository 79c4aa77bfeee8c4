"""The ``countlab run`` flow: split the draws into chunks, simulate each as a task, store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow

from flows.chunks import PointPlan, ProgressHook, check_sampler, execute, point_record, run_record
from flows.launch import launch
from flows.requests import RunRequest
from flows.scenario import load_scenario, to_scenario
from warehouse.lease import run_id_for
from warehouse.queries import read_summary
from warehouse.store import begin_run
from warehouse.writer import Writer


@flow(name="countlab-run", log_prints=False, validate_parameters=False)
def run_flow(request: RunRequest, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Simulate a scenario and store every draw; return the run's summary."""
    config, base = load_scenario(Path(request.scenario_path))
    scenario = to_scenario(config, base=base, source=request.scenario_path)
    sampler = check_sampler(request.sampler or config.run.sampler)
    run_id = run_id_for(request.db)
    with Writer(request.db, kind="run") as writer:
        writer.name_run(run_id)
        record = run_record(
            config,
            scenario,
            run_id=run_id,
            kind="run",
            seed=request.seed,
            draws=request.draws,
            points=1,
            sampler=sampler,
            base_dir=base,
            chunk_draws=request.chunk_draws,
        )
        point = point_record(config, scenario, point=0, seed=request.seed, draws=request.draws)
        run_key = begin_run(writer.con, record, [point])
        execute(
            writer,
            run_id=run_id,
            run_key=run_key,
            plans=[PointPlan(0, scenario, request.seed)],
            draws=request.draws,
            chunk_draws=request.chunk_draws,
            sampler=sampler,
            workers=request.workers,
            keep_rows=False,
            exact_scenario=scenario if request.exact else None,
            progress=progress,
        )
        return read_summary(writer.con, run_id)


def run(request: RunRequest, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Run :func:`run_flow` on the request's task runner (``flows.launch``)."""
    return launch(run_flow, request, progress)
