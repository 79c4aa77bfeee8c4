"""Worked examples for every rule of rules.md; each test names the rule it checks."""

from __future__ import annotations

import csv
import dataclasses
import io

import numpy as np
import pytest

from models.certificates import parse_certificates
from models.contingent import NO_ONE, on_ballot
from models.deterministic_count import count_session, describe_count
from models.deterministic_count import tally_label as outcome_label
from models.errors import CountlabError
from models.roster import CAUCUSES
from models.rules import (
    REGIMES,
    SWITCHES,
    chamber_agrees,
    counted_slate,
    is_in_order,
    is_sustained,
    majority,
    rules_for,
    rules_with,
    signers_needed,
    whole_number,
)
from models.states import DC, N_STATES, STATE_CODES, STATE_INDEX
from models.tally import ACTING_PRESIDENT, Rejection, build_targets, elected, tally
from tests.models.contingent_reference import house_ballot, senate_vote
from tests.models.statehouses_2021 import session_2021
from tests.strategies import electors_2021, shipped, shipped_text, synthetic_session

EASTMAN_7 = ("AZ", "GA", "MI", "NV", "NM", "PA", "WI")
"""The "7 States" of the Eastman memo (rules.md C1)."""


def totals(result, session, draw=0):
    return {k: int(result.totals[draw, c]) for c, k in enumerate(session.candidate_keys)}


def eastman(rules):
    session = shipped("2021-01-06")
    return session, count_session(session, rules, [Rejection(s) for s in EASTMAN_7])


# --- R0.1 majority ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [(538, 270), (491, 246), (454, 228), (537, 269), (100, 51), (99, 50), (50, 26), (1, 1)],
)
def test_r0_1_majority_is_strictly_more_than_half(n, expected):
    assert majority(n) == expected


def test_r0_1_majority_broadcasts_over_draws():
    assert majority(np.array([538, 454, 431, 434])).tolist() == [270, 228, 216, 218]


# --- R0.2 / R0.3 the whole number and the outright winner ---------------------------------


def test_anchor_2021_no_rejections_biden_306_trump_232_270_of_538():
    """§10 anchor: both 2021 objections failed, so everything was counted (R0.2, R0.3)."""
    session = shipped("2021-01-06")
    result = count_session(session, rules_for("eca1887"), [])
    assert totals(result, session) == {"biden": 306, "trump": 232}
    assert int(result.whole[0]) == 538
    assert int(result.needed[0]) == 270
    assert outcome_label(result, session) == "electors:biden"
    assert ACTING_PRESIDENT[int(result.acting_president[0])] == "none"
    assert result.house is None
    assert result.senate is None
    assert session.vp_keys[int(result.vice_president[0])] == "harris"


@pytest.mark.parametrize("regime", list(REGIMES))
def test_r0_2_whole_number_is_538_for_every_shipped_session_and_regime(regime):
    for date in ("1969-01-06", "2005-01-06", "2021-01-06", "2025-01-06"):
        result = count_session(shipped(date), rules_for(regime), [])
        assert int(result.whole[0]) == 538
        assert int(result.needed[0]) == 270


@pytest.mark.parametrize(
    ("row", "needed", "expected"),
    [
        ([270, 268], 270, 0),  # exactly the majority wins
        ([268, 270], 270, 1),
        ([269, 269], 270, NO_ONE),  # the most votes is not enough
        ([269, 268], 270, NO_ONE),
        ([232, 222], 228, 0),  # C1: 232 of 454
    ],
)
def test_r0_3_outright_winner_needs_a_majority_of_w(row, needed, expected):
    assert elected(np.array([row]), np.array([needed])).tolist() == [expected]


def test_r0_3_1969_default_counts_normally_and_nixon_wins_outright_with_301():
    session = shipped("1969-01-06")
    result = count_session(session, rules_for(session.default_regime), [])
    assert totals(result, session) == {"nixon": 301, "humphrey": 191, "wallace": 46}
    assert outcome_label(result, session) == "electors:nixon"
    assert session.vp_keys[int(result.vice_president[0])] == "agnew"


def test_r0_3_2005_bush_286_wins_outright():
    session = shipped("2005-01-06")
    result = count_session(session, rules_for("eca1887"), [])
    assert outcome_label(result, session) == "electors:bush"
    assert {k: int(v) for k, v in zip(session.vp_keys, result.vp_totals[0], strict=True)} == {
        "cheney": 286,
        "edwards": 252,
    }


# --- R0.4 blank electors ------------------------------------------------------------------


def session_2001_style():
    """Bush 271, Gore 266 and one blank DC ballot, as on 6 January 2001 [S21].

    Built on 2020's apportionment: 2020's Trump states plus MI, GA, NV and NE's district
    elector go to Bush, the rest to Gore, and one DC elector leaves her ballot blank.
    """
    base = shipped("2021-01-06").certificates
    gore = base.votes[:, 0].copy()
    bush = base.votes[:, 1].copy()
    for code in ("MI", "GA", "NV", "NE"):
        s = STATE_INDEX[code]
        bush[s] += gore[s]
        gore[s] = 0
    gore[DC] -= 1
    blank = np.zeros(N_STATES, dtype=np.int64)
    blank[DC] = 1
    return synthetic_session((("bush", "R"), ("gore", "D")), np.stack([bush, gore], axis=1), blank)


def test_r0_4_blank_dc_elector_stays_in_w_bush_271_gore_266_270_of_538():
    session = session_2001_style()
    assert int(session.certificates.blank.sum()) == 1
    result = count_session(session, rules_for("eca1887"), [])
    assert totals(result, session) == {"bush": 271, "gore": 266}
    assert int(result.totals.sum()) == 537
    assert int(result.whole[0]) == 538
    assert int(result.needed[0]) == 270
    assert outcome_label(result, session) == "electors:bush"


