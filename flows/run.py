"""The ``countlab run`` flow: split a planned run's draws into chunks, simulate each as a
task, store; then its report (if asked) and its artifacts."""

# No `from __future__ import annotations`: a served run gets this flow by value (cloudpickle)
# with only the globals its code names, so its parameter's annotation must be the class
# itself for Prefect to validate the parameter.

from pathlib import Path
from typing import Any

from prefect import flow

from flows.artifacts import record_artifacts, track_progress
from flows.chunks import ProgressHook, execute, start_run
from flows.flowruns import RunParameters, handed_plan
from flows.handed import Handed
from flows.launch import launch
from flows.plans import Plan, plan_run
from flows.requests import RunRequest
from models.errors import OptionError
from warehouse.queries import read_summary
from warehouse.schema import query_memory
from warehouse.writer import Writer


@flow(name="countlab-run", log_prints=False)
def run_flow(parameters: RunParameters) -> Handed[dict[str, Any]]:
    """Simulate the run the parameters describe (planned by ``flows.launch``, or from the
    parameters alone), store every draw, write its report if asked; return the run's
    summary (with ``report``: the files written, if any), handed (``flows.handed``)."""
    plan, progress = handed_plan(parameters)
    with Writer(plan.request.db, kind="run", run_id=plan.record.run_id) as writer:
        plan, run_key = start_run(writer, plan)
        tracked = track_progress(plan, progress)
        execute(writer, plan, run_key=run_key, keep_rows=False, progress=tracked)
        with query_memory(writer.con):
            summary = read_summary(writer.con, plan.record.run_id)
    written: list[Path] = []
    failure = None
    if isinstance(plan.request, RunRequest) and plan.request.report:
        try:
            written = write_report(plan)
        except OptionError as error:
            failure = error
    record_artifacts(plan, summary, report=written)
    if failure is not None:
        raise failure
    return Handed({**summary, "report": [str(p) for p in written]} if written else summary)


def write_report(plan: Plan) -> list[Path]:
    """Write the completed run's report into the folder its request names; return the
    files. A one-line error naming the folder if it cannot be written."""
    from reports.render import write_run_report

    folder = plan.request.report if isinstance(plan.request, RunRequest) else None
    assert folder is not None
    try:
        return write_run_report(plan.request.db, plan.record.run_id, folder)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OptionError("report", folder, f"cannot write there ({reason})") from None


def run(request: RunRequest, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Plan a run and run it on the task runner it names (``flows.launch``): the Python API
    (the CLI plans first, to report every mistake before a flow starts)."""
    return launch(run_flow, plan_run(request), progress)
