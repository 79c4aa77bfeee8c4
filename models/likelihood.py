"""The members model's likelihood: its parameter layout, the probit integrated by quadrature,
its limit at perfect correlation, and the optimiser.

Member ``i``'s likelihood is ``sum_q w_q prod_k Phi(s_ik eta_ikq)`` with ``eta_ikq = index_i
+ gamma_k + sigma u_q``, ``s_ik = +1`` (yea), ``-1`` (nay), over the roll calls the member
voted on (Gauss-Hermite quadrature: Butler and Moffitt 1982). As ``sigma -> inf`` with
``index / sqrt(1 + sigma^2) -> z_i`` and ``gamma / sqrt(1 + sigma^2) -> d_k``, member ``i``
votes yea on ``k`` iff ``U_i > -(z_i + d_k)``, so a vote pattern has the probability of an
interval of ``U``: ``Phi(z_i + min_yea d) - Phi(z_i + max_nay d)`` (the "limit" model). Its
likelihood is positive only when every member's yeas are on roll calls with larger ``d`` than
their nays (the votes are nested, a perfect Guttman scale).

References
----------
Butler, J. S. and Moffitt, R. (1982). A computationally efficient quadrature procedure for the
one-factor multinomial probit model. Econometrica 50(3), 761-764.
Guttman, L. (1950). The basis for scalogram analysis. In Stouffer et al., Measurement and
Prediction, 60-90.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import log_ndtr, ndtri

from models.errors import InputError
from models.roster import CAUCUSES

MAX_NODES = 150
"""Gauss-Hermite weights underflow beyond about this many nodes."""

_LOG_SQRT_2PI = 0.5 * float(np.log(2.0 * np.pi))

Objective = Callable[[NDArray[np.float64]], tuple[float, NDArray[np.float64]]]


def normal_nodes(n_nodes: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return Gauss-Hermite nodes and weights for ``E[f(U)]``, ``U ~ N(0, 1)``; symmetric."""
    if not 1 <= n_nodes <= MAX_NODES:
        raise InputError("members model", "n_nodes", n_nodes, f"expected 1 to {MAX_NODES}")
    nodes, weights = np.polynomial.hermite_e.hermegauss(n_nodes)
    return nodes, weights / np.sqrt(2.0 * np.pi)