@pytest.mark.parametrize("denominator", ["appointed", "counted", "statutory"])
@pytest.mark.parametrize("regime", list(REGIMES))
def test_r0_4_blank_stays_in_w_under_every_regime_and_denominator(regime, denominator):
    session = session_2001_style()
    rules = rules_for(regime, denominator=denominator)
    assert int(count_session(session, rules, []).whole[0]) == 538
    # Rejecting another state's votes never takes DC's blank ballot out of W.
    rejected = count_session(session, rules, [Rejection("AK", ground="not_lawfully_certified")])
    assert int(rejected.whole[0]) == (538 if denominator == "appointed" else 535)


def test_r0_4_blank_column_counts_toward_the_electors():
    text = "state,electors,a,blank\n" + "".join(
        f"{code},{n},{n - (1 if code == 'DC' else 0)},{1 if code == 'DC' else 0}\n"
        for code, n in zip(STATE_CODES, electors_2021(), strict=True)
    )
    cert = parse_certificates(text, source="ev.csv", candidates=("a",))
    assert int(cert.blank[DC]) == 1
    assert int(cert.electors.sum()) == 538


# --- R0.5 chamber majority ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("yeas", "nays", "sworn", "expected"),
    [
        (218, 217, 435, True),
        (217, 217, 434, False),  # a tie fails
        (50, 49, 99, True),
        (49, 50, 99, False),
    ],
)
def test_r0_5_chamber_agrees_when_yeas_exceed_nays(yeas, nays, sworn, expected):
    assert bool(chamber_agrees(yeas, nays, sworn=sworn)) is expected


RECORDED = [
    # (session, state, chamber, yeas, nays, sworn)
    ("2021-01-06", "AZ", "house", 121, 303, 431),
    ("2021-01-06", "AZ", "senate", 6, 93, 99),
    ("2021-01-06", "PA", "house", 138, 282, 431),
    ("2021-01-06", "PA", "senate", 7, 92, 99),
    ("2005-01-06", "OH", "senate", 1, 74, 100),  # 25 not voting
    ("1969-01-06", "NC", "senate", 33, 58, 100),
    ("1969-01-06", "NC", "house", 170, 228, 435),
]


@pytest.mark.parametrize(("date", "state", "chamber", "yeas", "nays", "sworn"), RECORDED)
def test_r0_5_recorded_objection_votes_were_not_sustained(date, state, chamber, yeas, nays, sworn):
    """§9.1: every objection voted on since 1887 failed; the measure is those voting."""
    assert shipped(date).roster.n_sworn(chamber) == sworn
    assert not chamber_agrees(yeas, nays, sworn=sworn)
    assert chamber_agrees(yeas + nays, 0, sworn=sworn)  # the quorum was there


@pytest.mark.parametrize(("date", "state", "chamber", "yeas", "nays", "sworn"), RECORDED)
def test_r0_5_recorded_votes_file_matches_the_record(date, state, chamber, yeas, nays, sworn):
    """Golden: the member-level roll calls shipped with each session add up to §9.1.

    Pairs and 'not voting' are not yeas or nays (R0.5, E5): the 1969 Senate's 3 paired yeas
    and 3 paired nays are not in the official 33-58.
    """
    rows = csv.DictReader(io.StringIO(shipped_text(date, "recorded_votes.csv")))
    votes = [r["vote"] for r in rows if r["objection_state"] == state and r["chamber"] == chamber]
    assert (votes.count("yea"), votes.count("nay")) == (yeas, nays)
    assert len(votes) <= sworn


def test_r0_5_2005_senate_1_74_with_25_not_voting_is_a_majority_of_those_voting():
    assert not chamber_agrees(1, 74, sworn=100, present=0)
    assert chamber_agrees(74, 1, sworn=100, present=0)


# --- R0.6 quorum ------------------------------------------------------------------------


def test_r0_6_quorum_values_on_the_session_dates():
    for date, house, senate in (("2021-01-06", 216, 50), ("2025-01-06", 218, 50)):
        roster = shipped(date).roster
        assert int(majority(roster.n_sworn("house"))) == house
        assert int(majority(roster.n_sworn("senate"))) == senate


def test_r0_6_house_2021_quorum_is_216_of_431():
    assert not chamber_agrees(108, 107, sworn=431, present=0)  # 215 present: no valid vote
    assert chamber_agrees(108, 107, sworn=431, present=1)  # 216: a quorum
    assert chamber_agrees(109, 107, sworn=431)


def test_r0_6_quorum_switch_none_accepts_any_attendance():
    assert chamber_agrees(2, 1, sworn=431, quorum="none")
    assert not chamber_agrees(2, 1, sworn=431)


def test_r0_6_chamber_agrees_broadcasts_over_draws():
    agrees = chamber_agrees(
        np.array([108, 108, 107, 300]),
        np.array([107, 107, 108, 100]),
        sworn=431,
        present=np.array([0, 1, 1, 0]),
    )
    assert agrees.tolist() == [False, True, False, True]


# --- A3 / B8 objection threshold ------------------------------------------------------------


@pytest.mark.parametrize(
    ("sworn", "threshold", "expected"),
    [
        (431, "one_each", 1),
        (99, "one_each", 1),
        (99, "one_fifth", 20),
        (100, "one_fifth", 20),
        (431, "one_fifth", 87),  # 86.2 rounded up
        (434, "one_fifth", 87),  # 86.8 rounded up
        (435, "one_fifth", 87),
        (430, "one_fifth", 86),
        (431, "none", 0),
    ],
)
def test_a3_b8_signers_needed(sworn, threshold, expected):
    assert int(signers_needed(sworn, threshold)) == expected


