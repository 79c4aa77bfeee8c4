"""What a flow run shows in Prefect: parameters that describe the request, a name with the
warehouse run id, tags; and the plan, handed to the flow out of band.

The run and sweep flows take one parameter, a pydantic model of what was asked (the
scenario's path and hash, draws, seed, sampler, how to run it; a sweep's axes and design):
Prefect shows it on the flow run's page and renders a form from its schema. The plan (every
point's scenario, built and checked) and the progress hook are not parameters:
:func:`start_flow` hands them to the flow run it starts, keyed by the run id, with its name
(``run 5957f1af6504 · january-2021``) and tags (``countlab``, ``run`` or ``sweep``,
``session:DATE``, ``regime:NAME``, ``scheduled``). A flow run started with parameters
alone (a deployment) plans from them (:func:`handed_plan`) and names itself.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from flows.handed import Handed
from flows.plans import Plan, named, plan_resume, plan_run, plan_sweep
from flows.requests import TASK_RUNNERS, RunRequest, SweepRequest
from models.engine import SAMPLERS
from models.errors import OptionError

if TYPE_CHECKING:
    from flows.chunks import ProgressHook


class FlowParameters(BaseModel):
    """What every run and sweep flow run was asked to do (resolved: draws, seed, sampler)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str = Field(description="The warehouse run id (runs.run_id).")
    scenario: str = Field(description="The scenario's name (its file's stem).")
    scenario_path: str | None = Field(description="The scenario file (none: a resumed sweep).")
    scenario_hash: str | None = Field(
        None,
        description="sha256 of the validated scenario; a run refuses a file that no longer "
        "has it (none: the file as it is now).",
    )
    db: str = Field(description="The warehouse file.")
    draws: int = Field(description="Draws (a sweep: per point).")
    seed: int = Field(description="The root seed (0 to 2**63 - 1).")
    sampler: str = Field(description=f"One of {', '.join(SAMPLERS)}.")
    chunk_draws: int = Field(description="Draws per task.")
    workers: int = Field(description="Tasks in parallel.")
    runner: str = Field(description=f"The task runner: {', '.join(TASK_RUNNERS)}.")
    address: str | None = Field(None, description="A Dask scheduler, tcp://HOST:PORT.")


class RunParameters(FlowParameters):
    """The parameters of a ``countlab-run`` flow run."""

    exact: bool = Field(False, description="Also the exact oracle's probabilities.")
    report: str | None = Field(None, description="A folder for the run's report, if any.")


class SweepParameters(FlowParameters):
    """The parameters of a ``countlab-sweep`` flow run."""

    vary: list[str] = Field([], description="The axes, KEY=VALUES (a list or start:stop:count).")
    design: str = Field("grid", description="How the axes make points.")
    points: int | None = Field(None, description="How many points a sampled design draws.")
    resume: bool = Field(False, description="Finish the stored sweep run_id instead.")


def scenario_name(plan: Plan) -> str:
    """The scenario's name: its file's stem (a resumed sweep: as recorded)."""
    path = plan.request.scenario_path
    return plan.record.scenario_name or (Path(path).stem if path else "") or plan.kind


def axes_of(sweep_json: str | None) -> list[str]:
    """A sweep's axes as ``KEY=VALUES`` texts, from its definition (``runs.sweep``)."""
    if not sweep_json:
        return []
    axes = []
    for key, values in json.loads(sweep_json)["vary"].items():
        if isinstance(values, list):
            texts = (json.dumps(v) if isinstance(v, bool) else str(v) for v in values)
            axes.append(f"{key}={','.join(texts)}")
        else:
            axes.append(f"{key}={str(values).removesuffix(':None')}")
    return axes


def flow_parameters(plan: Plan) -> RunParameters | SweepParameters:
    """The parameters of the flow run of a named plan."""
    request, record = plan.request, plan.record
    path = request.scenario_path
    common: dict[str, Any] = {
        "run_id": record.run_id,
        "scenario": scenario_name(plan),
        "scenario_path": str(Path(path).absolute()) if path else None,
        "scenario_hash": record.scenario_hash,
        "db": str(Path(request.db).absolute()),
        "draws": record.draws,
        "seed": record.seed,
        "sampler": record.sampler,
        "chunk_draws": record.chunk_draws,
        "workers": request.workers,
        "runner": request.runner,
        "address": request.address,
    }
    if isinstance(request, RunRequest):
        return RunParameters(**common, exact=request.exact, report=request.report)
    spec = json.loads(record.sweep_json) if record.sweep_json else {}
    return SweepParameters(
        **common,
        vary=axes_of(record.sweep_json),
        design=spec.get("design", "grid"),
        points=spec.get("points"),
        resume=plan.resume is not None,
    )


