"""The compiled sampler's random numbers (models.kernel_random) against numpy and scipy:
SFC64 word for word, binomial inversion value for value, the normal CDF table's accuracy;
the kernels' vote counts against the numpy samplers' exact laws."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit
from numpy.typing import NDArray
from scipy import stats
from scipy.special import ndtr
from scipy.stats import binom

from models.behaviour import Subgroups, conditional_probability
from models.kernel import sample_votes_compiled
from models.kernel_members import (
    chamber_effect_stream,
    effect_seed,
    sample_member_votes_compiled,
)
from models.kernel_random import (
    SUMMED_BELOW,
    TWO_M32,
    ZIGGURAT_R,
    binomial_inverse,
    fill_normals,
    fill_uniforms,
    kernel_stream,
    log_factorials,
    normal_cdf,
    normal_cdf_table,
    normals_below,
    reciprocals,
    sfc64_stream,
    walk_starts,
    ziggurat_table,
)
from models.members import member_vote_probability


def test_kernel_stream_is_numpys_sfc64_word_for_word() -> None:
    entropy = [1, 2, 3, 4]
    stream = sfc64_stream(entropy)
    words = np.random.SFC64(np.random.SeedSequence(entropy)).random_raw(501)
    out = np.empty(1002)
    fill_uniforms(stream, out, 1001)  # odd: the last word's low half is written and unused
    assert np.array_equal(out[0::2], (words >> np.uint64(32)).astype(np.float64) * TWO_M32)
    low = (words & np.uint64(0xFFFFFFFF)).astype(np.float64) * TWO_M32
    assert np.array_equal(out[1::2], low)
    more = np.empty(3)
    fill_uniforms(stream, more, 2)  # the stream went on from word 502
    following = np.random.SFC64(np.random.SeedSequence(entropy)).random_raw(502)[-1]
    assert more[0] == float(following >> np.uint64(32)) * TWO_M32


def test_kernel_stream_is_a_function_of_the_callers_stream_position() -> None:
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    assert np.array_equal(kernel_stream(a), kernel_stream(b))
    assert not np.array_equal(kernel_stream(a), kernel_stream(np.random.default_rng(8)))
    moved = np.random.default_rng(7)
    moved.bit_generator.random_raw(8)  # four words per kernel stream, two streams taken
    assert a.bit_generator.state == moved.bit_generator.state


CASES = [
    (0, 0.3),
    (7, 0.0),
    (7, 1.0),
    (1, 0.5),
    (10, 0.3),
    (41, 0.12),  # summed from 0
    (207, 0.02),
    (189, 0.59),  # from the mode
    (300, 0.97),  # mirrored, summed from n
    (435, 0.5),
    (60, 0.4),
]


@pytest.mark.parametrize(("n", "p"), CASES)
def test_binomial_inverse_is_the_inverse_cdf_value_for_value(n: int, p: float) -> None:
    """X = min{k : u < F(k)} for a grid of uniforms, F from scipy (to 1e-12 of each step);
    mirrored (``p > 1/2``, summed from ``n``): ``n - X'`` with ``X'`` that of ``Bin(n, 1-p)``."""
    u = np.random.default_rng(n).random(4000)
    mirrored = p > 0.5 and n * (1 - p) < SUMMED_BELOW
    cdf = binom.cdf(np.arange(n + 1), n, 1 - p if mirrored else p)
    expected = np.minimum(np.searchsorted(cdf, u, side="right"), n)
    if mirrored:
        expected = n - expected
    clear = np.min(np.abs(u[:, None] - cdf[None, :]), axis=1) > 1e-12
    log_factorial, reciprocal = log_factorials(max(n, 1)), reciprocals(max(n, 1))
    none = np.zeros(0)
    got = np.array([binomial_inverse(n, p, float(x), log_factorial, reciprocal, none) for x in u])
    assert np.array_equal(got[clear], expected[clear])
    assert clear.mean() > 0.99
    if 0.0 < p < 1.0:  # the starts computed once give the same numbers as computed each time
        starts = walk_starts(n, p)
        tabled = [binomial_inverse(n, p, float(x), log_factorial, reciprocal, starts) for x in u]
        assert np.array_equal(np.array(tabled), got)


def test_normal_cdf_table_is_accurate_to_1e_10() -> None:
    table = normal_cdf_table()
    x = np.concatenate([np.linspace(-9.0, 9.0, 200_001), [-np.inf, np.inf, 0.0]])
    got = np.array([normal_cdf(float(v), table) for v in x])
    assert np.max(np.abs(got - ndtr(x))) < 1e-10


@njit(cache=False)
def _counts_below(
    stream: NDArray[np.uint64], table: NDArray[np.float64], bound: NDArray[np.float64], reps: int
) -> NDArray[np.int64]:
    """``reps`` calls of :func:`normals_below` on one stream: ``(reps,)`` counts."""
    counts = np.empty(reps, dtype=np.int64)
    for r in range(reps):
        counts[r] = normals_below(stream, table, bound, bound.size)
    return counts


@pytest.mark.parametrize(
    "bound",
    [
        np.linspace(-4.5, 4.5, 37),  # both tails (beyond ZIGGURAT_R) and every layer between
        np.array([-3.9]),  # one normal at a time, decided in the tail (drawn by the tail method)
        np.array([0.05, -0.05]),  # near 0: the top layer, every try of which is a wedge test
    ],
)
def test_normals_below_counts_have_the_normal_law(bound: NDArray[np.float64]) -> None:
    """The count of fresh normals under ``bound`` is ``sum_j Bernoulli(Phi(bound_j))``: its
    mean and variance over 400,000 calls (fixed seed) within 5 SE of the exact ones."""
    reps = 400_000
    stream = kernel_stream(np.random.default_rng(23))
    counts = _counts_below(stream, ziggurat_table(), bound, reps)
    p = ndtr(bound)
    mean, variance = p.sum(), (p * (1 - p)).sum()
    assert abs(counts.mean() - mean) < 5 * np.sqrt(variance / reps)
    spread = (counts - mean) ** 2
    assert abs(spread.mean() - variance) < 5 * np.sqrt(np.var(spread) / reps)
    assert counts.min() >= 0
    assert counts.max() <= bound.size


def _subgroups() -> Subgroups:
    """Four alike members, one alone, twenty-five alike (from the mode), in two groups."""
    return Subgroups(
        group=np.array([0, 0, 1, 1]),
        probability=np.array([0.3, 0.8, 0.55, 1.0]),
        size=np.array([4, 1, 25, 3]),
    )


@pytest.mark.parametrize(("correlation", "p_absent"), [(0.0, 0.1), (0.4, 0.05), (1.0, 0.0)])
def test_compiled_votes_have_the_grouped_samplers_moments(
    correlation: float, p_absent: float
) -> None:
    """Given the shocks, each member votes yea with (1-a) q and nay with (1-a)(1-q),
    independently: the counts' mean and variance per draw are exact, checked to 5 SE."""
    subgroups, n_draws, k = _subgroups(), 40_000, 3
    rng = np.random.default_rng(11)
    shocks = rng.standard_normal((n_draws, 2))
    yeas, nays = sample_votes_compiled(
        subgroups, shocks, n_objections=k, correlation=correlation, p_absent=p_absent, rng=rng
    )
    q = conditional_probability(
        subgroups.probability, shocks[:, subgroups.group], correlation=correlation
    )
    p_yea, p_nay = (1 - p_absent) * q, (1 - p_absent) * (1 - q)
    for counts, p in ((yeas, p_yea), (nays, p_nay)):
        mean = (subgroups.size * p).sum(axis=1)  # (D,) exact conditional means
        variance = (subgroups.size * p * (1 - p)).sum(axis=1)
        for j in range(k):
            residual = counts[:, j] - mean
            se = np.sqrt(variance.sum()) / n_draws
            assert abs(residual.mean()) < 5 * se + 1e-12
            # conditional variance: E[(X - m)^2] = v, its SE from the fourth moment bound
            spread = (residual**2 - variance).mean()
            assert abs(spread) < 5 * np.sqrt(np.var(residual**2) / n_draws) + 1e-12
    assert np.all(yeas + nays <= subgroups.n_members)