@pytest.mark.parametrize("date", ["1969-01-06", "2005-01-06", "2021-01-06", "2025-01-06"])
def test_b8_one_fifth_table_for_every_session_is_87_and_20(date):
    roster = shipped(date).roster
    assert int(signers_needed(roster.n_sworn("house"), "one_fifth")) == 87
    assert int(signers_needed(roster.n_sworn("senate"), "one_fifth")) == 20


@pytest.mark.parametrize(
    ("house", "senate", "threshold", "expected"),
    [
        (61, 1, "one_each", True),  # 2021 AZ: Gosar + 60 and Cruz
        (71, 0, "one_each", False),  # 2021 WI: Gohmert's 71, no Senator
        (0, 1, "one_each", False),
        (61, 1, "one_fifth", False),  # AZ 2021 would not be in order under ECRA
        (81, 1, "one_fifth", False),  # PA 2021: about 80 + Perry, Hawley
        (87, 20, "one_fifth", True),
        (86, 20, "one_fifth", False),
        (87, 19, "one_fifth", False),
        (0, 0, "none", True),
    ],
)
def test_a3_b8_is_in_order_2021(house, senate, threshold, expected):
    assert (
        bool(is_in_order(house, senate, house_sworn=431, senate_sworn=99, threshold=threshold))
        is expected
    )


# --- A9 / B10 / H1 sustaining --------------------------------------------------------------


@pytest.mark.parametrize(
    ("house", "senate", "both", "either"),
    [
        (True, True, True, True),
        (True, False, False, True),  # 1873 GA: House to exclude, Senate to receive (H1)
        (False, True, False, True),
        (False, False, False, False),
    ],
)
def test_a9_b10_h1_is_sustained(house, senate, both, either):
    assert bool(is_sustained(house, senate, sustain_rule="both")) is both
    assert bool(is_sustained(house, senate, sustain_rule="either")) is either


def test_a9_2021_recorded_votes_are_not_sustained_under_both_or_either():
    house = chamber_agrees(np.array([121, 138]), np.array([303, 282]), sworn=431)
    senate = chamber_agrees(np.array([6, 7]), np.array([93, 92]), sworn=99)
    assert not is_sustained(house, senate, sustain_rule="both").any()
    assert not is_sustained(house, senate, sustain_rule="either").any()


# --- A13 Senate tiebreak on an objection ---------------------------------------------------


def test_a13_vp_breaks_a_tied_senate_objection_vote_only_when_given():
    assert not chamber_agrees(50, 50, sworn=100)
    assert chamber_agrees(50, 50, sworn=100, tie_broken_by=True)
    assert not chamber_agrees(50, 50, sworn=100, tie_broken_by=False)
    assert not chamber_agrees(49, 51, sworn=100, tie_broken_by=True)  # only ties
    assert not chamber_agrees(20, 20, sworn=100, tie_broken_by=True)  # still needs a quorum


def test_a13_tiebreak_is_off_by_default_in_every_regime():
    assert not any(r.senate_vp_tiebreak_on_objection for r in REGIMES.values())
    assert rules_for(
        "eca1887", senate_vp_tiebreak_on_objection="true"
    ).senate_vp_tiebreak_on_objection


# --- A10 multiple returns ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("house", "senate", "governor", "harbor", "cases_2_3", "all_cases"),
    [
        # Cases 2-3 (no safe-harbor determination): the switch makes no difference.
        (0, 0, 1, -1, 0, 0),  # both Houses agree on slate 0
        (1, 1, 0, -1, 1, 1),
        (-1, -1, 0, -1, -1, -1),  # both reject every slate: none counted
        (0, 1, 1, -1, 1, 1),  # disagree: the governor's slate
        (0, 1, 0, -1, 0, 0),
        (-1, 0, 1, -1, 1, 1),
        (0, 1, -1, -1, -1, -1),  # disagree and no governor slate: none
        # Case 1 (safe harbor on slate 0).
        (0, 0, 1, 0, 0, 0),  # agree: the safe-harbor slate
        (1, 1, 1, 0, 0, 0),  # agree on another slate: still the safe-harbor slate
        (1, 0, 1, 0, 0, 1),  # disagree: all_cases reaches the governor's slate
        (0, 1, -1, 0, 0, -1),
        (-1, -1, 1, 0, 0, 0),
    ],
)
def test_a10_counted_slate(house, senate, governor, harbor, cases_2_3, all_cases):
    for tiebreak, expected in (("cases_2_3", cases_2_3), ("all_cases", all_cases)):
        got = counted_slate(
            house, senate, governor_slate=governor, safe_harbor_slate=harbor, tiebreak=tiebreak
        )
        assert int(got) == expected, tiebreak


def test_a10_counted_slate_broadcasts_over_draws():
    got = counted_slate(
        np.array([0, 0, 1, -1]),
        np.array([0, 1, 0, -1]),
        governor_slate=1,
        safe_harbor_slate=-1,
        tiebreak="cases_2_3",
    )
    assert got.tolist() == [0, 1, 1, -1]


@pytest.mark.parametrize("regime", sorted(REGIMES))
def test_a10_multi_return_governor_tiebreak_takes_every_value_and_no_switch_is_inert(regime):
    """A10: the count reads the switch now (competing slates are modelled, remand.md M8), so
    every regime takes both values and no switch is listed as not modelled."""
    switch = "multi_return_governor_tiebreak"
    for value in SWITCHES[switch].values:
        assert rules_for(regime, **{switch: value}).switches()[switch] == value
    assert all(s.modelled for s in SWITCHES.values())