def request_of(parameters: RunParameters | SweepParameters) -> RunRequest | SweepRequest:
    """The request the parameters describe (``flows.requests``)."""
    how: dict[str, Any] = {
        "db": parameters.db,
        "draws": parameters.draws,
        "seed": parameters.seed,
        "sampler": parameters.sampler,
        "chunk_draws": parameters.chunk_draws,
        "workers": parameters.workers,
        "runner": parameters.runner,
        "address": parameters.address,
    }
    if isinstance(parameters, RunParameters):
        if parameters.scenario_path is None:
            raise OptionError("scenario_path", None, "missing: a run needs a scenario file")
        return RunRequest(
            scenario_path=parameters.scenario_path,
            exact=parameters.exact,
            report=parameters.report,
            **how,
        )
    if parameters.resume:
        return SweepRequest(
            scenario_path=None,
            **{**how, "draws": None, "seed": None, "sampler": None},
            resume=parameters.run_id,
        )
    return SweepRequest(
        scenario_path=parameters.scenario_path,
        vary=tuple(parameters.vary),
        design=parameters.design,
        points=parameters.points,
        **how,
    )


def plan_of(parameters: RunParameters | SweepParameters) -> Plan:
    """Plan what the parameters describe, as the command line would; a one-line error if
    the scenario file no longer has ``scenario_hash``."""
    request = request_of(parameters)
    if isinstance(request, RunRequest):
        plan = plan_run(request)
    elif request.resume is not None:
        return plan_resume(request)
    else:
        plan = plan_sweep(request)
    given, found = parameters.scenario_hash, plan.record.scenario_hash
    if given and given != found:
        raise OptionError(
            "scenario_hash",
            given,
            f"{parameters.scenario_path} now has the hash {found}: the file changed "
            "(give no hash to run it as it is)",
        )
    return named(plan, parameters.run_id)


def flow_run_title(plan: Plan) -> str:
    """The flow run's name: ``run ID · SCENARIO`` or ``sweep ID · SCENARIO (N points)``."""
    title = f"{plan.kind} {plan.record.run_id} · {scenario_name(plan)}"
    if plan.kind == "sweep":
        count = len(plan.points)
        title += f" ({count} point{'' if count == 1 else 's'}{', resumed' if plan.resume else ''})"
    return title


def flow_run_tags(plan: Plan, *, scheduled: bool = False) -> list[str]:
    """``countlab``, the kind, every point's session and regime, and ``scheduled``."""
    sessions = {f"session:{p.scenario.session.date}" for p in plan.points}
    regimes = {f"regime:{p.scenario.rules.regime}" for p in plan.points}
    extra = ["scheduled"] if scheduled else []
    return ["countlab", plan.kind, *sorted(sessions), *sorted(regimes), *extra]


_HANDED: dict[str, tuple[Plan, ProgressHook | None]] = {}
"""Plans handed to the flow runs :func:`start_flow` starts, by run id."""


def start_flow(
    flow: Any, plan: Plan, progress: ProgressHook | None = None, *, scheduled: bool = False
) -> Any:
    """Run ``flow`` on a named plan: its parameters, name and tags from the plan, the plan
    and ``progress`` handed over (:func:`handed_plan`); return its result (unwrapped when the
    flow returns it handed, ``flows.handed``)."""
    from prefect import tags

    run_id = plan.record.run_id
    title = flow_run_title(plan)
    _HANDED[run_id] = (plan, progress)
    try:
        with tags(*flow_run_tags(plan, scheduled=scheduled)):
            result = flow.with_options(flow_run_name=lambda: title)(flow_parameters(plan))
            return result.value if isinstance(result, Handed) else result
    finally:
        _HANDED.pop(run_id, None)


def handed_plan(parameters: RunParameters | SweepParameters) -> tuple[Plan, ProgressHook | None]:
    """The plan and progress hook :func:`start_flow` handed to this flow run, else the plan
    of its parameters (the flow run then names itself); with this flow run's id."""
    handed = _HANDED.get(parameters.run_id)
    if handed is not None:
        plan, progress = handed
    else:
        plan, progress = plan_of(parameters), None
        label_flow_run(plan)
    record = replace(plan.record, prefect_flow_run_id=current_flow_run_id())
    return replace(plan, record=record), progress


def current_flow_run_id() -> str | None:
    """The id of the Prefect flow run this code runs in, if any."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return None
    return str(context.flow_run.id)


def warn(message: str) -> None:
    """A warning in the flow run's log (and on the terminal), or countlab's logger."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        get_run_logger().warning(message)
    except MissingContextError:
        logging.getLogger("countlab").warning(message)


def label_flow_run(plan: Plan, *, scheduled: bool = False) -> None:
    """Name and tag the current flow run after ``plan`` through the Prefect API (a run
    started by a deployment); a warning, never a failure, if the API refuses."""
    from prefect.client.orchestration import get_client
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return
    flow_run = context.flow_run
    tags = sorted({*flow_run.tags, *flow_run_tags(plan, scheduled=scheduled)})
    try:
        with get_client(sync_client=True) as client:
            client.update_flow_run(flow_run.id, name=flow_run_title(plan), tags=tags)
    except Exception as exc:  # noqa: BLE001 (a name never fails a run)
        warn(f"countlab: could not name the flow run {flow_run.id} ({type(exc).__name__}: {exc})")
