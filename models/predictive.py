"""Predictions, scores and exact predictive checks of a fitted vote model; synthetic roll calls.

Under a fitted model (:mod:`models.calibration`) members vote independently given their
effects ``U_i``, and independently outright on one roll call. So, conditioning on who voted
as the record does, a roll call's yeas are a Poisson-binomial count, and so is the number of
members who voted the same way on every roll call (member ``i`` agrees with probability
``a_i = E_U[prod_k P(yea_ik | U) + prod_k P(nay_ik | U)]``, by the members model's own
quadrature, :mod:`models.quadrature`, accurate to about 1e-13 for any sigma, closed form at
sigma = inf). Both laws are computed exactly by a recursion over members, without Monte
Carlo. :func:`member_brier` and :func:`member_log_score` score predicted probabilities
against recorded votes.

References
----------
Brier, G. W. (1950). Verification of forecasts expressed in terms of probability. Monthly
Weather Review 78(1), 1-3.
Gneiting, T. and Raftery, A. E. (2007). Strictly proper scoring rules, prediction, and
estimation. JASA 102(477), 359-378.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

from models.calibration import Fit, filled_ideal
from models.errors import InputError
from models.quadrature import pattern_log_probabilities
from models.rollcall_data import RollCallArrays

INTERVAL = (0.05, 0.95)
"""Quantiles of the central 90% predictive intervals."""


class ChamberChecks(TypedDict):
    """Observed counts and the fitted model's central 90% intervals for them."""

    yea_observed: list[int]  # (K,) in the arrays' states order
    yea_interval_90: list[list[int]]  # (K, 2) [lo, hi]
    agreement_observed: int
    agreement_interval_90: list[int]  # [lo, hi]


def marginal_index(fit: Fit, arrays: RollCallArrays) -> NDArray[np.float64]:
    """Return ``(n,)`` ``Phi^-1(p_sustain)`` of the arrays' members under ``fit``.

    A missing ideal point takes the fit's caucus mean; a fixed caucus gives ``+-inf``.
    """
    x = np.where(np.isnan(arrays.ideal), fit.caucus_fill[arrays.caucus], arrays.ideal)
    slope = fit.marginal_slope[arrays.caucus]
    return fit.marginal_intercept[arrays.caucus] + np.where(slope == 0, 0.0, slope * x)


def _shifts(fit: Fit, states: Sequence[str]) -> NDArray[np.float64]:
    """Return ``(K,)`` objection shifts of ``states``; 0 for a state the fit did not see."""
    return np.array([fit.objection_shift.get(state, 0.0) for state in states])


def predict(
    fit: Fit, states: Sequence[str], *, arrays: RollCallArrays | None = None
) -> NDArray[np.float64]:
    """Return ``(n, K)`` marginal P(yea) of each member on roll calls on ``states``.

    ``Phi(Phi^-1(p_sustain_i) + objection_shift_k)``, which is ``Phi((index_i + gamma_k) /
    sqrt(1 + sigma^2))``; a state not in the fit gets a shift of 0. Members are the fit's
    own, or those of ``arrays`` when given.
    """
    index = ndtri(fit.p_sustain) if arrays is None else marginal_index(fit, arrays)
    return np.asarray(ndtr(index[:, None] + _shifts(fit, states)[None, :]), dtype=np.float64)


def agreement_probabilities(
    index: NDArray[np.float64], shifts: NDArray[np.float64], *, correlation: float
) -> NDArray[np.float64]:
    """Return ``(n,)`` P(a member votes the same way on all ``(K,)`` roll calls).

    ``index`` is ``Phi^-1(p_sustain)``. ``a_i = P(yea on all) + P(nay on all)``, each a
    vote pattern's probability by the members model's quadrature
    (:func:`models.quadrature.pattern_log_probabilities`, thresholds ``index + shift``,
    ``theta = arcsin(sqrt(correlation))``); at correlation 1, ``Phi(index + min shift) +
    Phi(-index - max shift)``.
    """
    if correlation >= 1.0:
        return np.asarray(ndtr(index + shifts.min()) + ndtr(-index - shifts.max()))
    agree = np.ones(index.size)  # a fixed caucus (index +-inf) always agrees
    finite = np.isfinite(index)
    c = index[finite, None] + shifts[None, :]
    theta = float(np.arcsin(np.sqrt(correlation)))
    both = sum(
        np.exp(pattern_log_probabilities(c, np.full(c.shape, sign), theta=theta))
        for sign in (1.0, -1.0)
    )
    agree[finite] = np.clip(both, 0.0, 1.0)
    return agree