@pytest.mark.parametrize(
    ("tiebreak", "dual", "slate", "expected"),
    [
        ("cases_2_3", "latest", "original", {"biden": 306, "trump": 232}),  # safe harbor
        ("all_cases", "latest", "alternate", {"biden": 295, "trump": 243}),  # governor's latest
        ("all_cases", "earliest", "original", {"biden": 306, "trump": 232}),
        ("all_cases", "none", "none", {"biden": 295, "trump": 232}),
    ],
)
def test_a10_multi_return_governor_tiebreak_changes_the_counted_slate(
    tiebreak, dual, slate, expected
):
    """A10 case 1 under eca1887: Arizona met the safe harbor; a second return carries the
    legislature's act and a new executive certificate, and the Houses disagree (House for
    the original, Senate for the alternate). ``cases_2_3``: the safe-harbor slate counts;
    ``all_cases``: the governor's slate, per ``dual_executive_certificates`` (L5, H1)."""
    session = session_2021()
    rules = rules_for(
        "eca1887", multi_return_governor_tiebreak=tiebreak, dual_executive_certificates=dual
    )
    result = count_session(
        session,
        rules,
        [],
        returns={"AZ": (True, True)},
        chamber_votes={"AZ": ("original", "alternate")},
    )
    description = describe_count(session, rules, [], result)
    assert description["counted_slate"] == {"AZ": slate}
    assert description["totals"] == expected
    assert (description["whole_number"], description["majority_needed"]) == (538, 270)


# --- §6 and B13 denominators ------------------------------------------------------------


def test_s6_appointed_denominator_is_fixed_and_counted_shrinks():
    session = shipped("2021-01-06")
    rejected = [Rejection("AZ")]
    appointed = count_session(session, rules_for("eca1887"), rejected)
    assert (int(appointed.whole[0]), int(appointed.needed[0])) == (538, 270)
    counted = count_session(session, rules_for("eca1887", denominator="counted"), rejected)
    assert (int(counted.whole[0]), int(counted.needed[0])) == (527, 264)
    assert totals(counted, session) == {"biden": 295, "trump": 232}


def test_s6_whole_number_function():
    kwargs = {"rejected_electors": [0, 84, 20], "certification_rejected_electors": [0, 0, 20]}
    assert whole_number(538, denominator="appointed", **kwargs).tolist() == [538, 538, 538]
    assert whole_number(538, denominator="counted", **kwargs).tolist() == [538, 454, 518]
    assert whole_number(538, denominator="statutory", **kwargs).tolist() == [538, 538, 518]
    assert whole_number(538, denominator="statutory", not_appointed=5, **kwargs).tolist() == [
        533,
        533,
        513,
    ]


@pytest.mark.parametrize(
    ("ground", "whole"),
    [("not_lawfully_certified", 519), ("not_regularly_given", 538), (None, 538)],
)
def test_b13_statutory_denominator_drops_ground_i_only(ground, whole):
    """B13: a ground-I rejection reduces W; ground II (the default, B9) does not."""
    session = shipped("2025-01-06")
    result = count_session(session, rules_for("ecra2022"), [Rejection("PA", ground=ground)])
    assert int(result.whole[0]) == whole
    assert int(result.needed[0]) == int(majority(whole))
    assert totals(result, session) == {"trump": 293, "harris": 226}


def test_b13_objection_ground_switch_sets_the_default_ground():
    session = shipped("2025-01-06")
    rules = rules_for("ecra2022", objection_ground="not_lawfully_certified")
    assert int(count_session(session, rules, [Rejection("PA")]).whole[0]) == 519


def test_b13_mixed_grounds_subtract_only_the_ground_i_electors():
    session = shipped("2025-01-06")
    result = count_session(
        session,
        rules_for("ecra2022"),
        [
            Rejection("TX", ground="not_lawfully_certified"),
            Rejection("FL", ground="not_regularly_given"),
        ],
    )
    assert int(result.whole[0]) == 538 - 40
    assert totals(result, session) == {"trump": 312 - 70, "harris": 226}


def test_b13_ground_is_ignored_by_appointed_and_counted():
    session = shipped("2021-01-06")
    for ground in ("not_lawfully_certified", "not_regularly_given"):
        rejected = [Rejection("PA", ground=ground)]
        appointed = count_session(session, rules_for("eca1887"), rejected)
        counted = count_session(session, rules_for("eca1887", denominator="counted"), rejected)
        assert int(appointed.whole[0]) == 538
        assert int(counted.whole[0]) == 518


def test_b9_unknown_ground_is_an_error():
    with pytest.raises(CountlabError, match="ground 'fraud'"):
        count_session(
            shipped("2025-01-06"), rules_for("ecra2022"), [Rejection("PA", ground="fraud")]
        )


# --- C1 / C3 vp-unilateral -----------------------------------------------------------------


def test_c1_c3_eastman_step_3_counted_denominator_gavels_trump():
    """C1 step 3: 'the total number of electors appointed ... is 454 ... majority ... 228'."""
    rules = rules_for("vp-unilateral")
    assert rules.denominator == "counted"
    session, result = eastman(rules)
    assert int(result.whole[0]) == 454
    assert int(result.needed[0]) == 228
    assert totals(result, session) == {"biden": 222, "trump": 232}
    assert outcome_label(result, session) == "electors:trump"
    assert session.vp_keys[int(result.vice_president[0])] == "pence"


def test_c1_c4_eastman_step_4_appointed_sends_it_to_the_house():
    """C1 step 4 and C4: 270 of 538 kept, so the House chooses; R 27, D 20, 3 divided."""
    session, result = eastman(rules_for("vp-unilateral", denominator="appointed"))
    assert int(result.whole[0]) == 538
    assert totals(result, session) == {"biden": 222, "trump": 232}
    assert outcome_label(result, session) == "house:trump"
    house = result.house
    assert house is not None
    assert house.needed == 26
    by_key = dict(zip(session.candidate_keys, house.state_votes[0].tolist(), strict=True))
    assert by_key == {"trump": 27, "biden": 20}
    assert int(house.divided[0]) == 3
    divided = {STATE_CODES[s] for s in np.flatnonzero(house.state_vote[0] == NO_ONE)}
    assert divided == {"MI", "MN", "PA", "DC"}  # DC takes no part (E3)


