"""remand.md §5 M7-M12 and §7: which slate each state counts under each regime, the worked
examples X1, X3, X4, X6a, X8b, E9, and the invariants (i)-(iv) as properties."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.deterministic_count import count_session, describe_count
from models.remand import ANSWERS, RemandOrder
from models.rules import rules_for
from models.slates import (
    ALTERNATE,
    NO_SLATE,
    ORIGINAL,
    UNDECIDED,
    Papers,
    party_line_votes,
    slate_1887,
    slate_presiding_officer,
)
from models.statehouses import RemandFacts
from tests.models.statehouses_2021 import ELECTORS, SEVEN, session_2021
from tests.strategies import PROPERTY, shipped

FIVE_R = ("AZ", "GA", "MI", "PA", "WI")
"""The five states with Republican legislatures (RM0.2)."""
G1 = {"biden": 306, "trump": 232}


def describe(rules, rejections=(), **inputs):
    session = session_2021()
    result = count_session(session, rules, list(rejections), **inputs)
    return describe_count(session, rules, list(rejections), result)


def expect(result, line):
    """Compare a count with a §7 jsonl line on the fields it gives."""
    for key, value in line.items():
        if key == "remand" and value is not None:
            for field, expected in value.items():
                assert result["remand"][field] == expected, field
        else:
            assert result[key] == value, key


# --- §7 worked examples ------------------------------------------------------------------

ORIGINALS = dict.fromkeys(SEVEN, "original")


def test_x1_eca1887_remand_is_unlawful_and_every_original_counts():
    line = {
        "regime": "eca1887",
        "denominator": "appointed",
        "remand": {"trigger": "vp", "lawful": False, "states": list(SEVEN), "resume": "2021-01-06"},
        "counted_slate": ORIGINALS,
        "whole_number": 538,
        "majority_needed": 270,
        "totals": G1,
        "winner": "biden",
        "contingent": None,
        "acting_president": "none",
    }
    result = describe(rules_for("eca1887"), remand=RemandOrder(SEVEN))
    expect(result, line)
    assert sum("not_a_return (L4" in note for note in result["legal_notes"]) == 7


def test_x3_vp_unilateral_historical_no_legislature_acts():
    line = {
        "regime": "vp-unilateral",
        "denominator": "counted",
        "remand": {
            "trigger": "vp",
            "lawful": True,
            "states": list(SEVEN),
            "resume": "2021-01-16",
            "answers": {
                "AZ": "no_action",
                "GA": "no_action",
                "MI": "no_action",
                "NM": "not_in_time",
                "NV": "not_in_time",
                "PA": "no_action",
                "WI": "no_action",
            },
        },
        "counted_slate": ORIGINALS,
        "whole_number": 538,
        "majority_needed": 270,
        "totals": G1,
        "winner": "biden",
        "contingent": None,
        "acting_president": "none",
    }
    result = describe(rules_for("vp-unilateral"), remand=RemandOrder(SEVEN, date(2021, 1, 16)))
    expect(result, line)
    assert result["count_complete_before_deadline"] is True


def test_x4_vp_unilateral_five_legislatures_appoint_the_alternates_by_resolution():
    line = {
        "remand": {
            "lawful": True,
            "resume": "2021-01-16",
            "answers": {
                **dict.fromkeys(FIVE_R, "appoint_alternate"),
                "NM": "not_in_time",
                "NV": "not_in_time",
            },
        },
        "counted_slate": {**dict.fromkeys(FIVE_R, "alternate"), "NM": "original", "NV": "original"},
        "whole_number": 538,
        "majority_needed": 270,
        "totals": {"biden": 233, "trump": 305},
        "winner": "trump",
        "contingent": None,
        "acting_president": "none",
    }
    rules = rules_for("vp-unilateral", legislative_act_form="resolution")
    answers = dict.fromkeys(FIVE_R, "appoint_alternate")
    expect(describe(rules, remand=RemandOrder(), answers=answers), line)


def test_x6a_vp_unilateral_resume_10_january_only_wisconsin_and_pennsylvania_answer():
    line = {
        "remand": {
            "resume": "2021-01-10",
            "answers": {
                **dict.fromkeys(("AZ", "GA", "MI", "NM", "NV"), "not_in_time"),
                "PA": "appoint_alternate",
                "WI": "appoint_alternate",
            },
        },
        "counted_slate": {**ORIGINALS, "PA": "alternate", "WI": "alternate"},
        "whole_number": 538,
        "majority_needed": 270,
        "totals": {"biden": 276, "trump": 262},
        "winner": "biden",
        "acting_president": "none",
    }
    rules = rules_for("vp-unilateral", legislative_act_form="resolution")
    answers = dict.fromkeys(FIVE_R, "appoint_alternate")  # AZ, GA, MI: too late anyway
    expect(describe(rules, remand=RemandOrder(resume=date(2021, 1, 10)), answers=answers), line)


def test_x8b_eca1887_wisconsin_return_before_the_count_both_houses_for_the_alternate():
    line = {
        "remand": None,
        "returns": {"WI": ["original", "alternate+legislature"]},
        "chamber_votes": {"WI": {"house": "alternate", "senate": "alternate"}},
        "counted_slate": {"WI": "alternate"},
        "whole_number": 538,
        "majority_needed": 270,
        "totals": {"biden": 296, "trump": 242},
        "winner": "biden",
        "contingent": None,
        "acting_president": "none",
    }
    result = describe(
        rules_for("eca1887"),
        returns={"WI": (True, False)},
        chamber_votes={"WI": ("alternate", "alternate")},
    )
    expect(result, line)
    assert "WI: federal_basis=false (L1: the state made a choice)" in result["legal_notes"]


def test_e9_claremont_version_sends_two_return_states_to_the_1887_rules():
    """E9: X4 with post_remand_decider=congress_eca1887: AZ, GA, MI, PA are locked by the
    safe harbor; WI goes to the Houses, which split on party lines, so the governor's
    (Biden) certificate counts: 306-232."""
    rules = rules_for(
        "vp-unilateral", legislative_act_form="resolution", post_remand_decider="congress_eca1887"
    )
    result = describe(
        rules, remand=RemandOrder(), answers=dict.fromkeys(FIVE_R, "appoint_alternate")
    )
    assert result["counted_slate"] == ORIGINALS
    assert result["totals"] == G1
    assert result["chamber_votes"]["WI"] == {"house": "original", "senate": "alternate"}
    unbound = rules_for(
        "vp-unilateral",
        legislative_act_form="resolution",
        post_remand_decider="congress_eca1887",
        safe_harbor_binding=False,
    )
    result = describe(
        unbound, remand=RemandOrder(), answers=dict.fromkeys(FIVE_R, "appoint_alternate")
    )
    assert result["counted_slate"] == ORIGINALS  # the tiebreak everywhere: Biden's certificates


# --- M7 papers --------------------------------------------------------------------------


def test_m7_l4_the_14_december_papers_alone_are_not_returns():
    assert not Papers("AZ", "unconditional").is_return
    assert Papers("AZ", "unconditional", legislature=True).is_return
    assert Papers("AZ", "unconditional", executive=True).is_return
    assert not Papers("TX", "none", legislature=True).is_return


def test_m7_l2_electors_named_in_january_cast_no_vote_unless_late_votes_are_allowed():
    """Texas had no 14 December paper: its legislature's appointment names electors who
    never voted, so it withdraws the original and counts as decertify_only (none)."""
    session = session_2021()
    facts = dict(session.remand_facts)
    facts["TX"] = _texas()
    session = _with_facts(session, facts)
    rules = rules_for("vp-unilateral", legislative_act_form="resolution")
    inputs = {"remand": RemandOrder(("TX",)), "answers": {"TX": "appoint_alternate"}}
    result = describe_count(session, rules, [], count_session(session, rules, [], **inputs))
    assert result["counted_slate"] == {"TX": "none"}
    assert result["totals"] == {"biden": 306, "trump": 194}
    assert "TX: electors named after the voting day cast no vote (L2)" in result["legal_notes"]
    late = rules_for("vp-unilateral", legislative_act_form="resolution", allow_late_votes=True)
    result = describe_count(session, late, [], count_session(session, late, [], **inputs))
    assert result["counted_slate"] == {"TX": "alternate"}  # Biden's electors (the other caucus)
    assert result["totals"] == {"biden": 344, "trump": 194}


# --- M8 the counted slate, per regime -----------------------------------------------------


@pytest.mark.parametrize(
    ("votes", "harbor", "binding", "executive", "dual", "expected"),
    [
        (("alternate", "alternate"), False, True, False, "latest", ALTERNATE),  # agree
        (("neither", "neither"), False, True, False, "latest", NO_SLATE),  # agree on neither
        (("original", "alternate"), False, True, False, "latest", ORIGINAL),  # governor
        (("original", "alternate"), False, True, True, "latest", ALTERNATE),  # dual, latest
        (("original", "alternate"), False, True, True, "earliest", ORIGINAL),
        (("original", "alternate"), False, True, True, "none", NO_SLATE),
        ((UNDECIDED, UNDECIDED), False, True, False, "latest", ORIGINAL),  # no concurrence
        (("alternate", "alternate"), True, True, False, "latest", ORIGINAL),  # safe harbor
        (("alternate", "alternate"), True, False, False, "latest", ALTERNATE),  # not binding
    ],
)
def test_m8_eca1887_two_returns(votes, harbor, binding, executive, dual, expected):
    rules = rules_for("eca1887", safe_harbor_binding=binding, dual_executive_certificates=dual)
    papers = Papers("WI", "unconditional", legislature=True, executive=executive)
    assert slate_1887(papers, rules, safe_harbor_met=harbor, votes=votes) == expected


def test_m8_eca1887_one_return_counts_the_original():
    rules = rules_for("eca1887")
    papers = Papers("WI", "unconditional")
    assert (
        slate_1887(papers, rules, safe_harbor_met=False, votes=("alternate", "alternate"))
        == ORIGINAL
    )


def test_m8_invariant_ii_party_lines_split_the_houses_2021():
    """(ii): House 222 D - 209 R for the original, Senate 51 R - 48 D for the alternate."""
    session = session_2021()
    for state in SEVEN:
        assert party_line_votes(session, state) == ("original", "alternate")


def test_m8_ecra2022_never_counts_an_alternate():
    rules = rules_for("ecra2022")
    result = describe(
        rules,
        returns={"WI": (True, True)},
        chamber_votes={"WI": ("alternate", "alternate")},
    )
    assert result["counted_slate"] == {"WI": "original"}
    assert result["totals"] == G1
    assert (
        "WI: chamber votes not used (the Houses do not choose its slate)" in result["legal_notes"]
    )
    assert "WI: federal_basis=false (L1: old §2 repealed)" in result["legal_notes"]
    statute = rules_for("ecra2022", remand_by_new_statute=True, legislative_act_form="resolution")
    result = describe(
        statute, remand=RemandOrder(), answers=dict.fromkeys(FIVE_R, "appoint_alternate")
    )
    assert result["remand"]["lawful"] is True
    assert result["counted_slate"] == ORIGINALS


@pytest.mark.parametrize(
    ("choice", "expected", "totals", "whole"),
    [
        ("legislature_backed", "alternate", {"biden": 296, "trump": 242}, 538),
        ("original", "original", G1, 538),
        ("exclude", "none", {"biden": 296, "trump": 232}, 528),
    ],
)
def test_m8_vp_remand_choice(choice, expected, totals, whole):
    rules = rules_for("vp-unilateral", legislative_act_form="resolution", vp_remand_choice=choice)
    result = describe(rules, remand=RemandOrder(("WI",)), answers={"WI": "appoint_alternate"})
    assert result["counted_slate"] == {"WI": expected}
    assert result["totals"] == totals
    assert result["whole_number"] == whole  # M11: counted denominator


def test_m8_vp_decides_competing_returns_before_the_count_too():
    result = describe(rules_for("vp-unilateral"), returns={"GA": (True, False)})
    assert result["counted_slate"] == {"GA": "alternate"}
    assert result["totals"] == {"biden": 290, "trump": 248}


def test_m9_alternate_requires_governor():
    rules = rules_for(
        "vp-unilateral", legislative_act_form="resolution", alternate_requires_governor=True
    )
    inputs = {
        "remand": RemandOrder(("AZ", "WI")),
        "answers": dict.fromkeys(("AZ", "WI"), "appoint_alternate"),
    }
    result = describe(rules, governor_signs=("AZ",), **inputs)
    assert result["counted_slate"] == {"AZ": "alternate", "WI": "none"}
    assert result["totals"] == {"biden": 285, "trump": 243}


def test_e1_conditional_certificates_void_pennsylvanias_alternate():
    rules = rules_for(
        "vp-unilateral", legislative_act_form="resolution", conditional_certificates_valid=False
    )
    result = describe(
        rules,
        remand=RemandOrder(("PA", "WI")),
        answers=dict.fromkeys(("PA", "WI"), "appoint_alternate"),
    )
    assert result["counted_slate"] == {"PA": "none", "WI": "alternate"}
    papers = Papers("PA", "conditional", legislature=True, answer="appoint_alternate")
    assert slate_presiding_officer(papers, rules) == NO_SLATE


# --- M10 non-response, M11 denominators, M12 contingent election -------------------------


@pytest.mark.parametrize(
    ("answer", "counted"),
    [("reaffirm", "original"), ("decertify_only", "none"), ("no_action", "none")],
)
def test_m10_non_response_rule_exclude(answer, counted):
    rules = rules_for(
        "vp-unilateral", non_response_rule="exclude", legislative_act_form="resolution"
    )
    result = describe(rules, remand=RemandOrder(("PA",)), answers={"PA": answer})
    assert result["counted_slate"] == {"PA": counted}
    assert result["whole_number"] == (538 if counted == "original" else 518)


@pytest.mark.parametrize(
    ("regime", "denominator", "whole"),
    [
        ("eca1887", "appointed", 538),
        ("ecra2022", "statutory", 538),
        ("vp-unilateral", "counted", 484),
    ],
)
def test_m11_a_state_counting_no_slate_changes_w_only_by_the_denominator(
    regime, denominator, whole
):
    """Every remanded state answers no_action under ``exclude`` (a statute remand outside
    vp-unilateral): W per the regime's denominator; 84 - 30 = 54 of AZ, GA, MI, NM, NV."""
    rules = rules_for(regime, remand_by_new_statute=True, non_response_rule="exclude")
    answers = {"PA": "reaffirm", "WI": "reaffirm"}
    result = describe(rules, remand=RemandOrder(resume=date(2021, 1, 19)), answers=answers)
    assert result["denominator"] == denominator
    assert result["whole_number"] == whole
    assert result["totals"]["biden"] == 306 - 54


