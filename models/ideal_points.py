"""Members' ideal points on the session date: DW-NOMINATE and Nokken–Poole scores (Voteview).

Pure data and the pure parser of a session's ``ideal_points.csv``
(:func:`parse_ideal_points`); the file I/O is in ``flows/sessions.py``, beside the session's
other files. The scores place each member on a liberal (−1) to conservative (+1) first
dimension and a second dimension; DW-NOMINATE gives one point per member for a whole career
in a space common to both chambers, Nokken–Poole one point per Congress.

References
----------
Lewis, Poole, Rosenthal, Boche, Rudkin and Sonnet, *Voteview: Congressional Roll-Call Votes
Database* (2024), https://voteview.com/. Nokken and Poole, "Congressional Party Defection in
American History", *Legislative Studies Quarterly* 29 (2004).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.csv_rows import csv_rows
from models.errors import InputError
from models.roster import CHAMBERS, Roster

IDEAL_POINT_COLUMNS: tuple[str, ...] = (
    "bioguide_id",
    "chamber",
    "nominate_dim1",
    "nominate_dim2",
    "nokken_poole_dim1",
    "nokken_poole_dim2",
)
"""The columns of ``ideal_points.csv``, exactly."""

SCORE_PAIRS: tuple[tuple[str, str], ...] = (
    ("nominate_dim1", "nominate_dim2"),
    ("nokken_poole_dim1", "nokken_poole_dim2"),
)
"""Each estimate's two dimensions: both given or both blank (no score)."""

SCORE_BOUND = 2.0
"""Scores lie in [-SCORE_BOUND, SCORE_BOUND]; Voteview's lie in [-1, 1]."""

_NUMBER = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")


@dataclass(frozen=True, slots=True, eq=False)
class IdealPoints:
    """Each roster member's scores, arrays of shape ``(n_members,)`` in roster order.

    NaN where the source has no score (2025: members new in the 119th Congress, after the
    source's cutoff). ``dim1`` and ``dim2`` are DW-NOMINATE's two dimensions.
    """

    dim1: NDArray[np.float64]
    dim2: NDArray[np.float64]
    nokken_poole_dim1: NDArray[np.float64]
    nokken_poole_dim2: NDArray[np.float64]

    @property
    def has_score(self) -> NDArray[np.bool_]:
        """``(n_members,)`` mask of members with a DW-NOMINATE first dimension."""
        has: NDArray[np.bool_] = ~np.isnan(self.dim1)
        return has


def _score(record: dict[str, str], field: str, *, source: str, row: int) -> float:
    """A score cell: a finite decimal number within the bound, or NaN when blank."""
    value = record[field]
    if not value:
        return math.nan
    if not _NUMBER.fullmatch(value) or not math.isfinite(number := float(value)):
        raise InputError(source, field, value, "expected a finite number or blank", row=row)
    if abs(number) > SCORE_BOUND:
        raise InputError(
            source, field, value, f"outside [-{SCORE_BOUND:g}, {SCORE_BOUND:g}]", row=row
        )
    return number


def _member(
    record: dict[str, str], roster: Roster, index: dict[str, int], *, source: str, row: int
) -> int:
    """The roster index of the row's member, whose chamber must be the roster's."""
    bioguide = record["bioguide_id"]
    if bioguide not in index:
        raise InputError(
            source, "bioguide_id", bioguide, "not a member of the session's roster", row=row
        )
    member = index[bioguide]
    chamber = CHAMBERS[int(roster.is_senator[member])]
    if record["chamber"] != chamber:
        raise InputError(
            source,
            "chamber",
            record["chamber"],
            f"the roster has {bioguide} in the {chamber}",
            row=row,
        )
    return member


def parse_ideal_points(text: str, *, source: str, roster: Roster) -> IdealPoints:
    """Parse ``ideal_points.csv`` (columns :data:`IDEAL_POINT_COLUMNS`): one row for each
    member of ``roster``, in any order, each in the roster's chamber.

    A score is a decimal number in [-2, 2], or blank where there is none; each estimate's
    two dimensions (:data:`SCORE_PAIRS`) are both given or both blank. Every error is an
    :class:`InputError` naming ``source``, the line, the field and the value.
    """
    index = {bioguide: i for i, bioguide in enumerate(roster.bioguide_ids)}
    scores = np.full((len(IDEAL_POINT_COLUMNS) - 2, roster.n_members), np.nan)
    line_of: dict[int, int] = {}
    for row, record in csv_rows(text, source=source, columns=IDEAL_POINT_COLUMNS):
        member = _member(record, roster, index, source=source, row=row)
        if member in line_of:
            raise InputError(
                source,
                "bioguide_id",
                record["bioguide_id"],
                f"member listed twice (first on line {line_of[member]})",
                row=row,
            )
        line_of[member] = row
        for pair in SCORE_PAIRS:
            given = [field for field in pair if record[field]]
            if len(given) == 1:
                blank = next(field for field in pair if field not in given)
                raise InputError(
                    source, blank, "", f"give both of {', '.join(pair)} or neither", row=row
                )
        for k, field in enumerate(IDEAL_POINT_COLUMNS[2:]):
            scores[k, member] = _score(record, field, source=source, row=row)
    missing = [b for i, b in enumerate(roster.bioguide_ids) if i not in line_of]
    if missing:
        raise InputError(
            source,
            "bioguide_id",
            missing[0],
            f"roster member has no row ({len(missing)} missing; leave the scores blank "
            "where there are none)",
        )
    points = IdealPoints(*scores.copy())
    for array in (points.dim1, points.dim2, points.nokken_poole_dim1, points.nokken_poole_dim2):
        array.flags.writeable = False
    return points
