"""The compiled member model (``sampler = "compiled"``): the law of
:func:`models.sampling.sample_votes_thresholds`, with each member's effect ``U_i`` drawn
inside the kernel instead of stored.

The draw's member effects come from an effect seed (:func:`effect_seed`, four words of the
draw's stream, taken where the numpy samplers draw their ``(D, M)`` normals); each chamber
derives its own effect stream from it (:func:`chamber_effect_stream`) and draws its drawn
members' effects in (draw, member) order, so the objections and the remand's average
questions of one chamber see the same effects, as they share the stored ones in numpy.

Each member ``i`` would sustain question ``k`` iff ``sqrt(rho) z + sqrt(tau) U_i + sqrt(1 - rho
- tau) E_ik < t_ik`` (the latent variable of :mod:`models.members`), and is present with
probability ``1 - a``, independently of the would-be vote: the yeas are ``Bin(#{would
sustain}, 1-a)`` and the nays ``Bin(#{would not}, 1-a)``, two binomials per question instead
of a uniform per member. Where the chamber's votes are a step in the latent variable
(``1 - rho - tau`` under ``RESIDUAL_STEP``) there is no ``E``; with no caucus shock either
(``rho = 0``, ``tau = 1``, as fitted to the House in 2021) the kernel draws ``V_i = Phi(U_i)``,
a uniform, against ``Phi(t_ik)``. Otherwise each ``E_ik`` is a ziggurat normal compared as it
is drawn (:func:`models.kernel_random.normals_below`), never stored.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.special import ndtr

from models.kernel_random import (
    binomial_inverse,
    fill_normals,
    fill_uniforms,
    kernel_stream,
    log_factorials,
    normals_below,
    reciprocals,
    sfc64_stream,
    walk_starts,
    ziggurat_table,
)
from models.members import RESIDUAL_STEP
from models.roster import CHAMBERS

ZIGGURAT_TABLE = ziggurat_table()


def effect_seed(rng: np.random.Generator) -> NDArray[np.uint64]:
    """The draw's member-effect seed: four words of ``rng`` (:func:`kernel_stream`)."""
    return kernel_stream(rng)


def chamber_effect_stream(seed: NDArray[np.uint64], chamber: str) -> NDArray[np.uint64]:
    """``chamber``'s member-effect stream, a function of the seed and the chamber alone."""
    return sfc64_stream([int(word) for word in seed] + [CHAMBERS.index(chamber)])


@njit(cache=True, nogil=True, inline="always")
def count_below(values: NDArray[np.float64], limits: NDArray[np.float64]) -> int:
    """How many ``values[i] < limits[i]`` (a vectorized count; both ``(n,)``)."""
    below = 0
    for i in range(values.size):
        below += values[i] < limits[i]
    return below


@njit(cache=True, nogil=True)
def _member_counts(
    stream: NDArray[np.uint64],
    effects: NDArray[np.uint64],
    threshold: NDArray[np.float64],
    threshold_cdf: NDArray[np.float64],
    group: NDArray[np.int64],
    shocks: NDArray[np.float64],
    correlation: float,
    member_correlation: float,
    p_absent: float,
    ziggurat: NDArray[np.float64],
    yeas: NDArray[np.int64],
    nays: NDArray[np.int64],
) -> None:
    """Add every member's votes to ``yeas``, ``nays`` ``(D, K)``; ``effects``: the chamber's
    effect stream ``(4,)``, or ``(0,)`` when ``tau`` is 0; ``threshold``, ``threshold_cdf``
    ``(n, K)``: ``t_ik`` and ``Phi(t_ik)``."""
    n_members, n_questions = threshold.shape
    present = 1.0 - p_absent
    residual = 1.0 - correlation - member_correlation
    step = residual <= RESIDUAL_STEP
    scale = 0.0 if step else 1.0 / math.sqrt(residual)
    sqrt_rho, sqrt_tau = math.sqrt(correlation), math.sqrt(member_correlation)
    with_effect = effects.size == 4 and member_correlation > 0.0
    uniform_effect = with_effect and step and correlation <= 0.0
    log_factorial, reciprocal = log_factorials(n_members), reciprocals(n_members)
    starts = walk_starts(n_members, present) if 0.0 < present < 1.0 else np.zeros(0)
    uniforms = np.empty(2 * n_questions)
    bound = np.empty(n_members)  # a question's (t - latent) / sqrt(residual), (n,)
    effect = np.zeros(n_members)
    layer = np.empty(n_members, dtype=np.int64)
    would = np.zeros(n_questions, dtype=np.int64)
    cdf_by_question = np.ascontiguousarray(threshold_cdf.T)  # (K, n): counted question-major
    threshold_by_question = np.ascontiguousarray(threshold.T)
    latent = np.zeros(n_members)  # a draw's sqrt(rho) z + sqrt(tau) U, (n,)
    for d in range(shocks.shape[0]):
        if uniform_effect:
            fill_uniforms(effects, effect, n_members)
        elif with_effect:
            fill_normals(effects, ziggurat, effect, n_members, layer)
        if not uniform_effect:
            for i in range(n_members):
                latent[i] = sqrt_rho * shocks[d, group[i]] + sqrt_tau * effect[i]
        for k in range(n_questions):  # question-major
            if uniform_effect:
                would[k] = count_below(effect, cdf_by_question[k])
            elif step:
                would[k] = count_below(latent, threshold_by_question[k])
            else:
                for i in range(n_members):
                    bound[i] = (threshold_by_question[k, i] - latent[i]) * scale
                would[k] = normals_below(stream, ziggurat, bound, n_members)
        fill_uniforms(stream, uniforms, 2 * n_questions)
        for k in range(n_questions):
            yeas[d, k] += binomial_inverse(
                would[k], present, uniforms[2 * k], log_factorial, reciprocal, starts
            )
            nays[d, k] += binomial_inverse(
                n_members - would[k],
                present,
                uniforms[2 * k + 1],
                log_factorial,
                reciprocal,
                starts,
            )


def sample_member_votes_compiled(
    threshold: NDArray[np.float64],
    group: NDArray[np.int64],
    shocks: NDArray[np.float64],
    effects: NDArray[np.uint64] | None,
    *,
    correlation: float,
    member_correlation: float,
    p_absent: float,
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Yes and no counts ``(D, K)`` of members with thresholds ``(n, K)`` and shock groups
    ``(n,)``; ``effects``: the chamber's effect stream (:func:`chamber_effect_stream`; None
    when ``tau`` is 0), advanced in place."""
    shape = (shocks.shape[0], threshold.shape[1])
    yeas = np.zeros(shape, dtype=np.int64)
    nays = np.zeros(shape, dtype=np.int64)
    threshold = np.ascontiguousarray(threshold, dtype=np.float64)
    _member_counts(
        kernel_stream(rng),
        np.zeros(0, dtype=np.uint64) if effects is None else effects,
        threshold,
        np.ascontiguousarray(ndtr(threshold), dtype=np.float64),
        np.ascontiguousarray(group, dtype=np.int64),
        np.ascontiguousarray(shocks, dtype=np.float64),
        float(correlation),
        float(member_correlation),
        float(p_absent),
        ZIGGURAT_TABLE,
        yeas,
        nays,
    )
    return yeas, nays
