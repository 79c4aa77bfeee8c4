"""The vectorized tally core: from sustained objections to totals, majority and outcome.

Shapes, always in this order: ``n_draws`` (D), ``n_objections`` (K), ``n_members`` (M),
``n_states`` (S), ``n_candidates`` (C), ``n_vp_candidates`` (V). A deterministic count is
the case ``D == 1``; a Monte Carlo chunk is any ``D``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.contingent import (
    NO_ONE,
    HouseBallot,
    SenateVote,
    caucus_votes,
    count_house_ballot,
    count_senate_vote,
    on_ballot,
)
from models.errors import CountlabError
from models.roster import CAUCUSES
from models.rules import Rules, majority, whole_number
from models.session import Session
from models.slates import ALTERNATE, NO_SLATE, ORIGINAL
from models.states import STATE_INDEX

ACTING_PRESIDENT: tuple[str, ...] = ("none", "vp_elect", "speaker", "president_pro_tempore")
"""Who acts as President on 20 January (amend. XX §3; 3 U.S.C. §19; rules.md CE12, remand.md
M13): no one (a President was chosen), the Vice President-elect, the Speaker, or, when the
Speaker does not qualify (resign as Speaker and Representative), the President pro tempore."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """One objection's target: a state's votes, or only its votes for one candidate (E2)."""

    state: str
    candidate: str | None = None
    ground: str | None = None  # None: the rules' default objection_ground


@dataclass(frozen=True, slots=True, eq=False)
class Targets:
    """What each objection rejects if sustained, as arrays over objections ``(K, ...)``."""

    state: NDArray[np.int64]  # (K,)
    votes: NDArray[np.int64]  # (K, C) presidential votes the objection covers
    electors: NDArray[np.int64]  # (K,) electors whose votes it covers (blanks included)
    certification: NDArray[np.bool_]  # (K,) ground I: not lawfully certified

    @property
    def n_objections(self) -> int:
        return int(self.state.size)


def build_targets(session: Session, rejections: Sequence[Rejection], *, rules: Rules) -> Targets:
    """Resolve objections to arrays; overlapping targets are an error (E7: decide once)."""
    cert = session.certificates
    keys = session.candidate_keys
    k = len(rejections)
    state = np.zeros(k, dtype=np.int64)
    votes = np.zeros((k, len(keys)), dtype=np.int64)
    electors = np.zeros(k, dtype=np.int64)
    certification = np.zeros(k, dtype=np.bool_)
    covered: dict[tuple[int, int], str] = {}
    for i, rej in enumerate(rejections):
        if rej.state not in STATE_INDEX:
            raise CountlabError(f"rejection {rej.state!r}: unknown state code")
        s = STATE_INDEX[rej.state]
        ground = rej.ground or rules.objection_ground
        if ground not in ("not_regularly_given", "not_lawfully_certified"):
            raise CountlabError(
                f"rejection {rej.state}: ground {ground!r}: expected not_regularly_given or "
                "not_lawfully_certified"
            )
        if rej.candidate is None:
            votes[i] = cert.votes[s]
            electors[i] = cert.electors[s]
            cols = [*range(len(keys)), -1]  # -1 stands for the state's blank ballots
        else:
            if rej.candidate not in keys:
                raise CountlabError(
                    f"rejection {rej.state}@{rej.candidate}: unknown candidate; "
                    f"candidates are {', '.join(keys)}"
                )
            c = keys.index(rej.candidate)
            if cert.votes[s, c] == 0:
                raise CountlabError(
                    f"rejection {rej.state}@{rej.candidate}: "
                    f"{rej.state} cast no vote for {rej.candidate}"
                )
            votes[i, c] = cert.votes[s, c]
            electors[i] = cert.votes[s, c]
            cols = [c]
        for col in cols:
            if (s, col) in covered:
                raise CountlabError(
                    f"rejection {rej.state}: overlaps {covered[(s, col)]}; "
                    "name each state's votes once"
                )
            covered[(s, col)] = f"{rej.state}{'@' + rej.candidate if rej.candidate else ''}"
        state[i] = s
        certification[i] = ground == "not_lawfully_certified"
    return Targets(state=state, votes=votes, electors=electors, certification=certification)


@dataclass(frozen=True, slots=True, eq=False)
class Tally:
    """The count of every draw."""

    totals: NDArray[np.int64]  # (D, C) presidential votes counted
    whole: NDArray[np.int64]  # (D,) whole number of electors appointed
    needed: NDArray[np.int64]  # (D,) majority of the whole number
    vp_totals: NDArray[np.int64]  # (D, V)
    president: NDArray[np.int64]  # (D,) candidate chosen, NO_ONE if none
    vice_president: NDArray[np.int64]  # (D,) VP candidate chosen, NO_ONE if none
    outcome: NDArray[np.int64]  # (D,) index into models.outcomes.OUTCOMES
    acting_president: NDArray[np.int64]  # (D,) index into ACTING_PRESIDENT
    contingent_draws: NDArray[np.int64]  # (n_contingent,) draws the House had to decide
    house: HouseBallot | None  # over contingent_draws
    vp_contingent_draws: NDArray[np.int64]  # draws where the Senate chose the VP
    senate: SenateVote | None  # over vp_contingent_draws
    slates: NDArray[np.int64] | None = None  # (D, S) index into models.slates.SLATES
    complete: NDArray[np.bool_] | None = None  # (D,) count complete before the deadline


def tally_totals(
    cast: NDArray[np.int64],
    sustained: NDArray[np.bool_],
    targets: Targets,
    *,
    substitute: int = NO_ONE,
) -> NDArray[np.int64]:
    """Return ``(D, C)`` votes counted: cast ``(C,)`` minus those of sustained objections.

    With ``substitute`` (vp_action = substitute), each excluded state's electors are counted
    for that candidate instead, as if an alternate slate had been opened (rules.md C3).
    """
    hits = sustained.astype(np.int64)
    totals = cast[None, :] - hits @ targets.votes
    if substitute != NO_ONE:
        totals[:, substitute] += hits @ targets.electors
    return totals


def elected(totals: NDArray[np.int64], needed: NDArray[np.int64]) -> NDArray[np.int64]:
    """Return ``(D,)`` the candidate whose votes reach ``needed``, else ``NO_ONE`` (R0.3)."""
    best = totals.argmax(axis=1)
    top = np.take_along_axis(totals, best[:, None], axis=1)[:, 0]
    return np.where(top >= needed, best, NO_ONE)


def ballot_list(
    totals: NDArray[np.int64], cast: NDArray[np.int64], *, rules: Rules, highest: int
) -> NDArray[np.bool_]:
    """Return ``(D, C)`` who a contingent election may choose from (CE1, CE8): the
    ``highest`` on the list of ``totals`` counted, or of the votes ``cast`` (``(C,)``) when
    ``rules.contingent_list`` says the list is the votes as cast."""
    listed = totals if rules.contingent_list == "counted" else np.broadcast_to(cast, totals.shape)
    return on_ballot(listed, highest=highest)


Defections = Callable[[NDArray[np.int64], int], NDArray[np.int64]]
"""``defections(members, n_draws) -> (n_draws, n_units, n_caucuses)`` counts of members who
vote for the other caucus's nominee on one contingent ballot, out of ``members``
``(n_units, n_caucuses)`` (units: states for the House, one unit for the Senate)."""


def bloc_sizes(session: Session, chamber: str) -> NDArray[np.int64]:
    """Return sworn members per (unit, caucus): ``(n_states, 2)`` House, ``(1, 2)`` Senate."""
    roster = session.roster
    sworn = roster.sworn_in(chamber)
    n_units = session.certificates.house_seats.size if chamber == "house" else 1
    unit = roster.state[sworn] if chamber == "house" else np.zeros(int(sworn.sum()), np.int64)
    flat = np.bincount(
        unit * len(CAUCUSES) + roster.caucus[sworn], minlength=n_units * len(CAUCUSES)
    )
    return flat.reshape(n_units, len(CAUCUSES))


def tally(
    session: Session,
    rules: Rules,
    sustained: NDArray[np.bool_],
    targets: Targets,
    *,
    defections: Defections | None = None,
    slates: NDArray[np.int64] | None = None,
    alternate_for: NDArray[np.int64] | None = None,
    complete: NDArray[np.bool_] | None = None,
    speaker_qualifies: bool = True,
) -> Tally:
    """Score ``(D, K)`` sustained objections: totals, the majority, and who is chosen.

    In a contingent election every sworn member votes for their caucus's nominee, except
    where ``defections`` marks them as voting for the other caucus's nominee. The House
    ballots up to ``rules.max_ballots`` times (rules.md CE7); each ballot asks for fresh
    defections, so identical ballots are never repeated.

    ``slates`` ``(D, S)`` (index into :data:`models.slates.SLATES`) is each state's counted
    slate when some state has competing slates or was sent back (remand.md M8-M11): an
    objection reaches a state's votes only where its original is counted; an alternate's
    electors all vote for ``alternate_for`` ``(S,)``; a state counting none loses its votes
    and, under ``denominator=counted``, its electors from ``W`` (M11). ``complete`` ``(D,)``
    False marks a count not finished by noon on 20 January (M13): no one is chosen, no
    contingent election is held, and the Speaker acts (the President pro tempore unless
    ``speaker_qualifies``). Without them the tally is today's, bit for bit.
    """
    cert = session.certificates
    n_draws = sustained.shape[0]
    substituting = rules.decided_by == "presiding_officer" and rules.vp_action == "substitute"
    substitute = NO_ONE
    if substituting:
        substitute = int(
            session.nominee_index("president")[CAUCUSES.index(session.presiding_caucus)]
        )
    cast = cert.votes.sum(axis=0)
    dropped = np.zeros(n_draws, np.int64)  # electors of states counting no slate
    if slates is not None:
        sustained = sustained & (slates[:, targets.state] == ORIGINAL)
    hits = sustained.astype(np.int64)
    totals = tally_totals(cast, sustained, targets, substitute=substitute)
    if slates is not None:
        assert alternate_for is not None
        totals, dropped = _slate_totals(session, totals, slates, alternate_for)
    nothing = np.zeros(n_draws, np.int64)
    whole = whole_number(
        int(cert.electors.sum()),
        rejected_electors=(nothing if substituting else hits @ targets.electors) + dropped,
        certification_rejected_electors=nothing
        if substituting
        else hits @ (targets.electors * targets.certification),
        denominator=rules.denominator,
    )
    needed = majority(whole)
    president = elected(totals, needed)
    vp_totals = totals @ session.running_mate_matrix()
    vice_president = elected(vp_totals, needed)
    finished = np.ones(n_draws, np.bool_) if complete is None else complete
    president = np.where(finished, president, NO_ONE)
    vice_president = np.where(finished, vice_president, NO_ONE)

    contingent = np.flatnonzero((president == NO_ONE) & finished)
    house = None
    if contingent.size:
        listed = ballot_list(totals[contingent], cast, rules=rules, highest=3)
        house = _house_election(session, rules, listed, defections)
        president = president.copy()
        president[contingent] = house.winner

    vp_contingent = np.flatnonzero((vice_president == NO_ONE) & finished)
    senate = None
    if vp_contingent.size:
        vp_cast = cast @ session.running_mate_matrix()
        vp_list = ballot_list(vp_totals[vp_contingent], vp_cast, rules=rules, highest=2)
        senate = _senate_election(session, rules, vp_list, defections)
        vice_president = vice_president.copy()
        vice_president[vp_contingent] = senate.winner

    by_electors = finished.copy()
    by_electors[contingent] = False
    outcome = np.where(by_electors, 0, np.where(president != NO_ONE, 1, 2))
    no_one = 2 if speaker_qualifies else 3
    acting = np.where(president != NO_ONE, 0, np.where(vice_president != NO_ONE, 1, no_one))
    return Tally(
        totals=totals,
        whole=whole,
        needed=needed,
        vp_totals=vp_totals,
        president=president,
        vice_president=vice_president,
        outcome=outcome,
        acting_president=acting,
        contingent_draws=contingent,
        house=house,
        vp_contingent_draws=vp_contingent,
        senate=senate,
        slates=slates,
        complete=complete,
    )


def _slate_totals(
    session: Session,
    totals: NDArray[np.int64],
    slates: NDArray[np.int64],
    alternate_for: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return ``(D, C)`` totals with each non-original slate applied, and ``(D,)`` the
    electors of the states that count none (M11: a counted alternate never changes W)."""
    cert = session.certificates
    replaced = (slates != ORIGINAL).astype(np.int64)  # (D, S)
    alternate = (slates == ALTERNATE).astype(np.int64)
    to_candidate = np.zeros((cert.electors.size, totals.shape[1]), np.int64)  # (S, C)
    named = np.flatnonzero(alternate_for >= 0)
    to_candidate[named, alternate_for[named]] = cert.electors[named]
    totals = totals - replaced @ cert.votes + alternate @ to_candidate
    dropped = (slates == NO_SLATE).astype(np.int64) @ cert.electors
    return totals, dropped


