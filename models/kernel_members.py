"""The compiled member model (``sampler = "compiled"``): the law of
:func:`models.sampling.sample_votes_thresholds`, with each member's effect ``U_i`` drawn
inside the kernel instead of stored.

The draw's member effects come from an effect seed (:func:`effect_seed`, four words of the
draw's stream, taken where the numpy samplers draw their ``(D, M)`` normals); each chamber
derives its own effect stream from it (:func:`chamber_effect_stream`) and draws its drawn
members' effects in (draw, member) order, so the objections and the remand's average
questions of one chamber see the same effects, as they share the stored ones in numpy.

Where a chamber's votes are a step in the latent variable with no caucus shock (``rho = 0``,
``tau = 1``, as fitted to the House in 2021), member ``i`` would sustain question ``k`` iff
``U_i < t_ik``, i.e. ``V_i < Phi(t_ik)`` for the uniform ``V_i = Phi(U_i)``: the kernel
draws ``V_i``. Under a step, presence is independent of the would-be vote: the yeas are
``Bin(#{would sustain}, 1-a)`` and the nays ``Bin(#{would not}, 1-a)``, two binomials per
question instead of a uniform per member. Otherwise each vote is one uniform against
``(1-a) q`` and ``1 - (1-a)(1-q)`` with ``q = Phi((t - sqrt(rho) z - sqrt(tau) U) /
sqrt(1 - rho - tau))``, as in numpy.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.special import ndtr

from models.kernel import PHI_TABLE
from models.kernel_random import (
    PHI_LIMIT,
    PHI_STEP,
    binomial_inverse,
    fill_normals,
    fill_uniforms,
    kernel_stream,
    log_factorials,
    normal_cdf,
    reciprocals,
    sfc64_stream,
    walk_starts,
    ziggurat_table,
)
from models.members import RESIDUAL_STEP
from models.roster import CHAMBERS

ZIGGURAT_TABLE = ziggurat_table()
BRACKET_SLACK = 1e-9
"""How far the table's cubic may stray outside its nodes' values (it is within 1e-16 of
them, and within 1e-10 of ``Phi``): a vote this close to a threshold is decided by the cubic."""


def effect_seed(rng: np.random.Generator) -> NDArray[np.uint64]:
    """The draw's member-effect seed: four words of ``rng`` (:func:`kernel_stream`)."""
    return kernel_stream(rng)


def chamber_effect_stream(seed: NDArray[np.uint64], chamber: str) -> NDArray[np.uint64]:
    """``chamber``'s member-effect stream, a function of the seed and the chamber alone."""
    return sfc64_stream([int(word) for word in seed] + [CHAMBERS.index(chamber)])


def phi_brackets(phi: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(n_nodes + 1, 2)`` bounds ``(low, high)`` on ``normal_cdf(x)`` by where ``x`` is: row
    0 below ``-PHI_LIMIT`` (0 and ``Phi(-PHI_LIMIT)``), row ``c + 1`` between the table's nodes
    ``c`` and ``c + 1``, the last row above ``PHI_LIMIT`` (``Phi(PHI_LIMIT)`` and 1)."""
    values = phi[:, 0]
    return np.ascontiguousarray(
        np.stack([np.concatenate([[0.0], values]), np.concatenate([values, [1.0]])], axis=1)
    )


PHI_BRACKETS = phi_brackets(PHI_TABLE)


@njit(cache=True, nogil=True, inline="always")
def bracketed_vote(
    x: float, u: float, present: float, phi: NDArray[np.float64], brackets: NDArray[np.float64]
) -> int:
    """One member's vote from the uniform ``u``: yea (1) if ``u < (1-a) q``, nay (-1) if
    ``u >= 1 - (1-a)(1-q)``, else absent (0), ``q = normal_cdf(x)``, ``present = 1 - a``.

    ``q`` lies within its row of ``brackets`` (:func:`phi_brackets`; the cubic through two
    nodes is monotone between them, to within ``BRACKET_SLACK``), so when ``u`` falls on the
    same side of each threshold at both bounds the vote is known without computing ``q``:
    the same vote as with it, in most cases at the cost of two table reads (no cubic, no
    ``erfc``) and no unpredictable branch."""
    position = min(max((x + PHI_LIMIT) * (1.0 / PHI_STEP) + 1.0, 0.0), brackets.shape[0] - 1.0)
    row = int(position)
    low, high = present * brackets[row, 0], present * brackets[row, 1]
    yea_surely, yea_maybe = u < low - BRACKET_SLACK, u < high + BRACKET_SLACK
    nay_surely = u >= 1.0 - present + high + BRACKET_SLACK
    nay_maybe = u >= 1.0 - present + low - BRACKET_SLACK
    if yea_surely == yea_maybe and nay_surely == nay_maybe:
        return int(yea_surely) - int(nay_surely)
    q = normal_cdf(x, phi)
    if u < present * q:
        return 1
    return -1 if u >= 1.0 - present * (1.0 - q) else 0


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
    phi: NDArray[np.float64],
    brackets: NDArray[np.float64],
    ziggurat: NDArray[np.float64],
    yeas: NDArray[np.int64],
    nays: NDArray[np.int64],
) -> None:
    """Add every member's votes to ``yeas``, ``nays`` ``(D, K)``; ``effects``: the chamber's
    effect stream ``(4,)``, or ``(0,)`` when ``tau`` is 0."""
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
    uniforms = np.empty(n_members * n_questions + 2 * n_questions + 1)
    effect = np.zeros(n_members)
    layer = np.empty(n_members, dtype=np.int64)
    would = np.zeros(n_questions, dtype=np.int64)
    cdf_by_question = np.ascontiguousarray(threshold_cdf.T)  # (K, n): counted question-major
    yes = np.zeros(n_questions, dtype=np.int64)  # a draw's counts, residual path
    no = np.zeros(n_questions, dtype=np.int64)
    for d in range(shocks.shape[0]):
        if uniform_effect:
            fill_uniforms(effects, effect, n_members)
        elif with_effect:
            fill_normals(effects, ziggurat, effect, n_members, layer)
        if step:
            would[:] = 0
            if uniform_effect:
                for k in range(n_questions):  # question-major: a vectorized count
                    below = 0
                    for i in range(n_members):
                        below += effect[i] < cdf_by_question[k, i]
                    would[k] = below
            else:
                for i in range(n_members):
                    latent = sqrt_rho * shocks[d, group[i]] + sqrt_tau * effect[i]
                    for k in range(n_questions):
                        would[k] += threshold[i, k] - latent > 0.0
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
            continue
        fill_uniforms(stream, uniforms, n_members * n_questions)
        yes[:] = 0
        no[:] = 0
        for i in range(n_members):
            latent = sqrt_rho * shocks[d, group[i]] + sqrt_tau * effect[i]
            for k in range(n_questions):
                vote = bracketed_vote(
                    (threshold[i, k] - latent) * scale,
                    uniforms[k * n_members + i],
                    present,
                    phi,
                    brackets,
                )
                yes[k] += vote > 0
                no[k] += vote < 0
        for k in range(n_questions):
            yeas[d, k] += yes[k]
            nays[d, k] += no[k]


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
        PHI_TABLE,
        PHI_BRACKETS,
        ZIGGURAT_TABLE,
        yeas,
        nays,
    )
    return yeas, nays
