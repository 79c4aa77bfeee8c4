"""The vectorized contingent election (caucus blocs) against its member-by-member reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from models.contingent import NO_ONE, caucus_votes, count_house_ballot, count_senate_vote
from models.tally import bloc_sizes
from tests.models.contingent_reference import house_ballot, member_choices, senate_vote
from tests.strategies import PROPERTY, sessions, shipped

N_DRAWS = 3


def drawn_votes(data, session, chamber, office):
    """Blocs of ``chamber``, random defectors within them and a random candidate list."""
    members = bloc_sizes(session, chamber)
    wanted = data.draw(
        arrays(np.int64, (N_DRAWS, *members.shape), elements=st.integers(0, 30)), label="defect"
    )
    defectors = np.minimum(wanted, members[None])
    n_candidates = len(session.candidate_keys if office == "president" else session.vp_keys)
    eligible = data.draw(arrays(np.bool_, (N_DRAWS, n_candidates)), label="eligible")
    nominee = session.nominee_index(office)
    blocs = caucus_votes(members, nominee, eligible, defectors=defectors)
    choices, units = member_choices(session, chamber, nominee, eligible, defectors)
    return members, blocs, choices, units, n_candidates


@PROPERTY
@given(drawn=sessions(), data=st.data())
@pytest.mark.parametrize("rule", ["majority_of_votes_cast", "majority_of_delegation"])
def test_ce3_ce6_house_blocs_decide_as_their_members_one_by_one(drawn, data, rule):
    session = drawn.session
    seats = session.certificates.house_seats
    members, blocs, choices, units, n_candidates = drawn_votes(data, session, "house", "president")
    present = np.full(N_DRAWS, int((members.sum(axis=1) > 0).sum()))  # as the tally does
    vectorized = count_house_ballot(
        blocs, seats=seats, states_present=present, delegation_rule=rule
    )
    reference = house_ballot(
        choices,
        np.ones_like(choices, dtype=np.bool_),
        units,
        seats=seats,
        n_candidates=n_candidates,
        delegation_rule=rule,
    )
    for name in ("delegation_votes", "state_vote", "state_votes", "divided", "states_present"):
        np.testing.assert_array_equal(getattr(vectorized, name), getattr(reference, name), name)
    np.testing.assert_array_equal(vectorized.quorum, reference.quorum)
    np.testing.assert_array_equal(vectorized.winner, reference.winner)
    assert vectorized.needed == reference.needed


@PROPERTY
@given(drawn=sessions(), data=st.data())
def test_ce8_senate_blocs_decide_as_their_senators_one_by_one(drawn, data):
    session = drawn.session
    members, blocs, choices, _, n_candidates = drawn_votes(
        data, session, "senate", "vice_president"
    )
    sworn = int(members.sum())
    whole = data.draw(st.sampled_from([sworn, int(session.certificates.senate_seats.sum())]))
    tie = data.draw(st.sampled_from([NO_ONE, *range(n_candidates)]))
    vectorized = count_senate_vote(
        blocs[:, 0, :], present=np.full(N_DRAWS, sworn), whole=whole, tie_broken_for=tie
    )
    reference = senate_vote(
        choices,
        np.ones_like(choices, dtype=np.bool_),
        whole=whole,
        n_candidates=n_candidates,
        tie_broken_for=tie,
    )
    np.testing.assert_array_equal(vectorized.votes, reference.votes)
    np.testing.assert_array_equal(vectorized.quorum, reference.quorum)
    np.testing.assert_array_equal(vectorized.winner, reference.winner)
    assert (vectorized.whole, vectorized.needed) == (reference.whole, reference.needed)


def test_member_choices_defect_within_their_state_and_caucus():
    """The reference itself: a defector votes for the other caucus's nominee, in their state."""
    session = shipped("2021-01-06")
    members = bloc_sizes(session, "house")
    defectors = np.zeros((1, *members.shape), dtype=np.int64)
    state = int(np.flatnonzero(members.min(axis=1) > 0)[0])  # a state with both caucuses
    defectors[0, state, 1] = 1
    nominee = session.nominee_index("president")
    eligible = np.ones((1, len(session.candidates)), dtype=np.bool_)
    choices, units = member_choices(session, "house", nominee, eligible, defectors)
    here = units == state
    votes = np.bincount(choices[0, here], minlength=len(session.candidates))
    assert votes[nominee[0]] == members[state, 0] + 1
    assert votes[nominee[1]] == members[state, 1] - 1
    assert (np.bincount(choices[0, ~here], minlength=len(session.candidates)) > 0).sum() == 2
