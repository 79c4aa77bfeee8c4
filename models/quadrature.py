"""The members model's integral over the member effect, accurate for any correlation below 1.

On the marginal scale member ``i`` votes yea on roll call ``k`` iff ``c_ik + p U_i + r E_ik >
0`` (``U_i``, ``E_ik`` standard normal), with ``c_ik = (index_i + gamma_k) / sqrt(1 +
sigma^2)``, ``p = sin(theta)``, ``r = cos(theta)`` and ``theta = arctan(sigma)``, so ``p^2 =
tau = sigma^2 / (1 + sigma^2)``, the correlation of a member's latent votes. A vote pattern
``s_ik`` (+1 yea, -1 nay, 0 absent) has probability ``L_i = int phi(u) prod_k Phi(x_ik(u))
du``, ``x_ik(u) = s_ik (c_ik + p u) / r``.

The log integrand ``h_i(u) = log phi(u) + sum_k log Phi(x_ik(u))`` is concave with ``h'' <=
-1`` (each ``log Phi`` is concave), so ``h`` falls by ``DROP`` within ``sqrt(2 DROP)`` of its
mode. Each member's integral is composite Gauss-Legendre over the window where ``h`` is
within ``DROP`` of its maximum (the mode by safeguarded Newton, each end by Newton from
outside, so the window shrinks with the integrand as the votes' steps sharpen): ``N_PANELS``
equal panels for the bulk and, where a step ``Phi(x_ik)`` (``r / p`` wide in ``u``, 0 as
theta -> pi/2) is narrower than a panel, breakpoints at it and ``GRADED`` widths either side.
The window leaves out less than ``exp(-DROP)`` of ``L_i``, the panels resolve the bulk and
every step: about 1e-13 relative accuracy for any theta with ``r > 0`` (tested against
``scipy.integrate.quad``). At ``r = 0`` (theta = pi/2) the steps are sharp and the integral
has the closed form of the limit model (:func:`models.likelihood.limit_negative_log_likelihood`).
Derivatives in ``c`` and theta integrate the integrand's derivatives by the same rule; the
Hessian is Louis's identity, ``E[d^2 log g] + Var[d log g]`` under the nodes' shares of
``L_i``.

References
----------
Davis, P. J. and Rabinowitz, P. (1984). Methods of Numerical Integration, 2nd ed., ch. 2
(compound Gauss-Legendre rules, graded meshes).
Louis, T. A. (1982). Finding the observed information matrix when using the EM algorithm.
JRSS B 44(2), 226-233.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import erfcx, log_ndtr

from models.errors import InputError

DROP = 46.0
"""The window keeps ``u`` with ``h(u) >= max h - DROP``; exp(-46) is 1e-20."""
N_PANELS = 6
"""Equal panels over each member's window."""
GRADED = (2.0, 6.0, 18.0)
"""Breakpoints either side of a sharp step, in step widths ``r / p``; Phi(-18) is 1e-72."""
N_NODES = 12
"""Gauss-Legendre nodes per panel."""
MAX_NODES = 64
"""The most nodes per panel allowed."""

_LOG_SQRT_2PI = 0.5 * float(np.log(2.0 * np.pi))
_SQRT_HALF_PI = float(np.sqrt(np.pi / 2.0))
_REACH = 38.0  # phi(38) underflows: no member's mass lies beyond
_MODE_ITERATIONS = 12  # safeguarded Newton from a bracket of the steps
_EDGE_ITERATIONS = 10  # Newton from outside; every iterate stays outside


