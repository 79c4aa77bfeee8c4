"""Load sessions: the four shipped ones, or a user's directory of the same shape.

A session directory holds ``session.toml``, ``members.csv`` and ``electoral_votes.csv``
(see ``models/data/sessions/2021-01-06/`` and the README), and may hold the state side
(remand.md §4): ``state_governments.csv`` (every shipped session has it) and
``remand_facts.csv`` (shipped for 2021), the members' ``ideal_points.csv`` (every shipped
session has it) and ``recorded_votes.csv``, the roll calls on that day's objections (read by
:mod:`flows.rollcalls`, not by :func:`load_session`). This module does the file I/O; parsing
and validation are pure functions in :mod:`models.session`, :mod:`models.statehouses` and
:mod:`models.ideal_points`.
"""

from __future__ import annotations

import functools
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from flows.files import read_utf8
from models.certificates import parse_certificates
from models.errors import CountlabError
from models.ideal_points import parse_ideal_points
from models.session import Session, build_session, parse_roster, parse_session_header
from models.statehouses import parse_remand_facts, parse_state_governments

SESSION_FILES = ("session.toml", "members.csv", "electoral_votes.csv")
"""The files every session directory needs."""

STATE_FILES = ("state_governments.csv", "remand_facts.csv")
"""The state side: optional in a user's directory (absent = none), validated when present;
a shipped session needs ``state_governments.csv``."""

SHIPPED_FILES = (*SESSION_FILES, "state_governments.csv", "ideal_points.csv")
"""The files every shipped session has; ``ideal_points.csv`` is optional in a user's
directory (absent: None), validated when present."""


def shipped_sessions() -> tuple[str, ...]:
    """Return the dates of the sessions shipped with countlab, oldest first."""
    root = resources.files("models") / "data" / "sessions"
    return tuple(sorted(p.name for p in root.iterdir() if p.is_dir()))


def _read(
    folder: Traversable | Path, name: str, label: str, needs: tuple[str, ...] = SESSION_FILES
) -> tuple[str, str]:
    source = f"{label}/{name}"
    missing = CountlabError(f"{source}: file not found (a session needs {', '.join(needs)})")
    return read_utf8(folder / name, source=source, missing=missing), source


def _read_optional(folder: Traversable | Path, name: str, label: str) -> tuple[str | None, str]:
    """The text of an optional file, None when there is nothing of that name."""
    path = folder / name
    source = f"{label}/{name}"
    if not path.is_file() and not path.is_dir():
        return None, source
    return read_utf8(path, source=source, missing=CountlabError(f"{source}: not a file")), source


def _folder(name: str) -> tuple[Traversable | Path, str, bool]:
    """The folder of a shipped session (by date) or of a user's session directory, the label
    its files' errors start with, and whether it is shipped."""
    shipped = shipped_sessions()
    if name in shipped:
        return resources.files("models") / "data" / "sessions" / name, name, True
    folder = Path(name)
    if not name or not folder.is_dir():
        raise CountlabError(
            f"session {name!r}: not a shipped session ({', '.join(shipped)}) "
            "nor a session directory"
        )
    return folder, str(folder), False


def read_session_file(name: str, filename: str) -> tuple[str, str] | None:
    """The text of a session's file ``filename`` and the source its errors name, None when the
    session (shipped by date, or a user's directory) has no such file."""
    folder, label, _ = _folder(name)
    text, source = _read_optional(folder, filename, label)
    return None if text is None else (text, source)


def load_session(name: str) -> Session:
    """Load a shipped session by date (``2021-01-06``) or a user's session directory (read
    each time: its files may change; a shipped one is read once per process)."""
    if name in shipped_sessions():
        return _shipped_session(name)
    return _load_session(name)


@functools.cache
def _shipped_session(name: str) -> Session:
    """A shipped session, parsed once (a sweep's every point reads it: ~25 ms each)."""
    return _load_session(name)


def _load_session(name: str) -> Session:
    folder, label, shipped = _folder(name)
    text, source = _read(folder, "session.toml", label)
    header = parse_session_header(text, source=source)
    text, source = _read(folder, "electoral_votes.csv", label)
    certificates = parse_certificates(
        text, source=source, candidates=tuple(c.key for c in header.candidates)
    )
    text, source = _read(folder, "members.csv", label)
    roster = parse_roster(text, source=source, certificates=certificates)
    governments_text, source = _read_part(folder, "state_governments.csv", label, shipped)
    governments = (
        {} if governments_text is None else parse_state_governments(governments_text, source=source)
    )
    facts_text, source = _read_optional(folder, "remand_facts.csv", label)
    facts = {} if facts_text is None else parse_remand_facts(facts_text, source=source)
    points_text, source = _read_part(folder, "ideal_points.csv", label, shipped)
    points = (
        None
        if points_text is None
        else parse_ideal_points(points_text, source=source, roster=roster)
    )
    return build_session(
        header,
        roster,
        certificates,
        governments=governments,
        remand_facts=facts,
        ideal_points=points,
    )


def _read_part(
    folder: Traversable | Path, name: str, label: str, shipped: bool
) -> tuple[str | None, str]:
    """A file a shipped session needs (:data:`SHIPPED_FILES`) and a user's may leave out."""
    if shipped:
        return _read(folder, name, label, SHIPPED_FILES)
    return _read_optional(folder, name, label)
