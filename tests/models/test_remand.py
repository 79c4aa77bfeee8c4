"""remand.md §5 M1-M6b and M13: who may remand, scope, timeline, the deadline, whether each
legislature can answer and whether its answer is valid; and every new validation error.
Each test names the rule it checks."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from models.deterministic_count import count_session, describe_count
from models.errors import CountlabError
from models.remand import (
    RemandOrder,
    act_is_valid,
    complete_before_deadline,
    convene_date,
    hard_deadline,
    p_valid_alternate,
    parse_resume,
    remand_allowed,
    remand_trigger,
    resolve_remand,
    scope_states,
)
from models.rules import REGIMES, rules_for
from models.switches import SWITCHES
from models.tally import Rejection
from tests.models.statehouses_2021 import (
    GOVERNMENTS_2021,
    REMAND_FACTS_2021,
    SEVEN,
    session_2021,
)
from tests.strategies import shipped

SESSION_DAY = date(2021, 1, 6)


def describe(rules, rejections=(), **inputs):
    session = session_2021()
    result = count_session(session, rules, list(rejections), **inputs)
    return describe_count(session, rules, list(rejections), result)


# --- §6 the switches and their defaults -------------------------------------------------

SECTION_6 = {
    # switch: (eca1887, ecra2022, vp-unilateral); n/a cells as documented in REGIMES
    "remand_by_new_statute": (False, False, False),
    "remand_scope": ("papers_2020",) * 3,
    "remand_days": (10, 10, 10),
    "governor_calls_special": ((), (), ()),
    "procedural_lag_days": ((), (), ()),
    "legislative_act_form": ("law_with_presentment",) * 3,
    "enforce_effective_dates": (False, False, False),
    "failed_to_make_choice": ((), (), ()),
    "allow_late_votes": (False, False, False),
    "safe_harbor_binding": (True, True, True),
    "dual_executive_certificates": ("latest",) * 3,
    "vp_remand_choice": ("legislature_backed",) * 3,
    "post_remand_decider": ("vp",) * 3,
    "alternate_requires_governor": (False, True, False),
    "conditional_certificates_valid": (True, True, True),
    "non_response_rule": ("count_original",) * 3,
    "denominator": ("appointed", "statutory", "counted"),
}


@pytest.mark.parametrize("switch", sorted(SECTION_6))
def test_s6_remand_switch_defaults_per_regime(switch):
    regimes = ("eca1887", "ecra2022", "vp-unilateral")
    assert tuple(getattr(REGIMES[r], switch) for r in regimes) == SECTION_6[switch]
    assert switch in SWITCHES


def test_s6_per_state_switches_take_strings_lists_and_tables():
    rules = rules_for(
        "vp-unilateral", governor_calls_special="WI,PA, PA", procedural_lag_days="PA=5,AZ=0"
    )
    assert rules.governor_calls_special == ("PA", "WI")
    assert rules.procedural_lag_days == (("AZ", 0), ("PA", 5))
    assert rules.lag_days("PA") == 5
    assert rules.lag_days("GA") == 0
    same = rules_for(
        "vp-unilateral", governor_calls_special=["WI", "PA"], procedural_lag_days={"PA": 5, "AZ": 0}
    )
    assert same == rules
    assert rules.switches()["procedural_lag_days"] == {"AZ": 0, "PA": 5}
    assert rules.switches()["governor_calls_special"] == ["PA", "WI"]
    assert rules_for("eca1887", remand_days="3", allow_late_votes="TRUE").remand_days == 3


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"remand_days": -1}, "rule 'remand_days' = -1: expected an integer >= 0"),
        ({"remand_days": "ten"}, "rule 'remand_days' = 'ten': expected an integer"),
        ({"remand_days": 1.5}, "rule 'remand_days' = 1.5: expected an integer"),
        ({"remand_scope": "all"}, "rule 'remand_scope' = 'all': expected one of papers_2020"),
        ({"legislative_act_form": "decree"}, "rule 'legislative_act_form' = 'decree'"),
        ({"safe_harbor_binding": "maybe"}, "rule 'safe_harbor_binding' = 'maybe': expected true"),
        ({"vp_remand_choice": "coin"}, "rule 'vp_remand_choice' = 'coin': expected one of"),
        ({"post_remand_decider": "court"}, "rule 'post_remand_decider' = 'court'"),
        ({"non_response_rule": "x"}, "rule 'non_response_rule' = 'x': expected one of"),
        ({"dual_executive_certificates": "both"}, "rule 'dual_executive_certificates' = 'both'"),
        ({"governor_calls_special": "PA,XX"}, "rule 'governor_calls_special': state 'XX'"),
        ({"governor_calls_special": 3}, "rule 'governor_calls_special' = 3: expected state codes"),
        ({"failed_to_make_choice": "pa"}, "rule 'failed_to_make_choice': state 'pa': unknown"),
        ({"procedural_lag_days": "PA"}, "rule 'procedural_lag_days' = 'PA': expected ST=DAYS"),
        ({"procedural_lag_days": "PA=-1"}, "rule 'procedural_lag_days': PA = '-1': expected"),
        ({"procedural_lag_days": "PA=x"}, "rule 'procedural_lag_days': PA = 'x': expected"),
        ({"procedural_lag_days": {"PA": True}}, "rule 'procedural_lag_days': PA = True"),
        ({"procedural_lag_days": {"ZZ": 1}}, "rule 'procedural_lag_days': state 'ZZ'"),
        ({"procedural_lag_days": 5}, "rule 'procedural_lag_days' = 5: expected ST=DAYS"),
    ],
)
def test_s6_remand_switch_errors_name_the_switch_and_value_in_one_line(overrides, message):
    with pytest.raises(CountlabError, match=f"^{message}") as raised:
        rules_for("vp-unilateral", **overrides)
    assert "\n" not in str(raised.value)


def test_s6_a_rules_built_directly_is_checked_too():
    with pytest.raises(CountlabError, match="rule 'governor_calls_special' = 'PA'"):
        dataclasses.replace(REGIMES["eca1887"], governor_calls_special="PA")
    with pytest.raises(CountlabError, match="rule 'procedural_lag_days'"):
        dataclasses.replace(REGIMES["eca1887"], procedural_lag_days=(("WI", 1), ("PA", 5)))


# --- M1 who may remand ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regime", "statute", "allowed", "trigger"),
    [
        ("eca1887", False, False, "vp"),
        ("ecra2022", False, False, "vp"),
        ("vp-unilateral", False, True, "vp"),
        ("eca1887", True, True, "statute"),
        ("ecra2022", True, True, "statute"),
    ],
)
def test_m1_remand_allowed_and_trigger(regime, statute, allowed, trigger):
    rules = rules_for(regime, remand_by_new_statute=statute)
    assert remand_allowed(rules) is allowed
    assert remand_trigger(rules) == trigger


@pytest.mark.parametrize("regime", ["eca1887", "ecra2022"])
def test_l7_m1_an_unlawful_remand_is_reported_and_the_count_goes_on(regime):
    """M1, L7: not an error; lawful false, resume on the session date, no legislature asked
    (answers and signatures are checked, then ignored)."""
    result = describe(
        rules_for(regime),
        remand=RemandOrder(resume=date(2021, 1, 16)),
        answers={"AZ": "appoint_alternate"},
        governor_signs=("AZ",),
    )
    assert result["remand"] == {
        "trigger": "vp",
        "lawful": False,
        "states": list(SEVEN),
        "resume": "2021-01-06",
        "answers": None,
        "valid": {},
    }
    assert result["totals"] == {"biden": 306, "trump": 232}
    assert result["count_complete_before_deadline"] is True
    assert any("ignored" in note for note in result["legal_notes"])


# --- M2 scope ---------------------------------------------------------------------------


def test_m2_scopes():
    session = session_2021()
    assert scope_states("papers_2020", session) == SEVEN
    assert scope_states("objected", session) == ("AZ", "PA")
    assert scope_states("objected", session) == ("AZ", "PA")
    rules = rules_for("vp-unilateral", remand_scope="objected")
    remand = resolve_remand(session, rules, RemandOrder(), answers={}, governor_signs=())
    assert remand.states == ("AZ", "PA")


@pytest.mark.parametrize(
    ("scope", "session", "message"),
    [
        ("papers_2020", "bare", "remand scope papers_2020: session 2021-01-06 has no state"),
        ("objected", "2025", "remand scope objected: no objection recorded for 2025-01-06"),
        ("custom", "2021", "remand scope 'custom': name the states"),
    ],
)
def test_m2_scope_errors(scope, session, message):
    sessions = {
        "bare": dataclasses.replace(shipped("2021-01-06"), remand_facts={}),
        "2025": shipped("2025-01-06"),
        "2021": session_2021(),
    }
    with pytest.raises(CountlabError, match=f"^{message}"):
        scope_states(scope, sessions[session])


# --- M3 timeline and the hard deadline ---------------------------------------------------


def test_m3_resume_defaults_to_the_session_date_plus_remand_days():
    session = session_2021()
    rules = rules_for("vp-unilateral")
    remand = resolve_remand(session, rules, RemandOrder(), answers={}, governor_signs=())
    assert remand.resume == date(2021, 1, 16)
    rules = rules_for("vp-unilateral", remand_days=3)
    remand = resolve_remand(session, rules, RemandOrder(), answers={}, governor_signs=())
    assert remand.resume == date(2021, 1, 9)


def test_m3_until_all_answer_waits_for_nevada_past_the_deadline():
    """M3, M4, M13: NV convenes 1 February, so the count cannot finish by noon on 20 January."""
    result = describe(rules_for("vp-unilateral"), remand=RemandOrder(resume="until_all_answer"))
    assert result["remand"]["resume"] == "2021-02-01"
    assert set(result["remand"]["answers"].values()) == {"no_action"}
    assert result["count_complete_before_deadline"] is False
    assert (result["totals"], result["whole_number"], result["majority_needed"]) == (None,) * 3
    assert result["winner"] is None
    assert result["acting_president"] == "speaker"
    partial = describe(
        rules_for("vp-unilateral"), remand=RemandOrder(("WI", "PA"), resume="until_all_answer")
    )
    assert partial["remand"]["resume"] == "2021-01-06"  # both sit before the session


def test_m3_hard_deadline_is_noon_20_january_eastern():
    deadline = hard_deadline(session_2021())
    assert deadline == datetime.fromisoformat("2021-01-20T12:00-05:00")
    assert complete_before_deadline(date(2021, 1, 19), session_2021())
    assert not complete_before_deadline(date(2021, 1, 20), session_2021())
    assert parse_resume("2021-01-10") == date(2021, 1, 10)
    assert parse_resume("until_all_answer") == "until_all_answer"


# --- M4 convening -----------------------------------------------------------------------

CONVENE_2021 = {
    "WI": date(2021, 1, 4),
    "PA": date(2021, 1, 5),
    "AZ": date(2021, 1, 11),
    "GA": date(2021, 1, 11),
    "MI": date(2021, 1, 13),
    "NM": date(2021, 1, 19),
    "NV": date(2021, 2, 1),
}


@pytest.mark.parametrize("state", sorted(CONVENE_2021))
def test_m4_convene_dates_2021(state):
    rules = rules_for("vp-unilateral")
    assert convene_date(REMAND_FACTS_2021[state], rules, remand=SESSION_DAY) == CONVENE_2021[state]


def test_m4_a_governors_call_convenes_the_day_after_the_remand():
    rules = rules_for("vp-unilateral", governor_calls_special="NV,NM,WI")
    facts = REMAND_FACTS_2021
    assert convene_date(facts["NV"], rules, remand=SESSION_DAY) == date(2021, 1, 7)
    assert convene_date(facts["NM"], rules, remand=SESSION_DAY) == date(2021, 1, 7)
    assert convene_date(facts["WI"], rules, remand=SESSION_DAY) == date(2021, 1, 4)  # earlier
    cannot = dataclasses.replace(facts["NV"], governor_can_call=False)
    assert convene_date(cannot, rules, remand=SESSION_DAY) == date(2021, 2, 1)


@pytest.mark.parametrize(("lag", "answer"), [(5, "appoint_alternate"), (6, "not_in_time")])
def test_m4_procedural_lag_delays_the_answer(lag, answer):
    """ST6: PA convenes 5 January; with a five-day lag it answers by 10 January, with six not."""
    rules = rules_for(
        "vp-unilateral", legislative_act_form="resolution", procedural_lag_days=f"PA={lag}"
    )
    result = describe(
        rules, remand=RemandOrder(("PA",), date(2021, 1, 10)), answers={"PA": "appoint_alternate"}
    )
    assert result["remand"]["answers"] == {"PA": answer}


def test_m4_a_state_that_cannot_convene_answers_not_in_time_whatever_is_given():
    result = describe(
        rules_for("vp-unilateral", legislative_act_form="resolution"),
        remand=RemandOrder(),
        answers={"NV": "appoint_alternate", "NM": "reaffirm"},
    )
    assert result["remand"]["answers"]["NV"] == "not_in_time"
    assert result["remand"]["answers"]["NM"] == "not_in_time"
    assert result["counted_slate"]["NV"] == "original"


# --- M5-M6 answers and their validity ----------------------------------------------------


def test_m6_law_with_presentment_needs_the_governor_or_a_veto_proof_majority():
    rules = rules_for("vp-unilateral")
    facts = REMAND_FACTS_2021["MI"]
    assert not act_is_valid(facts, rules, governor_signs=False)
    assert act_is_valid(facts, rules, governor_signs=True)
    assert act_is_valid(dataclasses.replace(facts, veto_proof=True), rules, governor_signs=False)
    assert act_is_valid(
        facts, rules_for("vp-unilateral", legislative_act_form="resolution"), governor_signs=False
    )


def test_m6_an_invalid_act_counts_as_no_action():
    """MI's unsigned law is invalid: no_action, so count_original (M10); signed, the alternate."""
    rules = rules_for("vp-unilateral")
    unsigned = describe(rules, remand=RemandOrder(("MI",)), answers={"MI": "appoint_alternate"})
    assert unsigned["remand"]["valid"] == {"MI": False}
    assert unsigned["counted_slate"] == {"MI": "original"}
    signed = describe(
        rules,
        remand=RemandOrder(("MI",)),
        answers={"MI": "appoint_alternate"},
        governor_signs=("MI",),
    )
    assert signed["remand"]["valid"] == {"MI": True}
    assert signed["counted_slate"] == {"MI": "alternate"}
    assert signed["totals"] == {"biden": 290, "trump": 248}