def exact_poisson_binomial(probabilities: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the ``(n + 1,)`` pmf of the number of successes of ``(n,)`` independent trials.

    The direct O(n^2) recursion over trials; stable, as every step is a convex combination.
    """
    pmf = np.zeros(probabilities.size + 1)
    pmf[0] = 1.0
    for i, p in enumerate(probabilities.tolist()):
        pmf[1 : i + 2] = pmf[1 : i + 2] * (1.0 - p) + pmf[: i + 1] * p
        pmf[0] *= 1.0 - p
    return pmf


def central_interval(pmf: NDArray[np.float64]) -> list[int]:
    """Return ``[lo, hi]``: the smallest counts whose CDF reaches 0.05 and 0.95."""
    cdf = np.cumsum(pmf)
    # 1e-12 absorbs rounding in the cumulative sum, far below any meaningful probability
    return [int(np.searchsorted(cdf, q - 1e-12, side="left")) for q in INTERVAL]


def chamber_checks(fit: Fit, arrays: RollCallArrays) -> ChamberChecks:
    """Return the observed yeas and agreement of ``arrays`` and ``fit``'s 90% intervals.

    Yeas of roll call ``k`` count among the members who voted on it; agreement counts the
    members who voted yea or nay on every roll call, and the same way on all of them.
    """
    index = marginal_index(fit, arrays)
    voted = arrays.votes >= 0
    unknown = np.isnan(index) & voted.any(axis=1)
    if unknown.any():
        caucus = int(arrays.caucus[unknown][0])
        raise InputError("roll-call arrays", "caucus", caucus, "a caucus that voted in the fit")
    p_yea = predict(fit, arrays.states, arrays=arrays)
    intervals = [
        central_interval(exact_poisson_binomial(p_yea[voted[:, k], k]))
        for k in range(len(arrays.states))
    ]
    on_all = voted.all(axis=1)
    agreed = on_all & ((arrays.votes == 1).all(axis=1) | (arrays.votes == 0).all(axis=1))
    a = agreement_probabilities(
        index[on_all],
        _shifts(fit, arrays.states),
        correlation=fit.member_correlation,
    )
    return ChamberChecks(
        yea_observed=(arrays.votes == 1).sum(axis=0).astype(int).tolist(),
        yea_interval_90=intervals,
        agreement_observed=int(agreed.sum()),
        agreement_interval_90=central_interval(exact_poisson_binomial(a)),
    )


@dataclass(frozen=True, slots=True)
class MemberParameters:
    """Known members-model parameters to draw roll calls from; ``(2,)`` by caucus."""

    intercept: tuple[float, float]  # alpha_c; +-inf: the caucus always votes yea / nay
    slope: tuple[float, float]  # beta_c
    objection_effect: tuple[float, ...]  # (K,) gamma_k, in the template's states order
    member_sd: float  # sigma


def simulate_votes(
    truth: MemberParameters, template: RollCallArrays, *, rng: np.random.Generator
) -> RollCallArrays:
    """Return ``template`` with its votes redrawn from the members model at ``truth``.

    Who voted is kept (``-1`` stays ``-1``); missing ideal points take the caucus mean.
    Draws, in order: ``U`` ``(n,)``, then ``eps`` ``(n, K)``, standard normal.
    """
    n, k = template.votes.shape
    if len(truth.objection_effect) != k:
        raise InputError(
            "member parameters",
            "objection_effect",
            truth.objection_effect,
            f"expected {k} values, one per roll call",
        )
    x = filled_ideal(template)[0]
    alpha = np.array(truth.intercept, dtype=np.float64)[template.caucus]
    beta = np.array(truth.slope, dtype=np.float64)[template.caucus]
    index: NDArray[np.float64] = alpha + np.where(beta == 0, 0.0, beta * x)
    u = rng.standard_normal((n,))
    eps = rng.standard_normal((n, k))
    latent = index[:, None] + np.asarray(truth.objection_effect) + truth.member_sd * u[:, None]
    yea = (latent + eps > 0).astype(np.int8)
    votes = np.where(template.votes >= 0, yea, np.int8(-1)).astype(np.int8)
    return RollCallArrays(
        chamber=template.chamber,
        bioguide_ids=template.bioguide_ids,
        caucus=template.caucus,
        ideal=template.ideal,
        votes=votes,
        states=template.states,
    )