@dataclass(frozen=True, slots=True, eq=False)
class ProbitProblem:
    """Fitted members' votes and the layout of the free parameter vector ``phi``.

    ``phi`` = (caucus block, K - 1 free objection effects, sigma when fit). Members ``(m,)``
    are those of the fitted caucuses who cast a vote; roll calls ``(K,)``; nodes ``(Q,)``.
    """

    signs: NDArray[np.float64]  # (m, K) +1 yea, -1 nay, 0 did not vote
    design: NDArray[np.float64]  # (m, n_block): caucus block -> index_i
    contrast: NDArray[np.float64]  # (K, K - 1): free effects -> gamma, which sums to 0
    nodes: NDArray[np.float64]  # (Q,) symmetric, so the likelihood is even in sigma
    log_weights: NDArray[np.float64]  # (Q,)
    fit_sigma: bool

    def split(self, phi: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
        """Return ``(m,)`` index, ``(K,)`` gamma and ``(1,)`` sigma (0 when absent)."""
        n_block, n_free = self.design.shape[1], self.contrast.shape[1]
        sigma = phi[n_block + n_free :] if phi.size > n_block + n_free else np.zeros(1)
        gamma = self.contrast @ phi[n_block : n_block + n_free]
        return self.design @ phi[:n_block], gamma, sigma


@dataclass(frozen=True, slots=True)
class Reported:
    """One reported value, ``sum_j phi_j * weights[j] + offset``; no weights: not estimated."""

    name: str
    weights: dict[int, float]
    offset: float = 0.0


def _caucus_block(
    c: int,
    x: NDArray[np.float64],
    mine: NDArray[np.bool_],
    *,
    column: int,
    chamber: str,
    notes: list[str],
) -> tuple[list[NDArray[np.float64]], list[Reported]]:
    """Return a fitted caucus's design columns and reported intercept (and ideal_point).

    ``x`` is ``(m,)`` over the fitted voters, ``mine`` marks caucus ``c``'s. The slope column
    is standardized within the caucus for conditioning; the reported values undo it.
    """
    centre, spread = float(x[mine].mean()), float(x[mine].std())
    name = f"{chamber}.{CAUCUSES[c]}"
    if spread <= 1e-9 * max(1.0, abs(centre)):
        notes.append(
            f"caucus {CAUCUSES[c]}: its voters' ideal points do not vary (all {centre:.3g}; "
            "NaN takes the caucus mean): ideal_point not identified, omitted"
        )
        return [mine.astype(np.float64)], [Reported(f"{name}.intercept", {column: 1.0})]
    slope = np.where(mine, (x - centre) / spread, 0.0)
    return [mine.astype(np.float64), slope], [
        Reported(f"{name}.intercept", {column: 1.0, column + 1: -centre / spread}),
        Reported(f"{name}.ideal_point", {column + 1: 1.0 / spread}),
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
) -> tuple[ProbitProblem, list[Reported], NDArray[np.float64]]:
    """Lay out the members model: its problem (one node), reported values and start values.

    ``votes`` ``(n, K)``, ``caucus`` and filled ideal points ``x`` ``(n,)``; ``fixed`` is
    each caucus's fixed p, None for a caucus to fit (:func:`models.calibration.fixed_caucuses`).
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
        cols, values = _caucus_block(
            c, x[rows], caucus == c, column=len(columns), chamber=chamber, notes=notes
        )
        rate = float(signs[caucus == c].clip(0).sum() / np.abs(signs[caucus == c]).sum())
        start += [float(ndtri(rate)) * np.sqrt(1.0 + fit_sigma)] + [0.0] * (len(cols) - 1)
        columns += cols
        reported += values
    n_free = n_k - 1 if columns else 0
    contrast = np.vstack([np.eye(n_free), -np.ones((1, n_free))])[:n_k]
    if columns:
        reported += [
            Reported(
                f"{chamber}.objection.{s}",
                {len(columns) + j: contrast[k, j] for j in range(n_free)},
            )
            for k, s in enumerate(states)
        ]
    start += [0.0] * n_free
    if fit_sigma:
        reported.append(Reported(f"{chamber}.member_sd", {len(start): 1.0}))
        start.append(1.0)
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
        nodes=np.zeros(1),
        log_weights=np.zeros(1),
        fit_sigma=fit_sigma,
    )
    return problem, reported, np.array(start)


def negative_log_likelihood(
    phi: NDArray[np.float64], problem: ProbitProblem
) -> tuple[float, NDArray[np.float64]]:
    """Return the negative log likelihood at ``phi`` and its ``(n_phi,)`` gradient.

    The gradient weights each node by its posterior share ``r_iq`` of member i's likelihood.
    """
    index, gamma, sigma = problem.split(phi)
    eta = index[:, None, None] + gamma[None, :, None] + sigma[0] * problem.nodes  # (m, K, Q)
    z = problem.signs[:, :, None] * eta
    voted = problem.signs[:, :, None] != 0
    log_phi = np.where(voted, log_ndtr(z), 0.0)
    log_joint = problem.log_weights + log_phi.sum(axis=1)  # (m, Q)
    top = log_joint.max(axis=1, keepdims=True)
    joint = np.exp(log_joint - top)
    total = joint.sum(axis=1, keepdims=True)
    share = joint / total
    mills = np.where(voted, np.exp(-0.5 * z * z - _LOG_SQRT_2PI - log_phi), 0.0)
    score = share[:, None, :] * problem.signs[:, :, None] * mills  # d log L_i / d eta_ikq
    by_roll_call = score.sum(axis=2)  # (m, K)
    parts = [problem.design.T @ by_roll_call.sum(axis=1), problem.contrast.T @ by_roll_call.sum(0)]
    if problem.fit_sigma:
        parts.append(np.array([(score.sum(axis=1) * problem.nodes).sum()]))
    log_likelihood = float((np.log(total[:, 0]) + top[:, 0]).sum())
    return -log_likelihood, -np.concatenate(parts)


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
    """Start the limit model from the quadrature start values on the marginal scale, with
    each roll call's effect at its probit yea rate: in the nested order, so feasible."""
    voted = (problem.signs != 0).sum(axis=0)
    tiny = 0.5 / max(int(voted.sum()), 2)
    rates = ((problem.signs > 0).sum(axis=0) / voted.clip(1)).clip(tiny, 1 - tiny)
    d = ndtri(rates) - ndtri(rates).mean()
    block = start[: problem.design.shape[1]] / np.sqrt(1.0 + start[-1] ** 2)
    return np.concatenate([block, d[:-1]])


def hessian(objective: Objective, phi: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the symmetrized central difference of ``objective``'s gradient at ``phi``.

    Steps of ``1e-5 * max(1, |phi_j|)``, about the cube root of machine epsilon.
    """
    columns = []
    for j in range(phi.size):
        step = np.zeros_like(phi)
        step[j] = 1e-5 * max(1.0, abs(float(phi[j])))
        columns.append((objective(phi + step)[1] - objective(phi - step)[1]) / (2.0 * step[j]))
    h = np.array(columns).T.reshape(phi.size, phi.size)
    return np.asarray((h + h.T) / 2.0, dtype=np.float64)


def is_positive_definite(matrix: NDArray[np.float64]) -> bool:
    """Return True when every eigenvalue exceeds 1e-10 times the largest in magnitude."""
    if matrix.size == 0:
        return True
    if not np.isfinite(matrix).all():
        return False
    eigenvalues = np.linalg.eigvalsh(matrix)
    return bool(eigenvalues.min() > 1e-10 * np.abs(eigenvalues).max())


def standard_errors(
    information: NDArray[np.float64], reported: list[Reported], notes: list[str]
) -> list[float | None]:
    """Return the reported values' se: delta method on the inverse observed information."""
    jacobian = np.zeros((len(reported), information.shape[0]))
    for row, value in enumerate(reported):
        for column, weight in value.weights.items():
            jacobian[row, column] = weight
    if not is_positive_definite(information):
        notes.append(
            "observed information not positive definite (a parameter is not identified or "
            "at a boundary): standard errors unavailable"
        )
        return [None] * len(reported)
    variances = np.diag(jacobian @ np.linalg.inv(information) @ jacobian.T)
    estimated = np.abs(jacobian).sum(axis=1) > 0
    return [float(np.sqrt(v)) if e else None for v, e in zip(variances, estimated, strict=True)]


def maximise(objective: Objective, start: NDArray[np.float64]) -> tuple[NDArray[np.float64], bool]:
    """Return the ``phi`` minimizing ``objective`` and whether its gradient vanished there.

    BFGS with the analytic gradient, then damped Newton steps on the finite-difference
    Hessian, which take the gradient to ~0 in a step or two.
    """
    if start.size == 0:
        return start, True
    options = {"maxiter": 2000, "gtol": 1e-6}
    phi = np.asarray(minimize(objective, start, jac=True, method="BFGS", options=options).x)
    value, grad = objective(phi)
    for _ in range(8):
        if np.abs(grad).max() < 1e-8:
            break
        information = hessian(objective, phi)
        if not is_positive_definite(information):
            break
        step = np.linalg.solve(information, grad)
        for _halving in range(30):
            trial_value, trial_grad = objective(phi - step)
            if trial_value <= value:
                phi, value, grad = phi - step, trial_value, trial_grad
                break
            step = step / 2.0
        else:
            break
    return phi, bool(np.abs(grad).max() < 1e-5)
