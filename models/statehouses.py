"""The state side of a session (remand.md §4): each state's government on the session date
(ST3's composition, ``state_governments.csv``) and, where sources give them, the facts a
remand turns on (ST3-ST6: session calendar, special-session routes, safe harbor, the
14 December papers). Pure data; loading and validation live beside the session's other
files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PARTIES: tuple[str, ...] = ("D", "R")
"""Party codes of a governor or a chamber's control; a chamber may also be ``split`` (a tie
or a coalition) or ``nonpartisan`` (Nebraska), and a governor ``I`` or another code."""

PAPERS: tuple[str, ...] = ("none", "unconditional", "conditional")
"""A state's 14 December alternate paper (remand.md P10, ST3)."""


@dataclass(frozen=True, slots=True)
class StateGovernment:
    """One state's governor and legislature on the session date (remand.md ST3).

    Seats are None where the source gives no count. Nebraska: ``senate_*`` is the
    unicameral legislature, ``house_control`` is None.
    """

    state: str
    governor_party: str | None  # None: DC (no governor)
    senate_control: str | None  # D, R, split, nonpartisan; None: DC
    senate_seats: tuple[int, int, int] | None  # (D, R, other)
    house_control: str | None
    house_seats: tuple[int, int, int] | None

    @property
    def legislature_control(self) -> str | None:
        """``D`` or ``R`` when one party controls every chamber, else ``split``,
        ``nonpartisan`` or None (DC)."""
        chambers = [c for c in (self.senate_control, self.house_control) if c is not None]
        if not chambers:
            return None
        if len(set(chambers)) == 1:
            return chambers[0]
        return "split"


@dataclass(frozen=True, slots=True)
class RemandFacts:
    """What a remand turns on in one state, as sourced for the session (remand.md ST3-ST6).

    Only states the sources cover carry facts (2021: the seven states with a 14 December
    paper); a fact no source gives is a scenario input, never invented here.
    """

    state: str
    regular_session: date  # the legislature's regular session convenes (ST3)
    self_call: bool  # the majority alone meets the threshold to call a special session
    governor_can_call: bool  # the governor may call a special session (ST3)
    veto_proof: bool  # the majority holds a veto-proof supermajority (ST3)
    safe_harbor_met: bool  # 8 December 2020 (old 3 U.S.C. §5; ST3)
    alternate_paper: str  # one of PAPERS
    paper_late: bool  # the paper reached the President of the Senate late (E3)
