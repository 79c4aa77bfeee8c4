"""The members model fit to the shipped sessions' recorded roll calls (with ideal points):
2021 (House and Senate, AZ and PA), 1969 (NC, both chambers) and 2005 (OH, Senate).

The likelihood that is maximised is checked against scipy.integrate.quad over the member
effect, at the MLE and at other correlations up to and including tau = 1.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import integrate, stats
from scipy.special import ndtri

from flows.rollcalls import chamber_arrays, load_recorded_votes, member_table
from flows.sessions import load_session
from models.calibration import Fit, filled_ideal, fit, fixed_caucuses
from models.likelihood import (
    THETA_MAX,
    ProbitProblem,
    lay_out,
    limit_negative_log_likelihood,
    negative_log_likelihood_value,
)
from models.predictive import chamber_checks, marginal_index
from models.rollcall_data import RollCallArrays
from tests.models.test_quadrature import brute_pattern_probability

SINGLE_ROLL_CALLS = [("1969-01-06", "house"), ("1969-01-06", "senate"), ("2005-01-06", "senate")]


@functools.cache
def arrays_of(date: str, chamber: str) -> RollCallArrays:
    session = load_session(date)
    return chamber_arrays(
        member_table(load_recorded_votes(date, session=session), session), chamber
    )


@functools.cache
def fitted(date: str, chamber: str, model: str) -> Fit:
    return fit(arrays_of(date, chamber), model=model, chamber=chamber)


def problem_of(date: str, chamber: str) -> ProbitProblem:
    arrays = arrays_of(date, chamber)
    fixed = fixed_caucuses(arrays, [])
    problem, _reported, _start = lay_out(
        arrays.votes,
        arrays.caucus,
        filled_ideal(arrays)[0],
        fixed,
        states=arrays.states,
        chamber=chamber,
        notes=[],
    )
    return problem


def phi_at(problem: ProbitProblem, result: Fit, arrays: RollCallArrays, tau: float | None):
    """The fit's marginal index and objection shifts as the problem's parameter vector, with
    theta = arcsin(sqrt(tau)) (no theta for None: the limit model's vector)."""
    fitted_rows = np.isin(
        arrays.caucus, [c for c, f in enumerate(fixed_caucuses(arrays, [])) if f is None]
    )
    rows = fitted_rows & (arrays.votes >= 0).any(axis=1)
    index = marginal_index(result, arrays)[rows]
    block = np.linalg.lstsq(problem.design, index, rcond=None)[0]
    np.testing.assert_allclose(problem.design @ block, index, atol=1e-12)
    shifts = np.array([result.objection_shift[s] for s in arrays.states])
    theta = [] if tau is None else [math.asin(math.sqrt(tau))]
    return np.concatenate([block, shifts[:-1], theta])


def brute_member_probability(
    c: NDArray[np.float64], signs: NDArray[np.float64], tau: float
) -> float:
    """The pattern's probability by quad; at tau = 1 the normal mass where every vote's
    indicator s_k (c_k + u) > 0 holds, integrated as an indicator (split at the steps)."""
    if tau < 1.0:
        return brute_pattern_probability(c, signs, tau)
    voted = signs != 0

    def integrand(u: float) -> float:
        return float(stats.norm.pdf(u) * np.all(signs[voted] * (c[voted] + u) > 0))

    cuts = sorted({-38.0, 38.0, *(-c[voted]).tolist()})
    return sum(
        integrate.quad(integrand, a, b, epsabs=1e-15, epsrel=1e-13)[0]
        for a, b in itertools.pairwise(cuts)
    )


def one_member(problem: ProbitProblem, i: int) -> ProbitProblem:
    return ProbitProblem(
        signs=problem.signs[i : i + 1],
        design=problem.design[i : i + 1],
        contrast=problem.contrast,
        fit_sigma=problem.fit_sigma,
    )


# --- 2021: the fits and their checks -------------------------------------------------------


@pytest.mark.parametrize("chamber", ["house", "senate"])
def test_2021_members_fit_converges_with_a_standard_error_for_every_free_parameter(
    chamber: str,
) -> None:
    result = fitted("2021-01-06", chamber, "members")
    assert result.converged
    assert not any("not positive definite" in note for note in result.notes)
    fixed = {f"{chamber}.D.p_sustain"}
    if result.member_sd == math.inf:  # the boundary rule: said in the notes
        fixed |= {f"{chamber}.member_sd", f"{chamber}.member_correlation"}
        assert any("boundary tau = 1" in note for note in result.notes)
    for name, (estimate, se) in result.parameters.items():
        if name in fixed:
            assert se is None, name
        else:
            assert se is not None, name
            assert math.isfinite(estimate), name
            assert 0 < se < 10, name  # no runaway parameter
    assert result.parameters[f"{chamber}.D.p_sustain"] == (0.0, None)  # every Democrat nay


def test_2021_house_maximum_is_on_the_boundary_tau_1_and_reported_as_the_limit() -> None:
    result = fitted("2021-01-06", "house", "members")
    assert result.member_sd == math.inf
    assert result.member_correlation == 1.0
    assert result.parameters["house.member_sd"] == (math.inf, None)
    assert any("boundary tau = 1" in note and "nested" in note for note in result.notes)
    assert set(result.parameters) == {
        "house.D.p_sustain",
        "house.R.marginal_intercept",
        "house.R.marginal_ideal_point",
        "house.objection_shift.AZ",
        "house.objection_shift.PA",
        "house.member_sd",
        "house.member_correlation",
    }
    assert result.n_parameters == 3
    # the quadrature likelihood rises to the limit's: tau = 1 is where the maximum is
    problem, arrays = problem_of("2021-01-06", "house"), arrays_of("2021-01-06", "house")
    limit = limit_negative_log_likelihood(phi_at(problem, result, arrays, None), problem)[0]
    assert -limit == pytest.approx(result.log_likelihood, rel=1e-12)
    near = [
        -negative_log_likelihood_value(phi_at(problem, result, arrays, tau), problem)
        for tau in (0.5, 0.9, 0.99, 0.999)
    ]
    assert near == sorted(near)
    assert near[-1] < result.log_likelihood
    at_edge = np.concatenate([phi_at(problem, result, arrays, None), [THETA_MAX]])
    assert -negative_log_likelihood_value(at_edge, problem) == pytest.approx(-limit, rel=1e-12)


def test_2021_senate_maximum_is_inside_with_three_discordant_republicans() -> None:
    result = fitted("2021-01-06", "senate", "members")
    assert 2.0 < result.member_sd < 5.0
    assert 0.8 < result.member_correlation < 0.97
    # the old fit's sigma = 38 (tau = 0.9993) makes the 3 discordant votes near impossible
    problem, arrays = problem_of("2021-01-06", "senate"), arrays_of("2021-01-06", "senate")
    at_38 = -negative_log_likelihood_value(
        phi_at(problem, result, arrays, 38.0**2 / (1 + 38.0**2)), problem
    )
    assert at_38 < result.log_likelihood - 3.0


@pytest.mark.parametrize("chamber", ["house", "senate"])
def test_2021_members_checks_cover_the_record(chamber: str) -> None:
    arrays = arrays_of("2021-01-06", chamber)
    checks = chamber_checks(fitted("2021-01-06", chamber, "members"), arrays)
    lo, hi = checks["agreement_interval_90"]
    assert lo <= checks["agreement_observed"] <= hi
    for (lo, hi), yeas in zip(checks["yea_interval_90"], checks["yea_observed"], strict=True):
        assert lo <= yeas <= hi


def test_2021_group_model_agreement_misses_the_house_record() -> None:
    arrays = arrays_of("2021-01-06", "house")
    checks = chamber_checks(fitted("2021-01-06", "house", "group"), arrays)
    lo, hi = checks["agreement_interval_90"]
    assert checks["agreement_observed"] == 401
    assert not lo <= 401 <= hi


@pytest.mark.parametrize("chamber", ["house", "senate"])
def test_2021_members_model_has_the_lower_aic(chamber: str) -> None:
    members, group = (
        fitted("2021-01-06", chamber, "members"),
        fitted("2021-01-06", chamber, "group"),
    )
    assert members.aic < group.aic - 10


# --- the likelihood against brute force ----------------------------------------------------


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_the_maximised_senate_likelihood_is_the_brute_force_integral() -> None:
    result = fitted("2021-01-06", "senate", "members")
    problem, arrays = problem_of("2021-01-06", "senate"), arrays_of("2021-01-06", "senate")
    index, shifts, theta = problem.split(phi_at(problem, result, arrays, result.member_correlation))
    brute = sum(
        math.log(
            brute_member_probability(index[i] + shifts, problem.signs[i], result.member_correlation)
        )
        for i in range(problem.signs.shape[0])
    )
    assert result.log_likelihood == pytest.approx(brute, rel=1e-10)
    assert math.tan(theta[0]) == pytest.approx(result.member_sd, rel=1e-12)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@pytest.mark.parametrize("chamber", ["house", "senate"])
@pytest.mark.parametrize("tau", [0.0, 0.5, 0.9, 0.999, 1.0])
def test_each_vote_pattern_likelihood_is_the_brute_force_integral(chamber: str, tau: float) -> None:
    result = fitted("2021-01-06", chamber, "members")
    problem, arrays = problem_of("2021-01-06", chamber), arrays_of("2021-01-06", chamber)
    phi = phi_at(problem, result, arrays, None if tau == 1.0 else tau)
    index, shifts, _theta = problem.split(phi)
    patterns = {tuple(row): i for i, row in enumerate(problem.signs.tolist())}  # one of each
    assert len(patterns) >= 4
    extremes = [int(np.argmin(index)), int(np.argmax(index))]
    for i in [*patterns.values(), *extremes]:
        member = one_member(problem, i)
        if tau == 1.0:
            value = limit_negative_log_likelihood(phi, member)[0]
        else:
            value = negative_log_likelihood_value(phi, member)
        expected = brute_member_probability(index[i] + shifts, problem.signs[i], tau)
        if expected == 0.0:  # discordant at tau = 1 (the Senate's three)
            assert value == math.inf
        else:
            assert math.exp(-value) == pytest.approx(expected, rel=1e-10), problem.signs[i]


# --- single roll calls: 1969 (NC) and 2005 (OH) ---------------------------------------------


@pytest.mark.parametrize(("date", "chamber"), SINGLE_ROLL_CALLS)
def test_with_one_roll_call_member_sd_is_not_identified_and_said_so(
    date: str, chamber: str
) -> None:
    result = fitted(date, chamber, "members")
    assert result.converged
    assert result.member_sd == 0.0
    assert f"{chamber}.member_sd" not in result.parameters
    assert any("member_sd not identified" in note for note in result.notes)
    for name, (estimate, se) in result.parameters.items():
        if not name.endswith("p_sustain") and "objection" not in name:
            assert se is not None, name
            assert 0 < se < 10, name
            assert math.isfinite(estimate), name


def test_2005_ohio_democrats_ideal_points_separate_their_one_vote() -> None:
    # Boxer, the only yea, is the most liberal Democrat who voted: the slope has no MLE
    result = fitted("2005-01-06", "senate", "members")
    assert "senate.D.ideal_point" not in result.parameters
    assert any("separated by ideal point" in note and "-inf" in note for note in result.notes)
    estimate, se = result.parameters["senate.D.intercept"]
    assert estimate == pytest.approx(ndtri(1 / 37), rel=1e-9)  # the pooled probit
    assert se is not None
    assert result.parameters["senate.R.p_sustain"] == (0.0, None)
    assert not any("running off" in note for note in result.notes)
