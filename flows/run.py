"""The ``countlab run`` flow: split a planned run's draws into chunks, simulate each as a
task, store."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.chunks import ProgressHook, execute, start_run
from flows.launch import launch
from flows.plans import Plan, plan_run
from flows.requests import RunRequest
from warehouse.queries import read_summary
from warehouse.writer import Writer


@flow(name="countlab-run", log_prints=False, validate_parameters=False)
def run_flow(plan: Plan, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Simulate a planned run (``flows.plans.plan_run``), store every draw; return the run's
    summary."""
    with Writer(plan.request.db, kind="run") as writer:
        plan, run_key = start_run(writer, plan)
        execute(writer, plan, run_key=run_key, keep_rows=False, progress=progress)
        return read_summary(writer.con, plan.record.run_id)


def run(request: RunRequest, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Plan a run and run it on the task runner it names (``flows.launch``): the Python API
    (the CLI plans first, to report every mistake before a flow starts)."""
    return launch(run_flow, plan_run(request), progress)