def test_m6_enforce_effective_dates_voids_arizonas_act():
    rules = rules_for("vp-unilateral", enforce_effective_dates=True)
    facts = REMAND_FACTS_2021
    assert not act_is_valid(facts["AZ"], rules, governor_signs=True)
    assert act_is_valid(facts["GA"], rules, governor_signs=True)


M6B = {
    # state: (historical_2020, stress (resolution), stress with law_with_presentment)
    "AZ": (0, 1, 1),
    "GA": (0, 1, 1),
    "MI": (0, 1, 0),
    "NV": (0, 0, 0),
    "NM": (0, 0, 0),
    "PA": (0, 1, 0),
    "WI": (0, 1, 0),
}


@pytest.mark.parametrize("state", sorted(M6B))
def test_m6b_probability_of_a_valid_alternate_2021(state):
    facts, government = REMAND_FACTS_2021[state], GOVERNMENTS_2021[state]
    resume = date(2021, 1, 16)

    def p(rules, q_r, g_same):
        return p_valid_alternate(
            facts, government, rules, q_r=q_r, g_same=g_same, remand=SESSION_DAY, resume=resume
        )

    historical = p(rules_for("vp-unilateral"), 0.0, 0.0)
    stress = p(rules_for("vp-unilateral", legislative_act_form="resolution"), 1.0, 1.0)
    presented = p(rules_for("vp-unilateral"), 1.0, 1.0)
    assert (historical, stress, presented) == M6B[state]
    dated = p(rules_for("vp-unilateral", enforce_effective_dates=True), 1.0, 1.0)
    assert dated == (0 if state == "AZ" else M6B[state][2])


