"""The inverse-CDF binomial sampler: the inverse CDF exactly, and the binomial law."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from models.sampling import binomial_table, draw_binomial


@pytest.mark.parametrize(("n", "p"), [(1, 0.3), (3, 0.5), (42, 0.98), (207, 0.98), (189, 0.6)])
def test_draws_are_the_inverse_cdf_of_their_uniforms(n: int, p: float) -> None:
    table = binomial_table(n, p)
    drawn = draw_binomial(table, (4_000, 6), rng=np.random.default_rng(7))
    uniforms = np.random.default_rng(7).random((4_000, 6))
    expected = np.searchsorted(table.cdf, uniforms, side="right")
    np.testing.assert_array_equal(drawn, expected)
    assert drawn.min() >= 0
    assert drawn.max() <= n


@pytest.mark.parametrize(("n", "p"), [(10, 0.02), (207, 0.98), (189, 0.6)])
def test_draws_follow_the_binomial_law(n: int, p: float) -> None:
    """Frequencies of the 5 likeliest values within 4 standard errors (seed fixed)."""
    draws = draw_binomial(binomial_table(n, p), (200_000,), rng=np.random.default_rng(11))
    values = np.argsort(binom.pmf(np.arange(n + 1), n, p))[-5:]
    for k in values:
        exact = binom.pmf(k, n, p)
        se = np.sqrt(exact * (1 - exact) / draws.size)
        assert abs(np.mean(draws == k) - exact) < 4 * se, k
    assert abs(draws.mean() - n * p) < 4 * np.sqrt(n * p * (1 - p) / draws.size)


def test_certain_outcomes() -> None:
    assert np.all(draw_binomial(binomial_table(5, 1.0), (100,), rng=np.random.default_rng(1)) == 5)
    assert np.all(draw_binomial(binomial_table(5, 0.0), (100,), rng=np.random.default_rng(1)) == 0)
