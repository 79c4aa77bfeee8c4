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
  chamber's roll calls; ``U_i`` is integrated out by Gauss-Hermite quadrature.

Identification (each case is stated in :attr:`Fit.notes`): a caucus that voted one way on
every vote it cast (separation: the MLE of its ``p`` is 0 or 1) is fixed at that value and
reported as ``{chamber}.{caucus}.p_sustain`` with se None; it is not fit and contributes 0 to
the log likelihood. With one roll call (or no member voting twice) ``sigma`` is fixed at 0 and
omitted; a caucus whose voters' ideal points do not vary has no ``beta`` (omitted). When every
member's votes are nested (no one voted yea on a roll call and nay on one more members
supported, as the 2021 House Republicans), the likelihood rises toward ``sigma = inf``: the
fit is then that limit (:mod:`models.likelihood`), ``member_sd`` inf and
``member_correlation`` 1 (se None), with the finite parameters on the marginal scale
(divided by ``sqrt(1 + sigma^2)``): ``{chamber}.{caucus}.marginal_intercept``,
``.marginal_ideal_point`` and ``{chamber}.objection_shift.{STATE}``. Fixed values are not
counted in ``n_parameters``.

Standard errors: the inverse observed information (central differences of the analytic
gradient of the negative log likelihood), mapped to the reported values by the delta method;
None for all when it is not positive definite (said in the notes). ``sigma`` is optimised
over the real line and reported as ``|sigma|``: the likelihood is even in it, so this needs
no bound and leaves the se unchanged. Gauss-Hermite loses accuracy as sigma grows, so the
nodes are doubled (to ``MAX_NODES``) while that would move an estimate by 0.01 se.

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
from models.likelihood import (
    MAX_NODES,
    ProbitProblem,
    Reported,
    hessian,
    is_nested,
    is_positive_definite,
    lay_out,
    limit_negative_log_likelihood,
    limit_start,
    maximise,
    negative_log_likelihood,
    normal_nodes,
    standard_errors,
)
from models.rollcall_data import RollCallArrays
from models.roster import CAUCUSES

MODELS: tuple[str, ...] = ("group", "members")
N_NODES = 40
"""Gauss-Hermite nodes for the member effect ``U``."""

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
    n_nodes: int  # quadrature nodes over U (1 when sigma = 0)
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


