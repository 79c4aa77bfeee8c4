"""Maximum likelihood machinery for :mod:`models.calibration`: minimisers, Hessians and
standard errors of the reported values by the delta method."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from models.likelihood import Reported

Objective = Callable[[NDArray[np.float64]], tuple[float, NDArray[np.float64]]]
Evaluation = Callable[[NDArray[np.float64]], tuple[float, NDArray[np.float64], NDArray[np.float64]]]
Value = Callable[[NDArray[np.float64]], float]

_MAX_ITERATIONS = 100
_MAX_STEP = 3.0  # marginal-scale units: a probit index rarely moves further in one step


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


def maximise(objective: Objective, start: NDArray[np.float64]) -> tuple[NDArray[np.float64], bool]:
    """Return the ``phi`` minimizing ``objective`` and whether its gradient vanished there.

    BFGS with the analytic gradient, then damped Newton steps on the finite-difference
    Hessian, which take the gradient to ~0 in a step or two. For the limit model, whose
    objective is +inf outside the nested region (BFGS's line search backs off from it).
    """
    if start.size == 0:
        return start, True
    options = {"maxiter": 2000, "gtol": 1e-6}
    from scipy.optimize import minimize  # a 0.3-1 s import: only when fitting

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


def _newton_step(
    gradient: NDArray[np.float64], information: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return the Newton step with the Hessian's eigenvalues replaced by their magnitudes
    (floored), a descent direction where it is not positive definite; at most _MAX_STEP."""
    eigenvalues, vectors = np.linalg.eigh(information)
    floor = 1e-8 * max(float(np.abs(eigenvalues).max()), 1.0)
    step = -vectors @ ((vectors.T @ gradient) / np.maximum(np.abs(eigenvalues), floor))
    largest = float(np.abs(step).max())
    return np.asarray(step * min(1.0, _MAX_STEP / largest) if largest > 0 else step)


def minimise_newton(
    evaluate: Evaluation,
    value: Value,
    start: NDArray[np.float64],
    *,
    bound: NDArray[np.float64],
) -> tuple[NDArray[np.float64], bool]:
    """Return the ``phi`` minimizing the objective within ``|phi_j| <= bound_j`` and whether
    its gradient vanished there (but for coordinates held at a bound they press on).

    ``evaluate`` gives the objective, gradient and Hessian, ``value`` the objective alone.
    Newton's method on the coordinates not held at a bound, each step projected onto the
    box and halved until the objective falls by an Armijo fraction of the predicted amount.
    It stops, converged, when a step would gain less than 1e-12 relative, the objective's
    rounding (a flat approach to a bound, as the members likelihood's to tau = 1, then
    stops short of it).
    """
    phi = np.clip(start, -bound, bound)
    objective, gradient, information = evaluate(phi)
    for _ in range(_MAX_ITERATIONS):
        free = ~((np.abs(phi) >= bound) & (np.sign(phi) * gradient < 0))
        if not free.any() or np.abs(gradient[free]).max() < 1e-9:
            return phi, True
        step = np.zeros_like(phi)
        step[free] = _newton_step(gradient[free], information[np.ix_(free, free)])
        if -float(gradient @ step) < 1e-12 * max(1.0, abs(objective)):
            return phi, True  # what is left to gain is rounding (or a flat approach to a bound)
        for _halving in range(40):
            trial = np.clip(phi + step, -bound, bound)
            trial_value = value(trial)
            if trial_value <= objective + 1e-4 * float(gradient @ (trial - phi)):
                break
            step = step / 2.0
        else:
            return phi, bool(np.abs(gradient[free]).max() < 1e-5)
        phi = trial
        objective, gradient, information = evaluate(phi)
    return phi, False


def reported_values(
    reported: list[Reported], phi: NDArray[np.float64], *, has_theta: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return ``(R,)`` marginal-scale values, ``(R,)`` reported values and their ``(R,
    n_phi)`` Jacobian in ``phi``, whose last entry is theta if ``has_theta`` (else sigma is
    0 and the latent scale is the marginal one)."""
    marginal, values = np.zeros(len(reported)), np.zeros(len(reported))
    jacobian = np.zeros((len(reported), phi.size))
    for row, item in enumerate(reported):
        for column, weight in item.weights.items():
            jacobian[row, column] = weight
        marginal[row] = float(jacobian[row] @ phi) + item.offset
        values[row] = marginal[row]
        if item.scale == "latent" and has_theta:
            theta = float(phi[-1])
            values[row] = marginal[row] / np.cos(theta)
            jacobian[row] /= np.cos(theta)
            jacobian[row, -1] += marginal[row] * np.sin(theta) / np.cos(theta) ** 2
        elif item.scale == "member_sd":
            theta = float(phi[-1])
            values[row] = abs(np.tan(theta))
            jacobian[row, -1] = np.copysign(1.0, theta) / np.cos(theta) ** 2
    return marginal, values, jacobian


def standard_errors(
    information: NDArray[np.float64], jacobian: NDArray[np.float64], notes: list[str]
) -> list[float | None]:
    """Return the ``(R,)`` reported values' se: the delta method (``jacobian`` ``(R,
    n_phi)``) on the inverse observed information; None for a value not estimated."""
    if not is_positive_definite(information):
        notes.append(
            "observed information not positive definite (a parameter is not identified or "
            "at a boundary): standard errors unavailable"
        )
        return [None] * jacobian.shape[0]
    variances = np.diag(jacobian @ np.linalg.inv(information) @ jacobian.T)
    estimated = np.abs(jacobian).sum(axis=1) > 0
    return [float(np.sqrt(v)) if e else None for v, e in zip(variances, estimated, strict=True)]
