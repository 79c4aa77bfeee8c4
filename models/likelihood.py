"""The members model's likelihood on the marginal scale: its parameter layout, the probit
integrated over the member effect, and its limit at perfect correlation.

The parameters are on the marginal scale: ``m_i = index_i / sqrt(1 + sigma^2)``, ``d_k =
gamma_k / sqrt(1 + sigma^2)`` and ``theta = arctan(sigma)``, so ``tau = sin(theta)^2 =
sigma^2 / (1 + sigma^2)``. Member ``i``'s likelihood is ``L_i = E_U prod_k Phi(s_ik (m_i +
d_k + sin(theta) U) / cos(theta))`` over the roll calls the member voted on, ``s_ik = +1``
(yea) or ``-1`` (nay), integrated by :mod:`models.quadrature`. Theta ranges over ``[-pi/2,
pi/2]``, where the likelihood is even and smooth up to the ends, so sigma cannot run off
to infinity and ``m``, ``d`` stay finite. At ``theta = pi/2`` (``tau = 1``, sigma = inf)
member ``i`` votes yea on ``k`` iff ``U_i > -(m_i + d_k)``, so a vote pattern has the
probability of an interval of ``U``: ``Phi(m_i + min_yea d) - Phi(m_i + max_nay d)`` (the
"limit" model). That is positive only when every member's yeas are on roll calls with larger
``d`` than their nays (the votes are nested, a perfect Guttman scale).

References
----------
Butler, J. S. and Moffitt, R. (1982). A computationally efficient quadrature procedure for the
one-factor multinomial probit model. Econometrica 50(3), 761-764.
Guttman, L. (1950). The basis for scalogram analysis. In Stouffer et al., Measurement and
Prediction, 60-90.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.special import log_ndtr, ndtri

from models.quadrature import N_NODES, pattern_derivatives, pattern_log_probabilities
from models.roster import CAUCUSES
from models.separation import separation_note

THETA_MAX = float(np.pi / 2.0 - 1e-6)
"""The largest ``|theta|`` of the quadrature fit (``tau = 1 - 1e-12``); beyond it, the limit."""

_LOG_SQRT_2PI = 0.5 * float(np.log(2.0 * np.pi))


@dataclass(frozen=True, slots=True, eq=False)
class ProbitProblem:
    """Fitted members' votes and the layout of the free parameter vector ``phi``.

    ``phi`` = (caucus block, K - 1 free objection effects, theta when fit), on the marginal
    scale. Members ``(m,)`` are those of the fitted caucuses who cast a vote; roll calls
    ``(K,)``. ``n_nodes`` is the quadrature's Gauss-Legendre nodes per panel.
    """

    signs: NDArray[np.float64]  # (m, K) +1 yea, -1 nay, 0 did not vote
    design: NDArray[np.float64]  # (m, n_block): caucus block -> m_i
    contrast: NDArray[np.float64]  # (K, K - 1): free effects -> d, which sums to 0
    fit_sigma: bool
    n_nodes: int = N_NODES

    def split(self, phi: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
        """Return ``(m,)`` marginal index, ``(K,)`` d and ``(1,)`` theta (0 when absent)."""
        n_block, n_free = self.design.shape[1], self.contrast.shape[1]
        theta = phi[n_block + n_free :] if phi.size > n_block + n_free else np.zeros(1)
        d = self.contrast @ phi[n_block : n_block + n_free]
        return self.design @ phi[:n_block], d, theta

    def jacobian(self, n_phi: int) -> NDArray[np.float64]:
        """Return ``(m, K + 1, n_phi)``: d (c_i1, ..., c_iK, theta) / d phi, ``c = m + d``."""
        (n, n_block), (n_k, n_free) = self.design.shape, self.contrast.shape
        jacobian = np.zeros((n, n_k + 1, n_phi))
        jacobian[:, :n_k, :n_block] = self.design[:, None, :]
        jacobian[:, :n_k, n_block : n_block + n_free] = self.contrast[None, :, :]
        if n_phi > n_block + n_free:
            jacobian[:, n_k, -1] = 1.0
        return jacobian


@dataclass(frozen=True, slots=True)
class Reported:
    """One reported value, ``sum_j phi_j * weights[j] + offset``; no weights: not estimated.

    ``scale`` says how it maps to the reported scale: ``"marginal"`` as is, ``"latent"``
    times ``sqrt(1 + sigma^2) = 1 / cos(theta)``, ``"member_sd"`` is ``|tan(theta)|``.
    """

    name: str
    weights: dict[int, float]
    offset: float = 0.0
    scale: Literal["marginal", "latent", "member_sd"] = "marginal"


def _caucus_block(
    c: int,
    x: NDArray[np.float64],
    mine: NDArray[np.bool_],
    signs: NDArray[np.float64],
    *,
    column: int,
    chamber: str,
    notes: list[str],
) -> tuple[list[NDArray[np.float64]], list[Reported]]:
    """Return a fitted caucus's design columns and reported intercept (and ideal_point).

    ``x`` is ``(m,)`` over the fitted voters, ``mine`` marks caucus ``c``'s, ``signs`` their
    ``(m_c, K)`` votes. The slope column is standardized within the caucus for conditioning;
    the reported values undo it. A caucus whose ideal points do not vary, or separate its
    votes (:func:`models.separation.separation_note`), has no slope.
    """
    centre, spread = float(x[mine].mean()), float(x[mine].std())
    name = f"{chamber}.{CAUCUSES[c]}"
    intercept = (
        [mine.astype(np.float64)],
        [Reported(f"{name}.intercept", {column: 1.0}, 0.0, "latent")],
    )
    if spread <= 1e-9 * max(1.0, abs(centre)):
        notes.append(
            f"caucus {CAUCUSES[c]}: its voters' ideal points do not vary (all {centre:.3g}; "
            "NaN takes the caucus mean): ideal_point not identified, omitted"
        )
        return intercept
    separated = separation_note(CAUCUSES[c], x[mine], signs)
    if separated is not None:
        notes.append(separated)
        return intercept
    slope = np.where(mine, (x - centre) / spread, 0.0)
    return [mine.astype(np.float64), slope], [
        Reported(f"{name}.intercept", {column: 1.0, column + 1: -centre / spread}, 0.0, "latent"),
        Reported(f"{name}.ideal_point", {column + 1: 1.0 / spread}, 0.0, "latent"),
    ]


def lay_out(
    votes: NDArray[np.int8],
    caucus: NDArray[np.int64],
    x: NDArray[np.float64],
    fixed: list[float | None],
    *,
    states: tuple[str, ...],
    chamber: str,
    notes: list[str],
    n_nodes: int = N_NODES,
) -> tuple[ProbitProblem, list[Reported], NDArray[np.float64]]:
    """Lay out the members model: its problem, reported values and start values.

    ``votes`` ``(n, K)``, ``caucus`` and filled ideal points ``x`` ``(n,)``; ``fixed`` is
    each caucus's fixed p, None for a caucus to fit (:func:`models.calibration.fixed_caucuses`).
    The start is each caucus's probit yea rate, no objection effects and sigma = 1.
    """
    fitted = [c for c, f in enumerate(fixed) if f is None]
    rows = np.flatnonzero(np.isin(caucus, fitted) & (votes >= 0).any(axis=1))
    signs = np.select([votes[rows] == 1, votes[rows] == 0], [1.0, -1.0], 0.0)
    n_k, caucus = len(states), caucus[rows]
    fit_sigma = n_k >= 2 and bool(((signs != 0).sum(axis=1) >= 2).any())
    columns: list[NDArray[np.float64]] = []
    reported = [
        Reported(f"{chamber}.{CAUCUSES[c]}.p_sustain", {}, f)
        for c, f in enumerate(fixed)
        if f is not None and not np.isnan(f)
    ]
    start: list[float] = []
    for c in fitted:
        mine = caucus == c
        cols, values = _caucus_block(
            c, x[rows], mine, signs[mine], column=len(columns), chamber=chamber, notes=notes
        )
        rate = float(signs[mine].clip(0).sum() / np.abs(signs[mine]).sum())
        start += [float(ndtri(rate))] + [0.0] * (len(cols) - 1)
        columns += cols
        reported += values
    n_free = n_k - 1 if columns else 0
    contrast = np.vstack([np.eye(n_free), -np.ones((1, n_free))])[:n_k]
    if columns:
        reported += [
            Reported(
                f"{chamber}.objection.{s}",
                {len(columns) + j: contrast[k, j] for j in range(n_free)},
                0.0,
                "latent",
            )
            for k, s in enumerate(states)
        ]
    start += [0.0] * n_free
    if fit_sigma:
        reported.append(Reported(f"{chamber}.member_sd", {len(start): 1.0}, 0.0, "member_sd"))
        start.append(float(np.pi / 4.0))
    elif columns:
        notes.append(
            "one roll call (or no member voted on two): member_sd not identified, "
            "fixed at 0 and omitted"
        )
    else:
        notes.append("no caucus left to fit: objection effects and member_sd not estimated")
    problem = ProbitProblem(
        signs=signs,
        design=np.array(columns).T.reshape(rows.size, len(columns)),
        contrast=contrast,
        fit_sigma=fit_sigma,
        n_nodes=n_nodes,
    )
    return problem, reported, np.array(start)


def _member_terms(
    phi: NDArray[np.float64], problem: ProbitProblem, *, information: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return ``(m,)`` log L_i, ``(m, K + 1)`` gradients and ``(m, K + 1, K + 1)`` Hessians
    in ``(c_i1, ..., c_iK, theta)``; zeros for the Hessians unless ``information``."""
    index, d, theta = problem.split(phi)
    c = index[:, None] + d[None, :]
    n, n_k = c.shape
    if not problem.fit_sigma:  # sigma = 0: independent probits
        x = problem.signs * c
        voted = problem.signs != 0
        log_phi = np.where(voted, log_ndtr(x), 0.0)
        mills = np.where(voted, np.exp(-0.5 * x * x - _LOG_SQRT_2PI - log_phi), 0.0)
        gradient = np.concatenate([problem.signs * mills, np.zeros((n, 1))], axis=1)
        curvature = np.zeros((n, n_k + 1, n_k + 1))
        diagonal = np.arange(n_k)
        curvature[:, diagonal, diagonal] = -mills * (mills + x)
        return log_phi.sum(axis=1), gradient, curvature
    theta_value = float(theta[0])
    if not information:
        log_l = pattern_log_probabilities(
            c, problem.signs, theta=theta_value, n_nodes=problem.n_nodes
        )
        return log_l, np.zeros((n, n_k + 1)), np.zeros((n, n_k + 1, n_k + 1))
    return pattern_derivatives(c, problem.signs, theta=theta_value, n_nodes=problem.n_nodes)