def test_m12_no_majority_goes_to_the_house_trump_27_states():
    """vp-unilateral with appointed W: excluding all seven leaves 222-232 of 538 (270
    needed): the House by states, Trump 27, Biden 20, divided 3 (M12, rules.md §10)."""
    rules = rules_for("vp-unilateral", denominator="appointed", vp_remand_choice="exclude")
    result = describe(rules, remand=RemandOrder())
    assert result["totals"] == {"biden": 222, "trump": 232}
    house = result["contingent"]["house"]
    assert house["state_votes"] == {"biden": 20, "trump": 27}
    assert house["divided"] == 3
    assert result["outcome"] == "house:trump"
    assert result["acting_president"] == "none"


def test_m14_no_remand_keeps_todays_json_and_adds_empty_fields():
    session = shipped("2021-01-06")
    rules = rules_for("eca1887")
    result = describe_count(session, rules, [], count_session(session, rules, []))
    assert result["remand"] is None
    assert result["counted_slate"] == {} == result["returns"] == result["chamber_votes"]
    assert result["count_complete_before_deadline"] is True
    assert result["legal_notes"] == []
    assert result["totals"] == G1


# --- §7 invariants (i)-(iv) ---------------------------------------------------------------

SUBSETS = st.lists(st.sampled_from(SEVEN), min_size=1, max_size=7, unique=True).map(
    lambda states: tuple(sorted(states))
)
RESUMES = st.one_of(
    st.none(),
    st.just("until_all_answer"),
    st.integers(0, 19).map(lambda days: date(2021, 1, 6) + timedelta(days=days)),
)
SWITCH_MIX = st.fixed_dictionaries(
    {
        "legislative_act_form": st.sampled_from(("law_with_presentment", "resolution")),
        "enforce_effective_dates": st.booleans(),
        "safe_harbor_binding": st.booleans(),
        "dual_executive_certificates": st.sampled_from(("latest", "earliest", "none")),
        "conditional_certificates_valid": st.booleans(),
        "multi_return_governor_tiebreak": st.sampled_from(("cases_2_3", "all_cases")),
        "procedural_lag_days": st.dictionaries(st.sampled_from(SEVEN), st.integers(0, 6)),
        "governor_calls_special": st.lists(st.sampled_from(SEVEN), unique=True),
    }
)


