"""The deterministic count of one session under given rejections (``countlab tally``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from models.contingent import NO_ONE
from models.outcomes import code_label
from models.rules import Rules, signers_needed
from models.session import Session
from models.states import STATE_CODES
from models.tally import ACTING_PRESIDENT, Rejection, Tally, build_targets, tally


def count_session(session: Session, rules: Rules, rejections: Sequence[Rejection]) -> Tally:
    """Count ``session`` with every objection in ``rejections`` sustained, members voting
    the caucus line in any contingent election. Returns a one-draw :class:`Tally`."""
    targets = build_targets(session, rejections, rules=rules)
    sustained = np.ones((1, targets.n_objections), dtype=np.bool_)
    return tally(session, rules, sustained, targets)


def tally_label(result: Tally, session: Session, draw: int = 0) -> str:
    """Return the outcome label of one draw of ``result`` (see :mod:`models.outcomes`)."""
    return code_label(
        int(result.outcome[draw]), int(result.president[draw]), session.candidate_keys
    )


def describe_count(
    session: Session, rules: Rules, rejections: Sequence[Rejection], result: Tally
) -> dict[str, Any]:
    """Return the JSON-ready description of a one-draw count (the ``tally --json`` object)."""
    keys = session.candidate_keys
    vp_keys = session.vp_keys
    roster = session.roster

    def name(index: int, names: tuple[str, ...]) -> str | None:
        return None if index == NO_ONE else names[index]

    contingent: dict[str, Any] | None = None
    if result.house is not None:
        house = result.house
        delegations = {
            STATE_CODES[s]: (name(int(v), keys) or "divided")
            for s, v in enumerate(house.state_vote[0])
            if session.certificates.house_seats[s] > 0
        }
        contingent = {
            "house": {
                "state_votes": {k: int(house.state_votes[0, c]) for c, k in enumerate(keys)},
                "divided": int(house.divided[0]),
                "needed": house.needed,
                "states_present": int(house.states_present[0]),
                "quorum": bool(house.quorum[0]),
                "winner": name(int(house.winner[0]), keys),
                "delegations": delegations,
            },
            "senate": None,
        }
    senate_json = None
    if result.senate is not None:
        senate = result.senate
        senate_json = {
            "votes": {k: int(senate.votes[0, v]) for v, k in enumerate(vp_keys)},
            "whole_number": senate.whole,
            "needed": senate.needed,
            "quorum": bool(senate.quorum[0]),
            "winner": name(int(senate.winner[0]), vp_keys),
        }
        if contingent is None:
            contingent = {"house": None}
        contingent["senate"] = senate_json
    cert = session.certificates
    return {
        "session": session.date,
        "regime": rules.regime,
        "denominator": rules.denominator,
        "rules": rules.switches(),
        "rejected": [
            {
                "state": r.state,
                "candidate": r.candidate,
                "ground": r.ground or rules.objection_ground,
            }
            for r in rejections
        ],
        "appointed": int(cert.electors.sum()),
        "whole_number": int(result.whole[0]),
        "majority_needed": int(result.needed[0]),
        "totals": {k: int(result.totals[0, c]) for c, k in enumerate(keys)},
        "winner": name(int(result.president[0]), keys),
        "outcome": tally_label(result, session),
        "vice_president": {
            "totals": {k: int(result.vp_totals[0, v]) for v, k in enumerate(vp_keys)},
            "winner": name(int(result.vice_president[0]), vp_keys),
        },
        "acting_president": ACTING_PRESIDENT[int(result.acting_president[0])],
        "contingent": contingent,
        "objection_signers_needed": {
            chamber: int(signers_needed(roster.n_sworn(chamber), rules.objection_threshold))
            for chamber in ("house", "senate")
        },
        "sworn": {chamber: roster.n_sworn(chamber) for chamber in ("house", "senate")},
    }
