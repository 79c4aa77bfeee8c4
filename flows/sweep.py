"""The ``countlab-sweep`` flow: every point of a sweep in one run, resumable.

All points are planned (and every user mistake found) before anything is written
(``flows.plans``). Each point's chunks run as tasks named ``point P draws F+N`` (small
points share a task: ``points P-Q draws F+N``, ``flows.chunks.group_chunks``); the flow
stores each task's chunks in one transaction. A sweep that stops (Ctrl-C, a killed process, a
failed worker) keeps its stored chunks; ``countlab sweep --resume RUN_ID`` plans the same
points from the warehouse's own record (scenario JSON, seed, draws, chunk size) and this
flow computes only the chunks not stored, so the finished sweep has exactly the rows an
uninterrupted one would have.
"""

# No `from __future__ import annotations`: a served run gets this flow by value (cloudpickle)
# with only the globals its code names, so its parameter's annotation must be the class
# itself for Prefect to validate the parameter.

from typing import Any

from prefect import flow

from flows.artifacts import record_artifacts, track_progress
from flows.chunks import ProgressHook, execute, start_run
from flows.flowruns import SweepParameters, handed_plan
from flows.handed import Handed
from flows.launch import launch
from flows.plans import plan_resume, plan_sweep
from flows.requests import SweepRequest
from warehouse.queries import read_sweep
from warehouse.schema import query_memory
from warehouse.writer import Writer


@flow(name="countlab-sweep", log_prints=False)
def sweep_flow(parameters: SweepParameters) -> Handed[dict[str, Any]]:
    """Simulate every point of the sweep the parameters describe, new or resumed (planned
    by ``flows.launch`` or ``flows.serve``, or from the parameters alone); return the
    sweep's summary, handed (``flows.handed``: Prefect would walk its every point)."""
    plan, progress = handed_plan(parameters)
    with Writer(plan.request.db, kind="sweep", run_id=plan.record.run_id) as writer:
        plan, run_key = start_run(writer, plan)
        tracked = track_progress(plan, progress)
        execute(writer, plan, run_key=run_key, keep_rows=True, progress=tracked)
        with query_memory(writer.con):
            summary = read_sweep(writer.con, plan.record.run_id)
    record_artifacts(plan, summary)
    return Handed(summary)


def sweep(request: SweepRequest, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Plan a sweep, new or resumed (``request.resume``), and run it on the task runner it
    names (``flows.launch``): the Python API (the CLI plans first)."""
    plan = plan_resume(request) if request.resume is not None else plan_sweep(request)
    return launch(sweep_flow, plan, progress)