def test_m6b_deterministic_stress_with_law_with_presentment_matches_the_table():
    """The deterministic count agrees with M6b: R legislatures answer appoint_alternate,
    governors of their party (AZ, GA) sign; the Democratic governors' states are vetoed."""
    result = describe(
        rules_for("vp-unilateral"),
        remand=RemandOrder(),
        answers=dict.fromkeys(("AZ", "GA", "MI", "PA", "WI"), "appoint_alternate"),
        governor_signs=("AZ", "GA"),
    )
    alternates = {s for s, slate in result["counted_slate"].items() if slate == "alternate"}
    assert alternates == {s for s, row in M6B.items() if row[2] == 1}
    assert result["totals"] == {"biden": 279, "trump": 259}


# --- M13 the 20th Amendment outcome ------------------------------------------------------


@pytest.mark.parametrize(
    ("resume", "complete", "acting"),
    [(date(2021, 1, 19), True, "none"), (date(2021, 1, 20), False, "speaker")],
)
def test_m13_the_count_must_finish_before_noon_on_20_january(resume, complete, acting):
    result = describe(rules_for("vp-unilateral"), remand=RemandOrder(resume=resume))
    assert result["count_complete_before_deadline"] is complete
    assert result["acting_president"] == acting
    assert (result["totals"] is not None) is complete


