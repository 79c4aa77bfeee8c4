"""Fit vote models to recorded roll calls by maximum likelihood, one chamber at a time.

Member ``i`` of caucus ``c`` votes on roll call (objection) ``k``; ``x_i`` is the member's
DW-NOMINATE first dimension. A member without one gets ``x_i`` = the mean of the ideal points
of their caucus's members in the arrays (0 when none of them has one).

* ``"group"`` (today's model at correlation 0): every member of caucus ``c`` votes yea with
  probability ``p_c``, independently. The MLE pools the caucus's roll calls,
  ``p_c = yeas / (yeas + nays)``, with ``se = sqrt(p_c (1 - p_c) / n_votes)``.
* ``"members"``: a probit with a persistent member effect (:mod:`models.likelihood`),
  ``y*_ik = alpha_c + beta_c x_i + gamma_k + sigma U_i + eps_ik``, ``U_i, eps_ik ~ N(0, 1)``
  independent; yea iff ``y*_ik > 0``. The objection effects ``gamma`` sum to 0 over the
  chamber's roll calls. The fit is on the marginal scale (everything divided by ``sqrt(1 +
  sigma^2)``, ``theta = arctan(sigma)`` bounded), ``U_i`` integrated out by a quadrature
  accurate for every sigma (:mod:`models.quadrature`), by Newton's method on the analytic
  gradient and Hessian (:mod:`models.estimation`).

Identification (each case is stated in :attr:`Fit.notes`): a caucus that voted one way on
every vote it cast (separation: the MLE of its ``p`` is 0 or 1) is fixed at that value and
reported as ``{chamber}.{caucus}.p_sustain`` with se None; it is not fit and contributes 0 to
the log likelihood. With one roll call (or no member voting twice) ``sigma`` is fixed at 0 and
omitted. A caucus has no ``beta`` (omitted) when its voters' ideal points do not vary, or
when they separate its votes (everyone on one side of some ``x0`` voted yea throughout and
everyone on the other nay: the slope's MLE is infinite, :mod:`models.separation`); a slope
that still runs off is noted. When every member's votes are nested (no one voted yea on a
roll call and nay on one more members supported, as the 2021 House Republicans), the
likelihood can rise all the way to ``tau = sigma^2 / (1 + sigma^2) = 1``; when its maximum
is on that boundary the fit is the limit (:mod:`models.likelihood`), ``member_sd`` inf and
``member_correlation`` 1 (se None), with the finite parameters on the marginal scale:
``{chamber}.{caucus}.marginal_intercept``, ``.marginal_ideal_point`` and
``{chamber}.objection_shift.{STATE}``, their se from the observed information at tau = 1.
Fixed values are not counted in ``n_parameters``.

Standard errors: the inverse observed information (the analytic Hessian of the negative log
likelihood; central differences of the analytic gradient for the limit), mapped to the
reported values (``alpha = a / cos(theta)``, ``sigma = |tan(theta)|``, ...) by the delta
method; None for all when it is not positive definite (said in the notes). Theta ranges over
``[-pi/2, pi/2]`` and is reported as ``|theta|``: the likelihood is even in it.

References
----------
Lewis, J. B. et al. Voteview: Congressional Roll-Call Votes Database (DW-NOMINATE scores).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri, xlogy

from models.errors import InputError
from models.estimation import (
    hessian,
    maximise,
    minimise_newton,
    reported_values,
    standard_errors,
)
from models.likelihood import (
    THETA_MAX,
    ProbitProblem,
    Reported,
    is_nested,
    lay_out,
    limit_negative_log_likelihood,
    limit_start,
    negative_log_likelihood_information,
    negative_log_likelihood_value,
)
from models.quadrature import N_NODES
from models.rollcall_data import RollCallArrays
from models.roster import CAUCUSES

MODELS: tuple[str, ...] = ("group", "members")
_SOURCE = "roll-call arrays"


@dataclass(frozen=True, slots=True, eq=False)
class Fit:
    """A fitted vote model of one chamber; member arrays ``(n,)`` in the arrays' order.

    ``index`` is ``alpha_c + beta_c x_i`` (``+-inf`` for a caucus fixed at p = 1 or 0, NaN
    for a caucus that cast no vote; +-inf at the sigma = inf limit); ``p_sustain`` is the
    marginal P(yea) on an average objection, ``Phi(index / sqrt(1 + sigma^2))``, exactly 0 or
    1 for a fixed caucus. The scenario format's standardized values give the marginal ``P(yea
    on k) = Phi(Phi^-1(p_sustain_i) + objection_shift[k])``; they stay finite at the limit.
    ``marginal_intercept``, ``marginal_slope`` and ``caucus_fill`` (``(2,)``, by caucus) give
    other members' ``Phi^-1(p_sustain)`` (:func:`models.predictive.marginal_index`).
    """

    model: str  # one of MODELS
    chamber: str
    parameters: dict[str, tuple[float, float | None]]  # name -> (estimate, se)
    log_likelihood: float
    n_parameters: int  # free parameters, for AIC
    n_votes: int  # yea and nay votes in the fit
    bioguide_ids: tuple[str, ...]
    index: NDArray[np.float64]
    p_sustain: NDArray[np.float64]
    objection_effect: dict[str, float]  # gamma_k
    member_sd: float  # sigma
    objection_shift: dict[str, float]  # gamma_k / sqrt(1 + sigma^2)
    member_correlation: float  # sigma^2 / (1 + sigma^2)
    marginal_intercept: NDArray[np.float64]  # alpha_c / sqrt(1 + sigma^2)
    marginal_slope: NDArray[np.float64]  # beta_c / sqrt(1 + sigma^2); 0: dropped or fixed
    caucus_fill: NDArray[np.float64]  # x given to members without an ideal point
    n_nodes: int  # Gauss-Legendre nodes per panel over U (1 when sigma = 0 or inf)
    converged: bool
    notes: tuple[str, ...]

    @property
    def aic(self) -> float:
        return 2.0 * self.n_parameters - 2.0 * self.log_likelihood


def filled_ideal(arrays: RollCallArrays) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return ``(n,)`` ideal points, NaN replaced by the caucus mean, and the ``(2,)`` means."""
    x = arrays.ideal.astype(np.float64)
    fill = np.zeros(len(CAUCUSES))
    for c in range(len(CAUCUSES)):
        mine = arrays.caucus == c
        known = mine & np.isfinite(x)
        fill[c] = x[known].mean() if known.any() else 0.0
        x[mine & ~known] = fill[c]
    return x, fill