def _house_election(
    session: Session, rules: Rules, eligible: NDArray[np.bool_], defections: Defections | None
) -> HouseBallot:
    """Ballot by states until a choice or ``max_ballots``; returns each draw's last ballot."""
    members = bloc_sizes(session, "house")
    nominee = session.nominee_index("president")
    states_present = np.full(eligible.shape[0], int((members.sum(axis=1) > 0).sum()))
    pending = np.arange(eligible.shape[0])
    result: HouseBallot | None = None
    for _ in range(rules.max_ballots if defections is not None else 1):
        defectors = None if defections is None else defections(members, pending.size)
        votes = caucus_votes(members, nominee, eligible[pending], defectors=defectors)
        ballot = count_house_ballot(
            votes,
            seats=session.certificates.house_seats,
            states_present=states_present[pending],
            delegation_rule=rules.delegation_rule,
        )
        result = ballot if result is None else _merge_ballots(result, ballot, pending)
        pending = pending[ballot.winner == NO_ONE]
        if pending.size == 0:
            break
    assert result is not None
    return result


def _merge_ballots(first: HouseBallot, later: HouseBallot, rows: NDArray[np.int64]) -> HouseBallot:
    """Return ``first`` with rows ``rows`` replaced by the later ballot's results."""
    merged = {}
    for name in (
        "delegation_votes",
        "state_vote",
        "state_votes",
        "divided",
        "states_present",
        "quorum",
        "winner",
    ):
        values = getattr(first, name).copy()
        values[rows] = getattr(later, name)
        merged[name] = values
    return HouseBallot(needed=first.needed, **merged)


def _senate_election(
    session: Session, rules: Rules, eligible: NDArray[np.bool_], defections: Defections | None
) -> SenateVote:
    members = bloc_sizes(session, "senate")
    defectors = None if defections is None else defections(members, eligible.shape[0])
    votes = caucus_votes(
        members, session.nominee_index("vice_president"), eligible, defectors=defectors
    )[:, 0, :]
    sworn = int(members.sum())
    whole = (
        int(session.certificates.senate_seats.sum())
        if (rules.senate_whole_number == "seats")
        else sworn
    )
    tiebreak = NO_ONE
    if rules.senate_contingent_vp_tiebreak:
        tiebreak = int(
            session.nominee_index("vice_president")[CAUCUSES.index(session.presiding_caucus)]
        )
    return count_senate_vote(
        votes, present=np.full(eligible.shape[0], sworn), whole=whole, tie_broken_for=tiebreak
    )