def test_m13_president_pro_tempore_when_the_speaker_does_not_qualify():
    rules = rules_for("vp-unilateral")
    late = describe(rules, remand=RemandOrder(resume=date(2021, 1, 25)), speaker_qualifies=False)
    assert late["acting_president"] == "president_pro_tempore"
    assert late["outcome"] == "no_choice"
    assert late["contingent"] is None
    on_time = describe(rules, remand=RemandOrder(), speaker_qualifies=False)
    assert on_time["acting_president"] == "none"


# --- every new validation error: one line naming the input, the state and the value ------


@pytest.mark.parametrize(
    ("regime", "inputs", "message"),
    [
        ("vp-unilateral", {"remand": RemandOrder(("TX", "XX"))}, "remand 'XX': unknown state code"),
        ("vp-unilateral", {"remand": RemandOrder(("PA", "PA"))}, "remand PA: named twice"),
        ("vp-unilateral", {"remand": RemandOrder(("DC",))}, "remand DC: DC has no legislature"),
        ("vp-unilateral", {"remand": RemandOrder(())}, "remand: names no state"),
        (
            "vp-unilateral",
            {"remand": RemandOrder(("TX",))},
            "remand TX: session 2021-01-06 has no remand facts",
        ),
        (
            "vp-unilateral",
            {"remand": RemandOrder(resume="soon")},
            "resume 'soon': expected an ISO date",
        ),
        (
            "eca1887",
            {"remand": RemandOrder(resume="2021-01-05")},
            "resume 2021-01-05: before the session date",
        ),
        (
            "vp-unilateral",
            {"remand": RemandOrder(), "answers": {"TX": "reaffirm"}},
            "answers TX: not remanded",
        ),
        (
            "vp-unilateral",
            {"remand": RemandOrder(), "answers": {"PA": "recount"}},
            "answers PA = 'recount': expected one of appoint_alternate",
        ),
        (
            "vp-unilateral",
            {"remand": RemandOrder(), "answers": {"NV": "not_in_time"}},
            r"answers NV = 'not_in_time' \(derived, M4\)",
        ),
        (
            "vp-unilateral",
            {"remand": RemandOrder(), "governor_signs": ("TX",)},
            "governor signs TX: not remanded",
        ),
        ("vp-unilateral", {"answers": {"PA": "reaffirm"}}, "answers: given without a remand"),
        ("vp-unilateral", {"governor_signs": ("PA",)}, "governor signs: given without a remand"),
        ("eca1887", {"returns": {"ZZ": (True, False)}}, "returns 'ZZ': unknown state code"),
        ("eca1887", {"returns": {"WI": (False, False)}}, "returns WI: an alternate with neither"),
        (
            "eca1887",
            {"returns": {"WI": (True,)}},
            r"returns WI = \(True,\): expected \(legislature, executive\)",
        ),
        (
            "eca1887",
            {"returns": {"TX": (True, False)}},
            "returns TX: the 1887 multiple-return rule needs its safe-harbor fact",
        ),
        (
            "eca1887",
            {"returns": {"WI": (True, False)}, "chamber_votes": {"ZZ": ("original", "original")}},
            "chamber votes 'ZZ': unknown state code",
        ),
        (
            "eca1887",
            {"returns": {"WI": (True, False)}, "chamber_votes": {"PA": ("original", "original")}},
            "chamber votes PA: neither remanded nor with a competing return",
        ),
        (
            "eca1887",
            {"returns": {"WI": (True, False)}, "chamber_votes": {"WI": ("original", "maybe")}},
            "chamber votes WI: senate = 'maybe': expected one of original, alternate, neither",
        ),
        (
            "eca1887",
            {"returns": {"WI": (True, False)}, "chamber_votes": {"WI": ("original",)}},
            "chamber votes WI = .*: expected \\(house, senate\\)",
        ),
    ],
)
def test_remand_inputs_errors_are_one_line(regime, inputs, message):
    with pytest.raises(CountlabError, match=f"^{message}") as raised:
        describe(rules_for(regime), **inputs)
    assert "\n" not in str(raised.value)


