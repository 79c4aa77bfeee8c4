"""The compiled sampler (``sampler = "compiled"``, issue 17): the grouped sampler's law drawn
by numba kernels, one pass over the draws with no temporary arrays.

Same law as :func:`models.sampling.sample_votes_grouped` (the member model:
:mod:`models.kernel_members`), other random numbers: each call seeds its
own kernel stream (:func:`models.kernel_random.kernel_stream`) from four words of the
caller's generator, so a block's results are a function of its stream alone, whatever the
chunk size, workers or task runner, but not the numpy samplers' numbers. Per draw and
subgroup of ``n > 1`` members it draws the yeas ``Y ~ Bin(n, (1-a) q)`` (its CDF at the mode
once per draw, shared by every objection, then a search from the mode), then the absent among the rest ``A | Y ~ Bin(n - Y,
a / (1 - (1-a) q))`` (the multinomial (yea, nay, absent) split in another order); a member
alone draws one 32-bit uniform per objection against the thresholds ``(1-a) q`` and
``1 - (1-a)(1-q)``, as the numpy path does with float32 ones.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.special import ndtri

from models.behaviour import Subgroups
from models.kernel_random import (
    SUMMED_BELOW,
    binomial_at_mode,
    binomial_inverse,
    fill_uniforms,
    invert_from_mode,
    kernel_stream,
    log_factorials,
    normal_cdf,
    normal_cdf_table,
    reciprocals,
    walk_from_zero,
    walk_start,
)

PHI_TABLE = normal_cdf_table()
"""The normal CDF table every kernel interpolates in (:func:`models.kernel_random.normal_cdf`)."""


@njit(cache=True, nogil=True, inline="always")
def _sustain_given_shock(
    threshold: float, probability: float, shock: float, correlation: float, phi: NDArray[np.float64]
) -> float:
    """``Phi((Phi^-1(p) - sqrt(rho) z) / sqrt(1 - rho))``, a step at ``rho = 1``
    (:func:`models.behaviour.conditional_probability` for one value)."""
    if correlation >= 1.0:
        return 1.0 if shock < threshold else 0.0
    if correlation <= 0.0:
        return probability
    return normal_cdf(
        (threshold - math.sqrt(correlation) * shock) / math.sqrt(1.0 - correlation), phi
    )


@njit(cache=True, nogil=True, inline="always")
def _count_singles(
    uniforms: NDArray[np.float64],
    yes_below: NDArray[np.float64],
    no_from: NDArray[np.float64],
    d: int,
    yeas: NDArray[np.int64],
    nays: NDArray[np.int64],
) -> None:
    """Members alone, draw ``d``: ``uniforms`` ``(K * n,)`` question-major; yea below
    ``yes_below``, nay from ``no_from`` ``(n,)``, absent between."""
    n = yes_below.size
    for k in range(yeas.shape[1]):
        yes = 0
        no = 0
        for i in range(n):
            u = uniforms[k * n + i]
            yes += u < yes_below[i]
            no += u >= no_from[i]
        yeas[d, k] += yes
        nays[d, k] += no


@njit(cache=True, nogil=True)
def _grouped_counts(
    stream: NDArray[np.uint64],
    threshold: NDArray[np.float64],
    probability: NDArray[np.float64],
    size: NDArray[np.int64],
    group: NDArray[np.int64],
    shocks: NDArray[np.float64],
    correlation: float,
    p_absent: float,
    phi: NDArray[np.float64],
    yeas: NDArray[np.int64],
    nays: NDArray[np.int64],
) -> None:
    """Add every subgroup's yeas and nays to ``yeas``, ``nays`` ``(D, K)``.

    A draw's uniforms, in order: ``K x n_alone`` for the members alone (question-major),
    then two per question for each larger subgroup (its yeas, then its absent)."""
    n_questions = yeas.shape[1]
    alone = np.flatnonzero(size == 1)
    many = np.flatnonzero(size > 1)
    largest = max(1, size.max()) if size.size else 1
    log_factorial = log_factorials(largest)
    reciprocal = reciprocals(largest)
    mode_p = np.full(many.size, -1.0)  # each subgroup's yea law at its mode, kept while its
    mode_k = np.zeros(many.size, dtype=np.int64)  # yea probability stays the same
    mode_term = np.zeros(many.size)
    mode_cdf = np.zeros(many.size)
    law_p = np.full(many.size, np.nan)  # the yea probability each subgroup's law is for
    law = np.zeros((many.size, 4))  # yes odds, yes walk start, absent given, absent odds
    law_since = np.zeros(many.size, dtype=np.int64)  # the draw from which it holds
    start_at = np.zeros(many.size + 1, dtype=np.int64)  # absent walk starts, by rest = 0..n
    start_at[1:] = np.cumsum(size[many] + 1)
    absent_starts = np.zeros(start_at[-1])
    absent_since = np.full(start_at[-1], -1, dtype=np.int64)
    yes_below = np.empty(alone.size)
    no_from = np.empty(alone.size)
    n_alone = alone.size * n_questions
    uniforms = np.empty(n_alone + 2 * n_questions * many.size + 1)
    present = 1.0 - p_absent
    no_starts = np.zeros(0)  # binomial_inverse computes its walk's start itself
    for d in range(shocks.shape[0]):
        fill_uniforms(stream, uniforms, n_alone + 2 * n_questions * many.size)
        if alone.size:
            for i in range(alone.size):
                j = alone[i]
                q = _sustain_given_shock(
                    threshold[j], probability[j], shocks[d, group[j]], correlation, phi
                )
                yes_below[i] = present * q
                no_from[i] = 1.0 - present * (1.0 - q)
            _count_singles(uniforms, yes_below, no_from, d, yeas, nays)
        for m in range(many.size):
            j = many[m]
            n = size[j]
            q = _sustain_given_shock(
                threshold[j], probability[j], shocks[d, group[j]], correlation, phi
            )
            p_yes = present * q
            smaller = min(p_yes, 1.0 - p_yes)
            from_mode = smaller > 0.0 and n * smaller >= SUMMED_BELOW
            if from_mode and mode_p[m] != p_yes:
                mode, top, at_mode = binomial_at_mode(n, p_yes, log_factorial, reciprocal)
                mode_p[m], mode_k[m], mode_term[m], mode_cdf[m] = p_yes, mode, top, at_mode
            if law_p[m] != p_yes:  # kept while the yea probability stays the same
                absent_given = p_absent / (1.0 - p_yes) if p_yes < 1.0 else 0.0
                summed = 0.0 < absent_given <= 0.5
                law_p[m], law_since[m] = p_yes, d
                law[m, 0] = smaller / (1.0 - smaller) if smaller > 0.0 else 0.0
                law[m, 1] = walk_start(n, p_yes) if smaller > 0.0 else 1.0
                law[m, 2] = absent_given
                law[m, 3] = absent_given / (1.0 - absent_given) if summed else 0.0
            yes_odds, yes_start, absent_given, absent_odds = (
                law[m, 0],
                law[m, 1],
                law[m, 2],
                law[m, 3],
            )
            summed = 0.0 < absent_given <= 0.5
            base = n_alone + 2 * n_questions * m
            for k in range(n_questions):
                u = uniforms[base + 2 * k]
                if from_mode:
                    y = invert_from_mode(
                        n, p_yes, mode_k[m], mode_term[m], mode_cdf[m], u, reciprocal
                    )
                elif smaller <= 0.0:
                    y = n if p_yes >= 1.0 else 0
                else:
                    y = walk_from_zero(n, yes_odds, yes_start, u, reciprocal)
                    if p_yes > 0.5:
                        y = n - y
                rest = n - y
                u = uniforms[base + 2 * k + 1]
                if absent_given <= 0.0 or rest == 0:
                    absent = 0
                elif summed and rest * absent_given < SUMMED_BELOW:
                    slot = start_at[m] + rest
                    if absent_since[slot] != law_since[m]:
                        absent_since[slot] = law_since[m]
                        absent_starts[slot] = walk_start(rest, absent_given)
                    absent = walk_from_zero(rest, absent_odds, absent_starts[slot], u, reciprocal)
                else:
                    absent = binomial_inverse(
                        rest, absent_given, u, log_factorial, reciprocal, no_starts
                    )
                yeas[d, k] += y
                nays[d, k] += rest - absent


def sample_votes_compiled(
    subgroups: Subgroups,
    shocks: NDArray[np.float64],
    *,
    n_objections: int,
    correlation: float,
    p_absent: float,
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Yes and no counts ``(n_draws, n_objections)`` of a chamber's subgroups, the law of
    :func:`models.sampling.sample_votes_grouped` (see the module docstring)."""
    shape = (shocks.shape[0], n_objections)
    yeas = np.zeros(shape, dtype=np.int64)
    nays = np.zeros(shape, dtype=np.int64)
    probability = np.ascontiguousarray(subgroups.probability, dtype=np.float64)
    _grouped_counts(
        kernel_stream(rng),
        np.asarray(ndtri(probability), dtype=np.float64),
        probability,
        np.ascontiguousarray(subgroups.size, dtype=np.int64),
        np.ascontiguousarray(subgroups.group, dtype=np.int64),
        np.ascontiguousarray(shocks, dtype=np.float64),
        float(correlation),
        float(p_absent),
        PHI_TABLE,
        yeas,
        nays,
    )
    return yeas, nays