@st.composite
def remands(draw, answers=ANSWERS):
    states = draw(SUBSETS)
    chosen = draw(st.dictionaries(st.sampled_from(states), st.sampled_from(answers)))
    signs = draw(st.lists(st.sampled_from(states), unique=True))
    return RemandOrder(states, draw(RESUMES)), chosen, tuple(signs)


@PROPERTY
@given(
    regime=st.sampled_from(("eca1887", "ecra2022")),
    remand=remands(),
    switches=SWITCH_MIX,
    non_response=st.sampled_from(("count_original", "exclude")),
)
def test_invariant_i_no_remand_changes_a_number_under_the_statutes(
    regime, remand, switches, non_response
):
    order, answers, signs = remand
    rules = rules_for(regime, non_response_rule=non_response, **switches)
    result = describe(rules, remand=order, answers=answers, governor_signs=signs)
    assert result["remand"]["lawful"] is False
    assert result["totals"] == G1
    assert (result["whole_number"], result["majority_needed"]) == (538, 270)
    assert result["winner"] == "biden"
    assert result["acting_president"] == "none"


@PROPERTY
@given(states=SUBSETS, switches=SWITCH_MIX)
def test_invariant_ii_party_line_houses_and_biden_governors_count_every_original(states, switches):
    """(ii): legislature-backed returns before the count, Houses on party lines, no
    executive certificate for any alternate: the tiebreak gives the originals."""
    rules = rules_for("eca1887", **{**switches, "multi_return_governor_tiebreak": "cases_2_3"})
    result = describe(rules, returns=dict.fromkeys(states, (True, False)))
    assert result["counted_slate"] == dict.fromkeys(states, "original")
    assert result["totals"] == G1