def test_m8_a_rejection_reaches_only_a_counted_original():
    inputs = {"returns": {"WI": (True, False)}, "chamber_votes": {"WI": ("alternate", "alternate")}}
    with pytest.raises(
        CountlabError, match=r"^rejection WI: its counted slate is alternate"
    ) as raised:
        describe(rules_for("eca1887"), [Rejection("WI")], **inputs)
    assert "\n" not in str(raised.value)
    # AZ's original is counted (safe harbor), so an objection to it may be sustained (A9).
    result = describe(rules_for("eca1887"), [Rejection("AZ")], returns={"AZ": (True, False)})
    assert result["counted_slate"] == {"AZ": "none"}
    assert result["totals"] == {"biden": 295, "trump": 232}


def test_m8_an_alternates_candidate_must_be_another_caucus_nominee():
    """1969: Wallace carried Alabama, of no caucus; an alternate there has no candidate."""
    session = dataclasses.replace(shipped("1969-01-06"), remand_facts={})
    rules = rules_for("vp-unilateral")
    with pytest.raises(CountlabError, match=r"^AL: the original slate is not for a caucus nominee"):
        count_session(session, rules, [], returns={"AL": (True, False)})


def test_st3_the_shipped_2021_facts_are_the_hand_built_ones():
    """The derived session data (scripts/derive_sessions.py) and the facts these tests
    build by hand from remand.md ST3 agree, so the rules tested here are the rules run."""
    session = shipped("2021-01-06")
    built = session_2021()
    assert session.remand_facts == built.remand_facts
    for state, government in built.governments.items():
        shipped_government = session.governments[state]
        assert shipped_government.governor_party == government.governor_party, state
        assert shipped_government.legislature_control == government.legislature_control, state
