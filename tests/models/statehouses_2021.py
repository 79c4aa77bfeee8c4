"""The 2021 state facts of remand.md ST3, built by hand for the remand tests (the loader of
``state_governments.csv`` and the session's remand facts is another module's)."""

from __future__ import annotations

import dataclasses
from datetime import date

from models.session import Session
from models.statehouses import RemandFacts, StateGovernment
from tests.strategies import shipped

SEVEN = ("AZ", "GA", "MI", "NM", "NV", "PA", "WI")
"""The seven states with a 14 December 2020 alternate paper (P10), alphabetical."""
ELECTORS = {"AZ": 11, "GA": 16, "MI": 16, "NM": 5, "NV": 6, "PA": 20, "WI": 10}


def _facts(
    state,
    regular,
    *,
    self_call=False,
    safe_harbor=True,
    paper="unconditional",
    late=False,
    effect_late=False,
):
    return RemandFacts(
        state=state,
        regular_session=regular,
        self_call=self_call,
        governor_can_call=True,
        veto_proof=False,
        safe_harbor_met=safe_harbor,
        alternate_paper=paper,
        paper_late=late,
        act_takes_effect_late=effect_late,
    )


REMAND_FACTS_2021 = {
    f.state: f
    for f in (
        _facts("AZ", date(2021, 1, 11), effect_late=True),  # ST6
        _facts("GA", date(2021, 1, 11)),
        _facts("MI", date(2021, 1, 13), late=True),
        _facts("NV", date(2021, 2, 1)),
        _facts("NM", date(2021, 1, 19), paper="conditional"),
        _facts("PA", date(2021, 1, 5), paper="conditional"),
        _facts("WI", date(2021, 1, 4), self_call=True, safe_harbor=False, late=True),
    )
}
"""ST3: regular sessions; self-call only in WI (PA's is the governor's call; NM's House is
not retrieved); no veto-proof majority; safe harbor met but in WI; PA, NM conditional."""


def _government(state, governor, senate, house):
    def control(seats):
        if seats is None:
            return None
        d, r, _ = seats
        return "D" if d > r else "R"

    return StateGovernment(
        state=state,
        governor_party=governor,
        senate_control=control(senate),
        senate_seats=senate,
        house_control=control(house) if house is not None else "D",
        house_seats=house,
    )


GOVERNMENTS_2021 = {
    g.state: g
    for g in (
        _government("AZ", "R", (14, 16, 0), (29, 31, 0)),
        _government("GA", "R", (22, 34, 0), (77, 103, 0)),
        _government("MI", "D", (16, 22, 0), (52, 58, 0)),
        _government("NV", "D", (12, 9, 0), (26, 16, 0)),
        _government("NM", "D", (27, 15, 0), None),  # House: D majority, count not retrieved
        _government("PA", "D", (21, 28, 1), (90, 113, 0)),
        _government("WI", "D", (11, 21, 0), (36, 61, 0)),
    )
}
"""ST3: (D, R, other) seats of each chamber and the governor's party, January 2021."""


def session_2021() -> Session:
    """The shipped 2021 session with the ST3 facts attached."""
    return dataclasses.replace(
        shipped("2021-01-06"), remand_facts=REMAND_FACTS_2021, governments=GOVERNMENTS_2021
    )
