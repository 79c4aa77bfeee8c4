"""What a run or a sweep was asked to do: the requests, their defaults (the one place where
draws, chunk size, workers and runner get theirs) and their checks.

A request holds the options as given (from the command line or a deployment's parameters);
``flows.plans`` resolves it against the scenario file. Errors here name the option as a
field (:class:`models.errors.OptionError`); the command line shows it as its flag.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, fields
from typing import Any

from flows.limits import HARD_MAX_DRAWS
from models.engine import SAMPLERS
from models.errors import OptionError
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
    """What ``countlab run`` was asked to do (``draws`` and ``seed``: None for the file's)."""

    scenario_path: str
    draws: int | None
    seed: int | None
    db: str
    chunk_draws: int = DEFAULT_CHUNK_DRAWS
    workers: int = 2
    exact: bool = False
    sampler: str | None = None
    runner: str = "threads"
    address: str | None = None  # an existing Dask scheduler, tcp://HOST:PORT (runner dask)
    report: str | None = None  # a folder: the run's report is written there once it completes


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


def check_request(request: RunRequest | SweepRequest) -> None:
    """One-line errors for options no run or sweep can use, before anything opens or runs
    (``countlab run``, ``sweep`` and ``serve``, and a deployment's parameters, alike): the
    runner and its address (form and reach), draws, seed, chunk size, workers and sampler."""
    if request.runner not in TASK_RUNNERS:
        raise OptionError("runner", repr(request.runner), f"expected {', '.join(TASK_RUNNERS)}")
    if request.address and request.runner != "dask":
        raise OptionError("address", None, "is for {0} dask", others=("runner",))
    draws, seed = request.draws, request.seed
    if draws is not None and draws < 1:
        raise OptionError("draws", str(draws), "expected a positive number")
    if draws is not None and draws > HARD_MAX_DRAWS:
        raise OptionError("draws", str(draws), f"at most {HARD_MAX_DRAWS:,}")
    if seed is not None and seed < 0:
        raise OptionError("seed", str(seed), "expected a non-negative integer")
    if seed is not None and seed > MAX_SEED:
        raise OptionError(
            "seed", str(seed), f"expected an integer from 0 to 2**63 - 1 ({MAX_SEED})"
        )
    if not 1 <= request.chunk_draws <= MAX_CHUNK_DRAWS:
        raise OptionError(
            "chunk_draws", str(request.chunk_draws), f"expected 1 to {MAX_CHUNK_DRAWS:,}"
        )
    if not 1 <= request.workers <= MAX_WORKERS:
        raise OptionError("workers", str(request.workers), f"expected 1 to {MAX_WORKERS}")
    if request.sampler is not None:
        check_sampler(request.sampler)
    check_address(request.address)


def check_sampler(sampler: str) -> str:
    """``sampler`` if the engine has it (the option's or the file's ``[run] sampler``)."""
    if sampler not in SAMPLERS:
        raise OptionError("sampler", repr(sampler), f"expected one of {', '.join(SAMPLERS)}")
    return sampler


def parse_address(address: str) -> tuple[str, int]:
    """``(host, port)`` of ``tcp://HOST:PORT``; a one-line error for any other form."""
    match = ADDRESS.match(address)
    port = int(match["port"]) if match else 0
    if match is None or not 1 <= port <= 65535:
        raise OptionError(
            "address", repr(address), "expected tcp://HOST:PORT (a Dask scheduler, port 1-65535)"
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
        raise OptionError(
            "address", address, f"no Dask scheduler answers there ({reason})"
        ) from None


def sweep_request(options: dict[str, Any]) -> SweepRequest:
    """The request of a sweep command's options (``countlab sweep`` and ``serve`` pass their
    ``locals()``): its ``SweepRequest`` fields, the scenario file as ``scenario_path``."""
    given = {f.name: options[f.name] for f in fields(SweepRequest) if f.name in options}
    scenario = options["scenario"]
    return SweepRequest(
        **{
            **given,
            "scenario_path": None if scenario is None else str(scenario),
            "db": str(options["db"]),
            "vary": tuple(options["vary"] or ()),
        }
    )
