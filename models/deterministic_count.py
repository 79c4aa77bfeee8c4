"""The deterministic count of one session under given rejections (``countlab tally``), with
an optional remand and competing returns (remand.md §5, §7)."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.contingent import NO_ONE
from models.outcomes import code_label
from models.remand import ACTS, Remand, RemandOrder, complete_before_deadline
from models.rules import Rules, signers_needed
from models.session import Session
from models.slate_count import Returns, SlateDecision, check_rejections, decide_slates
from models.slates import ORIGINAL, SLATES, Votes, slate_arrays
from models.states import STATE_CODES
from models.tally import ACTING_PRESIDENT, Rejection, Tally, build_targets, tally


@dataclass(frozen=True, slots=True, eq=False)
class SessionCount(Tally):
    """A one-draw :class:`Tally` with what the remand and the competing slates decided."""

    decision: SlateDecision | None = None  # None: no remand, no competing return


def count_session(
    session: Session,
    rules: Rules,
    rejections: Sequence[Rejection],
    *,
    remand: RemandOrder | None = None,
    answers: Mapping[str, str] | None = None,
    governor_signs: Collection[str] = (),
    returns: Returns | None = None,
    chamber_votes: Mapping[str, Votes] | None = None,
    speaker_qualifies: bool = True,
) -> SessionCount:
    """Count ``session`` with every objection in ``rejections`` sustained, members voting
    the caucus line in any contingent election. Returns a one-draw :class:`Tally`.

    The keywords fix every random element of remand.md M15 (all optional; without them the
    count is today's, bit for bit):

    * ``remand``: :class:`models.remand.RemandOrder` ``(states, resume)``, the presiding
      officer sending states back; ``states`` a tuple of codes or None for the rules'
      ``remand_scope`` (``flows.remand_options.parse_remand`` parses ``papers_2020``,
      ``objected`` or a comma list); ``resume`` a ``datetime.date``, ``"until_all_answer"``
      or None for the session date plus ``remand_days`` (:func:`models.remand.parse_resume`).
      Under eca1887 and ecra2022 it is unlawful (M1): reported, and the count goes on.
    * ``answers``: ``{ST: answer}`` with answer ``appoint_alternate``, ``decertify_only``,
      ``reaffirm`` or ``no_action``; remanded states not named answer ``no_action``, and a
      state that cannot convene by the resume date ``not_in_time`` whatever is given (M4).
    * ``governor_signs``: the states whose governor signs the legislature's act or issues a
      certificate for the slate it appoints (M6, M7).
    * ``returns``: ``{ST: (legislature, executive)}`` (two bools, not both false): a second
      return before the count, backed by the legislature and/or a new executive
      certificate (L4), as ``--returns ST=alternate+legislature[+executive]``.
    * ``chamber_votes``: ``{ST: (house, senate)}``, each ``original``, ``alternate`` or
      ``neither``: how each House votes on a two-return state (M8). A two-return state the
      Houses decide whose votes are not given has them by party line: each sworn member for
      the slate of their caucus's nominee (remand.md §7 (ii)), a House tie deciding nothing.
    * ``speaker_qualifies``: False when the Speaker declines to resign and act (M13): the
      President pro tempore acts instead.
    """
    given_returns = dict(returns or {})
    decision = None
    if remand is not None or given_returns or answers or governor_signs or chamber_votes:
        decision = decide_slates(
            session,
            rules,
            remand=remand,
            answers=dict(answers or {}),
            governor_signs=tuple(governor_signs),
            returns=given_returns,
            chamber_votes=dict(chamber_votes or {}),
        )
        check_rejections(rejections, decision.counted)
    targets = build_targets(session, rejections, rules=rules)
    sustained = np.ones((1, targets.n_objections), dtype=np.bool_)
    slates = alternate_for = complete = None
    if decision is not None:
        slates, alternate_for = slate_arrays(session, decision.counted)
        resume = decision.remand.resume if decision.remand is not None else None
        complete = np.array([resume is None or complete_before_deadline(resume, session)])
    counted = tally(
        session,
        rules,
        sustained,
        targets,
        slates=slates,
        alternate_for=alternate_for,
        complete=complete,
        speaker_qualifies=speaker_qualifies,
    )
    return SessionCount(
        **{f.name: getattr(counted, f.name) for f in dataclasses.fields(Tally)},
        decision=decision,
    )


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
    complete = result.complete is None or bool(result.complete[0])
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
        "whole_number": int(result.whole[0]) if complete else None,
        "majority_needed": int(result.needed[0]) if complete else None,
        "totals": {k: int(result.totals[0, c]) for c, k in enumerate(keys)} if complete else None,
        "winner": name(int(result.president[0]), keys),
        "outcome": tally_label(result, session),
        "vice_president": {
            "totals": {k: int(result.vp_totals[0, v]) for v, k in enumerate(vp_keys)}
            if complete
            else None,
            "winner": name(int(result.vice_president[0]), vp_keys),
        },
        "acting_president": ACTING_PRESIDENT[int(result.acting_president[0])],
        "contingent": contingent,
        "objection_signers_needed": {
            chamber: int(signers_needed(roster.n_sworn(chamber), rules.objection_threshold))
            for chamber in ("house", "senate")
        },
        "sworn": {chamber: roster.n_sworn(chamber) for chamber in ("house", "senate")},
        **describe_slates(result, rejections, complete=complete),
    }


def describe_slates(
    result: Tally, rejections: Sequence[Rejection], *, complete: bool
) -> dict[str, Any]:
    """The remand.md M14 fields of ``tally --json``: ``remand``, ``returns``,
    ``chamber_votes``, ``counted_slate`` (every state remanded or with two returns; a
    counted original whose votes are all rejected reads ``none``),
    ``count_complete_before_deadline`` and ``legal_notes``."""
    decision = result.decision if isinstance(result, SessionCount) else None
    if decision is None:
        return {
            "remand": None,
            "returns": {},
            "chamber_votes": {},
            "counted_slate": {},
            "count_complete_before_deadline": complete,
            "legal_notes": [],
        }
    rejected = {r.state for r in rejections if r.candidate is None}
    counted = {
        state: "none" if code == ORIGINAL and state in rejected else SLATES[code]
        for state, code in sorted(decision.counted.items())
    }
    return {
        "remand": None if decision.remand is None else describe_remand(decision.remand),
        "returns": {
            state: ["original", _return_text(*annexes)]
            for state, annexes in sorted(decision.returns.items())
        },
        "chamber_votes": {
            state: {"house": house, "senate": senate}
            for state, (house, senate) in sorted(decision.votes.items())
        },
        "counted_slate": counted,
        "count_complete_before_deadline": complete,
        "legal_notes": list(decision.notes),
    }


def describe_remand(remand: Remand) -> dict[str, Any]:
    """``remand`` in ``tally --json``: trigger, lawful, states, resume, each answer (null
    when unlawful: no legislature is asked) and whether each act is valid (M6)."""
    return {
        "trigger": remand.trigger,
        "lawful": remand.lawful,
        "states": list(remand.states),
        "resume": remand.resume.isoformat(),
        "answers": {a.state: a.answer for a in remand.answers} if remand.lawful else None,
        "valid": {a.state: a.valid for a in remand.answers if a.answer in ACTS},
    }


def _return_text(legislature: bool, executive: bool) -> str:
    return (
        "alternate" + ("+legislature" if legislature else "") + ("+executive" if executive else "")
    )
