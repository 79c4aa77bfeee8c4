"""Checks of a command's surroundings before any warehouse or flow is opened: a Prefect
server named by ``PREFECT_API_URL`` that must answer, and folders to write reports into.
(Options are checked in ``flows.requests``, scenario files and sweeps in ``flows.plans``.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.launch import local_server_running
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
