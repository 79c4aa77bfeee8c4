"""The scenario builder: pure from a validated file, its session, rules and overrides."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from flows.scenario import build_scenario, parse_scenario, scenario_rules, to_scenario
from models.rules import rules_for
from tests.strategies import shipped

TEXT = """session = "2021-01-06"
denominator = "counted"
[rules]
delegation_rule = "majority_of_delegation"
[objections]
PA = 0.25
AZ = 1.0
[grounds]
AZ = "not_lawfully_certified"
[votes]
house.R = 0.9
senate.D = 0.1
correlation = 0.5
"""


def test_build_scenario_takes_every_value_from_the_file_and_the_overrides():
    config = parse_scenario(TEXT, source="t.toml")
    session = shipped("2021-01-06")
    rules = scenario_rules(config, session, source="t.toml")
    assert rules == rules_for(
        session.default_regime, denominator="counted", delegation_rule="majority_of_delegation"
    )
    member = session.roster.bioguide_ids[0]
    scenario = build_scenario(config, session, rules, {member: 0.625})
    assert scenario.states == ("PA", "AZ")  # in the file's order
    assert scenario.p_raise.tolist() == [0.25, 1.0]
    assert scenario.targets.certification.tolist() == [False, True]
    assert scenario.p_sustain[0] == 0.625
    roster = session.roster
    others = np.arange(roster.n_members) > 0
    house_r = others & ~roster.is_senator & (roster.caucus == 1)
    assert set(scenario.p_sustain[house_r]) == {0.9}
    assert set(scenario.p_sustain[others & roster.is_senator & (roster.caucus == 0)]) == {0.1}
    assert not scenario.p_sustain.flags.writeable
    assert scenario.correlation == 0.5
    same = to_scenario(config, base=Path(), source="t.toml")  # no overrides file: none
    assert same.rules == rules
    np.testing.assert_array_equal(same.p_sustain[others], scenario.p_sustain[others])
    assert same.p_sustain[0] != 0.625
