"""Start a flow: Prefect's settings, its temporary API, the task runner and the writer lease.

Prefect is imported only when a flow runs, after its settings are fixed, so ``countlab
tally`` and ``countlab sql`` start fast and no Prefect output reaches the user unasked. This
module imports no flow: :func:`launch` starts the one it is given.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from flows.flowruns import start_flow
from flows.plans import Plan, named
from flows.requests import RunRequest, SweepRequest
from flows.signals import die_with_parent, forget_child, track_child
from flows.temporary_api import spawn_api
from models.engine import simulate
from warehouse.lease import new_run_id, writer_lease

if TYPE_CHECKING:
    from flows.chunks import ProgressHook

QUIET_PREFECT = {
    # Only warnings and errors from Prefect itself; task and flow INFO lines are noise here.
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # ... but a flow run's own INFO lines (progress, states) go to its log in the UI; the
    # terminal still shows warnings only.
    "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL": "INFO",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
    # No network: telemetry and analytics would only fail and log errors.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS": "false",
    "DO_NOT_TRACK": "1",  # no telemetry notice on a terminal with a new PREFECT_HOME
    # The temporary server Prefect starts when none runs: skip work a one-off run never
    # uses (block registration), and allow a slow start on a busy machine instead of
    # failing after 20 s. The task-run recorder stays on, on every server: without it no
    # task run is recorded (and turning it off saves no measurable start-up time: README,
    # "Watching runs in Prefect").
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    # A local Dask cluster (--runner dask): warnings only, no dashboard chatter.
    "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "warning",
}


LOCAL_SERVER = "http://127.0.0.1:4200/api"
"""Where ``countlab server`` (``prefect server start``) listens; runs use it when it answers."""


def local_server_running(url: str = LOCAL_SERVER, timeout: float = 0.3) -> bool:
    """Return whether a Prefect server answers its health check at ``url``."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return bool(response.status == 200)
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def our_sigterm() -> Iterator[None]:
    """While a flow runs, SIGTERM keeps countlab's handler (:mod:`flows.signals`).

    Prefect's flow engine swaps in a handler of its own that raises ``TerminationSignal``;
    raised inside a DuckDB call, DuckDB swallows it ('Query interrupted') and the stop is
    lost. The engine installs whatever ``prefect.utilities.engine._prefect_sigterm_handler``
    is, so that is set to ours for the flow's duration.
    """
    from prefect.utilities import engine

    ours = signal.getsignal(signal.SIGTERM)
    if not callable(ours) or threading.current_thread() is not threading.main_thread():
        yield
        return
    prefects = engine._prefect_sigterm_handler
    engine._prefect_sigterm_handler = ours  # type: ignore[assignment]
    try:
        yield
    finally:
        engine._prefect_sigterm_handler = prefects


def configure_prefect(*, use_local_server: bool = True) -> None:
    """Set quiet, offline Prefect defaults; a user's own environment variables win.

    With no ``PREFECT_API_URL`` set, a server started by ``countlab server`` on this machine
    is used when it answers, so runs are fast and show up in its UI; otherwise Prefect
    starts its temporary local server.
    """
    for key, value in QUIET_PREFECT.items():
        os.environ.setdefault(key, value)
    if use_local_server and "PREFECT_API_URL" not in os.environ and local_server_running():
        os.environ["PREFECT_API_URL"] = LOCAL_SERVER


def task_runner(request: RunRequest | SweepRequest) -> Any:
    """Return the Prefect task runner ``request.runner`` names, ``request.workers`` wide (a
    checked request: ``flows.requests.check_request``)."""
    workers = max(1, request.workers)
    if request.runner == "dask":
        from prefect_dask.task_runners import DaskTaskRunner  # a 2.5 s import: only here

        if request.address:
            return DaskTaskRunner(address=request.address)
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            }
        )
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    if request.runner == "processes":
        return ProcessPoolTaskRunner(max_workers=workers)
    return ThreadPoolTaskRunner(max_workers=workers)


def warm_kernels(plan: Plan) -> None:
    """Load (or, once per machine, compile) the compiled sampler's kernels for the plan's
    first point in a background thread, while Prefect starts: the first chunk task then
    finds them ready (numba's dispatcher lock makes it wait if they are not). A throwaway
    generator: no stream of the run is touched. Failures are left to the chunk tasks."""
    if plan.record.sampler != "compiled" or not plan.points:
        return
    scenario = plan.points[0].scenario

    def first_use() -> None:
        with contextlib.suppress(Exception):
            simulate(scenario, n_draws=2, rng=np.random.default_rng(0), sampler="compiled")

    threading.Thread(target=first_use, name="countlab-warm-kernels", daemon=True).start()


def launch(flow: Any, plan: Plan, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Run ``flow`` on the plan, on the task runner its request names (``start_flow``: the
    flow run's parameters, name and tags, the plan and ``progress`` handed over); return
    its result.

    The run id is chosen here (a resumed sweep keeps its own), so the flow run's name has
    it from the start. The writer lease is taken first: a second writer fails at once,
    before Prefect starts. Flow heartbeats are off (they only add a second of waiting at
    the end of a run). With no Prefect API configured, one temporary server is started here
    (:func:`flows.temporary_api.spawn_api`: it dies with this process, even on SIGKILL) and
    its URL handed to any worker processes, which would otherwise each start their own.
    ``countlab run`` and ``sweep`` start it earlier, before Prefect's import
    (``flows.cli.execute_run``), so that the two overlap.
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )

    configured = flow.with_options(task_runner=task_runner(plan.request))
    settings: dict[Any, Any] = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    plan = plan if plan.record.run_id else named(plan, new_run_id())
    # a second writer stops here
    with writer_lease(plan.request.db, kind=plan.kind, run_id=plan.record.run_id):
        if get_current_settings().api.url:
            warm_kernels(plan)  # compiled kernels load while Prefect starts
            with temporary_settings(settings), our_sigterm():
                result: dict[str, Any] = start_flow(configured, plan, progress)
                return result
        with spawn_api() as api:  # before any thread of ours: the server's fork is safe
            warm_kernels(plan)
            with temporary_settings({**settings, PREFECT_API_URL: api.wait()}), our_sigterm():
                result = start_flow(configured, plan, progress)
                return result


def run_prefect_server(port: int) -> int:
    """Run ``prefect server start`` on 127.0.0.1:``port`` in the foreground (``countlab
    server``) until it exits or Ctrl-C stops it; return its exit code. The server dies with
    this process, whatever stops it (SIGKILL included)."""
    command = [sys.executable, "-m", "prefect", "server", "start"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    # Its UI asks the API at PREFECT_SERVER_API_HOST:PORT (default 4200), not at --port.
    env = {
        **os.environ,
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
    }
    process = subprocess.Popen(command, env=env, preexec_fn=die_with_parent)  # noqa: PLW1509 (before any thread)
    track_child(process.pid)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=8)
        except subprocess.TimeoutExpired:
            process.kill()
        raise
    finally:
        forget_child(process.pid)
