"""The pure-Python reference (benchmarks/naive.py) as a second oracle for the engine.

Both simulate the same scenario with fixed seeds; every probability must agree within
4 standard errors of the difference of the two estimates, ``sqrt(p (1 - p) (1/n1 + 1/n2))``
at the pooled ``p``, floored at ``1 / n_naive`` so that probabilities at 0 or 1 are not held
to a zero-width interval.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from benchmarks.naive import simulate_naive
from benchmarks.scenarios import SCENARIO, floats_per_draw, load_bench_scenario
from flows.scenario import parse_scenario, to_scenario
from models.behaviour import Scenario
from models.contingent import NO_ONE
from models.engine import simulate
from models.outcomes import OUTCOMES
from models.sampling import SAMPLERS, block_rng

OVERRIDES = SCENARIO.parent / "overrides.csv"
TEXT = f"""
session = "2021-01-06"
[objections]
AZ = 1.0
PA = 0.8
GA = 0.5
[votes]
house.R = 0.95
house.D = 0.47
senate.R = 0.9
senate.D = 0.1
correlation = 0.3
absent = 0.02
overrides = "{OVERRIDES.as_posix()}"
"""
"""Both chambers agree with probability well inside (0, 1); rejecting all three states
leaves Biden 259 of 538, so the House chooses in some draws (Trump, by delegations)."""
N_NAIVE = 3_000
N_ENGINE = 60_000


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return to_scenario(parse_scenario(TEXT, source="test.toml"), base=Path(), source="test.toml")


@pytest.fixture(scope="module")
def naive(scenario: Scenario) -> list:
    """The pure-Python reference's draws, once for every sampler compared with them."""
    return simulate_naive(scenario, N_NAIVE, seed=1)


def engine_labels(scenario: Scenario, draws) -> list[str]:
    keys = scenario.session.candidate_keys
    return [
        "no_choice" if p == NO_ONE else f"{OUTCOMES[o]}:{keys[p]}"
        for o, p in zip(draws.tally.outcome, draws.tally.president, strict=True)
    ]


def assert_close(p_naive: float, p_engine: float, what: str) -> None:
    pooled = (N_NAIVE * p_naive + N_ENGINE * p_engine) / (N_NAIVE + N_ENGINE)
    se = max(math.sqrt(pooled * (1 - pooled) * (1 / N_NAIVE + 1 / N_ENGINE)), 1 / N_NAIVE)
    assert abs(p_naive - p_engine) <= 4 * se, f"{what}: naive {p_naive}, engine {p_engine}"


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_naive_reference_agrees_with_the_engine(scenario, naive, sampler):
    engine = simulate(scenario, n_draws=N_ENGINE, rng=block_rng(2, 0), sampler=sampler)
    naive_sustained = np.array([d.sustained for d in naive], dtype=float).mean(axis=0)
    naive_raised = np.array([d.raised for d in naive], dtype=float).mean(axis=0)
    for k, state in enumerate(scenario.states):
        assert_close(naive_raised[k], engine.raised[:, k].mean(), f"P(raised {state})")
        assert_close(naive_sustained[k], engine.sustained[:, k].mean(), f"P(sustained {state})")
        # the test is not vacuous: every objection is sometimes sustained, sometimes not
        assert 0.05 < engine.sustained[:, k].mean() < 0.95
    naive_outcomes = Counter(d.outcome for d in naive)
    engine_outcomes = Counter(engine_labels(scenario, engine))
    assert set(naive_outcomes) <= set(engine_outcomes) | {"no_choice"}
    for label in set(naive_outcomes) | set(engine_outcomes):
        assert_close(
            naive_outcomes[label] / N_NAIVE, engine_outcomes[label] / N_ENGINE, f"P({label})"
        )
    assert engine_outcomes["house:trump"] > 0.05 * N_ENGINE  # the contingent path is exercised


def test_naive_totals_match_the_sustained_objections(scenario):
    cert = scenario.session.certificates
    cast = dict(zip(scenario.session.candidate_keys, cert.votes.sum(axis=0).tolist(), strict=True))
    for draw in simulate_naive(scenario, 50, seed=3):
        lost = sum(
            int(cert.votes[s].sum())
            for s, hit in zip(scenario.targets.state, draw.sustained, strict=True)
            if hit
        )
        assert sum(draw.totals.values()) == sum(cast.values()) - lost
        assert all(r or not s for r, s in zip(draw.raised, draw.sustained, strict=True))


def test_naive_refuses_what_it_does_not_model():
    text = TEXT.replace("[objections]", '[rules]\nsustain_rule = "either"\n[objections]')
    either = to_scenario(parse_scenario(text, source="t.toml"), base=Path(), source="t.toml")
    with pytest.raises(NotImplementedError, match="sustain_rule"):
        simulate_naive(either, 1, seed=0)


def test_bench_scenario_is_the_2021_example_with_six_objections():
    scenario = load_bench_scenario()
    assert scenario.states == ("AZ", "GA", "MI", "NV", "PA", "WI")
    assert np.all(scenario.p_raise == 1.0)
    assert scenario.correlation == 0.3
    assert scenario.p_absent == 0.02
    default = {0.6, 0.0, 0.12}
    sworn = scenario.session.roster.sworn
    overridden = [p for p in scenario.p_sustain[sworn] if p not in default]
    assert len(overridden) >= 45  # 50 overrides; a few may equal a group default
    assert floats_per_draw(scenario) == (431 + 99) * 6
