"""Checks of run options beyond their types, before any warehouse or flow is opened:
bounds of numbers, the form and reach of a Dask scheduler's address, and a Prefect server
named by ``PREFECT_API_URL`` that must answer.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from flows.limits import HARD_MAX_DRAWS
from models.errors import CountlabError

if TYPE_CHECKING:
    from flows.runner import RunRequest, SweepRequest

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
    :func:`flows.runner.check_request`, after its own checks)."""
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


def check_prefect_api(timeout: float = 3.0) -> None:
    """A one-line error if ``PREFECT_API_URL`` is set and no Prefect server answers it."""
    from flows.runner import local_server_running

    url = os.environ.get("PREFECT_API_URL")
    if url and not local_server_running(url.rstrip("/"), timeout=timeout):
        raise CountlabError(
            f"PREFECT_API_URL {url!r}: no Prefect server answers at {url.rstrip('/')}/health "
            "(start `countlab server`, or unset PREFECT_API_URL)"
        )


def check_folder(folder: Path, option: str) -> None:
    """A one-line error naming ``option`` unless ``folder`` exists as a writable folder or
    can be made (its nearest existing parent is a writable folder); creates nothing."""
    folder = Path(folder)
    parent = folder
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise CountlabError(
            f"{option} {folder}: cannot create the folder ({parent} is not a folder)"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CountlabError(f"{option} {folder}: cannot create the folder ({parent} is read-only)")


@contextmanager
def writing_to(folder: Path, option: str) -> Iterator[None]:
    """Turn an OSError while writing into ``folder`` (full disk, permissions) into one line."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CountlabError(f"{option} {folder}: cannot write there ({reason})") from None


def check_sweep(request: SweepRequest, *, force: bool) -> None:
    """Before any point is built: each ``--vary`` key given once, and the sweep's size
    (points x draws, objection rows, disk) within :mod:`flows.limits` unless ``force``."""
    from flows.limits import check_size, estimate
    from flows.scenario import load_scenario
    from flows.sweep import DESIGNS, count_points, parse_vary
    from flows.sweeping import DEFAULT_DRAWS, sweep_spec

    if request.design is not None and request.design not in DESIGNS:
        raise CountlabError(f"--design {request.design!r}: expected {', '.join(DESIGNS)}")
    if request.points is not None and request.points < 1:
        raise CountlabError(f"--points {request.points}: expected 1 or more")
    keys = [parse_vary(text).key for text in request.vary]
    twice = next((k for i, k in enumerate(keys) if k in keys[:i]), None)
    if twice is not None:
        raise CountlabError(f"--vary {twice}=...: key given twice; give its values once")
    assert request.scenario_path is not None
    path = Path(request.scenario_path)
    config, _ = load_scenario(path)
    spec = sweep_spec(request, path)
    points = count_points(spec)
    draws = request.draws or config.run.draws or DEFAULT_DRAWS
    added = {a.key for a in spec.axes if a.key.startswith("objections.")}
    objections = len(config.objections) + len(
        added - {f"objections.{s}" for s in config.objections}
    )
    what = f"{points:,} points x " + (
        f"--draws {draws}" if request.draws else f"{draws:,} draws ({path} [run] draws)"
    )
    check_size(
        estimate(draws, points=points, objections=objections), request.db, force=force, what=what
    )
