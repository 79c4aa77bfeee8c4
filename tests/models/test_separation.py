"""Separation of a caucus's votes by ideal point (models/separation.py) and how the members
fit reports it: the slope omitted with a note, or, when it still runs off, a note."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtri

from models.calibration import fit_members
from models.separation import separation_note
from tests.models.test_calibration import roll_calls


def test_one_roll_call_split_by_ideal_point_is_complete_separation() -> None:
    x = np.linspace(-1.0, 1.0, 30)
    arrays = roll_calls([1] * 30, [(int(v > 0.1),) for v in x], ideal=x, states=("AZ",))
    result = fit_members(arrays, chamber="house")
    assert "house.R.ideal_point" not in result.parameters
    note = next(n for n in result.notes if "separated by ideal point" in n)
    assert "complete" in note
    assert "+inf" in note
    estimate, se = result.parameters["house.R.intercept"]
    assert estimate == pytest.approx(ndtri((x > 0.1).mean()), rel=1e-9)  # the pooled probit
    assert se is not None


def test_ties_at_the_threshold_are_quasi_complete_separation_and_yeas_below_give_minus_inf() -> (
    None
):
    x = np.array([-0.5, -0.4, -0.2, -0.2, 0.3, 0.6])
    signs = np.array([[1.0, 1.0], [1.0, 0.0], [1.0, -1.0], [-1.0, -1.0], [-1.0, -1.0], [0.0, -1.0]])
    note = separation_note("R", x, signs)
    assert note is not None
    assert "quasi-complete" in note
    assert "below -0.2 voted yea" in note
    assert "-inf" in note


def test_overlapping_votes_are_not_separated_and_keep_their_slope() -> None:
    x = np.array([-0.5, -0.4, -0.2, 0.1, 0.3, 0.6])
    signs = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, -1.0], [-1.0, 1.0]])
    assert separation_note("R", x, signs) is None
    assert separation_note("R", x, np.ones((6, 2))) is None  # unanimous: fixed elsewhere
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, 80)
    votes = [
        (int(a), int(b))
        for a, b in zip(x + rng.normal(0, 1, 80) > 0, x + rng.normal(0, 1, 80) > 0, strict=True)
    ]
    result = fit_members(roll_calls([1] * 80, votes, ideal=x), chamber="house")
    assert "house.R.ideal_point" in result.parameters
    assert not any("separat" in n or "running off" in n for n in result.notes)


def test_a_slope_that_runs_off_through_the_objection_effects_is_noted() -> None:
    # each roll call split by ideal point at its own threshold (AZ 0.5, PA 0.3): deterministic
    # votes need the slope and the effects to grow together, which the one-threshold rule misses
    rng = np.random.default_rng(1)
    xr, xd = np.sort(rng.uniform(0.1, 0.9, 60)), rng.uniform(-0.8, -0.1, 40)
    votes = [(int(x > 0.5), int(x > 0.3)) for x in xr] + [(0, 0)] * 40
    result = fit_members(
        roll_calls([1] * 60 + [0] * 40, votes, ideal=np.concatenate([xr, xd])), chamber="house"
    )
    assert any("running off (separation)" in n for n in result.notes)
