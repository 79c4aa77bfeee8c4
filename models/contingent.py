"""The contingent election: the House by state delegation, the Senate for the Vice President.

U.S. Const. amend. XII [S12]; 1825 House rules [S16]; CRS RS20300 [S15]. Every function
takes a leading ``n_draws`` axis, so one deterministic count is simply ``n_draws == 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.rules import majority

NO_ONE = -1
"""Index meaning no candidate: an abstention, a divided delegation, or no choice."""


def on_ballot(totals: NDArray[np.int64], *, highest: int) -> NDArray[np.bool_]:
    """Return ``(n_draws, n_candidates)``: who the chamber may choose from (CE1, CE8).

    The persons "having the highest numbers not exceeding three" (House) or the "two highest
    numbers" (Senate) on the list. Candidates with no vote are not on the list; a tie for the
    last place admits every tied candidate (the text does not say; see rules.md CE1).
    """
    ahead = (totals[:, None, :] > totals[:, :, None]).sum(axis=2)  # candidates strictly ahead
    tied: NDArray[np.bool_] = (totals > 0) & (ahead < highest)
    return tied


@dataclass(frozen=True, slots=True, eq=False)
class HouseBallot:
    """One House ballot by state delegation, per draw."""

    delegation_votes: NDArray[np.int64]  # (n_draws, n_states, n_candidates) members' votes
    state_vote: NDArray[np.int64]  # (n_draws, n_states) candidate or NO_ONE (divided/absent)
    state_votes: NDArray[np.int64]  # (n_draws, n_candidates) states won
    divided: NDArray[np.int64]  # (n_draws,) voting states whose vote went to no one
    states_present: NDArray[np.int64]  # (n_draws,) states with at least one member present
    quorum: NDArray[np.bool_]  # (n_draws,)
    needed: int  # states needed for a choice
    winner: NDArray[np.int64]  # (n_draws,) candidate or NO_ONE


def caucus_votes(
    members: NDArray[np.int64],
    nominee: NDArray[np.int64],
    eligible: NDArray[np.bool_],
    *,
    defectors: NDArray[np.int64] | None = None,
) -> NDArray[np.int64]:
    """Return ``(n_draws, n_units, n_candidates)`` votes of caucus blocs.

    ``members`` ``(n_units, n_caucuses)`` counts members present per unit (state, or one unit
    for the Senate) and caucus; each votes for their caucus's nominee, except ``defectors``
    ``(n_draws, n_units, n_caucuses)`` who vote for the other caucus's nominee. A vote for a
    candidate not ``eligible`` ``(n_draws, n_candidates)`` is not cast.
    """
    n_draws, n_candidates = eligible.shape
    votes = np.zeros((n_draws, members.shape[0], n_candidates), dtype=np.int64)
    defect = np.zeros((1, *members.shape), np.int64) if defectors is None else defectors
    for caucus in range(members.shape[1]):
        loyal = members[None, :, caucus] - defect[:, :, caucus]
        for share, target in (
            (loyal, nominee[caucus]),
            (defect[:, :, caucus], nominee[1 - caucus]),
        ):
            if target != NO_ONE:
                votes[:, :, target] += share * eligible[:, target, None]
    return votes


def count_house_ballot(
    delegation_votes: NDArray[np.int64],
    *,
    seats: NDArray[np.int64],
    states_present: NDArray[np.int64],
    delegation_rule: str,
) -> HouseBallot:
    """Decide a House ballot from ``(n_draws, n_states, n_candidates)`` delegation votes.

    ``delegation_rule`` ``majority_of_votes_cast`` (1825): a candidate carries a state with
    more than half its members' votes; ``majority_of_delegation``: more than half its seats
    (CE4). States with no seats (DC) take no part (CE3). A quorum is a member from two thirds
    of the states (CE5, ``states_present`` ``(n_draws,)``); a choice needs a majority of all
    the states (CE6).
    """
    voting = delegation_votes.sum(axis=-1)
    base = (
        voting
        if delegation_rule == "majority_of_votes_cast"
        else np.broadcast_to(seats, voting.shape)
    )
    carried = 2 * delegation_votes > base[..., None]  # at most one candidate per state
    state_vote = np.where(carried.any(axis=-1), carried.argmax(axis=-1), NO_ONE)
    state_votes = carried.sum(axis=1)
    n_voting_states = int((seats > 0).sum())
    quorum = 3 * states_present >= 2 * n_voting_states
    needed = int(majority(n_voting_states))
    best = state_votes.argmax(axis=1)
    won = quorum & (state_votes.max(axis=1) >= needed)
    return HouseBallot(
        delegation_votes=delegation_votes,
        state_vote=state_vote,
        state_votes=state_votes,
        divided=n_voting_states - state_votes.sum(axis=1),
        states_present=states_present,
        quorum=quorum,
        needed=needed,
        winner=np.where(won, best, NO_ONE),
    )


@dataclass(frozen=True, slots=True, eq=False)
class SenateVote:
    """The Senate's choice of the Vice President, per draw."""

    votes: NDArray[np.int64]  # (n_draws, n_vp_candidates)
    whole: int  # the whole number of Senators
    needed: int
    quorum: NDArray[np.bool_]  # (n_draws,)
    winner: NDArray[np.int64]  # (n_draws,) VP candidate or NO_ONE


def count_senate_vote(
    votes: NDArray[np.int64],
    *,
    present: NDArray[np.int64],
    whole: int,
    tie_broken_for: int = NO_ONE,
) -> SenateVote:
    """The Senate elects the Vice President (amend. XII; rules.md CE8).

    ``votes`` ``(n_draws, n_candidates)``, ``present`` ``(n_draws,)`` Senators present. A quorum
    of two thirds of the whole number; a majority of the whole number to choose.
    ``tie_broken_for`` is the candidate the presiding Vice President would vote for when
    ``senate_contingent_vp_tiebreak`` is on (``NO_ONE`` off): that candidate then wins a tie
    at exactly half the whole number.
    """
    needed = int(majority(whole))
    quorum = 3 * present >= 2 * whole
    best = votes.argmax(axis=1)
    winner = np.where(quorum & (votes.max(axis=1) >= needed), best, NO_ONE)
    if tie_broken_for != NO_ONE:
        mine = votes[:, tie_broken_for]
        others = np.delete(votes, tie_broken_for, axis=1).max(axis=1, initial=0)
        tie = quorum & (2 * mine == whole) & (others == mine) & (winner == NO_ONE)
        winner = np.where(tie, tie_broken_for, winner)
    return SenateVote(votes=votes, whole=whole, needed=needed, quorum=quorum, winner=winner)
