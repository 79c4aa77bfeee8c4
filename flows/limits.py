"""Size limits: what a run or sweep will cost, estimated before anything starts.

A command that would store more than :data:`MAX_DRAWS` draws, or more bytes than the disk
holding the warehouse has free, is refused with one line giving the estimate, unless
``--force``. No command, forced or not, takes more than :data:`HARD_MAX_DRAWS` draws.

The figures were measured on this machine's warehouses (``countlab run``, 1,000,000 draws):
about 5.8 bytes per stored draw and 5.9 bytes per objection-vote row after DuckDB's
compression, and well over 100,000 draws per second on 2 cores. The estimate uses rounder,
more cautious figures (:data:`BYTES_PER_ROW`, :data:`DRAWS_PER_SECOND`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from models.errors import OptionError

MAX_DRAWS = 10**9
"""Draws in one command (all points of a sweep) above which ``--force`` is needed."""

HARD_MAX_DRAWS = 10**15
"""Draws in one command that even ``--force`` does not allow (years of computing)."""

BYTES_PER_ROW = 8
"""Disk per stored row, a draw or an objection's votes in a draw (measured: about 6)."""

DRAWS_PER_SECOND = 100_000
"""A conservative rate for the time estimate (measured: 100,000-300,000 on 2 cores)."""


@dataclass(frozen=True, slots=True)
class Estimate:
    """What a command will store and how long it may take."""

    draws: int  # in all: draws per point times points
    rows: int  # stored rows: a draw row plus one row per objection, per draw
    bytes: int
    seconds: float

    def describe(self) -> str:
        return (
            f"{self.draws:,} draws, {self.rows:,} rows, about {_size(self.bytes)} on disk "
            f"and {_duration(self.seconds)} at {DRAWS_PER_SECOND:,} draws/s"
        )


def estimate(draws: int, *, points: int = 1, objections: int = 0) -> Estimate:
    """The cost of ``points`` points of ``draws`` draws with ``objections`` objections each."""
    total = draws * points
    rows = total * (1 + objections)
    return Estimate(total, rows, rows * BYTES_PER_ROW, total / DRAWS_PER_SECOND)


def check_size(
    found: Estimate, db: str | Path, *, force: bool, what: str, field: str | None = None
) -> None:
    """A one-line error if ``found`` is past the limits (``force`` lifts the soft ones).
    ``what`` says whose size it is: the value of the option ``field`` (e.g. the draws), or
    with no field a text of its own (e.g. the file's ``[run] draws``)."""
    if found.draws > HARD_MAX_DRAWS:
        raise OptionError(
            field, what, f"{found.describe()}; at most {HARD_MAX_DRAWS:,} draws in one command"
        )
    if force:
        return
    if found.draws > MAX_DRAWS:
        raise OptionError(
            field,
            what,
            f"{found.describe()}; more than {MAX_DRAWS:,} draws: give {{0}} to run it anyway",
            others=("force",),
        )
    free = free_bytes(db)
    if free is not None and found.bytes > free:
        raise OptionError(
            field,
            what,
            f"{found.describe()}, more than the {_size(free)} free beside {db}: "
            "give {0} to run it anyway",
            others=("force",),
        )


def free_bytes(db: str | Path) -> int | None:
    """Free bytes on the disk of the warehouse's folder (None if it cannot be told)."""
    folder = Path(db).absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if size < 1000 or unit == "PB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _duration(seconds: float) -> str:
    for unit, length in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= length:
            return f"{seconds / length:,.1f} {unit}"
    return f"{seconds:.0f} s"
