"""The saltelli and morris sweep designs (flows.design, flows.design_salib): sizes, order,
values, checks and the record they leave (no flow runs here)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from flows.design import (
    MAX_POINTS,
    count_points,
    design_points,
    make_spec,
    parse_sweep_table,
    parse_vary,
    stored_spec,
)
from flows.design_salib import unit_design
from models.errors import CountlabError

AXES = ("votes.senate.R=0:0.6", "regime=eca1887,ecra2022", "votes.correlation=0.1:0.5:9")


def spec(*vary: str, design: str, points: int | None):
    return make_spec(
        tuple(parse_vary(v) for v in vary), design=design, points=points, source="--vary"
    )


@pytest.mark.parametrize(("design", "per_base"), [("saltelli", 3 + 2), ("morris", 3 + 1)])
def test_the_size_is_counted_without_sampling_and_matches_the_points(design, per_base):
    sweep = spec(*AXES, design=design, points=8)
    assert count_points(sweep) == 8 * per_base
    assert len(design_points(sweep, seed=4)) == 8 * per_base


def test_a_saltelli_design_comes_in_blocks_of_a_b_and_one_key_swapped():
    """Block i: A, A with key j from B (j = 0, 1, 2), B: SALib.analyze.sobol's order."""
    unit = unit_design("saltelli", 4, 3, seed=9)
    for block in unit.reshape(4, 5, 3):
        a, b = block[0], block[-1]
        for j in range(3):
            expected = a.copy()
            expected[j] = b[j]
            assert np.array_equal(block[1 + j], expected)


def test_points_are_the_axes_values_at_the_unit_design_and_repeat_with_the_seed():
    sweep = spec(*AXES, design="saltelli", points=8)
    unit = unit_design("saltelli", 8, 3, seed=4)
    points = design_points(sweep, seed=4)
    assert points == design_points(sweep, seed=4)
    assert points != design_points(sweep, seed=5)
    for u, point in zip(unit, points, strict=True):
        assert point["votes.senate.R"] == pytest.approx(0.6 * u[0], abs=1e-11)
        assert point["regime"] == ("eca1887" if u[1] < 0.5 else "ecra2022")
        assert 0.1 <= point["votes.correlation"] <= 0.5  # a range's count is not used


def test_a_morris_design_walks_a_four_level_grid():
    sweep = spec("votes.senate.R=0:0.6", "regime=eca1887,ecra2022", design="morris", points=5)
    points = design_points(sweep, seed=2)
    assert {p["votes.senate.R"] for p in points} <= {0.0, 0.2, 0.4, 0.6}
    for trajectory in np.array_split(np.arange(len(points)), 5):  # one key moves per step
        steps = [sum(points[i][k] != points[i + 1][k] for k in points[i]) for i in trajectory[:-1]]
        assert steps == [1, 1]


@pytest.mark.parametrize(
    ("vary", "design", "points", "message"),
    [
        (AXES, "saltelli", 10, "field 'sweep.points' = 10: a saltelli design's base size N "),
        (AXES, "saltelli", 0, "saltelli needs points >= 1"),
        (AXES, "morris", 1, "at least 2 trajectories"),
        ((), "saltelli", 8, "needs at least one swept key"),
        (("votes.senate.R=0.4",), "morris", 8, "field 'votes.senate.R' = [0.4]: every key"),
        (("votes.senate.R=0.4:0.4",), "saltelli", 8, "every key of a saltelli design must vary"),
        (AXES, "saltelli", 2**15, f"163,840 points with 3 keys; at most {MAX_POINTS:,}"),
    ],
)
def test_bad_sensitivity_designs_are_one_line_errors(vary, design, points, message):
    with pytest.raises(CountlabError, match=re.escape(message)) as e:
        spec(*vary, design=design, points=points)
    assert "\n" not in str(e.value)


def test_the_recorded_sweep_gives_the_same_design_back():
    for design in ("saltelli", "morris", "lhs"):
        sweep = spec(*AXES, design=design, points=8)
        assert stored_spec(sweep.to_json()) == sweep


def test_a_scenario_file_can_ask_for_a_saltelli_design():
    sweep = parse_sweep_table(
        {"design": "saltelli", "points": 16, "vary": {"votes.senate.R": "0:0.6"}}, source="s.toml"
    )
    assert count_points(sweep) == 16 * 3
    with pytest.raises(CountlabError, match=r"s\.toml: field 'sweep\.points' = 12"):
        parse_sweep_table(
            {"design": "saltelli", "points": 12, "vary": {"votes.senate.R": "0:0.6"}},
            source="s.toml",
        )