@pytest.mark.parametrize(
    ("correlation", "member_correlation"),
    [(0.3, 0.4), (0.0, 1.0), (0.5, 0.5), (0.2, 0.0)],  # residual; step, uniform effects;
)  # step, normal effects; no effect
def test_compiled_member_model_votes_have_exact_means(
    correlation: float, member_correlation: float
) -> None:
    """Given the shocks (the effects drawn in the kernel, integrated out), member i votes
    yea on k with (1-a) Phi((t_ik - sqrt(rho) z) / sqrt(1 - rho)), independently of the other
    members: each question's mean count is exact, checked to 5 SE."""
    rng = np.random.default_rng(3)
    n_draws, threshold = 30_000, np.array([[-0.5, 0.2], [0.3, 0.3], [1.2, -1.0], [0.0, 0.4]])
    group = np.array([0, 1, 1, 0])
    shocks = rng.standard_normal((n_draws, 2))
    effects = chamber_effect_stream(effect_seed(rng), "senate") if member_correlation else None
    yeas, nays = sample_member_votes_compiled(
        threshold,
        group,
        shocks,
        effects,
        correlation=correlation,
        member_correlation=member_correlation,
        p_absent=0.1,
        rng=rng,
    )
    q = member_vote_probability(
        threshold, shocks[:, group], None, correlation=correlation, member_correlation=0.0
    )  # (D, n, K): U integrated out
    for counts, p in ((yeas, 0.9 * q), (nays, 0.9 * (1 - q))):
        mean, variance = p.sum(axis=1), (p * (1 - p)).sum(axis=1)
        residual = counts - mean
        se = np.sqrt(variance.sum(axis=0)) / n_draws
        assert np.all(np.abs(residual.mean(axis=0)) < 5 * se)


def test_ziggurat_normals_have_the_normal_law() -> None:
    """2,000,000 kernel normals (fixed seed): mean, variance and the tail beyond the
    ziggurat's base within 5 SE of the normal's; the KS distance within its 1e-4 level."""
    count = 2_000_000
    out = np.empty(count)
    fill_normals(
        kernel_stream(np.random.default_rng(5)),
        ziggurat_table(),
        out,
        count,
        np.empty(count, dtype=np.int64),
    )
    assert abs(out.mean()) < 5 / np.sqrt(count)
    assert abs(out.var() - 1.0) < 5 * np.sqrt(2.0 / count)
    tail = 2 * stats.norm.sf(ZIGGURAT_R)  # drawn by the tail method
    assert abs((np.abs(out) > ZIGGURAT_R).mean() - tail) < 5 * np.sqrt(tail / count)
    wedge = (np.abs(out) > 0.5) & (np.abs(out) < 2.0)  # where most wedge tests fall
    assert abs(wedge.mean() - 2 * (stats.norm.cdf(2.0) - stats.norm.cdf(0.5))) < 5 / np.sqrt(count)
    assert stats.kstest(out, "norm").statistic < 1.95 / np.sqrt(count)
