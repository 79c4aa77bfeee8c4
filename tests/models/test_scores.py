"""Scores of forecasts against what happened (models/scores.py): member-level Brier and log
scores, the central 90% interval and mid-PIT of a count's histogram."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.calibration import fit_group, fit_members
from models.predictive import predict, simulate_votes
from models.scores import LOG_FLOOR, brier_score, count_interval, log_score, mid_pit
from tests.models.test_calibration import HOUSE_TRUTH, house_template

P = np.array([0.8, 0.3, 0.9])
YEA = np.array([True, False, True])


def test_brier_is_the_mean_squared_miss() -> None:
    assert brier_score(P, YEA) == pytest.approx((0.2**2 + 0.3**2 + 0.1**2) / 3, rel=1e-15)
    assert brier_score(np.array([1.0, 0.0]), np.array([True, False])) == 0.0
    assert brier_score(np.full(3, 0.5), np.ones(3, dtype=bool)) == 0.25


def test_log_score_is_the_mean_log_probability_of_what_happened() -> None:
    expected = (math.log(0.8) + math.log(0.7) + math.log(0.9)) / 3
    assert log_score(P, YEA) == pytest.approx(expected, rel=1e-15)
    assert log_score(np.full(2, 0.5), np.zeros(2, dtype=bool)) == pytest.approx(-math.log(2))


def test_log_score_floors_certain_forecasts_that_miss() -> None:
    assert log_score(np.array([1.0]), np.array([False])) == pytest.approx(math.log(LOG_FLOOR))
    assert log_score(np.array([0.0]), np.array([False])) == pytest.approx(0.0, abs=1e-11)


def test_count_interval_and_mid_pit_on_a_histogram() -> None:
    counts = np.arange(101)
    weights = np.ones(101, dtype=np.int64)  # uniform on 0..100
    assert count_interval(counts, weights) == (5, 95)  # CDF(k) = (k + 1) / 101
    assert mid_pit(counts, weights, 50) == pytest.approx(50.5 / 101)
    assert mid_pit(counts, weights, 200) == 1.0
    assert mid_pit(counts, weights, -1) == 0.0


def test_the_members_model_scores_better_than_the_group_model_on_its_own_data() -> None:
    rng = np.random.default_rng(12)
    arrays = simulate_votes(HOUSE_TRUTH, house_template(rng), rng=rng)
    members, group = fit_members(arrays, chamber="house"), fit_group(arrays, chamber="house")
    cast = arrays.votes >= 0
    yea = arrays.votes[cast] == 1
    p_members = predict(members, arrays.states)[cast]
    p_group = predict(group, arrays.states)[cast]
    assert brier_score(p_members, yea) < brier_score(p_group, yea)
    assert log_score(p_members, yea) > log_score(p_group, yea)
