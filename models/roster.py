"""Who sits in each chamber on the session date: the roster's arrays and the caucus codes.

Below :mod:`models.session` so that the session's parts (the ideal points of
:mod:`models.ideal_points`) can be parsed against a roster without importing the session.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

CAUCUSES: tuple[str, ...] = ("D", "R")
"""Caucus codes; a member's caucus decides the party line they follow."""

CHAMBERS: tuple[str, ...] = ("house", "senate")
"""Chamber names; ``CHAMBERS[int(is_senator)]`` is a member's chamber."""


@dataclass(frozen=True, slots=True, eq=False)
class Roster:
    """Members of both chambers on the session date, as parallel arrays of shape ``(n_members,)``.

    ``caucus`` indexes ``CAUCUSES``; ``state`` indexes ``STATE_CODES``. Members with
    ``sworn`` False hold a seat but had not taken the oath: they neither vote nor count
    toward quorums and thresholds (rules.md R0.7).
    """

    bioguide_ids: tuple[str, ...]
    names: tuple[str, ...]
    parties: tuple[str, ...]
    is_senator: NDArray[np.bool_]
    state: NDArray[np.int64]
    district: NDArray[np.int64]  # 0 = at-large; -1 for senators
    caucus: NDArray[np.int64]
    sworn: NDArray[np.bool_]

    @property
    def n_members(self) -> int:
        return len(self.bioguide_ids)

    def sworn_in(self, chamber: str) -> NDArray[np.bool_]:
        """``(n_members,)`` mask of sworn members of ``chamber`` ('house' or 'senate')."""
        sworn: NDArray[np.bool_] = self.sworn & (self.is_senator == (chamber == "senate"))
        return sworn

    def n_sworn(self, chamber: str) -> int:
        return int(self.sworn_in(chamber).sum())
