"""What a run or a sweep was asked to do: the requests, their defaults (the one place where
draws, chunk size, workers and runner get theirs) and their checks.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

from flows.limits import HARD_MAX_DRAWS
from models.errors import CountlabError
from models.sampling import BLOCK_DRAWS

TASK_RUNNERS = ("threads", "processes", "dask")
"""Prefect task runners: ThreadPoolTaskRunner, ProcessPoolTaskRunner (``workers`` wide) or
prefect-dask's DaskTaskRunner (an existing cluster at ``address``, else a local cluster of
``workers`` single-threaded worker processes)."""


DEFAULT_CHUNK_DRAWS = 8 * BLOCK_DRAWS
"""Draws per task unless ``--chunk-draws`` says otherwise (rounded up to whole blocks)."""


DEFAULT_DRAWS = 100_000
"""Draws per run or point when neither the option nor the file's ``[run] draws`` says."""


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


MAX_SEED = 2**63 - 1
"""Seeds are 0 to 2**63 - 1 (the warehouse stores them as BIGINT)."""


MAX_CHUNK_DRAWS = 1 << 21
"""Draws per task at most (2,097,152: 64 random-stream blocks), to bound a task's memory."""


MAX_WORKERS = 256
"""Tasks in parallel at most."""


ADDRESS = re.compile(r"^tcp://(?P<host>[A-Za-z0-9.\-_]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d{1,5})$")


def check_options(request: RunRequest | SweepRequest) -> None:
    """One-line errors for a seed, chunk size or worker count out of range, and for an
    ``--address`` that is not ``tcp://HOST:PORT`` or where no scheduler answers (called by
    :func:`check_request`, after its own checks)."""
    seed, chunk_draws, workers = request.seed, request.chunk_draws, request.workers
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise CountlabError(f"--seed {seed}: expected an integer from 0 to 2**63 - 1 ({MAX_SEED})")
    if not 1 <= chunk_draws <= MAX_CHUNK_DRAWS:
        raise CountlabError(f"--chunk-draws {chunk_draws}: expected 1 to {MAX_CHUNK_DRAWS:,}")
    if not 1 <= workers <= MAX_WORKERS:
        raise CountlabError(f"--workers {workers}: expected 1 to {MAX_WORKERS}")
    if request.draws is not None and request.draws > HARD_MAX_DRAWS:
        raise CountlabError(f"--draws {request.draws}: at most {HARD_MAX_DRAWS:,}")
    check_address(request.address)


def parse_address(address: str) -> tuple[str, int]:
    """``(host, port)`` of ``tcp://HOST:PORT``; a one-line error for any other form."""
    match = ADDRESS.match(address)
    port = int(match["port"]) if match else 0
    if match is None or not 1 <= port <= 65535:
        raise CountlabError(
            f"--address {address!r}: expected tcp://HOST:PORT (a Dask scheduler, port 1-65535)"
        )
    return match["host"].strip("[]"), port


def check_address(address: str | None, *, timeout: float = 3.0) -> None:
    """A one-line error unless a Dask scheduler's port at ``address`` accepts a connection."""
    if address is None:
        return
    host, port = parse_address(address)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CountlabError(
            f"--address {address}: no Dask scheduler answers there ({reason})"
        ) from None


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
    check_options(request)  # bounds, --address form and reach (flows/checks.py)
