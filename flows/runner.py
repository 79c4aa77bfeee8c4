"""Run flows from the CLI: Prefect's settings, the progress bar, and lazy imports.

Prefect is imported only when a flow runs, after its settings are fixed, so ``countlab
tally`` and ``countlab sql`` start fast and no Prefect output reaches the user unasked.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flows.signals import die_with_parent, forget_child, track_child
from models.errors import CountlabError
from models.sampling import BLOCK_DRAWS

TASK_RUNNERS = ("threads", "processes", "dask")
"""Prefect task runners: ThreadPoolTaskRunner, ProcessPoolTaskRunner (``workers`` wide) or
prefect-dask's DaskTaskRunner (an existing cluster at ``address``, else a local cluster of
``workers`` single-threaded worker processes)."""

DEFAULT_CHUNK_DRAWS = 8 * BLOCK_DRAWS
"""Draws per task unless ``--chunk-draws`` says otherwise (rounded up to whole blocks)."""

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
    # uses (block registration, the task-run recorder), and allow a slow start on a busy
    # machine instead of failing after 20 s.
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    # A local Dask cluster (--runner dask): warnings only, no dashboard chatter.
    "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "warning",
}

LOCAL_SERVER = "http://127.0.0.1:4200/api"
"""Where ``countlab server`` (``prefect server start``) listens; runs use it when it answers."""


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What ``countlab run`` was asked to do."""

    scenario_path: str
    draws: int
    seed: int
    db: str
    chunk_draws: int = DEFAULT_CHUNK_DRAWS
    workers: int = 2
    exact: bool = False
    sampler: str | None = None
    runner: str = "threads"
    address: str | None = None  # an existing Dask scheduler, tcp://HOST:PORT (runner dask)


@dataclass(frozen=True, slots=True)
class SweepRequest:
    """What ``countlab sweep`` was asked to do (``resume``: the run id to finish instead)."""

    scenario_path: str | None
    draws: int | None
    seed: int | None
    db: str
    vary: tuple[str, ...] = ()
    design: str | None = None
    points: int | None = None
    chunk_draws: int = DEFAULT_CHUNK_DRAWS
    workers: int = 2
    sampler: str | None = None
    runner: str = "threads"
    address: str | None = None
    resume: str | None = None


def check_request(request: RunRequest | SweepRequest) -> None:
    """One-line errors for options no run or sweep can use, before anything opens or runs
    (``countlab run``, ``sweep`` and ``serve`` alike)."""
    from flows.checks import check_options
    from models.engine import SAMPLERS

    if request.runner not in TASK_RUNNERS:
        raise CountlabError(f"--runner {request.runner!r}: expected {', '.join(TASK_RUNNERS)}")
    if request.address and request.runner != "dask":
        raise CountlabError("--address is for --runner dask")
    if request.chunk_draws < 1 or request.workers < 1:
        raise CountlabError("--chunk-draws and --workers must be positive")
    if request.draws is not None and request.draws < 1:
        raise CountlabError(f"--draws {request.draws}: expected a positive number")
    if request.seed is not None and request.seed < 0:
        raise CountlabError(f"--seed {request.seed}: expected a non-negative integer")
    if request.sampler is not None and request.sampler not in SAMPLERS:
        raise CountlabError(f"--sampler {request.sampler!r}: expected one of {', '.join(SAMPLERS)}")
    check_options(request)  # bounds, --address form and reach (flows/checks.py)


def plan_chunks(n_draws: int, chunk_draws: int) -> list[tuple[int, int]]:
    """Return ``(first_draw, n_draws)`` per task; every chunk starts on a block boundary."""
    size = max(1, math.ceil(chunk_draws / BLOCK_DRAWS)) * BLOCK_DRAWS
    return [(start, min(size, n_draws - start)) for start in range(0, n_draws, size)]


def local_server_running(url: str = LOCAL_SERVER, timeout: float = 0.3) -> bool:
    """Return whether a Prefect server answers its health check at ``url``."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return bool(response.status == 200)
    except (OSError, ValueError):
        return False


def drain_prefect(timeout: float = 5.0) -> None:
    """Send Prefect's queued logs and events before its API goes away (else its workers
    retry a dead server for a minute at exit)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):
            worker.drain_all(timeout=timeout)


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


@contextlib.contextmanager
def temporary_api() -> Iterator[str]:
    """Start Prefect's temporary API server for this command; yield its URL.

    Started from the main thread with a parent-death signal (:func:`die_with_parent`), so
    it never outlives countlab, even killed with SIGKILL; stopped when the block ends. Its
    URL is exported as ``PREFECT_API_URL`` for worker processes while it runs.
    """
    from prefect.server.api.server import SubprocessASGIServer  # a 5 s import: only here

    class DyingServer(SubprocessASGIServer):
        def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
            popen = subprocess.Popen
            subprocess.Popen = functools.partial(popen, preexec_fn=die_with_parent)  # type: ignore[misc]
            try:
                process = super()._run_uvicorn_command()
            finally:
                subprocess.Popen = popen  # type: ignore[misc]
            track_child(process.pid)
            return process

    server = DyingServer()
    try:
        server.start()
        os.environ["PREFECT_API_URL"] = server.api_url  # inherited by spawned workers
        yield server.api_url
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        drain_prefect()
        process = server.server_process
        server.stop()
        if process is not None:
            forget_child(process.pid)


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


PROGRESS_SECONDS = 5.0
"""Seconds between progress lines when stderr is no terminal (``COUNTLAB_PROGRESS_SECONDS``)."""


def progress_lines(total: int, *, what: str) -> Callable[[int], None]:
    """Progress as log lines on stderr (no terminal: cron, CI, a log file) and in the Prefect
    flow run's log: the first chunk, then at most one line every ``PROGRESS_SECONDS``
    (``COUNTLAB_PROGRESS_SECONDS`` sets it; 0 gives a line per chunk), and the last."""
    interval = float(os.environ.get("COUNTLAB_PROGRESS_SECONDS", PROGRESS_SECONDS))
    done = 0
    last = -math.inf
    started = time.monotonic()

    def report(n: int) -> None:
        nonlocal done, last
        done += n
        now = time.monotonic()
        if now - last < interval and done < total:
            return
        last = now
        rate = done / max(now - started, 1e-9)
        line = f"countlab {what}: {done:,}/{total:,} draws stored ({rate:,.0f} draws/s)"
        print(line, file=sys.stderr, flush=True)
        flow_log(line)

    return report


def flow_log(line: str) -> None:
    """``line`` in the current Prefect flow run's log (shown in its UI), if there is one."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    with contextlib.suppress(MissingContextError):
        get_run_logger().info(line)


def execute_run(
    request: RunRequest | SweepRequest, *, show_progress: bool, total: int | None = None
) -> dict[str, Any]:
    """Run the ``countlab-run`` or ``countlab-sweep`` flow, with a progress bar on a
    terminal (``total`` draws; a run's own draws when not given)."""
    configure_prefect()
    from flows.simulate import run

    if not show_progress:
        what = "sweep" if isinstance(request, SweepRequest) else "run"
        return run(request, progress_lines(total or request.draws or 0, what=what))
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} draws"),
        TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task_id = bar.add_task("draws", total=total or request.draws)
        advance: Callable[[int], None] = lambda n: bar.advance(task_id, n)
        return run(request, advance)