def _mills(x: NDArray[np.float64], voted: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Return ``lambda(x) = phi(x) / Phi(x)`` where voted (0 elsewhere), by ``erfcx``.

    ``Phi(x) / phi(x) = sqrt(pi / 2) erfcx(-x / sqrt 2)``, accurate deep in either tail;
    ``x`` is clipped at 37, where ``lambda`` is 1e-298 (erfcx overflows beyond 38).
    """
    ratio = _SQRT_HALF_PI * erfcx(-np.minimum(x, 37.0) / np.sqrt(2.0))
    return np.where(voted, 1.0 / ratio, 0.0)


def _bend(x: NDArray[np.float64], mills: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return ``d lambda / d x = -lambda (lambda + x)``, which lies in (-1, 0): clipped so
    rounding deep in the lower tail (where ``lambda + x`` cancels) cannot leave it."""
    return -np.clip(mills * (mills + x), 0.0, 1.0)


def _terms(
    u: NDArray[np.float64], c: NDArray[np.float64], signs: NDArray[np.float64], p: float, r: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return ``h``, ``h'`` and ``h''`` at points ``u`` ``(m, J)``; ``c``, signs ``(m, K)``.

    ``h' = -u + (p / r) sum_k s_k lambda_k``, ``h'' = -1 - (p / r)^2 sum_k lambda_k (lambda_k
    + x_k)``, with ``lambda = phi / Phi`` at ``x_k``. Returns three ``(m, J)`` arrays.
    """
    x = signs[:, :, None] * (c[:, :, None] + p * u[:, None, :]) / r  # (m, K, J)
    voted = signs[:, :, None] != 0
    mills = _mills(x, voted)
    value = -0.5 * u * u - _LOG_SQRT_2PI + np.where(voted, log_ndtr(x), 0.0).sum(axis=1)
    slope = -u + (p / r) * (signs[:, :, None] * mills).sum(axis=1)
    curvature = -1.0 + (p / r) ** 2 * _bend(x, mills).sum(axis=1)
    return value, slope, curvature


def _steps(c: NDArray[np.float64], signs: NDArray[np.float64], p: float) -> NDArray[np.float64]:
    """Return ``(m, K)`` the ``u`` where ``x_ik = 0``, within ``+-_REACH``; 0 where absent."""
    if p == 0.0:
        return np.zeros_like(c)
    return np.where(signs != 0, np.clip(-c / p, -_REACH, _REACH), 0.0)


def _mode(
    c: NDArray[np.float64], signs: NDArray[np.float64], p: float, r: float
) -> NDArray[np.float64]:
    """Return ``(m,)`` modes of ``h``: Newton's method kept inside a shrinking bracket.

    ``h'`` falls, so the first bracket is the last candidate where it is positive and the
    next one: 0 (the density's mode) and each step with ``GRADED`` widths either side, where
    a wall's mode lies.
    """
    n = c.shape[0]
    width = min(r / abs(p), _REACH) if p != 0.0 else _REACH
    ladder = np.array([0.0, *(g * width for g in GRADED), *(-g * width for g in GRADED)])
    steps = (_steps(c, signs, p)[:, :, None] + ladder).reshape(n, c.shape[1] * ladder.size)
    candidates = np.concatenate([np.zeros((n, 1)), np.clip(steps, -_REACH, _REACH)], axis=1)
    rising = _terms(candidates, c, signs, p, r)[1] > 0
    low = np.where(rising, candidates, -_REACH).max(axis=1)
    high = np.where(rising, _REACH, candidates).min(axis=1)
    mode = np.where(rising.all(axis=1), high, low)
    for _ in range(_MODE_ITERATIONS):
        _value, slope, curvature = (a[:, 0] for a in _terms(mode[:, None], c, signs, p, r))
        low, high = np.where(slope > 0, mode, low), np.where(slope > 0, high, mode)
        newton = mode - slope / curvature
        mode = np.where((newton >= low) & (newton <= high), newton, (low + high) / 2.0)
    return np.asarray(mode)


def _window(
    c: NDArray[np.float64], signs: NDArray[np.float64], p: float, r: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return ``(m,)`` ends of windows holding ``{u: h(u) >= max h - DROP}``.

    From a point ``u0`` near the mode, ``h(u) <= h(u0) + h'(u0) (u - u0) - (u - u0)^2 / 2``
    (``h'' <= -1``) gives a start outside ``h >= h(u0) - DROP`` on each side; Newton's method
    on the concave ``h - level`` then approaches each end monotonically from outside.
    """
    mode = _mode(c, signs, p, r)
    value, slope, _curvature = (a[:, 0] for a in _terms(mode[:, None], c, signs, p, r))
    level = value - DROP
    reach = np.abs(slope) + np.sqrt(slope * slope + 2.0 * DROP) + 1e-3
    # beyond _REACH phi(u) underflows: a start clipped there may lie inside, and stays put
    ends = np.clip(np.stack([mode - reach, mode + reach], axis=1), -_REACH, _REACH)  # (m, 2)
    for _ in range(_EDGE_ITERATIONS):
        value, slope, _curvature = _terms(ends, c, signs, p, r)
        outside = (value < level[:, None]) & (slope != 0)
        ends = ends - np.where(
            outside, (value - level[:, None]) / np.where(outside, slope, 1.0), 0.0
        )
    return ends[:, 0], ends[:, 1]


def _breakpoints(
    c: NDArray[np.float64], signs: NDArray[np.float64], p: float, r: float
) -> NDArray[np.float64]:
    """Return ``(m, P)`` sorted panel edges: the window's equal panels and graded steps."""
    low, high = _window(c, signs, p, r)
    edges = [low[:, None] + (high - low)[:, None] * np.linspace(0.0, 1.0, N_PANELS + 1)]
    width = r / abs(p) if p != 0.0 else np.inf
    panel = 2.0 * np.sqrt(2.0 * DROP) / N_PANELS
    offsets = [g * width for g in GRADED if g * width < panel]
    if offsets:
        ladder = np.array([0.0, *offsets, *(-o for o in offsets)])
        points = _steps(c, signs, p)[:, :, None] + ladder
        points = np.where((signs != 0)[:, :, None], points, low[:, None, None])
        edges.append(points.reshape(c.shape[0], c.shape[1] * ladder.size))
    return np.sort(np.clip(np.concatenate(edges, axis=1), low[:, None], high[:, None]), axis=1)


@dataclass(frozen=True, slots=True, eq=False)
class _Nodes:
    """Each member's quadrature: ``(m, 1, Q)`` nodes ``u`` and weights, and the scales."""

    u: NDArray[np.float64]
    weight: NDArray[np.float64]
    p: float
    r: float


def _nodes(
    c: NDArray[np.float64], signs: NDArray[np.float64], theta: float, n_nodes: int
) -> _Nodes:
    if not 1 <= n_nodes <= MAX_NODES:
        raise InputError("members model", "n_nodes", n_nodes, f"expected 1 to {MAX_NODES}")
    p, r = float(np.sin(theta)), float(np.cos(theta))
    edges = _breakpoints(c, signs, p, r)
    x_gl, w_gl = np.polynomial.legendre.leggauss(n_nodes)
    half = np.diff(edges, axis=1)[:, :, None] / 2.0  # (m, P - 1, 1)
    u = (edges[:, :-1, None] + half * (x_gl + 1.0)).reshape(c.shape[0], 1, half.shape[1] * n_nodes)
    return _Nodes(u=u, weight=(half * w_gl).reshape(u.shape), p=p, r=r)


def _integrate(
    c: NDArray[np.float64], signs: NDArray[np.float64], nodes: _Nodes
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return ``(m,)`` log L, ``(m, 1, Q)`` the nodes' shares of L and ``(m, K, Q)`` x."""
    x = signs[:, :, None] * (c[:, :, None] + nodes.p * nodes.u) / nodes.r  # (m, K, Q)
    log_phi = np.where(signs[:, :, None] != 0, log_ndtr(x), 0.0)
    log_g = -0.5 * nodes.u * nodes.u + log_phi.sum(axis=1, keepdims=True)  # (m, 1, Q)
    top = log_g.max(axis=2, keepdims=True)
    mass = nodes.weight * np.exp(log_g - top)
    total = mass.sum(axis=2, keepdims=True)
    log_l = np.log(total[:, 0, 0]) + top[:, 0, 0] - _LOG_SQRT_2PI
    return log_l, mass / total, x


def pattern_log_probabilities(
    c: NDArray[np.float64], signs: NDArray[np.float64], *, theta: float, n_nodes: int = N_NODES
) -> NDArray[np.float64]:
    """Return ``(m,)`` ``log L_i`` for ``(m, K)`` thresholds and signs; ``|theta| < pi/2``.

    ``n_nodes`` Gauss-Legendre nodes per panel.
    """
    return _integrate(c, signs, _nodes(c, signs, theta, n_nodes))[0]


def pattern_derivatives(
    c: NDArray[np.float64], signs: NDArray[np.float64], *, theta: float, n_nodes: int = N_NODES
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return ``(m,)`` ``log L_i``, its ``(m, K + 1)`` gradient and ``(m, K + 1, K + 1)``
    Hessian in ``(c_i1, ..., c_iK, theta)``; ``|theta| < pi/2``."""
    nodes = _nodes(c, signs, theta, n_nodes)
    log_l, share, x = _integrate(c, signs, nodes)
    p, r, s = nodes.p, nodes.r, signs[:, :, None]
    mills = _mills(x, s != 0)
    bend = _bend(x, mills)
    rate = (nodes.u + c[:, :, None] * p) / (r * r)  # d x / d theta, divided by s
    by_c = s * mills / r  # (m, K, Q): d log g / d c_k at each node
    by_theta = (s * mills * rate).sum(axis=1, keepdims=True)  # (m, 1, Q)
    score = np.concatenate([by_c, by_theta], axis=1)  # (m, K + 1, Q)
    mean = (score * share).sum(axis=2)
    spread = np.einsum("maq,mbq->mab", score * share, score) - mean[:, :, None] * mean[:, None, :]
    n, k = c.shape
    curvature = np.zeros((n, k + 1, k + 1))
    diagonal = np.arange(k)
    curvature[:, diagonal, diagonal] = (bend * share).sum(axis=2) / (r * r)
    cross = ((bend * rate / r + s * mills * p / (r * r)) * share).sum(axis=2)
    curvature[:, diagonal, k] = curvature[:, k, diagonal] = cross
    rate_theta = c[:, :, None] / r + 2.0 * p * rate / r  # d rate / d theta
    curvature[:, k, k] = ((bend * rate * rate + s * mills * rate_theta) * share).sum(axis=(1, 2))
    return log_l, mean, curvature + spread
