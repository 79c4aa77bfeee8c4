"""The member model's stated approximation of the joint law of sustained objections (issue
14 item 1; models/member_oracle.py), against long Monte Carlo runs with fixed seeds, and its
exact parts (a member's two votes, the margins' moments) against brute force."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import ndtr
from scipy.stats import norm

from flows.scenario import parse_scenario, to_scenario
from models.engine import simulate
from models.member_oracle import both_yea, margin_moments, sustained_law
from models.oracle import exact_probabilities
from models.outcomes import code_label
from models.sampling import block_rng

APPROXIMATION_ERROR = 0.01
"""The approximation's stated error, absolute. Measured against 200,000 draws: on the
scenario below at most 0.0044 on P(sustained set) and 0.0010 on the outcomes (0.9 SE); on a
harder one (house.R 0.97, senate.R 0.95, AZ weaker than average) 0.0069 on P(sustained set).
The tests allow 0.01 on top of 4 Monte Carlo standard errors."""

CONTESTED = """
session = "2021-01-06"
regime = "eca1887"
[objections]
AZ = 1.0
PA = 0.9
GA = 1.0
[votes]
house.R = 0.97
house.D = 0.07
senate.R = 0.95
senate.D = 0.1
member_correlation.house = 0.6
member_correlation.senate = 0.8
objection_shift.house.AZ = 0.2
objection_shift.house.PA = 0.2
objection_shift.senate.AZ = 0.2
objection_shift.senate.PA = 0.3
absent = 0.02
"""
"""Three objections; rejecting all three leaves Biden short of a majority (the House
chooses), which happens in about half the draws."""


def build(text: str):
    return to_scenario(parse_scenario(text, source="t.toml"), base=Path(), source="t.toml")


def test_a_members_two_votes_are_a_bivariate_normal_event():
    t_a, t_b = np.array([-0.3, 1.1, -np.inf, np.inf]), np.array([0.4, 0.2, 0.5, -0.7])
    tau = 0.6
    got = both_yea(t_a, t_b, tau)
    scale = math.sqrt(1 - tau)
    for i in range(2):

        def f(u, i=i):
            z = math.sqrt(tau) * u
            return ndtr((t_a[i] - z) / scale) * ndtr((t_b[i] - z) / scale) * norm.pdf(u)

        assert got[i] == pytest.approx(quad(f, -12, 12)[0], abs=1e-6)
    assert got[2] == 0.0
    assert got[3] == pytest.approx(ndtr(-0.7))


def test_the_margins_moments_are_exact_for_a_small_chamber():
    """Three members, two objections: mean and covariance of the margins by enumerating
    every member's (absent, yea, nay) pair with the exact pair probabilities."""
    threshold = np.array([[0.2, 0.5], [-1.0, -0.4], [0.9, 1.3]])
    tau, absent = 0.5, 0.1
    mean, cov = margin_moments(threshold, tau=tau, p_absent=absent)
    exp_mean, exp_cov = np.zeros(2), np.zeros((2, 2))
    for t in threshold:
        both = both_yea(t[:1], t[1:], tau)[0]
        p_a, p_b = ndtr(t[0]), ndtr(t[1])
        joint = {(1, 1): both, (1, -1): p_a - both, (-1, 1): p_b - both}
        joint[(-1, -1)] = 1 - sum(joint.values())
        law = {}
        for (a, b), p in joint.items():  # each vote present with 1 - absent, independently
            for pa in (True, False):
                for pb in (True, False):
                    w = p * ((1 - absent) if pa else absent) * ((1 - absent) if pb else absent)
                    key = (a if pa else 0, b if pb else 0)
                    law[key] = law.get(key, 0.0) + w
        m = np.array([sum(w * k[i] for k, w in law.items()) for i in range(2)])
        second = np.array(
            [[sum(w * k[i] * k[j] for k, w in law.items()) for j in range(2)] for i in range(2)]
        )
        exp_mean += m
        exp_cov += second - np.outer(m, m)
    assert mean == pytest.approx(exp_mean, abs=1e-9)
    assert cov == pytest.approx(exp_cov, abs=1e-6)


def test_the_raised_objections_thin_the_agreed_set():
    agreement = np.array([0.1, 0.2, 0.3, 0.4])  # bits: AZ, PA
    law = sustained_law(agreement, np.array([0.5, 1.0]))
    assert law.sum() == pytest.approx(1.0)
    assert law[3] == pytest.approx(0.4 * 0.5)  # both agreed, AZ raised
    assert law[2] == pytest.approx(0.3 + 0.4 * 0.5)  # PA alone sustained


@pytest.mark.slow
def test_the_approximation_agrees_with_a_long_monte_carlo_run():
    """P(each outcome) under the member model with three objections: the stated
    approximation within 4 SE plus APPROXIMATION_ERROR of 120,000 draws; the oracle says
    the outcomes are approximate, and each objection's probability stays exact."""
    scenario = build(CONTESTED)
    exact = exact_probabilities(scenario)
    assert exact.approximate
    assert exact.outcomes is not None
    assert sum(exact.outcomes.values()) == pytest.approx(1.0, abs=1e-4)  # Genz: 1e-5 each
    assert sum(1 for p in exact.outcomes.values() if 0.05 < p < 0.95) >= 2  # not degenerate
    n_blocks, keys = 4, scenario.session.candidate_keys
    labels: list[str] = []
    sustained = []
    for block in range(n_blocks):
        draws = simulate(scenario, n_draws=30_000, rng=block_rng(5, block))
        labels += [
            code_label(int(o), int(p), keys)
            for o, p in zip(draws.tally.outcome, draws.tally.president, strict=True)
        ]
        sustained.append(draws.sustained)
    n = len(labels)
    found, counts = np.unique(labels, return_counts=True)
    mc = dict(zip(found.tolist(), (counts / n).tolist(), strict=True))
    for label in set(mc) | set(exact.outcomes):
        p = exact.outcomes.get(label, 0.0)
        se = max(math.sqrt(p * (1 - p) / n), 1 / n)
        assert abs(mc.get(label, 0.0) - p) <= 4 * se + APPROXIMATION_ERROR, (label, mc, p)
    rate = np.concatenate(sustained).mean(axis=0)
    for k, p in enumerate(exact.p_sustained):  # exact, no allowance
        assert abs(rate[k] - p) <= 4 * math.sqrt(p * (1 - p) / n), (k, rate[k], p)


def test_with_a_caucus_shock_the_joint_outcomes_are_declined():
    exact = exact_probabilities(build(CONTESTED + "correlation = 0.2\n"))
    assert exact.outcomes is None
    assert not exact.approximate
