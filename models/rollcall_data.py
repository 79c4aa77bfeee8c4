"""Recorded roll calls on objections, as the arrays the vote model's fit reads.

The votes a roll-call file may hold, spelled as in the shipped ``recorded_votes.csv`` (from
Voteview's cast codes), and :class:`RollCallArrays`: one chamber's members and their votes
on the selected roll calls. Reading and checking the files is ``flows/rollcalls.py``'s
(polars); this module is pure.

References
----------
Lewis, Poole, Rosenthal, Boche, Rudkin and Sonnet, *Voteview: Congressional Roll-Call Votes
Database* (2024), https://voteview.com/ (cast codes 1 yea, 2 paired yea, 5 paired nay,
6 nay, 9 not voting).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.roster import CAUCUSES, CHAMBERS

VOTES: tuple[str, ...] = ("yea", "nay", "not_voting", "paired_yea", "paired_nay")
"""A member's vote on a roll call, as the shipped files spell it."""

CAST: dict[str, int] = {"yea": 1, "nay": 0}
"""The votes cast, and their code in :attr:`RollCallArrays.votes`. A pair is announced, not
cast (the official totals leave it out: the 1969 Senate's 33-58 has three pairs aside), so
``paired_yea`` and ``paired_nay`` count as not voting, like ``not_voting``."""

NOT_VOTING = -1
"""The code of a member who cast no vote (not voting, paired, or absent from the file)."""


@dataclass(frozen=True, slots=True, eq=False)
class RollCallArrays:
    """One chamber's sworn members and their votes on ``K`` roll calls, one per objection.

    ``votes`` is ``(n_members, K)`` int8: 1 yea, 0 nay, :data:`NOT_VOTING` otherwise;
    ``caucus`` indexes ``CAUCUSES``; ``ideal`` is each member's DW-NOMINATE first
    dimension, NaN where there is none.
    """

    chamber: str
    bioguide_ids: tuple[str, ...]  # (n_members,)
    caucus: NDArray[np.int64]  # (n_members,)
    ideal: NDArray[np.float64]  # (n_members,)
    votes: NDArray[np.int8]  # (n_members, K)
    states: tuple[str, ...]  # (K,): the objection each column votes on

    def __post_init__(self) -> None:
        n, k = len(self.bioguide_ids), len(self.states)
        if self.chamber not in CHAMBERS:
            raise ValueError(f"chamber {self.chamber!r}: expected one of {CHAMBERS}")
        shapes = (self.caucus.shape, self.ideal.shape, self.votes.shape)
        if shapes != ((n,), (n,), (n, k)):
            raise ValueError(f"shapes {shapes} for {n} members and {k} roll calls")
        if self.votes.dtype != np.int8 or not np.isin(self.votes, (NOT_VOTING, 0, 1)).all():
            raise ValueError("votes must be int8 codes 1 (yea), 0 (nay) or -1 (not voting)")
        if n and not ((self.caucus >= 0) & (self.caucus < len(CAUCUSES))).all():
            raise ValueError(f"caucus codes must index {CAUCUSES}")
        if k == 0 or len(set(self.states)) != k:
            raise ValueError(f"states {self.states}: expected one or more distinct states")

    @property
    def n_members(self) -> int:
        return len(self.bioguide_ids)

    @property
    def is_cast(self) -> NDArray[np.bool_]:
        """``(n_members, K)`` mask of the yeas and nays: the votes a fit can use."""
        cast: NDArray[np.bool_] = self.votes != NOT_VOTING
        return cast