def test_c3_substitute_credits_excluded_electors_to_the_presiding_caucus_nominee():
    rules = rules_for("vp-unilateral", vp_action="substitute")
    session, result = eastman(rules)
    assert session.presiding_caucus == "R"
    assert int(result.whole[0]) == 538
    assert int(result.needed[0]) == 270
    assert totals(result, session) == {"biden": 222, "trump": 232 + 84}
    assert outcome_label(result, session) == "electors:trump"
    assert {k: int(v) for k, v in zip(session.vp_keys, result.vp_totals[0], strict=True)} == {
        "harris": 222,
        "pence": 316,
    }


@pytest.mark.parametrize("denominator", ["appointed", "counted", "statutory"])
def test_c3_substitute_keeps_one_whole_number_per_draw_under_every_denominator(denominator):
    """Tally.whole is ``(D,)`` whatever the switches; substitute leaves W at 538 (C3, §6)."""
    rules = rules_for("vp-unilateral", vp_action="substitute", denominator=denominator)
    session, result = eastman(rules)
    assert result.whole.shape == (1,)
    assert result.needed.shape == (1,)
    assert int(result.whole[0]) == 538
    description = describe_count(session, rules, [Rejection(s) for s in EASTMAN_7], result)
    assert description["whole_number"] == 538
    assert description["outcome"] == "electors:trump"


def test_c3_substitute_has_no_effect_outside_the_presiding_officer_regime():
    session = shipped("2021-01-06")
    rules = rules_for("eca1887", vp_action="substitute")
    result = count_session(session, rules, [Rejection(s) for s in EASTMAN_7])
    assert totals(result, session) == {"biden": 222, "trump": 232}


def test_c3_eastman_with_dc_instead_of_nm_gives_biden_224():
    session = shipped("2021-01-06")
    states = [s for s in EASTMAN_7 if s != "NM"] + ["DC"]
    result = count_session(session, rules_for("vp-unilateral"), [Rejection(s) for s in states])
    assert totals(result, session)["biden"] == 224


# --- CE1 the House ballot list -------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "highest", "expected"),
    [
        ([301, 191, 46], 3, [True, True, True]),
        ([306, 232], 3, [True, True]),
        ([286, 251, 1, 0], 3, [True, True, True, False]),  # zero votes: not on the list
        ([10, 8, 8, 8, 1], 3, [True, True, True, True, False]),  # tie for second: all in
        ([10, 9, 8, 8], 3, [True, True, True, True]),  # tie for third: both in
        ([10, 9, 8, 7], 3, [True, True, True, False]),
        ([5, 5, 5, 5], 3, [True, True, True, True]),
        ([5, 4, 4], 2, [True, True, True]),  # Senate: two highest, tie admitted (CE8)
        ([5, 4, 3], 2, [True, True, False]),
        ([0, 0], 3, [False, False]),
    ],
)
def test_ce1_on_ballot_top_three_with_ties_and_no_zero_vote_candidates(row, highest, expected):
    assert on_ballot(np.array([row]), highest=highest)[0].tolist() == expected


def test_ce1_contingent_list_counted_vs_cast():
    """CE1: with every Biden vote rejected, 'counted' drops him from the House list.

    Democrats then have no nominee on the ballot and cast no vote, so Republican members
    carry every delegation they sit in; with 'cast' Biden stays on and wins 20 states.
    """
    session = shipped("2021-01-06")
    biden = session.candidate_keys.index("biden")
    rejected = [
        Rejection(STATE_CODES[s], candidate="biden")
        for s in np.flatnonzero(session.certificates.votes[:, biden])
    ]
    counted = count_session(session, rules_for("eca1887"), rejected)
    cast = count_session(session, rules_for("eca1887", contingent_list="cast"), rejected)
    assert totals(counted, session) == {"biden": 0, "trump": 232}
    assert outcome_label(counted, session) == outcome_label(cast, session) == "house:trump"
    assert counted.house.state_votes[0].tolist() == [0, 42]
    assert cast.house.state_votes[0].tolist() == [20, 27]
    assert counted.senate.votes[0].tolist() == [0, 51]
    assert cast.senate.votes[0].tolist() == [48, 51]


# --- CE3-CE6 the House vote by states -------------------------------------------------------


def one_state_ballot(counts, *, seats, rule):
    """A House of one voting state plus a one-seat state, and DC (no seats)."""
    choices, states = [], []
    for candidate, n in enumerate(counts):
        choices += [candidate] * n
        states += [0] * n
    choices += [0]
    states += [1]
    choices = np.array([choices])
    return house_ballot(
        choices,
        np.ones_like(choices, dtype=np.bool_),
        np.array(states),
        seats=np.array([seats, 1, 0]),
        n_candidates=2,
        delegation_rule=rule,
    )


@pytest.mark.parametrize(
    ("counts", "seats", "cast", "delegation"),
    [
        ((2, 1), 5, 0, NO_ONE),  # 2 of 3 voting carries, 2 of 5 seats does not
        ((3, 1), 5, 0, 0),
        ((1, 1), 2, NO_ONE, NO_ONE),  # a tie is divided
        ((2, 2), 5, NO_ONE, NO_ONE),
        ((0, 1), 1, 1, 1),  # a single-member state is decided by that member
        ((0, 0), 4, NO_ONE, NO_ONE),  # nobody voted
    ],
)
def test_ce4_delegation_rule(counts, seats, cast, delegation):
    for rule, expected in (
        ("majority_of_votes_cast", cast),
        ("majority_of_delegation", delegation),
    ):
        ballot = one_state_ballot(counts, seats=seats, rule=rule)
        assert int(ballot.state_vote[0, 0]) == expected, rule
        assert int(ballot.state_vote[0, 2]) == NO_ONE  # DC has no vote (E3)


