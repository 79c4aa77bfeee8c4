"""Certificates of vote: electors appointed and presidential votes cast, per state."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.errors import InputError
from models.states import DC, N_STATES, STATE_CODES, STATE_INDEX


@dataclass(frozen=True, slots=True, eq=False)
class Certificates:
    """Electors and presidential electoral votes for every state and DC.

    Attributes
    ----------
    candidates
        Candidate keys (lower-case surnames), the columns of ``votes``.
    electors
        ``(n_states,)`` int64, electors appointed per state, in ``STATE_CODES`` order.
    votes
        ``(n_states, n_candidates)`` int64, presidential votes cast. ``electors - votes.sum(1)``
        electors cast a blank ballot; they stay in the whole number (rules.md R0.4).
    """

    candidates: tuple[str, ...]
    electors: NDArray[np.int64]
    votes: NDArray[np.int64]

    @property
    def blank(self) -> NDArray[np.int64]:
        """``(n_states,)`` appointed electors who cast no presidential vote."""
        blank: NDArray[np.int64] = self.electors - self.votes.sum(axis=1)
        return blank

    @property
    def house_seats(self) -> NDArray[np.int64]:
        """``(n_states,)`` apportioned House seats: electors minus two senators; DC has none."""
        seats = self.electors - 2
        seats[DC] = 0
        return seats

    @property
    def senate_seats(self) -> NDArray[np.int64]:
        """``(n_states,)`` Senate seats: two per state, none for DC."""
        seats = np.full(N_STATES, 2, dtype=np.int64)
        seats[DC] = 0
        return seats


def _whole_number(text: str | None, *, source: str, row: int, field: str) -> int:
    if text is None:
        raise InputError(source, field, None, "missing value (row too short)", row=row)
    try:
        value = int(text)
    except ValueError:
        raise InputError(source, field, text, "expected a whole number", row=row) from None
    if value < 0:
        raise InputError(source, field, text, "expected a non-negative number", row=row)
    return value


def parse_certificates(text: str, *, source: str, candidates: tuple[str, ...]) -> Certificates:
    """Parse ``electoral_votes.csv``: ``state, electors, <one column per candidate>[, blank]``.

    Every state and DC must appear once, and each state's votes plus blanks must sum to its
    electors.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in ("state", "electors", *candidates) if c not in header]
    if missing:
        raise InputError(source, missing[0], None, f"missing column (header is {header})")
    unknown = [c for c in header if c not in ("state", "electors", "blank", *candidates)]
    if unknown:
        raise InputError(
            source, unknown[0], None, f"unknown column; candidates are {list(candidates)}"
        )
    electors = np.full(N_STATES, -1, dtype=np.int64)
    votes = np.zeros((N_STATES, len(candidates)), dtype=np.int64)
    for row, record in enumerate(reader, start=2):
        state = (record["state"] or "").strip()
        if state not in STATE_INDEX:
            raise InputError(source, "state", state, "unknown state code", row=row)
        s = STATE_INDEX[state]
        if electors[s] >= 0:
            raise InputError(source, "state", state, "state listed twice", row=row)
        electors[s] = _whole_number(record["electors"], source=source, row=row, field="electors")
        for c, key in enumerate(candidates):
            votes[s, c] = _whole_number(record[key] or "", source=source, row=row, field=key)
        blank = record.get("blank")
        n_blank = (
            0
            if blank in (None, "")
            else _whole_number(blank, source=source, row=row, field="blank")
        )
        if votes[s].sum() + n_blank != electors[s]:
            raise InputError(
                source,
                "electors",
                int(electors[s]),
                f"votes cast ({int(votes[s].sum())}) plus blank ({n_blank}) must sum to electors",
                row=row,
            )
        if state != "DC" and electors[s] < 3:
            raise InputError(
                source, "electors", int(electors[s]), "a state has at least 3 electors", row=row
            )
    absent = [STATE_CODES[s] for s in np.flatnonzero(electors < 0)]
    if absent:
        raise InputError(source, "state", ",".join(absent), "states missing from the file")
    electors.flags.writeable = False
    votes.flags.writeable = False
    return Certificates(candidates=candidates, electors=electors, votes=votes)
