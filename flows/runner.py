"""Run flows from the CLI: Prefect's settings, the progress bar, and lazy imports.

Prefect is imported only when a flow runs, after its settings are fixed, so ``countlab
tally`` and ``countlab sql`` start fast and no Prefect output reaches the user unasked.
"""

from __future__ import annotations

import math
import os
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


def _progress_lines(total: int) -> Callable[[int], None]:
    """A sweep's progress as log lines on stderr, one per chunk (no terminal: cron, CI)."""
    done = 0

    def report(n: int) -> None:
        nonlocal done
        done += n
        print(f"countlab sweep: {done:,}/{total:,} draws stored", file=sys.stderr, flush=True)

    return report


def execute_run(
    request: RunRequest | SweepRequest, *, show_progress: bool, total: int | None = None
) -> dict[str, Any]:
    """Run the ``countlab-run`` or ``countlab-sweep`` flow, with a progress bar on a
    terminal (``total`` draws; a run's own draws when not given)."""
    configure_prefect()
    from flows.simulate import run

    if not show_progress:
        if isinstance(request, SweepRequest):
            return run(request, _progress_lines(total or 0))
        return run(request)
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
