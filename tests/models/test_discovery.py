"""PRIM (models.discovery) on synthetic data with planted boxes: the boxes found, their
trajectories, covering, the simplest form, and determinism."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from models.discovery import MASS_MIN, find_boxes, search_box

N = 2000
NOISE = 0.02  # labels flipped at random, inside and outside the boxes
TOLERANCE = 0.05  # on a bound, in the keys' units (uniform on [0, 1])
NUMERIC4 = np.zeros(4, dtype=np.bool_)


def planted(seed: int = 20240515):
    """2,000 uniform points in 4 dimensions; of interest inside [0.3, 0.7] x [0.2, 1]."""
    rng = np.random.default_rng(seed)
    x = rng.random((N, 4))
    inside = (x[:, 0] >= 0.3) & (x[:, 0] <= 0.7) & (x[:, 1] >= 0.2)
    return x, inside ^ (rng.random(N) < NOISE)


def density_in(x, y, restrictions, remaining=None):
    inside = np.ones(y.size, np.bool_) if remaining is None else remaining.copy()
    for j, (lo, hi) in restrictions.items():
        inside &= (x[:, j] >= lo) & (x[:, j] <= hi)
    return (y & inside).sum() / inside.sum()


def test_prim_recovers_a_planted_box_and_leaves_the_other_keys_free():
    x, y = planted()
    box = search_box(x, y, is_categorical=NUMERIC4, min_density=0.9)
    chosen = box.steps[box.chosen]
    assert set(chosen.restrictions) == {0, 1}  # keys 2 and 3 are noise
    (lo0, hi0), (lo1, hi1) = chosen.restrictions[0], chosen.restrictions[1]
    assert abs(lo0 - 0.3) < TOLERANCE
    assert abs(hi0 - 0.7) < TOLERANCE
    assert abs(lo1 - 0.2) < TOLERANCE
    assert hi1 > 1 - TOLERANCE  # the planted box reaches the top of key 1
    assert chosen.density >= 0.9
    assert chosen.coverage > 0.9
    assert chosen.mass == pytest.approx(0.32, abs=0.03)  # the planted box's volume


def test_peeling_loses_coverage_and_gains_density_and_pasting_the_reverse():
    x, y = planted()
    box = search_box(x, y, is_categorical=NUMERIC4, min_density=0.9)
    peeled = box.steps[: box.n_peeled + 1]
    pasted = box.steps[box.n_peeled : box.n_peeled + box.n_pasted + 1]
    coverage = [s.coverage for s in peeled]
    density = [s.density for s in peeled]
    assert box.steps[0].coverage == 1.0
    assert box.steps[0].mass == 1.0
    assert box.steps[0].n_restricted == 0
    assert all(a >= b for a, b in itertools.pairwise(coverage))
    first_dense = next(i for i, d in enumerate(density) if d >= 0.9)
    rising = density[: first_dense + 1]
    assert all(a <= b for a, b in itertools.pairwise(rising))
    assert density[first_dense] > 2.5 * density[0]
    assert all(s.mass >= MASS_MIN for s in box.steps)
    assert all(a.coverage <= b.coverage for a, b in itertools.pairwise(pasted))
    assert all(a.density <= b.density for a, b in itertools.pairwise(pasted))


def test_a_planted_categorical_restriction_is_found_as_the_values_kept():
    rng = np.random.default_rng(7)
    x = rng.random((N, 3))
    x[:, 2] = rng.integers(0, 3, N)  # a key with three values, coded 0, 1, 2
    y = ((x[:, 2] == 1) & (x[:, 0] <= 0.6)) ^ (rng.random(N) < NOISE)
    box = search_box(x, y, is_categorical=np.array([False, False, True]), min_density=0.9)
    chosen = box.steps[box.chosen]
    assert set(chosen.restrictions) == {0, 2}
    assert chosen.restrictions[2] == (1,)
    lo, hi = chosen.restrictions[0]
    assert lo < TOLERANCE
    assert abs(hi - 0.6) < TOLERANCE


def test_covering_finds_a_second_planted_box_among_the_points_left():
    rng = np.random.default_rng(11)
    x = rng.random((N, 4))
    first = (x[:, 0] <= 0.5) & (x[:, 1] >= 0.5)
    second = (x[:, 0] >= 0.75) & (x[:, 1] <= 0.25)
    y = (first | second) ^ (rng.random(N) < NOISE)
    boxes = find_boxes(x, y, is_categorical=NUMERIC4, min_density=0.9, max_boxes=3)
    assert len(boxes) == 2  # the third search finds only noise, below density 0.9
    bounds = [box.steps[box.chosen].restrictions for box in boxes]
    assert set(bounds[0]) == {0, 1}
    assert bounds[0][0][1] == pytest.approx(0.5, abs=TOLERANCE)
    assert bounds[0][1][0] == pytest.approx(0.5, abs=TOLERANCE)
    assert set(bounds[1]) == {0, 1}
    assert bounds[1][0][0] == pytest.approx(0.75, abs=TOLERANCE)
    assert bounds[1][1][1] == pytest.approx(0.25, abs=TOLERANCE)
    assert not (boxes[0].inside & boxes[1].inside).any()
    # coverage is a share of every point of interest: the two boxes share them out
    assert boxes[0].steps[boxes[0].chosen].coverage > 0.7
    assert boxes[1].steps[0].coverage < 0.3
    assert boxes[1].steps[0].mass == pytest.approx(1 - boxes[0].inside.mean())
    only_one = find_boxes(x, y, is_categorical=NUMERIC4, min_density=0.9, max_boxes=1)
    assert len(only_one) == 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_proxy_key_peeled_on_the_way_is_dropped_from_the_simplest_box(seed):
    """Key 1 follows key 0 with noise: peeling restricts both, the chosen box only key 0."""
    rng = np.random.default_rng(seed)
    x = rng.random((N, 3))
    x[:, 1] = x[:, 0] + rng.normal(0.0, 0.1, N)
    y = (x[:, 0] >= 0.5) ^ (rng.random(N) < NOISE)
    box = search_box(x, y, is_categorical=np.zeros(3, np.bool_), min_density=0.9)
    assert box.phase(box.chosen) == "simplest"
    assert box.chosen == len(box.steps) - 1
    chosen = box.steps[box.chosen]
    assert set(chosen.restrictions) == {0}
    assert chosen.restrictions[0][0] == pytest.approx(0.5, abs=TOLERANCE)
    assert any(1 in s.restrictions for s in box.steps[: box.chosen])
    assert density_in(x, y, chosen.restrictions) == pytest.approx(chosen.density)
    for j in chosen.restrictions:  # the simplest form: nothing more can go
        dropped = {k: v for k, v in chosen.restrictions.items() if k != j}
        assert density_in(x, y, dropped) < 0.9, f"key {j} could be dropped"


def test_ties_between_peels_go_to_fewer_restricted_keys_then_the_first_key():
    x = np.repeat(np.arange(20, dtype=np.float64)[:, None], 2, axis=1)  # key 1 = key 0
    y = x[:, 0] >= 10
    box = search_box(x, y, is_categorical=np.zeros(2, np.bool_), min_density=1.0)
    assert all(set(s.restrictions) <= {0} for s in box.steps)
    assert box.steps[box.chosen].restrictions == {0: (10.0, 19.0)}


def test_a_threshold_on_a_grid_is_found_exactly():
    x = np.arange(21, dtype=np.float64)[:, None] / 20  # 0, 0.05, ..., 1
    y = x[:, 0] >= 0.55
    box = search_box(x, y, is_categorical=np.zeros(1, np.bool_), min_density=1.0)
    chosen = box.steps[box.chosen]
    assert chosen.restrictions == {0: (0.55, 1.0)}
    assert (chosen.coverage, chosen.density) == (1.0, 1.0)
    assert box.phase(0) == "start"
    assert box.phase(1) == "peel"
    # peeling goes on to the least mass (2 points); pasting brings it back out to 0.55
    assert box.steps[box.n_peeled].mass < 0.1
    last = box.steps[box.n_peeled + box.n_pasted]
    assert box.phase(box.n_peeled + box.n_pasted) == "paste"
    assert (last.coverage, last.density, last.restrictions) == (1.0, 1.0, {0: (0.55, 1.0)})


def test_no_point_of_interest_no_box_and_all_of_them_one_box_everywhere():
    x, y = planted()
    assert (
        find_boxes(x, np.zeros(N, np.bool_), is_categorical=NUMERIC4, min_density=1.0, max_boxes=3)
        == ()
    )
    everywhere = find_boxes(
        x, np.ones(N, np.bool_), is_categorical=NUMERIC4, min_density=1.0, max_boxes=3
    )
    assert len(everywhere) == 1
    step = everywhere[0].steps[everywhere[0].chosen]
    assert (step.coverage, step.density, step.mass, step.restrictions) == (1.0, 1.0, 1.0, {})
    flat = np.zeros_like(x)  # nothing to peel: the box stays at y's mean density
    unreachable = search_box(flat, y, is_categorical=NUMERIC4, min_density=0.9)
    assert len(unreachable.steps) == 1
    assert unreachable.chosen is None
    assert not unreachable.inside.any()


def test_same_input_same_boxes_bit_for_bit():
    x, y = planted()
    one = find_boxes(x, y, is_categorical=NUMERIC4, min_density=0.9, max_boxes=2)
    two = find_boxes(x.copy(), y.copy(), is_categorical=NUMERIC4, min_density=0.9, max_boxes=2)
    assert [b.steps for b in one] == [b.steps for b in two]
    assert all((a.inside == b.inside).all() for a, b in zip(one, two, strict=True))


def test_inputs_of_the_wrong_shape_or_codes_are_refused():
    x, y = planted()
    with pytest.raises(ValueError, match="expected"):
        search_box(x, y[:-1], is_categorical=NUMERIC4, min_density=0.9)
    with pytest.raises(ValueError, match="coded"):
        search_box(x, y, is_categorical=np.array([True, False, False, False]), min_density=0.9)
