"""The contingent election member by member: a reference formulation for the tests.

Production (:mod:`models.contingent`) counts caucus blocs; here each member casts a vote of
their own, the votes are added up per state, and the same rules decide
(:func:`models.contingent.count_house_ballot`, :func:`~models.contingent.count_senate_vote`).
The rule tests state their cases member by member through these functions, and
``test_contingent.py`` checks that the blocs give what their members would.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from models.contingent import (
    NO_ONE,
    HouseBallot,
    SenateVote,
    count_house_ballot,
    count_senate_vote,
)
from models.session import Session


def member_votes(
    choices: NDArray[np.int64], unit: NDArray[np.int64], *, n_units: int, n_candidates: int
) -> NDArray[np.int64]:
    """Return ``(n_draws, n_units, n_candidates)`` votes from members' ``(n_draws, n_members)``
    choices; ``unit`` ``(n_members,)`` is each member's state (or 0 for one unit)."""
    n_draws = choices.shape[0]
    voting = choices != NO_ONE
    draw = np.broadcast_to(np.arange(n_draws)[:, None], choices.shape)
    flat = (draw * n_units + unit[None, :]) * n_candidates + choices
    counts = np.bincount(flat[voting], minlength=n_draws * n_units * n_candidates)
    return counts.reshape(n_draws, n_units, n_candidates)


def house_ballot(
    choices: NDArray[np.int64],
    present: NDArray[np.bool_],
    member_state: NDArray[np.int64],
    *,
    seats: NDArray[np.int64],
    n_candidates: int,
    delegation_rule: str,
) -> HouseBallot:
    """Vote by states in the House, member by member (amend. XII; rules.md CE3-CE6).

    ``choices`` ``(n_draws, n_members)`` is each member's candidate (``NO_ONE``: no vote),
    ``present`` ``(n_draws, n_members)`` who is present, ``member_state`` ``(n_members,)``
    their state; see :func:`count_house_ballot` for the rules.
    """
    votes = member_votes(
        np.where(present, choices, NO_ONE),
        member_state,
        n_units=seats.size,
        n_candidates=n_candidates,
    )
    draw = np.broadcast_to(np.arange(present.shape[0])[:, None], present.shape)
    present_in = np.zeros((present.shape[0], seats.size), dtype=np.bool_)
    present_in[draw[present], np.broadcast_to(member_state, present.shape)[present]] = True
    return count_house_ballot(
        votes, seats=seats, states_present=present_in.sum(axis=1), delegation_rule=delegation_rule
    )


def senate_vote(
    choices: NDArray[np.int64],
    present: NDArray[np.bool_],
    *,
    whole: int,
    n_candidates: int,
    tie_broken_for: int = NO_ONE,
) -> SenateVote:
    """The Senate elects the Vice President, Senator by Senator (see :func:`count_senate_vote`).

    ``choices`` and ``present`` are ``(n_draws, n_senators)``.
    """
    votes = member_votes(
        np.where(present, choices, NO_ONE),
        np.zeros(choices.shape[1], np.int64),
        n_units=1,
        n_candidates=n_candidates,
    )[:, 0, :]
    return count_senate_vote(
        votes, present=present.sum(axis=1), whole=whole, tie_broken_for=tie_broken_for
    )


def member_choices(
    session: Session,
    chamber: str,
    nominee: NDArray[np.int64],
    eligible: NDArray[np.bool_],
    defectors: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Each sworn member's vote, one at a time: ``(n_draws, n_members)`` choices and
    ``(n_members,)`` units (states; 0 for the Senate).

    A member votes for their caucus's nominee; the first ``defectors[d, unit, caucus]`` of
    their (unit, caucus) in roster order vote for the other caucus's nominee. A vote for no
    nominee, or for a candidate not ``eligible[d]``, is no vote.
    """
    roster = session.roster
    sworn = np.flatnonzero(roster.sworn_in(chamber))
    units = roster.state[sworn] if chamber == "house" else np.zeros(sworn.size, np.int64)
    choices = np.full((eligible.shape[0], sworn.size), NO_ONE, dtype=np.int64)
    for d in range(eligible.shape[0]):
        seen: dict[tuple[int, int], int] = {}
        for i, member in enumerate(sworn):
            unit, caucus = int(units[i]), int(roster.caucus[member])
            rank = seen[unit, caucus] = seen.get((unit, caucus), 0) + 1
            target = int(
                nominee[1 - caucus] if rank <= defectors[d, unit, caucus] else nominee[caucus]
            )
            if target != NO_ONE and eligible[d, target]:
                choices[d, i] = target
    return choices, units