def _solve(problem: ProbitProblem, start: NDArray[np.float64], *, limit: bool) -> _Solution:
    """Minimize the quadrature (or, with ``limit``, the limit model's) negative log likelihood."""
    likelihood = limit_negative_log_likelihood if limit else negative_log_likelihood

    def objective(phi: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        return likelihood(phi, problem)

    phi, converged = maximise(objective, start)
    if problem.fit_sigma and not limit:
        phi[-1] = abs(phi[-1])  # the likelihood is even in sigma
    information = hessian(objective, phi)
    return _Solution(problem, phi, objective(phi)[0], information, converged)


def _with_nodes(problem: ProbitProblem, n_nodes: int) -> ProbitProblem:
    nodes, weights = normal_nodes(n_nodes) if problem.fit_sigma else (np.zeros(1), np.ones(1))
    return replace(problem, nodes=nodes, log_weights=np.log(weights))


def _shift_in_se(solution: _Solution, finer: ProbitProblem) -> float:
    """Return the largest Newton step, in standard errors, that ``finer`` nodes would take."""
    if not is_positive_definite(solution.information):
        return 0.0
    covariance = np.linalg.inv(solution.information)
    step = covariance @ negative_log_likelihood(solution.phi, finer)[1]
    return float(np.max(np.abs(step) / np.sqrt(np.diag(covariance))))


def _refine(solution: _Solution, problem: ProbitProblem, notes: list[str]) -> _Solution:
    """Refit with twice the nodes (to MAX_NODES) while that would move an estimate 0.01 se.

    Gauss-Hermite loses accuracy as sigma grows: each vote's probability becomes a steep
    step in u.
    """
    while problem.fit_sigma and solution.problem.nodes.size < MAX_NODES:
        finer = _with_nodes(problem, min(2 * solution.problem.nodes.size, MAX_NODES))
        if _shift_in_se(solution, finer) <= 0.01:
            break
        solution = _solve(finer, solution.phi, limit=False)
    else:
        if problem.fit_sigma:
            notes.append(
                f"fit with the most quadrature nodes, {MAX_NODES}: not checked against more"
            )
    return solution


def _on_marginal_scale(reported: list[Reported]) -> list[Reported]:
    """Rename the quadrature model's reported values for the limit model (no sigma column)."""
    renamed = {"intercept": "marginal_intercept", "ideal_point": "marginal_ideal_point"}
    limit: list[Reported] = []
    for value in reported:
        parts = value.name.split(".")
        if parts[-1] in renamed:
            limit.append(replace(value, name=".".join([*parts[:-1], renamed[parts[-1]]])))
        elif parts[1] == "objection":
            limit.append(replace(value, name=f"{parts[0]}.objection_shift.{parts[2]}"))
        elif parts[-1] == "member_sd":
            limit.append(Reported(value.name, {}, float("inf")))
            limit.append(Reported(f"{parts[0]}.member_correlation", {}, 1.0))
        else:
            limit.append(value)
    return limit


def _solve_members(
    problem: ProbitProblem,
    reported: list[Reported],
    start: NDArray[np.float64],
    *,
    n_nodes: int,
    notes: list[str],
) -> tuple[_Solution, list[Reported], bool]:
    """Return the MLE, its reported values and whether it is the limit (sigma = inf)."""
    interior = _solve(_with_nodes(problem, n_nodes), start, limit=False)
    if problem.fit_sigma and is_nested(problem.signs):
        limit = _solve(problem, limit_start(problem, start), limit=True)
        if limit.value <= interior.value + 1e-3:
            notes.append(
                "every member's votes are nested (no one voted yea on a roll call and nay on "
                "one with a higher yea rate): the likelihood rises toward member_sd = inf, so "
                "the fit is its limit (member_correlation 1), reported on the marginal scale "
                f"(log likelihood {-limit.value:.4f}; {-interior.value:.4f} by quadrature)"
            )
            return limit, _on_marginal_scale(reported), True
    return _refine(interior, problem, notes), reported, False


def fit_members(arrays: RollCallArrays, *, chamber: str, n_nodes: int = N_NODES) -> Fit:
    """Fit the members model by maximum likelihood (see the module docstring).

    ``n_nodes`` is the least number of quadrature nodes; more are used while they would move
    an estimate by 0.01 se.
    """
    notes: list[str] = []
    fixed = fixed_caucuses(arrays, notes)
    x, fill = filled_ideal(arrays)
    problem, reported, start = lay_out(
        arrays.votes, arrays.caucus, x, fixed, states=arrays.states, chamber=chamber, notes=notes
    )
    solution, reported, at_limit = _solve_members(
        problem, reported, start, n_nodes=n_nodes, notes=notes
    )
    if not solution.converged:
        notes.append("the optimiser did not reach a zero gradient: estimates unreliable")
    se = standard_errors(solution.information, reported, notes)
    values = {
        r.name: float(sum(solution.phi[j] * w for j, w in r.weights.items()) + r.offset)
        for r in reported
    }
    d, sigma = solution.problem.split(solution.phi)[1:]
    member_sd = float("inf") if at_limit else float(sigma[0])
    scale = float(np.sqrt(1.0 + member_sd**2))
    factor = 1.0 if at_limit else 1.0 / scale  # reported values -> marginal scale
    intercept = np.array([np.nan if f is None else ndtri(f) for f in fixed])
    slope = np.zeros(len(CAUCUSES))
    for c, name in enumerate(CAUCUSES):
        key = f"{chamber}.{name}.{'marginal_' if at_limit else ''}"
        if f"{key}intercept" in values:
            intercept[c] = values[f"{key}intercept"] * factor
            slope[c] = values.get(f"{key}ideal_point", 0.0) * factor
    marginal = intercept[arrays.caucus] + np.where(
        slope[arrays.caucus] == 0, 0.0, slope[arrays.caucus] * x
    )
    shift = d * factor
    return Fit(
        model="members",
        chamber=chamber,
        parameters={n: (values[n], s) for n, s in zip(values, se, strict=True)},
        log_likelihood=-solution.value,
        n_parameters=int(solution.phi.size),
        n_votes=int(np.sum(arrays.votes >= 0)),
        bioguide_ids=arrays.bioguide_ids,
        index=_latent(marginal, scale),
        p_sustain=ndtr(marginal),
        objection_effect=dict(zip(arrays.states, _latent(shift, scale).tolist(), strict=True)),
        member_sd=member_sd,
        objection_shift=dict(zip(arrays.states, shift.tolist(), strict=True)),
        member_correlation=1.0 if at_limit else member_sd**2 / scale**2,
        marginal_intercept=intercept,
        marginal_slope=slope,
        caucus_fill=fill,
        n_nodes=1 if at_limit else solution.problem.nodes.size,
        converged=solution.converged,
        notes=tuple(notes),
    )


def _latent(marginal: NDArray[np.float64], scale: float) -> NDArray[np.float64]:
    """Return marginal-scale values times ``sqrt(1 + sigma^2)``; +-inf (NaN at 0) at sigma inf."""
    if np.isfinite(scale):
        return marginal * scale
    return np.where(marginal == 0, np.nan, np.copysign(np.inf, marginal))