def caucus_tallies(arrays: RollCallArrays) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return ``(2,)`` yeas and nays of each caucus, summed over the roll calls."""
    yeas = np.bincount(arrays.caucus, (arrays.votes == 1).sum(axis=1), minlength=len(CAUCUSES))
    nays = np.bincount(arrays.caucus, (arrays.votes == 0).sum(axis=1), minlength=len(CAUCUSES))
    return yeas.astype(np.int64), nays.astype(np.int64)


def fixed_caucuses(arrays: RollCallArrays, notes: list[str]) -> list[float | None]:
    """Return each caucus's fixed p (0 or 1: separation; NaN: no vote), None if it is fit."""
    fixed: list[float | None] = []
    for name, yeas, nays in zip(CAUCUSES, *caucus_tallies(arrays), strict=True):
        if yeas + nays == 0:
            notes.append(f"caucus {name} cast no vote: not fit, its p_sustain is NaN")
            fixed.append(float("nan"))
        elif yeas == 0 or nays == 0:
            fixed.append(float(nays == 0))
            notes.append(
                f"caucus {name} voted {'yea' if nays == 0 else 'nay'} on all its {yeas + nays} "
                f"votes (separation): p_sustain fixed at {nays == 0:d}, se None, not fit"
            )
        else:
            fixed.append(None)
    return fixed


def fit(arrays: RollCallArrays, *, model: str, chamber: str, n_nodes: int = N_NODES) -> Fit:
    """Fit ``model`` (one of :data:`MODELS`) to one chamber's roll calls."""
    if model == "group":
        return fit_group(arrays, chamber=chamber)
    if model == "members":
        return fit_members(arrays, chamber=chamber, n_nodes=n_nodes)
    raise InputError(_SOURCE, "model", model, f"expected one of {', '.join(MODELS)}")


def fit_group(arrays: RollCallArrays, *, chamber: str) -> Fit:
    """Fit the group model: each caucus's pooled yea rate, ``se = sqrt(p (1 - p) / n)``."""
    notes: list[str] = []
    fixed = fixed_caucuses(arrays, notes)
    yeas, nays = caucus_tallies(arrays)
    p = np.array(
        [y / (y + n) if f is None else f for y, n, f in zip(yeas, nays, fixed, strict=True)]
    )
    fitted = np.array([f is None for f in fixed])
    parameters: dict[str, tuple[float, float | None]] = {}
    for c, name in enumerate(CAUCUSES):
        if not np.isnan(p[c]):
            se = float(np.sqrt(p[c] * (1 - p[c]) / (yeas[c] + nays[c]))) if fitted[c] else None
            parameters[f"{chamber}.{name}.p_sustain"] = (float(p[c]), se)
    log_likelihood = float((xlogy(yeas, p) + xlogy(nays, 1 - p))[fitted].sum())
    intercept = ndtri(p)
    zeros = dict.fromkeys(arrays.states, 0.0)
    return Fit(
        model="group",
        chamber=chamber,
        parameters=parameters,
        log_likelihood=log_likelihood,
        n_parameters=int(fitted.sum()),
        n_votes=int((yeas + nays).sum()),
        bioguide_ids=arrays.bioguide_ids,
        index=intercept[arrays.caucus],
        p_sustain=p[arrays.caucus],
        objection_effect=zeros,
        member_sd=0.0,
        objection_shift=dict(zeros),
        member_correlation=0.0,
        marginal_intercept=intercept,
        marginal_slope=np.zeros(len(CAUCUSES)),
        caucus_fill=filled_ideal(arrays)[1],
        n_nodes=1,
        converged=True,
        notes=tuple(notes),
    )


