"""The member-effect quadrature (models/quadrature.py) against scipy.integrate.quad, its
limit at tau = 1 and finite differences of its derivatives."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import integrate, stats
from scipy.special import log_ndtr, ndtr

from models.errors import InputError
from models.quadrature import pattern_derivatives, pattern_log_probabilities

TAUS = [0.0, 0.2, 0.69, 0.9, 0.99, 0.999, 1 - 1e-8]


def brute_pattern_probability(
    c: NDArray[np.float64], signs: NDArray[np.float64], tau: float
) -> float:
    """int phi(u) prod_k Phi(s_k (c_k + sqrt(tau) u) / sqrt(1 - tau)) du by adaptive quad,
    split at each step and at 1, 4, 16 and 64 step widths either side of it."""
    p, r = math.sqrt(tau), math.sqrt(1 - tau)
    keep = signs != 0
    c, signs = c[keep], signs[keep]

    def integrand(u: float) -> float:
        return math.exp(float(log_ndtr(signs * (c + p * u) / r).sum()) + stats.norm.logpdf(u))

    cuts = [-38.0, 38.0]
    if p > 0:
        ladder = (r / p) * np.array([0, 1, -1, 4, -4, 16, -16, 64, -64])
        cuts += np.clip((-c[:, None] / p + ladder).ravel(), -38, 38).tolist()
    cuts = sorted(set(cuts))
    return sum(
        integrate.quad(integrand, a, b, epsabs=0, epsrel=1e-13, limit=1000)[0]
        for a, b in itertools.pairwise(cuts)
    )


def random_members(rng: np.random.Generator, n: int, n_k: int, scale: float):
    c = rng.normal(0, scale, (n, n_k))
    signs = rng.choice([-1.0, 0.0, 1.0], (n, n_k), p=[0.45, 0.1, 0.45])
    signs[:, 0] = np.where(signs[:, 0] == 0, 1.0, signs[:, 0])  # each voted at least once
    return c, signs


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@pytest.mark.parametrize(
    ("tau", "scale"), [*((tau, 1.5) for tau in TAUS), (0.2, 4.0), (0.9, 4.0), (0.999, 4.0)]
)
def test_pattern_probabilities_equal_adaptive_quad_to_1e_10_relative(
    tau: float, scale: float
) -> None:
    rng = np.random.default_rng(int(tau * 1000) + int(scale))
    c, signs = random_members(rng, 8, 3, scale)
    got = np.exp(pattern_log_probabilities(c, signs, theta=math.asin(math.sqrt(tau))))
    for i in range(c.shape[0]):
        expected = brute_pattern_probability(c[i], signs[i], tau)
        if expected > 1e-280:  # deeper, the brute-force integral underflows
            assert got[i] == pytest.approx(expected, rel=1e-10), (i, c[i], signs[i])


def test_one_vote_is_its_marginal_probit_whatever_tau() -> None:
    c = np.array([[-1.3, 0.0], [0.4, 0.0], [2.5, 0.0]])
    signs = np.array([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0]])
    for tau in TAUS:
        got = pattern_log_probabilities(c, signs, theta=math.asin(math.sqrt(tau)))
        np.testing.assert_allclose(got, log_ndtr(signs[:, 0] * c[:, 0]), rtol=0, atol=1e-13)


def test_as_tau_goes_to_1_nested_patterns_reach_the_interval_probability() -> None:
    # yea iff U > -(c_k): yea on both, nay then yea, nay on both (c_0 < c_1)
    c = np.array([[0.2, 0.7], [-0.5, 0.3], [-1.0, -0.4]])
    signs = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0]])
    limit = np.array([ndtr(0.2), ndtr(0.3) - ndtr(-0.5), ndtr(0.4)])
    got = np.exp(pattern_log_probabilities(c, signs, theta=math.pi / 2 - 1e-6))
    np.testing.assert_allclose(got, limit, rtol=1e-10)
    discordant = pattern_log_probabilities(
        np.array([[0.7, 0.2]]), np.array([[-1.0, 1.0]]), theta=math.pi / 2 - 1e-3
    )
    assert discordant[0] < -1e4  # 0.5 apart, steps 1e-3 wide: impossible in the limit


def test_the_integral_is_even_in_theta() -> None:
    rng = np.random.default_rng(3)
    c, signs = random_members(rng, 20, 3, 1.5)
    for theta in (0.3, 1.2, 1.55):
        np.testing.assert_allclose(
            pattern_log_probabilities(c, signs, theta=theta),
            pattern_log_probabilities(c, signs, theta=-theta),
            rtol=1e-12,
        )


@pytest.mark.parametrize("tau", [0.0, 0.5, 0.9, 0.999])
def test_pattern_derivatives_match_finite_differences(tau: float) -> None:
    rng = np.random.default_rng(7)
    c, signs = random_members(rng, 30, 3, 1.5)
    theta = math.asin(math.sqrt(tau))
    log_l, gradient, hessian = pattern_derivatives(c, signs, theta=theta)
    np.testing.assert_allclose(log_l, pattern_log_probabilities(c, signs, theta=theta), rtol=1e-14)
    h = 1e-5 * min(1.0, math.cos(theta))
    for j in range(4):
        shift = np.zeros(4)
        shift[j] = h
        up = pattern_derivatives(c + shift[:3], signs, theta=theta + shift[3])
        down = pattern_derivatives(c - shift[:3], signs, theta=theta - shift[3])
        scale = 1 + np.abs(hessian).max(axis=(1, 2))
        np.testing.assert_allclose(
            (up[0] - down[0]) / (2 * h), gradient[:, j], rtol=1e-6, atol=1e-6
        )
        np.testing.assert_allclose(
            (up[1] - down[1]) / (2 * h) / scale[:, None], hessian[:, j] / scale[:, None], atol=1e-6
        )


def test_more_nodes_per_panel_change_nothing_and_bad_counts_are_refused() -> None:
    rng = np.random.default_rng(5)
    c, signs = random_members(rng, 40, 2, 2.0)
    for theta in (0.4, 1.3, 1.569):
        np.testing.assert_allclose(
            pattern_log_probabilities(c, signs, theta=theta),
            pattern_log_probabilities(c, signs, theta=theta, n_nodes=30),
            rtol=1e-14,  # log L of 1e-5 or less: rounding
            atol=1e-12,  # on log L: L to 1e-12 relative
        )
    with pytest.raises(InputError, match="n_nodes"):
        pattern_log_probabilities(c, signs, theta=0.5, n_nodes=0)
