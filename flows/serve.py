"""``countlab serve``: a sweep as a Prefect deployment on a cron schedule, served from here.

:func:`serve_sweep` checks everything first (the scenario file, the sweep, the options, the
cron string, the Prefect server), then registers the deployment
``countlab-scheduled-sweep/NAME`` and serves it in the foreground, Prefect's ``flow.serve``
way (no work pool, no worker): the Prefect server's scheduler creates a run at every cron
time, and this process runs it. Ctrl-C stops serving and pauses the schedule; serving again
unpauses it. A run can also be started at any time, from the UI or with
``prefect deployment run 'countlab-scheduled-sweep/NAME'``.

Each run of :func:`scheduled_sweep` reads the scenario file anew (so it sweeps the file as it
is at that time) and stores one sweep in the warehouse, exactly as ``countlab sweep`` would:
a ``runs`` row of kind ``sweep``, its points and every draw. The seed is ``seed`` when given,
else the file's ``[run] seed``, else a fresh one per run (``secrets.randbits(63)``), recorded
in the ``runs`` row as usual so that any run can be reproduced with ``countlab sweep --seed``.

A schedule needs a Prefect server with its services (the scheduler): ``countlab server`` on
this machine, or one at ``PREFECT_API_URL``; Prefect's temporary server has no scheduler, so
:func:`serve_sweep` refuses to start without a server that answers.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import flow

from flows.flowruns import label_flow_run, start_flow
from flows.launch import configure_prefect, local_server_running, task_runner
from flows.plans import named, plan_sweep
from flows.requests import DEFAULT_CHUNK_DRAWS, SweepRequest
from flows.signals import hard_stop, interruption
from flows.sweep import sweep_flow
from models.errors import CountlabError, OptionError
from warehouse.lease import new_run_id
from warehouse.store import connect

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

FLOW_NAME = "countlab-scheduled-sweep"
"""The flow every scheduled sweep runs; its deployments are ``FLOW_NAME/NAME``."""

BANNED_IN_NAMES = "/%&<>"
"""Characters Prefect refuses in a deployment name."""


@flow(name=FLOW_NAME, log_prints=False)
def scheduled_sweep(
    scenario_path: str,
    db: str,
    draws: int | None = None,
    seed: int | None = None,
    vary: list[str] | None = None,
    design: str | None = None,
    points: int | None = None,
    chunk_draws: int = DEFAULT_CHUNK_DRAWS,
    workers: int = 2,
    sampler: str | None = None,
    runner: str = "threads",
    address: str | None = None,
) -> dict[str, Any]:
    """Run one sweep of the scenario file (as it is now) and store it in ``db``.

    The parameters are :class:`flows.requests.SweepRequest`'s fields (but ``resume``); the
    sweep is planned like ``countlab sweep``'s (``flows.plans.plan_sweep``) and runs as the
    subflow ``countlab-sweep`` on the task runner ``runner`` names. This flow run and the
    subflow's are named and tagged like a sweep's (``flows.flowruns``), tagged ``scheduled``
    too. Returns the sweep's ``run_id`` in the warehouse, its ``seed`` and its number of
    ``points``.
    """
    options = dict(locals())
    request = SweepRequest(**{**options, "vary": tuple(options["vary"] or ())})
    plan = plan_sweep(request, force=True)  # its size was checked when serving started
    plan = named(plan, new_run_id())
    label_flow_run(plan, scheduled=True)
    configured = sweep_flow.with_options(task_runner=task_runner(request))
    summary = start_flow(configured, plan, scheduled=True)
    return {"run_id": summary["run_id"], "seed": summary["seed"], "points": len(summary["points"])}


def check_cron(cron: str, timezone: str | None = None) -> None:
    """Raise a one-line :class:`CountlabError` unless Prefect accepts ``cron`` (five fields,
    minute hour day-of-month month day-of-week) and ``timezone`` (IANA, e.g. Europe/Berlin)."""
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    if timezone is not None:
        try:
            CronSchedule(cron="0 0 * * *", timezone=timezone)
        except ValidationError:
            raise OptionError(
                "timezone", repr(timezone), "expected an IANA time zone, e.g. Europe/Berlin"
            ) from None
    cron_fields = (
        "five fields, minute hour day-of-month month day-of-week, e.g. '0 6 * * *' (06:00 daily)"
    )
    if len(cron.split()) != 5:
        raise OptionError("cron", repr(cron), f"expected {cron_fields}")
    try:
        CronSchedule(cron=cron)
    except ValidationError:
        raise OptionError(
            "cron", repr(cron), f"not a valid cron string; expected {cron_fields}"
        ) from None


def check_name(name: str) -> str:
    """Return ``name`` if Prefect accepts it as a deployment name; else a one-line error."""
    if not name.strip() or any(c in name for c in BANNED_IN_NAMES):
        raise OptionError(
            "name",
            repr(name),
            f"expected a non-empty name without any of {' '.join(BANNED_IN_NAMES)}",
        )
    return name


def default_name(scenario_path: str) -> str:
    """A deployment's name when none is given: the scenario file's stem."""
    stem = re.sub(f"[{re.escape(BANNED_IN_NAMES)}]", "-", Path(scenario_path).stem)
    return stem or "sweep"


def check_serve(
    request: SweepRequest, *, cron: str, timezone: str | None = None, force: bool = False
) -> SweepRequest:
    """Check a scheduled sweep the way ``countlab sweep`` checks a sweep (its size too,
    ``force``: past the soft limits), and its cron string; return the request with absolute
    paths. Nothing is written."""
    if request.scenario_path is None:
        raise OptionError("scenario_path", None, "missing: a scheduled sweep needs a scenario file")
    if request.resume is not None:
        raise OptionError("resume", repr(request.resume), "a scheduled sweep cannot resume")
    request = replace(
        request,
        scenario_path=str(Path(request.scenario_path).absolute()),
        db=str(Path(request.db).absolute()),
    )
    plan_sweep(request, force=force)  # every user mistake in the file or the sweep
    check_cron(cron, timezone)
    return request


def deployment_parameters(request: SweepRequest) -> dict[str, Any]:
    """The deployment's parameters: :func:`scheduled_sweep`'s arguments (the request's
    fields but ``resume``), plain JSON."""
    parameters = {f.name: getattr(request, f.name) for f in fields(request) if f.name != "resume"}
    parameters["vary"] = list(request.vary)
    if request.address is None:
        del parameters["address"]
    return parameters


def _deployment_options(request: SweepRequest, cron: str, timezone: str | None) -> dict[str, Any]:
    """What :func:`build_deployment` and :func:`serve_sweep` tell Prefect, besides the name."""
    from prefect.types.entrypoint import EntrypointType

    options: dict[str, Any] = {
        "parameters": deployment_parameters(request),
        "description": f"countlab sweep of {request.scenario_path} into {request.db}",
        "tags": ["countlab", "sweep", "scheduled"],
        # flows.serve.scheduled_sweep, importable from any directory (not a file path
        # relative to the directory serving started in)
        "entrypoint_type": EntrypointType.MODULE_PATH,
    }
    if timezone is None:
        options["cron"] = cron
    else:
        from prefect.schedules import Cron

        options["schedules"] = [Cron(cron, timezone=timezone)]
    return options


def build_deployment(
    request: SweepRequest,
    *,
    cron: str,
    name: str | None = None,
    timezone: str | None = None,
) -> RunnerDeployment:
    """Check a scheduled sweep and return its deployment, not yet registered (Prefect's
    ``flow.to_deployment``): ``prefect.serve(deployment)`` registers and serves it,
    ``deployment.apply()`` only registers it."""
    request = check_serve(request, cron=cron, timezone=timezone)
    assert request.scenario_path is not None
    deployment = scheduled_sweep.to_deployment(
        name=check_name(name if name is not None else default_name(request.scenario_path)),
        **_deployment_options(request, cron, timezone),
    )
    from prefect.deployments.runner import RunnerDeployment

    assert isinstance(deployment, RunnerDeployment)  # from sync code: not a coroutine
    return deployment


def prefect_api_url() -> str:
    """The Prefect server a schedule is registered with; a one-line error if none answers."""
    configure_prefect()
    from prefect.settings import get_current_settings

    url = os.environ.get("PREFECT_API_URL") or get_current_settings().api.url
    if not url:
        raise CountlabError(
            "countlab serve needs a Prefect server for its schedule: start `countlab server` "
            "(port 4200) in another terminal, or set PREFECT_API_URL"
        )
    if not local_server_running(url.rstrip("/"), timeout=3.0):
        raise CountlabError(
            f"no Prefect server answers at {url}: start `countlab server`, or fix PREFECT_API_URL"
        )
    return url


def serve_sweep(
    request: SweepRequest,
    *,
    cron: str,
    name: str | None = None,
    timezone: str | None = None,
    force: bool = False,
) -> None:
    """Register the sweep as the deployment ``countlab-scheduled-sweep/NAME`` (``name``:
    default the scenario file's stem) on the cron schedule ``cron`` (in ``timezone``,
    default UTC) and serve it until interrupted (blocking).

    Bad input is a one-line :class:`CountlabError` before anything is written or started;
    so is a missing Prefect server. The warehouse is created (schema up to date) before
    serving starts. Runs are served one at a time (DuckDB admits one writing process).
    """
    request = check_serve(request, cron=cron, timezone=timezone, force=force)
    assert request.scenario_path is not None
    deployment = check_name(name if name is not None else default_name(request.scenario_path))
    prefect_api_url()
    connect(request.db).close()
    serve_until_stopped(deployment, _deployment_options(request, cron, timezone))


def serve_until_stopped(name: str, options: dict[str, Any]) -> None:
    """Serve the deployment ``FLOW_NAME/name`` (Prefect's ``Runner``, one run at a time)
    until SIGINT, SIGTERM or SIGHUP; then stop gracefully (a run in progress is cancelled),
    pause the schedule and raise :class:`Interrupted`. A second signal stops at once."""
    from prefect.runner import Runner

    runner = Runner(name=name, pause_on_shutdown=True, limit=1)
    runner.add_flow(scheduled_sweep, name=name, **options)
    received: list[int] = []
    graceful = runner.handle_sigterm

    def stop(signum: int, frame: object = None) -> None:
        if received:
            hard_stop(128 + signum, f"interrupted again ({signal.Signals(signum).name})")
        received.append(signum)
        if not runner.started:
            raise interruption(signum)
        graceful()

    # Prefect's runner installs its own SIGTERM handler when it starts: it calls this.
    runner.handle_sigterm = lambda *args, **kwargs: stop(signal.SIGTERM)  # type: ignore[method-assign]
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGHUP)}
    print(
        f"Serving {FLOW_NAME}/{name} (cron {options.get('cron') or 'with time zone'}); "
        "Ctrl-C stops serving and pauses the schedule.",
        file=sys.stderr,
        flush=True,
    )
    try:
        asyncio.run(runner.start())
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        paused = f"stopped serving {FLOW_NAME}/{name}; its schedule is paused"
        raise interruption(received[0], paused)


__all__ = [
    "FLOW_NAME",
    "build_deployment",
    "check_cron",
    "check_serve",
    "deployment_parameters",
    "scheduled_sweep",
    "serve_sweep",
]