@dataclass(frozen=True, slots=True, eq=False)
class _Solution:
    """An optimum: the problem it solves, ``phi``, the objective there and its Hessian."""

    problem: ProbitProblem
    phi: NDArray[np.float64]
    value: float
    information: NDArray[np.float64]
    converged: bool


def _solve_interior(problem: ProbitProblem, start: NDArray[np.float64]) -> _Solution:
    """Minimize the quadrature negative log likelihood over ``|theta| <= THETA_MAX``."""

    def evaluate(
        phi: NDArray[np.float64],
    ) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
        return negative_log_likelihood_information(phi, problem)

    def value(phi: NDArray[np.float64]) -> float:
        return negative_log_likelihood_value(phi, problem)

    bound = np.full(start.size, np.inf)
    if problem.fit_sigma:
        bound[-1] = THETA_MAX
    phi, converged = minimise_newton(evaluate, value, start, bound=bound)
    if problem.fit_sigma:
        phi[-1] = abs(phi[-1])  # the likelihood is even in theta
    objective, _gradient, information = evaluate(phi)
    return _Solution(problem, phi, objective, information, converged)


def _solve_limit(problem: ProbitProblem, start: NDArray[np.float64]) -> _Solution:
    """Minimize the limit model's negative log likelihood (theta = pi/2, not a parameter)."""

    def objective(phi: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        return limit_negative_log_likelihood(phi, problem)

    phi, converged = maximise(objective, start)
    return _Solution(problem, phi, objective(phi)[0], hessian(objective, phi), converged)


def _on_marginal_scale(reported: list[Reported]) -> list[Reported]:
    """Rename the quadrature model's reported values for the limit model (no theta)."""
    renamed = {"intercept": "marginal_intercept", "ideal_point": "marginal_ideal_point"}
    limit: list[Reported] = []
    for value in reported:
        parts = value.name.split(".")
        if parts[-1] in renamed:
            name = ".".join([*parts[:-1], renamed[parts[-1]]])
            limit.append(replace(value, name=name, scale="marginal"))
        elif parts[1] == "objection":
            name = f"{parts[0]}.objection_shift.{parts[2]}"
            limit.append(replace(value, name=name, scale="marginal"))
        elif parts[-1] == "member_sd":
            limit.append(Reported(value.name, {}, float("inf")))
            limit.append(Reported(f"{parts[0]}.member_correlation", {}, 1.0))
        else:
            limit.append(value)
    return limit


def _solve_members(
    problem: ProbitProblem, reported: list[Reported], start: NDArray[np.float64], notes: list[str]
) -> tuple[_Solution, list[Reported], bool]:
    """Return the MLE, its reported values and whether it is the limit (tau = 1).

    The quadrature likelihood is maximised over ``tau <= 1 - 1e-12``; when the votes nest,
    the limit model (tau = 1) is fit too, and it is the MLE when its likelihood is no lower:
    the likelihood is continuous up to tau = 1, so the maximum is then on that boundary.
    """
    interior = _solve_interior(problem, start)
    if problem.fit_sigma and is_nested(problem.signs):
        # from the interior optimum (near the limit's when it approached tau = 1) and from a
        # start that is nested by construction; the better one
        limit = min(
            (_solve_limit(problem, s) for s in (interior.phi[:-1], limit_start(problem, start))),
            key=lambda solution: solution.value,
        )
        if limit.value <= interior.value + 1e-6:
            notes.append(
                "every member's votes are nested (no one voted yea on a roll call and nay on "
                "one with a higher yea rate) and the likelihood is largest on the boundary "
                "tau = 1 (member_sd = inf): the fit is that limit (member_correlation 1), "
                "reported on the marginal scale, with standard errors from the observed "
                f"information at tau = 1 (log likelihood {-limit.value:.4f}; "
                f"{-interior.value:.4f} at the best tau below 1, "
                f"{np.sin(interior.phi[-1]) ** 2:.6f})"
            )
            return limit, _on_marginal_scale(reported), True
    if problem.fit_sigma and interior.phi[-1] >= THETA_MAX:
        notes.append("member_sd at the largest value fit, tau = 1 - 1e-12: estimates unreliable")
    return interior, reported, False


def _runaway_notes(fit: Fit, x: NDArray[np.float64], arrays: RollCallArrays) -> list[str]:
    """Return a note for each caucus whose marginal index spans over 40 across its members:
    its slope is running off (separation the ideal-point rule does not catch)."""
    notes = []
    for c, name in enumerate(CAUCUSES):
        mine = (arrays.caucus == c) & (arrays.votes >= 0).any(axis=1)
        span = abs(float(fit.marginal_slope[c])) * float(np.ptp(x[mine])) if mine.any() else 0.0
        if span > 40.0:
            notes.append(
                f"caucus {name}: its marginal index spans {span:.3g} probits across its "
                "voters: the ideal_point slope is running off (separation), its estimate and "
                "se are unreliable"
            )
    return notes


def fit_members(arrays: RollCallArrays, *, chamber: str, n_nodes: int = N_NODES) -> Fit:
    """Fit the members model by maximum likelihood (see the module docstring).

    ``n_nodes`` is the Gauss-Legendre nodes per panel of the quadrature over U
    (:mod:`models.quadrature`).
    """
    notes: list[str] = []
    fixed = fixed_caucuses(arrays, notes)
    x, fill = filled_ideal(arrays)
    problem, reported, start = lay_out(
        arrays.votes,
        arrays.caucus,
        x,
        fixed,
        states=arrays.states,
        chamber=chamber,
        notes=notes,
        n_nodes=n_nodes,
    )
    solution, reported, at_limit = _solve_members(problem, reported, start, notes)
    if not solution.converged:
        notes.append("the optimiser did not reach a zero gradient: estimates unreliable")
    has_theta = problem.fit_sigma and not at_limit
    marginal, values, jacobian = reported_values(reported, solution.phi, has_theta=has_theta)
    se = standard_errors(solution.information, jacobian, notes)
    on_margin = dict(zip((r.name for r in reported), marginal.tolist(), strict=True))
    d = problem.split(solution.phi)[1]
    theta = float(solution.phi[-1]) if has_theta else (np.pi / 2.0 if at_limit else 0.0)
    member_sd = float("inf") if at_limit else float(np.tan(theta))
    scale = float(np.sqrt(1.0 + member_sd**2))
    intercept = np.array([np.nan if f is None else ndtri(f) for f in fixed])
    slope = np.zeros(len(CAUCUSES))
    for c, name in enumerate(CAUCUSES):
        key = f"{chamber}.{name}.{'marginal_' if at_limit else ''}"
        if f"{key}intercept" in on_margin:
            intercept[c] = on_margin[f"{key}intercept"]
            slope[c] = on_margin.get(f"{key}ideal_point", 0.0)
    marginal_index = intercept[arrays.caucus] + np.where(
        slope[arrays.caucus] == 0, 0.0, slope[arrays.caucus] * x
    )
    result = Fit(
        model="members",
        chamber=chamber,
        parameters={r.name: (float(v), s) for r, v, s in zip(reported, values, se, strict=True)},
        log_likelihood=-solution.value,
        n_parameters=int(solution.phi.size),
        n_votes=int(np.sum(arrays.votes >= 0)),
        bioguide_ids=arrays.bioguide_ids,
        index=_latent(marginal_index, scale),
        p_sustain=ndtr(marginal_index),
        objection_effect=dict(zip(arrays.states, _latent(d, scale).tolist(), strict=True)),
        member_sd=member_sd,
        objection_shift=dict(zip(arrays.states, d.tolist(), strict=True)),
        member_correlation=1.0 if at_limit else float(np.sin(theta) ** 2),
        marginal_intercept=intercept,
        marginal_slope=slope,
        caucus_fill=fill,
        n_nodes=n_nodes if has_theta else 1,
        converged=solution.converged,
        notes=tuple(notes),
    )
    return replace(result, notes=(*notes, *_runaway_notes(result, x, arrays)))


def _latent(marginal: NDArray[np.float64], scale: float) -> NDArray[np.float64]:
    """Return marginal-scale values times ``sqrt(1 + sigma^2)``; +-inf (NaN at 0) at sigma inf."""
    if np.isfinite(scale):
        return marginal * scale
    return np.where(marginal == 0, np.nan, np.copysign(np.inf, marginal))
