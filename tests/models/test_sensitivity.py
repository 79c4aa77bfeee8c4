"""Sobol' and Morris indices (models.sensitivity) on functions with known answers, through
the sweep's own designs (flows.design): Ishigami, a noisy linear function (the nugget), a
target that does not vary."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from flows.design import design_points, make_spec, parse_vary
from flows.design_salib import unit_design
from models.sensitivity import (
    estimate_morris_effects,
    estimate_sensitivity,
    estimate_sobol_indices,
)

KEYS = ("x1", "x2", "x3")


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


# Ishigami and Homma (1990), a = 7, b = 0.1: V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def test_ishigami_through_the_sweep_design_gives_the_analytic_indices():
    """The saltelli design of three ranges [-pi, pi] as `countlab sweep` makes it, the
    function in the engine's place, the analysis `countlab analyze sensitivity` runs.
    N = 2048 (10,240 points): every index within 0.03 of its analytic value and within two
    of its bootstrap half-widths."""
    n, seed = 2048, 20210106
    spec = make_spec(
        tuple(parse_vary(f"{k}={-math.pi!r}:{math.pi!r}") for k in KEYS),
        design="saltelli",
        points=n,
        source="--vary",
    )
    points = design_points(spec, seed=seed)
    assert len(points) == n * (len(KEYS) + 2)
    x = np.array([[p[k] for k in KEYS] for p in points])
    y = ishigami(x)
    result = estimate_sensitivity(
        "sobol",
        y,
        np.zeros_like(y),
        keys=KEYS,
        unit=unit_design("saltelli", n, len(KEYS), seed=seed),
        rng=np.random.default_rng(1),
    )
    assert result.noise_floor == 0.0
    for k, s1, st in zip(result.indices, ISHIGAMI_S1, ISHIGAMI_ST, strict=True):
        assert k.s1 == pytest.approx(s1, abs=0.03), k
        assert k.st == pytest.approx(st, abs=0.03), k
        assert abs(k.s1 - s1) <= 2 * k.s1_conf
        assert abs(k.st - st) <= 2 * k.st_conf
        assert (k.s1, k.st) == (k.s1_raw, k.st_raw)  # no noise: nothing to correct
    assert [k.distinguishable for k in result.indices] == [True, True, True]


def noisy_linear(unit: np.ndarray, *, draws: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """p = 0.2 + 0.5 x1 + 0.2 x2 (x3 has no effect), estimated from `draws` Bernoulli draws
    per point: S1 = ST = (0.25, 0.04, 0) / 0.29, noise of variance p (1 - p) / draws."""
    p = 0.2 + 0.5 * unit[:, 0] + 0.2 * unit[:, 1]
    y = np.random.default_rng(seed).binomial(draws, p) / draws
    return y, p * (1 - p) / draws


LINEAR = (0.25 / 0.29, 0.04 / 0.29, 0.0)


def test_the_noise_floor_corrects_the_indices_of_a_noisy_target():
    """20 draws per point: about a third of the variance across points is noise. Raw ST of
    the key without effect sits at the floor (and raw S1 of the main key well below its
    value); the corrected ones are the analytic indices (within 0.06 and three
    half-widths), and only the key without effect is indistinguishable from zero."""
    n = 4096
    unit = unit_design("saltelli", n, 3, seed=5)
    y, variances = noisy_linear(unit, draws=20, seed=6)
    result = estimate_sobol_indices(y, variances, keys=KEYS, rng=np.random.default_rng(7))
    expected_floor = 0.2233 / 20 / (0.29 / 12 + 0.2233 / 20)  # E[p(1-p)]/draws over Var(y)
    assert result.noise_floor == pytest.approx(expected_floor, abs=0.02)
    x1, _, x3 = result.indices
    assert x3.st_raw == pytest.approx(result.noise_floor, abs=0.05)
    assert x3.st_raw > 0.25  # visibly inflated: raw, x3 would look like it matters
    assert x3.st_raw - x3.st_conf * (1 - result.noise_floor) > 0
    assert x1.s1_raw < 0.7 < LINEAR[0] - 0.1
    for k, analytic in zip(result.indices, LINEAR, strict=True):
        assert k.s1 == pytest.approx(analytic, abs=0.06), k
        assert k.st == pytest.approx(analytic, abs=0.06), k
        assert abs(k.s1 - analytic) <= 3 * k.s1_conf
        assert abs(k.st - analytic) <= 3 * k.st_conf
    assert [k.distinguishable for k in result.indices] == [True, True, False]


def test_the_same_stream_gives_the_same_indices_bit_for_bit():
    unit = unit_design("saltelli", 64, 3, seed=5)
    y, variances = noisy_linear(unit, draws=50, seed=6)
    first = estimate_sobol_indices(y, variances, keys=KEYS, rng=np.random.default_rng(3))
    again = estimate_sobol_indices(y, variances, keys=KEYS, rng=np.random.default_rng(3))
    other = estimate_sobol_indices(y, variances, keys=KEYS, rng=np.random.default_rng(4))
    assert first == again
    assert first.indices[0].s1_conf != other.indices[0].s1_conf  # the stream is used


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_a_target_that_does_not_vary_has_no_indices_and_no_warning(method):
    design = "saltelli" if method == "sobol" else "morris"
    unit = unit_design(design, 16, 3, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flat = estimate_sensitivity(
            method,
            np.full(len(unit), 0.25),
            np.full(len(unit), 0.25 * 0.75 / 1000),
            keys=KEYS,
            unit=unit,
            rng=np.random.default_rng(1),
        )
        y, _ = noisy_linear(unit, draws=1000, seed=2)
        noise = estimate_sensitivity(
            method,
            y,
            np.full(len(unit), 10 * y.var()),
            keys=KEYS,
            unit=unit,
            rng=np.random.default_rng(1),
        )
    assert flat.noise_floor is None
    assert flat.is_flat
    assert noise.is_flat
    assert noise.noise_floor == pytest.approx(10.0, rel=0.2)
    for result, words in ((flat, "does not vary"), (noise, "all Monte Carlo noise")):
        assert all(
            (k.s1, k.st, k.mu_star, k.distinguishable) == (None, None, None, None)
            for k in result.indices
        )
        assert words in result.notes[0]


def test_morris_effects_of_a_linear_function_are_its_slopes():
    """Without noise each elementary effect of p = 0.2 + 0.5 x1 - 0.2 x2 is the slope over
    the whole range: mu = (0.5, -0.2, 0), mu* = |mu|, sigma = 0."""
    unit = unit_design("morris", 10, 3, seed=3)
    p = 0.2 + 0.5 * unit[:, 0] - 0.2 * unit[:, 1]
    result = estimate_morris_effects(
        unit, p, np.zeros_like(p), keys=KEYS, rng=np.random.default_rng(1)
    )
    assert [k.mu for k in result.indices] == pytest.approx([0.5, -0.2, 0.0], abs=1e-12)
    assert [k.mu_star for k in result.indices] == pytest.approx([0.5, 0.2, 0.0], abs=1e-12)
    assert [k.sigma for k in result.indices] == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)
    assert result.mu_star_noise == 0.0


def test_morris_noise_gives_a_key_without_effect_the_stated_mu_star():
    """With noise, a key without effect still gets mu* > 0: about mu_star_noise (the mean
    absolute difference of two noisy points over the step), within its half-width x 3."""
    unit = unit_design("morris", 200, 3, seed=3)
    y, variances = noisy_linear(unit, draws=20, seed=4)
    result = estimate_morris_effects(unit, y, variances, keys=KEYS, rng=np.random.default_rng(1))
    x1, x2, x3 = result.indices
    assert x1.mu_star > x2.mu_star > x3.mu_star
    assert x1.mu == pytest.approx(0.5, abs=3 * x1.mu_star_conf)
    assert x3.mu_star == pytest.approx(result.mu_star_noise, abs=3 * x3.mu_star_conf)
