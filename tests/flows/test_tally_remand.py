"""``countlab tally`` with a remand and competing returns: remand.md §7's worked examples
through the command line, exactly as its jsonl lines give them, and the options' mistakes
(issue 13 item 3)."""

from __future__ import annotations

import json

import pytest

from tests.flows.cli_helpers import run_cli

SEVEN = ["AZ", "GA", "MI", "NM", "NV", "PA", "WI"]
ALL_ALTERNATE = "AZ=appoint_alternate,GA=appoint_alternate,MI=appoint_alternate,"
ALL_ALTERNATE += "PA=appoint_alternate,WI=appoint_alternate"

EXAMPLES = {
    "X1": (
        ["--regime", "eca1887", "--remand", "papers_2020"],
        {
            "remand": {"trigger": "vp", "lawful": False, "states": SEVEN, "resume": "2021-01-06"},
            "counted_slate": dict.fromkeys(SEVEN, "original"),
            "totals": {"biden": 306, "trump": 232},
            "winner": "biden",
        },
    ),
    "X3": (
        ["--regime", "vp-unilateral", "--remand", "papers_2020", "--resume", "2021-01-16"],
        {
            "remand": {
                "trigger": "vp",
                "lawful": True,
                "states": SEVEN,
                "resume": "2021-01-16",
                "answers": {
                    **dict.fromkeys(["AZ", "GA", "MI", "PA", "WI"], "no_action"),
                    "NM": "not_in_time",
                    "NV": "not_in_time",
                },
            },
            "counted_slate": dict.fromkeys(SEVEN, "original"),
            "totals": {"biden": 306, "trump": 232},
            "winner": "biden",
        },
    ),
    "X4": (
        [
            *("--regime", "vp-unilateral", "--remand", "papers_2020", "--resume", "2021-01-16"),
            *("--rule", "legislative_act_form=resolution", "--answers", ALL_ALTERNATE),
        ],
        {
            "remand": {
                "trigger": "vp",
                "lawful": True,
                "states": SEVEN,
                "resume": "2021-01-16",
                "answers": {
                    **dict.fromkeys(["AZ", "GA", "MI", "PA", "WI"], "appoint_alternate"),
                    "NM": "not_in_time",
                    "NV": "not_in_time",
                },
            },
            "counted_slate": {
                **dict.fromkeys(["AZ", "GA", "MI", "PA", "WI"], "alternate"),
                "NM": "original",
                "NV": "original",
            },
            "totals": {"biden": 233, "trump": 305},
            "winner": "trump",
        },
    ),
    "X6a": (
        [
            *("--regime", "vp-unilateral", "--remand", "papers_2020", "--resume", "2021-01-10"),
            *("--rule", "legislative_act_form=resolution"),
            *("--answers", "PA=appoint_alternate", "--answers", "WI=appoint_alternate"),
        ],
        {
            "remand": {
                "trigger": "vp",
                "lawful": True,
                "states": SEVEN,
                "resume": "2021-01-10",
                "answers": {
                    **dict.fromkeys(["AZ", "GA", "MI", "NM", "NV"], "not_in_time"),
                    "PA": "appoint_alternate",
                    "WI": "appoint_alternate",
                },
            },
            "counted_slate": {
                **dict.fromkeys(SEVEN, "original"),
                "PA": "alternate",
                "WI": "alternate",
            },
            "totals": {"biden": 276, "trump": 262},
            "winner": "biden",
        },
    ),
    "X8b": (
        [
            *("--regime", "eca1887", "--returns", "WI=alternate+legislature"),
            *("--chamber-votes", "WI=alternate:alternate"),
        ],
        {
            "remand": None,
            "counted_slate": {"WI": "alternate"},
            "totals": {"biden": 296, "trump": 242},
            "winner": "biden",
        },
    ),
}


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_section7_worked_examples_through_the_cli(example, monkeypatch, capsys):
    """remand.md §7 X1, X3, X4, X6a, X8b (M1-M14, L4, L7): counted slates, totals, W and
    the majority, the winner, no acting President, the count complete."""
    args, expected = EXAMPLES[example]
    code, out, err = run_cli(monkeypatch, capsys, "tally", *args, "--json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    for key in ("counted_slate", "totals", "winner"):
        assert result[key] == expected[key], key
    if expected["remand"] is None:
        assert result["remand"] is None
    else:
        for key, value in expected["remand"].items():
            assert result["remand"][key] == value, key
    assert (result["whole_number"], result["majority_needed"]) == (538, 270)
    assert result["acting_president"] == "none"
    assert result["count_complete_before_deadline"] is True


def test_m13_a_count_resumed_after_noon_on_20_january_has_no_totals(monkeypatch, capsys):
    """M13: a count not finished at noon on 20 January: no totals, the Speaker acts."""
    args = ["--regime", "vp-unilateral", "--remand", "papers_2020", "--resume", "2021-01-25"]
    code, out, _ = run_cli(monkeypatch, capsys, "tally", *args, "--json")
    result = json.loads(out)
    assert code == 0
    assert result["count_complete_before_deadline"] is False
    assert (result["totals"], result["whole_number"], result["majority_needed"]) == (None,) * 3
    assert result["acting_president"] in ("speaker", "vp_elect")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resume", "2021-01-16"], "--resume is for a remand: give --remand STATES too"),
        (["--answers", "AZ=reaffirm"], "--answers is for a remand"),
        (["--remand", "AZ", "--resume", "16 Jan"], "--resume '16 Jan': expected an ISO date"),
        (["--remand", "AZ", "--answers", "AZ=maybe"], "--answers 'AZ=maybe': answer 'maybe'"),
        (["--remand", "AZ,AZ"], "--remand 'AZ': state AZ given twice"),
        (["--returns", "WI=alternate"], "--returns 'WI=alternate': expected"),
        (["--chamber-votes", "WI=alternate:both"], "'both': expected original"),
    ],
)
def test_remand_option_mistakes_are_one_line(args, message, monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "tally", *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
