"""``countlab tally``'s remand and competing-slates options (issue 13 item 3; remand.md M2,
M3, M5, M7, M8): what each parses to, that repeats add up, and one line for every mistake."""

from __future__ import annotations

from datetime import date

import pytest

from flows.remand_options import (
    parse_answers,
    parse_chamber_votes,
    parse_remand,
    parse_returns,
    parse_states,
)
from models.errors import CountlabError, OptionError
from models.remand import parse_resume


def test_m2_remand_takes_a_scope_or_states():
    assert parse_remand(["papers_2020"]) == "papers_2020"
    assert parse_remand(["objected"]) == "objected"
    assert parse_remand(["az,pa", "WI"]) == ("AZ", "PA", "WI")  # repeats add up
    assert parse_remand([]) is None


def test_m3_resume_is_a_date_or_until_all_answer():
    assert parse_resume("2021-01-16") == date(2021, 1, 16)
    assert parse_resume("until_all_answer") == "until_all_answer"


def test_m5_answers_and_m8_chamber_votes_and_m7_returns():
    assert parse_answers(["AZ=appoint_alternate", "pa=reaffirm,WI=no_action"]) == {
        "AZ": "appoint_alternate",
        "PA": "reaffirm",
        "WI": "no_action",
    }
    assert parse_chamber_votes(["WI=alternate:original"]) == {"WI": ("alternate", "original")}
    assert parse_returns(["WI=alternate+legislature", "PA=alternate+legislature+executive"]) == {
        "WI": (True, False),  # (legislature, executive)
        "PA": (True, True),
    }
    assert parse_states("--governor-signs", ["AZ,GA"]) == frozenset({"AZ", "GA"})


@pytest.mark.parametrize(
    ("parse", "texts", "message"),
    [
        (parse_remand, ["AZ,XX"], "--remand 'XX': unknown state code 'XX'"),
        (parse_remand, ["AZ", "az"], "--remand 'az': state AZ given twice"),
        (parse_remand, ["papers_2020,AZ"], "is a scope of its own"),
        (parse_remand, ["AZ,,PA"], "--remand 'AZ,,PA': empty item"),
        (parse_answers, ["AZ=maybe"], "--answers 'AZ=maybe': answer 'maybe': expected"),
        (parse_answers, ["AZ=not_in_time"], "derived from the calendar"),
        (parse_answers, ["AZ=reaffirm", "AZ=no_action"], "state AZ given twice"),
        (parse_answers, ["AZ"], "expected ST=ANSWER"),
        (parse_returns, ["WI=alternate"], "--returns 'WI=alternate': expected"),
        (parse_returns, ["ZZ=alternate+legislature"], "unknown state code 'ZZ'"),
        (parse_chamber_votes, ["WI=alternate"], "expected ST=HOUSE:SENATE"),
        (parse_chamber_votes, ["WI=alternate:both"], "'both': expected original"),
        (parse_chamber_votes, ["WI=neither:neither", "WI=original:original"], "given twice"),
    ],
)
def test_every_mistake_is_one_line_naming_the_option_and_item(parse, texts, message):
    with pytest.raises(CountlabError) as error:
        parse(texts)
    assert message in str(error.value)
    assert len(str(error.value).splitlines()) == 1


@pytest.mark.parametrize("text", ["16 Jan", "2021-13-01", "until_all"])
def test_m3_a_bad_resume_is_one_line(text):
    with pytest.raises(OptionError) as error:
        parse_resume(text)
    assert error.value.as_flag().startswith(f"--resume {text!r}: expected an ISO date")
