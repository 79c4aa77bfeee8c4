"""The member model's scenario keys (issue 14): calibrated members, shifts in probit units,
objection strengths and the member correlation, all in ``[votes]``.

```toml
[votes]
members = "january-2021-members.csv"  # bioguide_id, chamber, caucus, p_sustain
member_correlation = 0.8              # tau, both chambers (or .house and .senate)
shift.house.R = 0.5                   # every House Republican, +0.5 probit units
objection_shift.house.PA = 0.2        # the House found PA's objection stronger than average
```

Every key is sweepable (``votes.shift.house.R``, ``votes.member_correlation.house``, ...).
A scenario without them is the group model, drawn exactly as before they existed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from flows.strict import Strict
from models.errors import InputError
from models.members import shifted_probability
from models.roster import CAUCUSES, CHAMBERS
from models.session import Session

MAX_SHIFT = 10.0
"""Probit shifts beyond +-10 move every probability to 0 or 1 (Phi(-10) ~ 8e-24)."""

MEMBER_COLUMNS = ("bioguide_id", "chamber", "caucus", "p_sustain")
"""The columns of a members file (``countlab calibrate`` writes them), in any order."""


class CaucusProbabilities(Strict):
    """A probability per caucus; a caucus left out gets 0."""

    D: float = Field(default=0.0, ge=0.0, le=1.0)
    R: float = Field(default=0.0, ge=0.0, le=1.0)


class ChamberProbabilities(Strict):
    house: CaucusProbabilities = CaucusProbabilities()
    senate: CaucusProbabilities = CaucusProbabilities()


def _shift() -> float:
    return Field(default=0.0, ge=-MAX_SHIFT, le=MAX_SHIFT)


class CaucusShift(Strict):
    """A shift per caucus, in probit units: ``p -> Phi(Phi^-1(p) + shift)``."""

    D: float = _shift()
    R: float = _shift()


class ChamberShift(Strict):
    house: CaucusShift = CaucusShift()
    senate: CaucusShift = CaucusShift()


class ChamberCorrelation(Strict):
    """``member_correlation`` per chamber: tau, the share of a member's latent variance that
    is their own persistent effect."""

    house: float = Field(default=0.0, ge=0.0, le=1.0)
    senate: float = Field(default=0.0, ge=0.0, le=1.0)


class ObjectionShift(Strict):
    """``objection_shift`` per chamber: each objection's strength in probit units."""

    house: dict[str, float] = {}
    senate: dict[str, float] = {}


class Calibrated(Strict):
    """``[calibrated]``: what ``countlab calibrate`` fit the scenario's vote assumptions to
    (the run report says it in words)."""

    command: str = ""
    session: str
    votes: list[str]
    model: str
    log_likelihood: float
    aic: float


def check_objection_shift(value: ObjectionShift, objections: Mapping[str, float]) -> None:
    """Every state of ``votes.objection_shift`` is an objection of the scenario, each shift
    within +-MAX_SHIFT (raises ValueError naming the chamber and state)."""
    for chamber in CHAMBERS:
        for state, shift in getattr(value, chamber).items():
            where = f"{chamber}.{state}"
            if state not in objections:
                raise ValueError(f"{where}: no objection to {state} in [objections]")
            if not -MAX_SHIFT <= shift <= MAX_SHIFT:
                raise ValueError(f"{where} = {shift}: expected a shift within +-{MAX_SHIFT:g}")


def chamber_correlations(value: ChamberCorrelation) -> tuple[float, float]:
    """``(house, senate)`` member correlations of ``votes.member_correlation``."""
    return value.house, value.senate


def objection_shifts(value: ObjectionShift, states: tuple[str, ...]) -> NDArray[np.float64] | None:
    """``(2, K)`` objection strengths (house, senate) in the order of ``states``; None when
    the table is empty (the group model's code path)."""
    if not value.house and not value.senate:
        return None
    return np.array([[getattr(value, chamber).get(s, 0.0) for s in states] for chamber in CHAMBERS])


def _member_rows(
    text: str, *, source: str, session: Session, columns: tuple[str, ...], probability: str
) -> Iterator[tuple[int, dict[str, str], int, float]]:
    """A per-member CSV's rows: ``(line, record, roster index, probability)``, with the
    checks both per-member files share: every column present, each member of the session
    once, the ``probability`` column a number in [0, 1] (one-line errors)."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    for column in columns:
        if column not in header:
            raise InputError(source, column, None, f"missing column (header is {header})")
    index = {b: i for i, b in enumerate(session.roster.bioguide_ids)}
    seen: set[str] = set()
    for row, rec in enumerate(reader, start=2):
        member = (rec["bioguide_id"] or "").strip()
        if member not in index:
            why = f"not a member of the {session.date} session"
            raise InputError(source, "bioguide_id", member, why, row=row)
        if member in seen:
            raise InputError(source, "bioguide_id", member, "member listed twice", row=row)
        seen.add(member)
        try:
            p = float(rec[probability])
        except (TypeError, ValueError):
            raise InputError(
                source, probability, rec[probability], "expected a number", row=row
            ) from None
        if not 0.0 <= p <= 1.0:
            why = "expected a probability in [0, 1]"
            raise InputError(source, probability, rec[probability], why, row=row)
        yield row, rec, index[member], p


def parse_members(text: str, *, source: str, session: Session) -> dict[str, float]:
    """Parse a members file (:data:`MEMBER_COLUMNS`): bioguide id -> ``p_sustain``, each a
    member of the session once, in the chamber and caucus the roster gives (a file for
    another session or roster is refused, never silently applied)."""
    roster = session.roster
    out: dict[str, float] = {}
    rows = _member_rows(
        text, source=source, session=session, columns=MEMBER_COLUMNS, probability="p_sustain"
    )
    for row, rec, i, p in rows:
        member = roster.bioguide_ids[i]
        expected = {
            "chamber": CHAMBERS[int(roster.is_senator[i])],
            "caucus": CAUCUSES[int(roster.caucus[i])],
        }
        for field, want in expected.items():
            if rec[field] != want:
                why = f"the roster has {member} in the {want}"
                raise InputError(source, field, rec[field], why, row=row)
        out[member] = p
    return out


def shifted_members(
    p_sustain: NDArray[np.float64], session: Session, shift: ChamberShift
) -> NDArray[np.float64]:
    """``(M,)`` each member's probability moved by their (chamber, caucus) shift."""
    roster = session.roster
    out = p_sustain.copy()
    for c, chamber in enumerate(CHAMBERS):
        by_caucus = getattr(shift, chamber)
        for k, caucus in enumerate(CAUCUSES):
            mine = (roster.is_senator == bool(c)) & (roster.caucus == k)
            out[mine] = shifted_probability(out[mine], float(getattr(by_caucus, caucus)))
    return out


def parse_overrides(text: str, *, source: str, session: Session) -> dict[str, float]:
    """Parse a per-member overrides CSV: ``bioguide_id, probability``."""
    rows = _member_rows(
        text,
        source=source,
        session=session,
        columns=("bioguide_id", "probability"),
        probability="probability",
    )
    return {session.roster.bioguide_ids[i]: p for _, _, i, p in rows}


def member_probabilities(session: Session, table: ChamberProbabilities) -> np.ndarray:
    """Return ``(n_members,)`` each member's probability from their (chamber, caucus) group."""
    roster = session.roster
    by_group = np.array([[table.house.D, table.house.R], [table.senate.D, table.senate.R]])
    return by_group[roster.is_senator.astype(np.int64), roster.caucus]
