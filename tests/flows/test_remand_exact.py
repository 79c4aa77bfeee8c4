"""The exact oracle on remand scenarios (issue 13 item 5; remand.md M15): Monte Carlo
against exact within 4 standard errors, one scenario per regime, fixed seeds; and where the
Houses vote on a slate the oracle says it cannot (None), never a wrong number."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from flows.scenario import to_scenario, validate_scenario
from models.behaviour import Scenario
from models.engine import simulate
from models.oracle import exact_probabilities
from models.outcomes import code_label

N_DRAWS = 40_000
VOTES = {"house": {"R": 0.6}, "senate": {"R": 0.12}, "correlation": 0.3, "absent": 0.02}

SCENARIOS: dict[str, dict[str, Any]] = {
    # the VP sends the seven back; legislatures answer at random with a common shock;
    # governors sign (same party) or certify (any); PA and WI need a governor (presentment)
    "vp-unilateral": {
        "regime": "vp-unilateral",
        "objections": {"GA": 0.3},
        "votes": VOTES,
        "remand": {
            "states": "papers_2020",
            "resume": "2021-01-16",
            "appoint_alternate": {"R": 0.5},
            "decertify_only": {"R": 0.2},
            "rho": 0.3,
            "g_same": 0.8,
            "p_governor_certifies_alternate": 0.25,
        },
    },
    # an unlawful remand beside real objections to AZ and PA, and a safe-harbor return
    "eca1887": {
        "regime": "eca1887",
        "objections": {"AZ": 1.0, "GA": 1.0, "PA": 1.0},
        "votes": {**VOTES, "house": {"R": 0.9, "D": 0.3}, "senate": {"R": 0.7, "D": 0.3}},
        "remand": {"states": ["AZ", "GA"], "appoint_alternate": {"R": 1.0}},
        "returns": {"PA": "alternate+legislature+executive"},
    },
    # competing returns never counted, objections under the one-fifth threshold
    "ecra2022": {
        "regime": "ecra2022",
        "objections": {"AZ": 0.8, "GA": 0.5, "PA": 0.7, "MI": 0.5},
        "votes": {**VOTES, "house": {"R": 0.9, "D": 0.4}, "senate": {"R": 0.8, "D": 0.4}},
        "returns": {"WI": "alternate+legislature", "MI": "alternate+legislature+executive"},
    },
}


def build(raw: dict[str, Any]) -> Scenario:
    config = validate_scenario(raw, source="s.toml")
    return to_scenario(config, base=Path(), source="s.toml")


def mc_outcomes(scenario: Scenario, seed: int) -> dict[str, float]:
    draws = simulate(scenario, n_draws=N_DRAWS, rng=np.random.default_rng(seed))
    keys = scenario.session.candidate_keys
    labels = [
        code_label(int(o), int(p), keys)
        for o, p in zip(draws.tally.outcome, draws.tally.president, strict=True)
    ]
    found, counts = np.unique(labels, return_counts=True)
    return {str(label): int(n) / N_DRAWS for label, n in zip(found, counts, strict=True)}


@pytest.mark.slow
@pytest.mark.parametrize("regime", sorted(SCENARIOS))
def test_m15_monte_carlo_agrees_with_the_exact_remand_oracle(regime):
    scenario = build(SCENARIOS[regime])
    exact = exact_probabilities(scenario)
    assert exact.outcomes is not None
    assert sum(exact.outcomes.values()) == pytest.approx(1.0, abs=1e-9)
    mc = mc_outcomes(scenario, seed=1306)
    for label in set(exact.outcomes) | set(mc):
        p = exact.outcomes.get(label, 0.0)
        se = max(np.sqrt(p * (1 - p) / N_DRAWS), 1 / N_DRAWS)
        assert abs(mc.get(label, 0.0) - p) <= 4 * se, (label, mc.get(label), p)


@pytest.mark.parametrize("regime", sorted(SCENARIOS))
def test_m15_each_scenario_is_not_degenerate(regime):
    """Each scenario's law is spread over outcomes (else the test above proves little)."""
    exact = exact_probabilities(build(SCENARIOS[regime]))
    assert exact.outcomes is not None
    assert sum(1 for p in exact.outcomes.values() if 0.05 < p < 0.95) >= 2


def test_m8_the_oracle_declines_when_the_houses_vote_on_a_slate():
    """WI (no safe harbor) with two returns under eca1887 goes to the Houses, whose votes
    share members with the objections: no product law, so no exact outcomes."""
    raw = {
        "regime": "eca1887",
        "objections": {"AZ": 1.0},
        "votes": VOTES,
        "returns": {"WI": "alternate+legislature"},
    }
    exact = exact_probabilities(build(raw))
    assert exact.outcomes is None
    assert exact.p_sustained.shape == (1,)


def test_m15_exact_with_no_objections_at_all():
    """A remand scenario need not have objections (examples/send-it-back.toml): the oracle
    then counts the slates alone (X4 under the stress preset: Trump by the electors)."""
    raw = {
        "regime": "vp-unilateral",
        "remand": {"states": "papers_2020", "resume": "2021-01-16", "preset": "stress"},
    }
    exact = exact_probabilities(build(raw))
    assert exact.p_sustained.shape == (0,)
    assert exact.outcomes == {"electors:trump": pytest.approx(1.0)}


@pytest.mark.parametrize("regime", sorted(SCENARIOS))
def test_m15_each_states_counted_slate_agrees_with_the_exact_marginals(regime):
    """The oracle's per-state slate probabilities (what run --exact stores and --json shows
    under slates.ST.exact) against the Monte Carlo's counted slates, within 4 SE."""
    from models.slates import SLATES

    scenario = build(SCENARIOS[regime])
    exact = exact_probabilities(scenario)
    assert exact.slates is not None
    assert list(exact.slates) == list(scenario.slate_states)
    draws = simulate(scenario, n_draws=N_DRAWS, rng=np.random.default_rng(1307))
    assert draws.counted_slate is not None
    for s, state in enumerate(scenario.slate_states):
        assert sum(exact.slates[state].values()) == pytest.approx(1.0)
        for code, slate in enumerate(SLATES):
            p = exact.slates[state][slate]
            mc = float(np.mean(draws.counted_slate[:, s] == code))
            se = max(np.sqrt(p * (1 - p) / N_DRAWS), 1 / N_DRAWS)
            assert abs(mc - p) <= 4 * se, (state, slate, mc, p)
