"""Invariants of the count that hold for any session, rule set and set of rejections."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from models.contingent import NO_ONE, on_ballot
from models.deterministic_count import count_session
from models.outcomes import OUTCOMES
from models.tally import build_targets, tally
from tests.strategies import PROPERTY, rejections, rule_sets, sessions


@st.composite
def counts(draw, *, substitute=True, max_states=12):
    drawn = draw(sessions())
    rules = draw(rule_sets(substitute=substitute))
    rejected = draw(rejections(drawn.session, max_states=max_states))
    return drawn, rules, rejected


@PROPERTY
@given(case=counts(substitute=False), data=st.data())
def test_rejecting_votes_never_raises_anyones_total(case, data):
    """Rejections only take votes away, under any regime, denominator and ground.

    Not under vp_action = substitute, which credits excluded electors to a nominee (C3).
    """
    drawn, rules, rejected = case
    session = drawn.session
    fewer = data.draw(st.lists(st.sampled_from(rejected), unique=True) if rejected else st.just([]))
    fewer = [r for r in rejected if r in fewer]
    none = count_session(session, rules, [])
    some = count_session(session, rules, fewer)
    more = count_session(session, rules, rejected)
    for result in (some, more):
        assert (result.totals <= none.totals).all()
        assert (result.vp_totals <= none.vp_totals).all()
    assert (more.totals <= some.totals).all()
    assert (more.totals >= 0).all()


@PROPERTY
@given(case=counts())
def test_totals_never_exceed_the_whole_number(case):
    drawn, rules, rejected = case
    session = drawn.session
    result = count_session(session, rules, rejected)
    whole = int(result.whole[0])
    assert int(result.totals.sum()) <= whole <= int(session.certificates.electors.sum())
    assert int(result.vp_totals.sum()) <= whole
    assert int(result.needed[0]) == whole // 2 + 1


@PROPERTY
@given(case=counts(substitute=False))
def test_denominators_order_counted_statutory_appointed(case):
    """§6, B13: 'counted' drops every rejected elector, 'statutory' only ground I ones."""
    drawn, rules, rejected = case
    session = drawn.session
    whole = {
        d: int(count_session(session, dataclasses.replace(rules, denominator=d), rejected).whole[0])
        for d in ("counted", "statutory", "appointed")
    }
    assert whole["counted"] <= whole["statutory"] <= whole["appointed"] == 538


@PROPERTY
@given(case=counts())
def test_a_majority_of_the_whole_number_always_wins_outright(case):
    """R0.3: whoever reaches majority(W) is elected by the electors, and only they are."""
    drawn, rules, rejected = case
    session = drawn.session
    result = count_session(session, rules, rejected)
    needed = int(result.needed[0])
    winners = np.flatnonzero(result.totals[0] >= needed)
    assert winners.size <= 1
    if winners.size:
        assert OUTCOMES[int(result.outcome[0])] == "electors"
        assert int(result.president[0]) == int(winners[0])
        assert result.house is None
    else:
        assert OUTCOMES[int(result.outcome[0])] in ("house", "no_choice")
        assert result.contingent_draws.tolist() == [0]


@PROPERTY
@given(
    case=counts(max_states=25),
    seed=st.integers(0, 2**32 - 1),
    p_defect=st.sampled_from((0.0, 0.02, 0.1, 0.5)),
    max_ballots=st.integers(1, 3),
)
def test_the_house_never_names_a_candidate_short_of_the_needed_states(
    case, seed, p_defect, max_ballots
):
    """CE1, CE6, CE7: the House's choice has 26 states, a quorum, and was on the list."""
    drawn, rules, rejected = case
    session = drawn.session
    rules = dataclasses.replace(rules, denominator="appointed", max_ballots=max_ballots)
    rng = np.random.default_rng(seed)

    def defections(members, n_draws):
        return rng.binomial(members, p_defect, size=(n_draws, *members.shape))

    n_draws = 4
    targets = build_targets(session, rejected, rules=rules)
    result = tally(
        session,
        rules,
        np.ones((n_draws, targets.n_objections), dtype=np.bool_),
        targets,
        defections=defections,
    )
    if result.house is None:
        return
    house = result.house
    assert house.needed == 26
    list_totals = result.totals[result.contingent_draws]
    if rules.contingent_list == "cast":
        list_totals = np.broadcast_to(session.certificates.votes.sum(axis=0), list_totals.shape)
    listed = on_ballot(list_totals, highest=3)
    for i, draw in enumerate(result.contingent_draws):
        winner = int(house.winner[i])
        assert winner == int(result.president[draw])
        assert int(house.state_votes[i].sum()) + int(house.divided[i]) == 50
        if winner == NO_ONE:
            assert OUTCOMES[int(result.outcome[draw])] == "no_choice"
            assert int(house.state_votes[i].max()) < house.needed or not house.quorum[i]
            continue
        assert int(house.state_votes[i, winner]) >= house.needed
        assert bool(house.quorum[i])
        assert listed[i, winner]
        assert OUTCOMES[int(result.outcome[draw])] == "house"


@st.composite
def draws(draw):
    drawn, rules, rejected = draw(counts())
    n_draws = draw(st.integers(1, 6))
    sustained = draw(arrays(np.bool_, (n_draws, len(rejected))))
    return drawn, rules, rejected, sustained


@PROPERTY
@given(case=draws())
def test_tally_over_d_draws_equals_d_one_draw_counts(case):
    """Vectorization: one (D, K) tally scores each draw as its own count would."""
    drawn, rules, rejected, sustained = case
    session = drawn.session
    targets = build_targets(session, rejected, rules=rules)
    many = tally(session, rules, sustained, targets)
    for d, row in enumerate(sustained):
        one = count_session(
            session, rules, [r for r, hit in zip(rejected, row, strict=True) if hit]
        )
        assert np.array_equal(many.totals[d], one.totals[0])
        assert np.array_equal(many.vp_totals[d], one.vp_totals[0])
        for field in ("whole", "needed", "president", "vice_president", "outcome"):
            assert int(getattr(many, field)[d]) == int(getattr(one, field)[0]), field
        assert int(many.acting_president[d]) == int(one.acting_president[0])
        if one.house is not None:
            (i,) = np.flatnonzero(many.contingent_draws == d)
            assert np.array_equal(many.house.state_votes[i], one.house.state_votes[0])
            assert np.array_equal(many.house.state_vote[i], one.house.state_vote[0])
        else:
            assert d not in many.contingent_draws
        if one.senate is not None:
            (i,) = np.flatnonzero(many.vp_contingent_draws == d)
            assert np.array_equal(many.senate.votes[i], one.senate.votes[0])