def fifty_states_ballot(votes_for, *, present=None):
    """One member per state (DC excluded) voting for ``votes_for[i]`` (NO_ONE abstains)."""
    states = np.array([s for s in range(N_STATES) if s != DC])
    seats = np.ones(N_STATES, dtype=np.int64)
    seats[DC] = 0
    choices = np.array([votes_for])
    present = np.ones_like(choices, dtype=np.bool_) if present is None else np.array([present])
    return house_ballot(
        np.where(present, choices, NO_ONE),
        present,
        states,
        seats=seats,
        n_candidates=3,
        delegation_rule="majority_of_votes_cast",
    )


def test_ce5_house_quorum_is_34_states():
    for n_present, quorum in ((33, False), (34, True)):
        present = [i < n_present for i in range(50)]
        ballot = fifty_states_ballot([0] * 50, present=present)
        assert int(ballot.states_present[0]) == n_present
        assert bool(ballot.quorum[0]) is quorum
        assert int(ballot.state_votes[0, 0]) == n_present
        assert int(ballot.winner[0]) == (0 if quorum else NO_ONE)


@pytest.mark.parametrize(
    ("split", "winner"),
    [
        ((26, 24, 0), 0),
        ((25, 25, 0), NO_ONE),
        ((25, 24, 1), NO_ONE),  # divided and absent states count against (CE6)
        ((25, 0, 0), NO_ONE),
        ((24, 26, 0), 1),
        ((20, 4, 26), 2),
    ],
)
def test_ce6_needed_is_26_of_50(split, winner):
    votes_for = [0] * split[0] + [1] * split[1] + [2] * split[2]
    votes_for += [NO_ONE] * (50 - len(votes_for))
    ballot = fifty_states_ballot(votes_for)
    assert ballot.needed == 26
    assert int(ballot.winner[0]) == winner
    assert int(ballot.divided[0]) == 50 - sum(split)


# --- CE8 the Senate chooses the Vice President --------------------------------------------


def test_ce8_senate_vote_needs_51_of_100_seats_or_50_of_99_sworn():
    choices = np.array([[1] * 50 + [0] * 49])
    present = np.ones_like(choices, dtype=np.bool_)
    seats = senate_vote(choices, present, whole=100, n_candidates=2)
    sworn = senate_vote(choices, present, whole=99, n_candidates=2)
    assert (seats.needed, int(seats.winner[0])) == (51, NO_ONE)
    assert (sworn.needed, int(sworn.winner[0])) == (50, 1)


def test_ce8_senate_quorum_is_two_thirds_of_the_whole_number():
    choices = np.array([[1] * 66])
    assert not senate_vote(
        choices, np.ones_like(choices, np.bool_), whole=100, n_candidates=2
    ).quorum[0]
    choices = np.array([[1] * 67])
    result = senate_vote(choices, np.ones_like(choices, np.bool_), whole=100, n_candidates=2)
    assert result.quorum[0]
    assert int(result.winner[0]) == 1


def defectors(chamber, caucus, states=("",), *, each=1):
    """``(n_units, n_caucuses)`` counts: ``each`` member of ``caucus`` defects per state.

    Units are the states for the House and one unit for the Senate (``states`` unused).
    """
    if chamber == "senate":
        counts = np.zeros((1, len(CAUCUSES)), dtype=np.int64)
        counts[0, CAUCUSES.index(caucus)] = each
        return counts
    counts = np.zeros((N_STATES, len(CAUCUSES)), dtype=np.int64)
    for state in states:
        counts[STATE_INDEX[state], CAUCUSES.index(caucus)] = each
    return counts


def fixed_defections(*, house=None, senate=None):
    """A ``defections`` callable returning fixed counts, ``(D, n_units, n_caucuses)`` or one
    ``(n_units, n_caucuses)`` for every draw; none where a chamber is not given."""

    def defections(members, n_draws):
        chosen = house if members.shape[0] == N_STATES else senate
        if chosen is None:
            return np.zeros((n_draws, *members.shape), dtype=np.int64)
        chosen = np.asarray(chosen)
        assert chosen.ndim == 2 or chosen.shape[0] == n_draws
        assert (chosen <= members).all()
        return np.broadcast_to(chosen, (n_draws, *members.shape))

    return defections


def eastman_tally(rules, n_draws=1, **counts):
    session = shipped("2021-01-06")
    targets = build_targets(session, [Rejection(s) for s in EASTMAN_7], rules=rules)
    sustained = np.ones((n_draws, len(EASTMAN_7)), dtype=np.bool_)
    return session, tally(session, rules, sustained, targets, defections=fixed_defections(**counts))


def test_ce8_senate_whole_number_switch_through_the_tally():
    """2021 after the Eastman exclusions, one Republican Senator defecting: Pence 50-49."""
    got = {}
    for whole in ("seats", "sworn"):
        rules = rules_for("eca1887", senate_whole_number=whole)
        session, result = eastman_tally(rules, senate=defectors("senate", "R"))
        assert result.senate.votes[0].tolist() == [49, 50]
        got[whole] = (result.senate.whole, result.senate.needed, int(result.vice_president[0]))
    pence = session.vp_keys.index("pence")
    assert got == {"seats": (100, 51, NO_ONE), "sworn": (99, 50, pence)}


def test_ce8_vp_tiebreak_switch_senate_vote():
    choices = np.array([[0] * 50 + [1] * 50])
    present = np.ones_like(choices, dtype=np.bool_)
    assert int(senate_vote(choices, present, whole=100, n_candidates=2).winner[0]) == NO_ONE
    for side in (0, 1):
        result = senate_vote(choices, present, whole=100, n_candidates=2, tie_broken_for=side)
        assert int(result.winner[0]) == side
    # Only a tie at exactly half the whole number is broken.
    short = np.array([[0] * 49 + [1] * 49])
    result = senate_vote(
        short, np.ones_like(short, np.bool_), whole=100, n_candidates=2, tie_broken_for=0
    )
    assert int(result.winner[0]) == NO_ONE


