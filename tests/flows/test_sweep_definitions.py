"""Sweep definitions: axes, designs, seeds and points (no flow runs here)."""

from __future__ import annotations

import numpy as np
import pytest

from flows.design import (
    Axis,
    apply_params,
    design_points,
    make_spec,
    params_numbers,
    params_text,
    parse_sweep_table,
    parse_vary,
    point_seed,
)
from flows.scenario import parse_scenario
from models.errors import CountlabError


def spec(*vary: str, design: str = "grid", points: int | None = None):
    return make_spec(
        tuple(parse_vary(v) for v in vary), design=design, points=points, source="--vary"
    )


def test_lists_and_ranges():
    assert parse_vary("regime=eca1887,ecra2022").values == ("eca1887", "ecra2022")
    assert parse_vary("votes.correlation=0,0.3").values == (0, 0.3)
    axis = parse_vary("votes.senate.R=0:0.6:4")
    assert axis.grid_values() == (0.0, 0.2, 0.4, 0.6)  # tidy, not 0.19999999999999998
    assert parse_vary("votes.senate.R=0.5").values == (0.5,)
    assert parse_vary("rules.senate_vp_tiebreak_on_objection=true,false").values == (True, False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("votes.senate.R", "KEY=VALUES"),
        ("=1,2", "KEY=VALUES"),
        ("votes.senate.R=0:x:3", "start:stop:count"),
        ("votes.senate.R=0:1:0", "count of at least 1"),
        ("votes.senate.R=0:1:2:3", "start:stop:count"),
        ("regime=a,,b", "none empty"),
        ("regime=a,a", "listed twice"),
    ],
)
def test_bad_axes_are_one_line_errors(text, message):
    with pytest.raises(CountlabError, match=message) as error:
        parse_vary(text)
    assert "\n" not in str(error.value)


def test_grid_is_the_full_factorial_first_key_slowest():
    points = design_points(spec("votes.senate.R=0:0.6:3", "regime=eca1887,ecra2022"), seed=1)
    assert points == [
        {"votes.senate.R": 0.0, "regime": "eca1887"},
        {"votes.senate.R": 0.0, "regime": "ecra2022"},
        {"votes.senate.R": 0.3, "regime": "eca1887"},
        {"votes.senate.R": 0.3, "regime": "ecra2022"},
        {"votes.senate.R": 0.6, "regime": "eca1887"},
        {"votes.senate.R": 0.6, "regime": "ecra2022"},
    ]
    assert design_points(make_spec((), design="grid", points=None, source="x"), seed=1) == [{}]


def test_a_grid_range_needs_a_count_and_a_sample_needs_points():
    with pytest.raises(CountlabError, match="start:stop:count"):
        spec("votes.senate.R=0:0.6")
    with pytest.raises(CountlabError, match="points"):
        spec("votes.senate.R=0:0.6", design="lhs")
    with pytest.raises(CountlabError, match="design"):
        spec("votes.senate.R=0:0.6", design="random", points=3)
    with pytest.raises(CountlabError, match="varied twice"):
        spec("regime=eca1887", "regime=ecra2022")


def test_latin_hypercube_has_one_point_per_stratum_on_every_axis():
    n = 16
    points = design_points(
        spec("votes.senate.R=0:0.8", "votes.correlation=0.2:0.6", design="lhs", points=n),
        seed=3,
    )
    assert len(points) == n
    senate = np.array([p["votes.senate.R"] for p in points]) / 0.8
    correlation = (np.array([p["votes.correlation"] for p in points]) - 0.2) / 0.4
    for unit in (senate, correlation):
        assert sorted(np.floor(unit * n).astype(int)) == list(range(n))


def test_sobol_points_lie_in_the_box_and_more_points_keep_the_first_ones():
    axes = ("votes.senate.R=0:0.8", "regime=eca1887,ecra2022")
    eight = design_points(spec(*axes, design="sobol", points=8), seed=5)
    sixteen = design_points(spec(*axes, design="sobol", points=16), seed=5)
    assert sixteen[:8] == eight
    assert all(0.0 <= p["votes.senate.R"] <= 0.8 for p in sixteen)
    assert {p["regime"] for p in sixteen} == {"eca1887", "ecra2022"}
    assert design_points(spec(*axes, design="sobol", points=8), seed=6) != eight


def test_point_seeds_depend_on_the_sweep_seed_and_the_index_only():
    seeds = [point_seed(42, i) for i in range(100)]
    assert len(set(seeds)) == 100
    assert all(0 <= s < 2**63 for s in seeds)
    assert point_seed(42, 7) == seeds[7]
    assert point_seed(43, 7) != seeds[7]


def test_sweep_table_and_params():
    sweep = parse_sweep_table(
        {"design": "grid", "vary": {"votes.senate.D": "0:0.6:21", "regime": ["a", "b"]}},
        source="s.toml",
    )
    assert [a.key for a in sweep.axes] == ["votes.senate.D", "regime"]
    assert len(design_points(sweep, seed=1)) == 42
    with pytest.raises(CountlabError, match=r"s\.toml: field 'sweep\.step': unknown key"):
        parse_sweep_table({"step": 1}, source="s.toml")
    params = {"votes.senate.D": 0.3, "regime": "eca1887", "rules.x": True}
    assert params_text(params) == {"votes.senate.D": "0.3", "regime": "eca1887", "rules.x": "true"}
    assert params_numbers(params) == {"votes.senate.D": 0.3, "rules.x": 1.0}


def test_apply_params_sets_dotted_keys_and_validates_them():
    base = parse_scenario("[votes]\nhouse.R = 0.6\n[objections]\nAZ = 1.0\n", source="s.toml")
    point = apply_params(
        base, {"votes.senate.D": 0.25, "regime": "ecra2022", "objections.GA": 0.5}, source="s"
    )
    assert point.votes.senate.D == 0.25
    assert point.votes.house.R == 0.6
    assert point.regime == "ecra2022"
    assert point.objections == {"AZ": 1.0, "GA": 0.5}
    with pytest.raises(
        CountlabError, match=r"s\.toml: field 'votes\.senate\.D' = 1\.5.*sweep point"
    ):
        apply_params(base, {"votes.senate.D": 1.5}, source="s.toml")
    with pytest.raises(CountlabError, match=r"votes\.senate\.X.*unknown key"):
        apply_params(base, {"votes.senate.X": 0.5}, source="s.toml")
    with pytest.raises(CountlabError, match=r"objections\.ZZ"):
        apply_params(base, {"objections.ZZ": 0.5}, source="s.toml")


def test_axis_at_maps_the_unit_interval():
    axis = Axis(key="k", start=0.0, stop=2.0, count=None)
    assert axis.at(0.25) == 0.5
    listed = Axis(key="k", values=("a", "b", "c"))
    assert [listed.at(u) for u in (0.0, 0.34, 0.99)] == ["a", "b", "c"]
