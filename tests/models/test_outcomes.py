"""Outcome labels (models/outcomes.py): built, parsed, and the codes the tally stores."""

from __future__ import annotations

import pytest

from models.contingent import NO_ONE
from models.deterministic_count import count_session
from models.errors import CountlabError
from models.outcomes import (
    NO_CHOICE,
    OUTCOMES,
    code_label,
    outcome_kind,
    outcome_label,
    parse_label,
)
from models.rules import rules_for
from models.tally import Rejection
from tests.strategies import shipped


@pytest.mark.parametrize(
    ("kind", "candidate", "label"),
    [
        ("electors", "biden", "electors:biden"),
        ("house", "trump", "house:trump"),
        ("no_choice", None, "no_choice"),
        ("no_choice", "trump", "no_choice"),  # nobody is chosen: the candidate is not shown
    ],
)
def test_outcome_label_and_its_parse(kind, candidate, label):
    assert outcome_label(kind, candidate) == label
    assert parse_label(label) == (kind, None if kind == NO_CHOICE else candidate)
    assert outcome_kind(label) == kind


@pytest.mark.parametrize(
    ("kind", "candidate"), [("senate", "pence"), ("electors", None), ("house", "")]
)
def test_outcome_label_refuses_an_unknown_kind_or_a_missing_candidate(kind, candidate):
    with pytest.raises(CountlabError, match=repr(kind)):
        outcome_label(kind, candidate)


@pytest.mark.parametrize("label", ["electors", "house:", "no_choice:biden", "senate:pence", ""])
def test_parse_label_refuses_what_no_outcome_is_called(label):
    with pytest.raises(CountlabError, match="expected electors:<candidate>"):
        parse_label(label)


def test_code_label_reads_the_codes_the_tally_stores():
    """The tally's outcome codes index OUTCOMES: 2021 as counted, and with the Eastman 7
    rejected under vp-unilateral and W = 538 (the House chooses Trump, rules.md C1)."""
    session = shipped("2021-01-06")
    keys = session.candidate_keys
    eastman = [Rejection(s) for s in ("AZ", "GA", "MI", "NV", "NM", "PA", "WI")]
    cases = {
        "electors:biden": count_session(session, rules_for("eca1887"), []),
        "house:trump": count_session(
            session, rules_for("vp-unilateral", denominator="appointed"), eastman
        ),
    }
    for label, result in cases.items():
        assert OUTCOMES[int(result.outcome[0])] == outcome_kind(label)
        assert code_label(int(result.outcome[0]), int(result.president[0]), keys) == label
    assert code_label(OUTCOMES.index(NO_CHOICE), NO_ONE, keys) == NO_CHOICE