@pytest.mark.parametrize(("tiebreak", "expected"), [(False, None), (True, "cheney")])
def test_ce8_vp_tiebreak_switch_2005_50_50_senate(tiebreak, expected):
    """2005 with OH rejected: Cheney 266 is short, and 5 Republicans defect to make 50-50."""
    session = shipped("2005-01-06")
    rules = rules_for("eca1887", senate_contingent_vp_tiebreak=tiebreak)
    defections = fixed_defections(senate=defectors("senate", "R", each=5))
    targets = build_targets(session, [Rejection("OH")], rules=rules)
    result = tally(session, rules, np.ones((1, 1), np.bool_), targets, defections=defections)
    assert result.senate.votes[0].tolist() == [50, 50]
    winner = int(result.vice_president[0])
    assert (None if winner == NO_ONE else session.vp_keys[winner]) == expected


# --- CE12 acting President ---------------------------------------------------------------


def test_ce12_acting_president_none_vp_elect_speaker():
    """2021 after the Eastman exclusions, with W = 538 (C1 step 4), three draws.

    Draw 0: caucus lines; the House chooses Trump with 27 states. Draws 1 and 2: one
    Republican each in Idaho (1-1) and Mississippi (2-2) defects, so Trump has 25 states and
    the House is deadlocked; in draw 2 a Republican Senator also defects, and Pence's 50 of
    100 is not a choice either.
    """
    house = defectors("house", "R", ("ID", "MS"))
    senate = defectors("senate", "R")
    session, result = eastman_tally(
        rules_for("eca1887"),
        n_draws=3,
        house=np.stack([np.zeros_like(house), house, house]),
        senate=np.stack([np.zeros_like(senate), np.zeros_like(senate), senate]),
    )
    trump = session.candidate_keys.index("trump")
    assert result.house.state_votes[:, trump].tolist() == [27, 25, 25]
    assert [ACTING_PRESIDENT[i] for i in result.acting_president] == ["none", "vp_elect", "speaker"]
    assert [outcome_label(result, session, d) for d in range(3)] == [
        "house:trump",
        "no_choice",
        "no_choice",
    ]
    pence = session.vp_keys.index("pence")
    assert result.vice_president.tolist() == [pence, pence, NO_ONE]


# --- E2 partial rejection -----------------------------------------------------------------


def test_e2_partial_rejection_removes_only_the_ne_biden_elector():
    session = shipped("2021-01-06")
    rejected = [Rejection("NE", candidate="biden")]
    appointed = count_session(session, rules_for("eca1887"), rejected)
    assert totals(appointed, session) == {"biden": 305, "trump": 232}
    assert int(appointed.whole[0]) == 538
    counted = count_session(session, rules_for("eca1887", denominator="counted"), rejected)
    assert totals(counted, session) == {"biden": 305, "trump": 232}
    assert (int(counted.whole[0]), int(counted.needed[0])) == (537, 269)


def test_e2_maine_and_nebraska_splits_and_their_partial_rejections():
    session = shipped("2021-01-06")
    votes = session.certificates.votes
    assert votes[STATE_INDEX["ME"]].tolist() == [3, 1]
    assert votes[STATE_INDEX["NE"]].tolist() == [1, 4]
    result = count_session(
        session,
        rules_for("eca1887", denominator="counted"),
        [Rejection("ME", candidate="trump"), Rejection("NE", candidate="biden")],
    )
    assert totals(result, session) == {"biden": 305, "trump": 231}
    assert int(result.whole[0]) == 536


def test_e2_e1_1969_bailey_objection_would_have_removed_one_wallace_vote():
    session = shipped("1969-01-06")
    result = count_session(session, rules_for("eca1887"), [Rejection("NC", candidate="wallace")])
    assert totals(result, session) == {"nixon": 301, "humphrey": 191, "wallace": 45}


@pytest.mark.parametrize(
    ("rejection", "message"),
    [
        (Rejection("XX"), "unknown state code"),
        (Rejection("NE", candidate="nobody"), "unknown candidate"),
        (Rejection("CA", candidate="trump"), "CA cast no vote for trump"),
    ],
)
def test_e2_bad_rejection_targets_are_errors(rejection, message):
    with pytest.raises(CountlabError, match=message):
        count_session(shipped("2021-01-06"), rules_for("eca1887"), [rejection])


# --- E3 DC ---------------------------------------------------------------------------------


def test_e3_dc_counts_in_w_but_has_no_house_vote():
    session, result = eastman(rules_for("eca1887"))
    assert int(session.certificates.electors[DC]) == 3
    assert int(session.certificates.house_seats[DC]) == 0
    assert int(result.house.delegation_votes[0, DC].sum()) == 0
    assert int(result.house.state_vote[0, DC]) == NO_ONE
    assert result.house.needed == 26  # of 50 states, not 51
    description = describe_count(
        session, rules_for("eca1887"), [Rejection(s) for s in EASTMAN_7], result
    )
    assert "DC" not in description["contingent"]["house"]["delegations"]
    assert len(description["contingent"]["house"]["delegations"]) == 50


def test_e3_rejecting_dc_under_counted_denominator_removes_its_3_electors():
    session = shipped("2021-01-06")
    result = count_session(session, rules_for("eca1887", denominator="counted"), [Rejection("DC")])
    assert int(result.whole[0]) == 535


# --- E7 overlapping rejections -------------------------------------------------------------