@PROPERTY
@given(
    remand=remands(answers=("reaffirm", "no_action")),
    switches=SWITCH_MIX,
    choice=st.sampled_from(("legislature_backed", "original")),
    decider=st.sampled_from(("vp", "congress_eca1887")),
)
def test_invariant_iii_vp_unilateral_with_q_r_zero_is_g1(remand, switches, choice, decider):
    order, answers, signs = remand
    if not isinstance(order.resume, date) or order.resume >= date(2021, 1, 20):
        order = RemandOrder(order.states, None)  # the count completes (M13)
    rules = rules_for(
        "vp-unilateral", vp_remand_choice=choice, post_remand_decider=decider, **switches
    )
    result = describe(rules, remand=order, answers=answers, governor_signs=signs)
    assert result["counted_slate"] == dict.fromkeys(order.states, "original")
    assert result["totals"] == G1
    assert (result["whole_number"], result["majority_needed"]) == (538, 270)
    assert result["acting_president"] == "none"


@PROPERTY
@given(
    remand=remands(),
    switches=SWITCH_MIX,
    choice=st.sampled_from(("legislature_backed", "original", "exclude")),
    decider=st.sampled_from(("vp", "congress_eca1887")),
    non_response=st.sampled_from(("count_original", "exclude")),
    requires_governor=st.booleans(),
)
def test_invariant_iv_trump_changes_only_through_appoint_alternate(
    remand, switches, choice, decider, non_response, requires_governor
):
    order, answers, signs = remand
    rules = rules_for(
        "vp-unilateral",
        vp_remand_choice=choice,
        post_remand_decider=decider,
        non_response_rule=non_response,
        alternate_requires_governor=requires_governor,
        **switches,
    )
    result = describe(rules, remand=order, answers=answers, governor_signs=signs)
    if not result["count_complete_before_deadline"]:
        assert result["totals"] is None
        return
    slates = result["counted_slate"]
    alternates = [s for s, slate in slates.items() if slate == "alternate"]
    assert all(result["remand"]["answers"][s] == "appoint_alternate" for s in alternates)
    assert result["totals"]["trump"] == 232 + sum(ELECTORS[s] for s in alternates)
    moved = sum(ELECTORS[s] for s, slate in slates.items() if slate != "original")
    assert result["totals"]["biden"] == 306 - moved


def _texas():
    return RemandFacts(
        state="TX",
        regular_session=date(2021, 1, 12),
        self_call=False,
        governor_can_call=True,
        veto_proof=False,
        safe_harbor_met=True,
        alternate_paper="none",
        paper_late=False,
        act_takes_effect_late=False,
    )


def _with_facts(session, facts):
    return dataclasses.replace(session, remand_facts=facts)