def negative_log_likelihood(
    phi: NDArray[np.float64], problem: ProbitProblem
) -> tuple[float, NDArray[np.float64]]:
    """Return the negative log likelihood at ``phi`` (``|theta| < pi/2``) and its gradient."""
    value, gradient, _information = negative_log_likelihood_information(phi, problem)
    return value, gradient


def negative_log_likelihood_value(phi: NDArray[np.float64], problem: ProbitProblem) -> float:
    """Return the negative log likelihood at ``phi`` alone (cheaper: no derivatives)."""
    return -float(_member_terms(phi, problem, information=False)[0].sum())


def negative_log_likelihood_information(
    phi: NDArray[np.float64], problem: ProbitProblem
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """Return the negative log likelihood, its gradient and its Hessian (the observed
    information) at ``phi``, the members' terms chained to ``phi``."""
    log_l, gradient, curvature = _member_terms(phi, problem, information=True)
    jacobian = problem.jacobian(phi.size)
    by_phi = np.einsum("ma,map->p", gradient, jacobian)
    information = np.einsum("map,mab,mbq->pq", jacobian, curvature, jacobian)
    return -float(log_l.sum()), -by_phi, -information


def is_nested(signs: NDArray[np.float64]) -> bool:
    """Return True when some order of the ``(K,)`` roll calls puts every member's yeas above
    their nays (the limit model's likelihood is then positive); K >= 2, ``(m, K)`` signs."""
    rank = np.argsort(np.argsort((signs > 0).sum(axis=0) / np.maximum((signs != 0).sum(0), 1)))
    lowest_yea = np.where(signs > 0, rank, signs.shape[1]).min(axis=1)
    highest_nay = np.where(signs < 0, rank, -1).max(axis=1)
    return bool((lowest_yea > highest_nay).all())


def limit_negative_log_likelihood(
    phi: NDArray[np.float64], problem: ProbitProblem
) -> tuple[float, NDArray[np.float64]]:
    """Return the limit model's negative log likelihood at ``phi`` (no sigma) and gradient.

    ``phi`` is on the marginal scale (``z``, ``d``); +inf where the votes are not nested
    under ``d``'s order.
    """
    z, d, _sigma = problem.split(phi)
    k_yea = np.where(problem.signs > 0, d, np.inf).argmin(axis=1)
    k_nay = np.where(problem.signs < 0, d, -np.inf).argmax(axis=1)
    has_yea, has_nay = (problem.signs > 0).any(axis=1), (problem.signs < 0).any(axis=1)
    upper = np.where(has_yea, z + d[k_yea], np.inf)
    lower = np.where(has_nay, z + d[k_nay], -np.inf)
    if not (upper > lower).all():
        return float("inf"), np.zeros_like(phi)
    tail = upper + lower > 0  # both high: Phi(upper) - Phi(lower) = Phi(-lower) - Phi(-upper)
    high, low = np.where(tail, -lower, upper), np.where(tail, -upper, lower)
    log_high = log_ndtr(high)
    log_p = log_high + np.log1p(-np.exp(log_ndtr(low) - log_high))
    at_upper = np.exp(-0.5 * upper * upper - _LOG_SQRT_2PI - log_p)  # d log P / d upper
    at_lower = np.exp(-0.5 * lower * lower - _LOG_SQRT_2PI - log_p)  # -d log P / d lower
    n_k = d.size
    by_roll_call = np.bincount(k_yea[has_yea], at_upper[has_yea], minlength=n_k) - np.bincount(
        k_nay[has_nay], at_lower[has_nay], minlength=n_k
    )
    gradient = [problem.design.T @ (at_upper - at_lower), problem.contrast.T @ by_roll_call]
    return -float(log_p.sum()), -np.concatenate(gradient)


def limit_start(problem: ProbitProblem, start: NDArray[np.float64]) -> NDArray[np.float64]:
    """Start the limit model from the quadrature fit's caucus block (marginal scale), with
    each roll call's effect at its probit yea rate: in the nested order, so feasible."""
    voted = (problem.signs != 0).sum(axis=0)
    tiny = 0.5 / max(int(voted.sum()), 2)
    rates = ((problem.signs > 0).sum(axis=0) / voted.clip(1)).clip(tiny, 1 - tiny)
    d = ndtri(rates) - ndtri(rates).mean()
    return np.concatenate([start[: problem.design.shape[1]], d[:-1]])