@pytest.mark.parametrize(
    "rejected",
    [
        [Rejection("NE"), Rejection("NE", candidate="biden")],
        [Rejection("NE", candidate="biden"), Rejection("NE")],
        [Rejection("PA"), Rejection("PA")],
        [Rejection("NE", candidate="trump"), Rejection("NE", candidate="trump")],
    ],
)
def test_e7_overlapping_rejections_are_an_error(rejected):
    with pytest.raises(CountlabError, match="overlaps"):
        count_session(shipped("2021-01-06"), rules_for("eca1887"), rejected)


def test_e7_disjoint_rejections_in_one_state_are_fine():
    session = shipped("2021-01-06")
    result = count_session(
        session,
        rules_for("eca1887", denominator="counted"),
        [Rejection("NE", candidate="trump"), Rejection("NE", candidate="biden")],
    )
    assert totals(result, session) == {"biden": 305, "trump": 228}
    assert int(result.whole[0]) == 533


# --- E10 candidates on the House ballot ------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "rejected", "on_list"),
    [
        ("2021-01-06", EASTMAN_7, ["biden", "trump"]),
        ("2005-01-06", ("OH",), ["bush", "kerry", "edwards"]),
        ("1969-01-06", ("CA",), ["nixon", "humphrey", "wallace"]),
    ],
)
def test_e10_house_ballot_has_the_candidates_that_exist(date, rejected, on_list):
    session = shipped(date)
    result = count_session(session, rules_for("eca1887"), [Rejection(s) for s in rejected])
    assert result.contingent_draws.tolist() == [0]
    eligible = on_ballot(result.totals[result.contingent_draws], highest=3)[0]
    assert [k for k, ok in zip(session.candidate_keys, eligible, strict=True) if ok] == on_list
    assert result.house.delegation_votes.shape[-1] == len(session.candidates)


# --- §7 the switch table and rules_for ------------------------------------------------------


def test_s7_regime_defaults_match_the_switch_table():
    table = {
        "eca1887": ("congress", "appointed", "one_each", "both"),
        "ecra2022": ("congress", "statutory", "one_fifth", "both"),
        "vp-unilateral": ("presiding_officer", "counted", "none", "both"),
    }
    for regime, (decided_by, denominator, threshold, sustain) in table.items():
        rules = REGIMES[regime]
        assert rules.regime == regime
        assert (rules.decided_by, rules.denominator) == (decided_by, denominator)
        assert (rules.objection_threshold, rules.sustain_rule) == (threshold, sustain)
        assert rules.objection_ground == "not_regularly_given"
        assert rules.chamber_quorum == "majority_of_sworn"
        assert rules.multi_return_governor_tiebreak == "cases_2_3"
        assert rules.vp_action == "exclude"
        assert rules.contingent_list == "counted"
        assert rules.delegation_rule == "majority_of_votes_cast"
        assert rules.senate_whole_number == "seats"
        assert rules.senate_contingent_vp_tiebreak is False
        assert rules.max_ballots == 1
        assert set(rules.switches()) == {"regime", *SWITCHES}


def test_rules_with_takes_the_session_regime_unless_one_is_given_and_the_denominator_last():
    assert rules_with(None, {}, default_regime="ecra2022") == REGIMES["ecra2022"]
    assert rules_with("eca1887", {}, default_regime="ecra2022") == REGIMES["eca1887"]
    rules = rules_with(
        None,
        {"denominator": "appointed", "max_ballots": "2"},
        default_regime="vp-unilateral",
        denominator="statutory",
    )
    assert (rules.regime, rules.denominator, rules.max_ballots) == ("vp-unilateral", "statutory", 2)
    with pytest.raises(CountlabError, match="regime 'eca2022'"):
        rules_with("eca2022", {}, default_regime="eca1887")


def test_rules_for_coerces_strings_from_the_command_line():
    rules = rules_for(
        "eca1887",
        senate_contingent_vp_tiebreak="TRUE",
        senate_vp_tiebreak_on_objection="false",
        max_ballots="3",
        denominator="counted",
    )
    assert rules.senate_contingent_vp_tiebreak is True
    assert rules.senate_vp_tiebreak_on_objection is False
    assert rules.max_ballots == 3
    assert rules.denominator == "counted"
    assert REGIMES["eca1887"].denominator == "appointed"  # the defaults are untouched


@pytest.mark.parametrize(
    ("regime", "overrides", "message"),
    [
        ("eca1888", {}, "regime 'eca1888': expected one of eca1887, ecra2022, vp-unilateral"),
        ("eca1887", {"denominatr": "counted"}, "rule 'denominatr': unknown switch"),
        ("eca1887", {"denominator": "half"}, "rule 'denominator' = 'half': expected one of"),
        ("eca1887", {"sustain_rule": "neither"}, "rule 'sustain_rule' = 'neither'"),
        ("eca1887", {"senate_contingent_vp_tiebreak": "yes"}, "expected true or false"),
        ("eca1887", {"max_ballots": "many"}, "rule 'max_ballots' = 'many': expected an integer"),
        ("eca1887", {"max_ballots": 0}, "rule 'max_ballots' = 0: expected an integer >= 1"),
        ("eca1887", {"max_ballots": "-2"}, "expected an integer >= 1"),
        ("ecra2022", {"vp_action": "invent"}, "rule 'vp_action' = 'invent'"),
    ],
)
def test_rules_for_rejects_unknown_switches_and_bad_values(regime, overrides, message):
    with pytest.raises(CountlabError, match=message):
        rules_for(regime, **overrides)


def test_rules_rejects_a_string_for_a_boolean_switch():
    """A Rules built directly must not take the string 'false' for a boolean switch.

    ``Rules.__post_init__`` checks max_ballots' type but lets a string through for the two
    boolean switches, and any non-empty string is truthy: 'false' would switch the
    presiding officer's tiebreak on.
    """
    try:
        rules = dataclasses.replace(REGIMES["eca1887"], senate_contingent_vp_tiebreak="false")
    except CountlabError:
        return
    assert rules.senate_contingent_vp_tiebreak is False
