"""Checks of run options beyond their types, before any warehouse or flow is opened:
bounds of numbers, the form and reach of a Dask scheduler's address, and a Prefect server
named by ``PREFECT_API_URL`` that must answer.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.design import DESIGNS, count_points, parse_vary, sweep_spec
from flows.launch import local_server_running
from flows.limits import check_size, estimate
from flows.requests import DEFAULT_DRAWS, SweepRequest
from flows.scenario import load_scenario
from models.errors import CountlabError


def check_prefect_api(timeout: float = 3.0) -> None:
    """A one-line error if ``PREFECT_API_URL`` is set and no Prefect server answers it."""
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
