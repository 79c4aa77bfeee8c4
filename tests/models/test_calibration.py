"""Maximum likelihood vote models (models/calibration.py) and their checks (models/predictive.py).

Each answer is checked against one computed independently here: a closed form, a direct
probit fit with scipy.optimize, enumeration, ``scipy.integrate`` or the bivariate normal CDF,
a refit under a different baseline, or known parameters a simulation was drawn from.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import integrate, optimize, stats
from scipy.special import log_ndtr, ndtr, ndtri

from models.calibration import filled_ideal, fit, fit_group, fit_members
from models.errors import InputError
from models.likelihood import (
    lay_out,
    limit_negative_log_likelihood,
    negative_log_likelihood,
    negative_log_likelihood_information,
    negative_log_likelihood_value,
)
from models.predictive import (
    MemberParameters,
    agreement_probabilities,
    central_interval,
    chamber_checks,
    exact_poisson_binomial,
    predict,
    simulate_votes,
)
from models.rollcall_data import RollCallArrays

Z90 = stats.norm.ppf(0.95)
HOUSE_TRUTH = MemberParameters(
    intercept=(-2.2, -1.04), slope=(2.0, 3.0), objection_effect=(-0.3, 0.3), member_sd=1.5
)
"""A 2021-like House: R yea rate about 0.6, D about 0.05 (not unanimous)."""


def roll_calls(
    caucus: list[int] | NDArray[np.int64],
    votes: list[tuple[int, ...]] | NDArray[np.int8],
    *,
    ideal: NDArray[np.float64] | None = None,
    states: tuple[str, ...] = ("AZ", "PA"),
) -> RollCallArrays:
    n = len(caucus)
    return RollCallArrays(
        chamber="house",
        bioguide_ids=tuple(f"M{i:03d}" for i in range(n)),
        caucus=np.asarray(caucus, dtype=np.int64),
        ideal=np.full(n, np.nan) if ideal is None else ideal,
        votes=np.asarray(votes, dtype=np.int8).reshape(n, len(states)),
        states=states,
    )


def house_template(rng: np.random.Generator, n_roll_calls: int = 2) -> RollCallArrays:
    """220 D with ideal ~ N(-0.38, 0.12), 211 R with ideal ~ N(0.5, 0.15), everyone voting."""
    ideal = np.concatenate([rng.normal(-0.38, 0.12, 220), rng.normal(0.5, 0.15, 211)])
    caucus = np.repeat([0, 1], [220, 211])
    states = ("AZ", "PA", "GA", "MI")[:n_roll_calls]
    return roll_calls(caucus, np.zeros((431, n_roll_calls)), ideal=ideal, states=states)


def truth_by_name(truth: MemberParameters, states: tuple[str, ...]) -> dict[str, float]:
    names = {
        "house.D.intercept": truth.intercept[0],
        "house.D.ideal_point": truth.slope[0],
        "house.R.intercept": truth.intercept[1],
        "house.R.ideal_point": truth.slope[1],
        "house.member_sd": truth.member_sd,
    }
    names.update(
        {f"house.objection.{s}": g for s, g in zip(states, truth.objection_effect, strict=True)}
    )
    return names


# --- group model ---------------------------------------------------------------------------


def test_group_model_is_each_caucus_pooled_yea_rate_with_binomial_se() -> None:
    votes = [(1, 1), (1, 0), (0, -1), (0, 0), (1, 1), (1, -1), (0, 1), (-1, -1)]
    arrays = roll_calls([0, 0, 0, 0, 1, 1, 1, 1], votes)
    result = fit_group(arrays, chamber="house")
    # D: yeas 3, nays 4; R: yeas 4, nays 1
    for name, yeas, nays in (("D", 3, 4), ("R", 4, 1)):
        p = yeas / (yeas + nays)
        estimate, se = result.parameters[f"house.{name}.p_sustain"]
        assert estimate == pytest.approx(p, abs=1e-15)
        assert se == pytest.approx(math.sqrt(p * (1 - p) / (yeas + nays)), abs=1e-15)
    expected = 3 * math.log(3 / 7) + 4 * math.log(4 / 7) + 4 * math.log(4 / 5) + math.log(1 / 5)
    assert result.log_likelihood == pytest.approx(expected, abs=1e-12)
    assert result.n_parameters == 2
    assert result.aic == pytest.approx(4 - 2 * expected)
    np.testing.assert_allclose(result.p_sustain, [3 / 7] * 4 + [4 / 5] * 4)
    assert result.member_sd == 0.0
    assert result.objection_shift == {"AZ": 0.0, "PA": 0.0}


@pytest.mark.parametrize("model", ["group", "members"])
@pytest.mark.parametrize("unanimous", [0, 1])
def test_a_unanimous_caucus_is_fixed_at_its_boundary_with_no_se(model: str, unanimous: int) -> None:
    rng = np.random.default_rng(11)
    template = house_template(rng)
    votes = simulate_votes(HOUSE_TRUTH, template, rng=rng).votes.copy()
    d = template.caucus == 0
    votes[d] = unanimous
    votes[np.flatnonzero(d)[:3], 1] = -1  # absences do not break unanimity
    arrays = roll_calls(template.caucus, votes, ideal=template.ideal)
    result = fit(arrays, model=model, chamber="house")
    assert result.parameters["house.D.p_sustain"] == (float(unanimous), None)
    assert "house.D.intercept" not in result.parameters
    assert (result.p_sustain[d] == unanimous).all()
    assert np.isinf(result.index[d]).all()
    assert any("separation" in note for note in result.notes)
    # the fixed caucus contributes nothing: the same fit as the other caucus alone
    r = ~d
    alone = fit(
        roll_calls(template.caucus[r], votes[r], ideal=template.ideal[r]),
        model=model,
        chamber="house",
    )
    assert result.log_likelihood == pytest.approx(alone.log_likelihood, rel=1e-10)
    assert result.n_parameters == alone.n_parameters
    for name, (estimate, _se) in alone.parameters.items():
        assert result.parameters[name][0] == pytest.approx(estimate, rel=1e-6, abs=1e-8)


# --- members model: recovery ---------------------------------------------------------------


def test_members_model_recovers_known_parameters_with_calibrated_90_percent_intervals() -> None:
    """100 simulated Houses, fit back: each 90% Wald interval covers its true parameter in a
    fraction within 3 binomial sd of 0.90 (|coverage - 0.9| <= 3 sqrt(0.9 * 0.1 / 100) =
    0.09), and the estimates' mean is within 4 standard errors of the mean of the truth."""
    rng = np.random.default_rng(2021)
    template = house_template(rng)
    truth = truth_by_name(HOUSE_TRUTH, template.states)
    n_fits = 100
    estimates = {name: np.empty(n_fits) for name in truth}
    covered = dict.fromkeys(truth, 0)
    for i in range(n_fits):
        result = fit_members(simulate_votes(HOUSE_TRUTH, template, rng=rng), chamber="house")
        assert result.converged
        for name, value in truth.items():
            estimate, se = result.parameters[name]
            assert se is not None
            estimates[name][i] = estimate
            covered[name] += abs(estimate - value) <= Z90 * se
    tolerance = 3 * math.sqrt(0.9 * 0.1 / n_fits)
    for name, value in truth.items():
        assert abs(covered[name] / n_fits - 0.9) <= tolerance, (name, covered[name])
        spread = estimates[name].std(ddof=1) / math.sqrt(n_fits)
        assert abs(estimates[name].mean() - value) <= 4 * spread, name


def test_members_model_recovers_the_other_caucus_when_one_is_unanimous() -> None:
    truth = MemberParameters(
        intercept=(-math.inf, -1.04), slope=(0.0, 3.0), objection_effect=(-0.3, 0.3), member_sd=1.5
    )
    rng = np.random.default_rng(5)
    template = house_template(rng)
    result = fit_members(simulate_votes(truth, template, rng=rng), chamber="house")
    assert result.parameters["house.D.p_sustain"] == (0.0, None)
    for name, value in truth_by_name(truth, template.states).items():
        if name.startswith("house.D."):
            continue
        estimate, se = result.parameters[name]
        assert se is not None
        assert abs(estimate - value) <= 3 * se, name


# --- members model: one roll call is a probit ----------------------------------------------


def probit_negative_log_likelihood(
    theta: NDArray[np.float64], x: NDArray[np.float64], signs: NDArray[np.float64]
) -> float:
    return -float(log_ndtr(signs * (theta[0] + theta[1] * x)).sum())


def test_with_one_roll_call_the_members_model_is_a_probit_on_ideal_points() -> None:
    rng = np.random.default_rng(3)
    template = house_template(rng, n_roll_calls=1)
    truth = MemberParameters(
        intercept=(-1.0, -0.8), slope=(2.0, 3.0), objection_effect=(0.0,), member_sd=0.0
    )
    arrays = simulate_votes(truth, template, rng=rng)
    result = fit_members(arrays, chamber="house")
    assert "house.member_sd" not in result.parameters
    assert result.member_sd == 0.0
    assert any("member_sd not identified" in note for note in result.notes)
    assert result.parameters["house.objection.AZ"] == (0.0, None)
    for c, name in enumerate(("D", "R")):
        mine = arrays.caucus == c
        x, s = arrays.ideal[mine], np.where(arrays.votes[mine, 0] == 1, 1.0, -1.0)

        direct = optimize.minimize(
            probit_negative_log_likelihood,
            np.zeros(2),
            args=(x, s),
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 10_000},
        )
        # the probit's observed information: sum of lambda (lambda + s eta) [1, x] [1, x]^T
        eta = s * (direct.x[0] + direct.x[1] * x)
        mills = np.exp(stats.norm.logpdf(eta) - log_ndtr(eta))
        rows = np.stack([np.ones_like(x), x], axis=1)
        information = (rows * (mills * (mills + eta))[:, None]).T @ rows
        se = np.sqrt(np.diag(np.linalg.inv(information)))
        for j, parameter in enumerate(("intercept", "ideal_point")):
            estimate, fitted_se = result.parameters[f"house.{name}.{parameter}"]
            assert estimate == pytest.approx(direct.x[j], rel=1e-5, abs=1e-6)
            assert fitted_se == pytest.approx(se[j], rel=1e-4)
    signs = np.where(arrays.votes[:, 0] == 1, 1.0, -1.0)
    assert result.log_likelihood == pytest.approx(log_ndtr(signs * result.index).sum(), rel=1e-12)


# --- objection effects: the sum-zero constraint --------------------------------------------


def test_the_derived_objection_effect_and_its_se_do_not_depend_on_the_baseline() -> None:
    truth = MemberParameters(
        intercept=(-2.2, -1.04), slope=(2.0, 3.0), objection_effect=(-0.3, 0.1, 0.2), member_sd=1.0
    )
    rng = np.random.default_rng(8)
    arrays = simulate_votes(truth, house_template(rng, n_roll_calls=3), rng=rng)
    first = fit_members(arrays, chamber="house")
    order = [2, 0, 1]  # GA, derived in the first fit, is free here; PA is derived
    rotated = roll_calls(
        arrays.caucus,
        arrays.votes[:, order],
        ideal=arrays.ideal,
        states=tuple(arrays.states[k] for k in order),
    )
    second = fit_members(rotated, chamber="house")
    assert sum(first.objection_effect.values()) == pytest.approx(0.0, abs=1e-12)
    for name, (estimate, se) in first.parameters.items():
        other, other_se = second.parameters[name]
        assert estimate == pytest.approx(other, rel=1e-5, abs=1e-7), name
        assert se == pytest.approx(other_se, rel=1e-3), name


def test_with_two_roll_calls_the_effects_are_opposite_with_one_se() -> None:
    rng = np.random.default_rng(9)
    result = fit_members(simulate_votes(HOUSE_TRUTH, house_template(rng), rng=rng), chamber="house")
    az, pa = result.parameters["house.objection.AZ"], result.parameters["house.objection.PA"]
    assert pa[0] == -az[0]
    assert pa[1] == pytest.approx(az[1], rel=1e-12)


# --- likelihood internals ------------------------------------------------------------------


@pytest.mark.parametrize("tau", [0.0, 0.5, 0.9, 0.999])
def test_the_quadrature_likelihood_gradient_and_hessian_match_finite_differences(
    tau: float,
) -> None:
    rng = np.random.default_rng(4)
    template = house_template(rng, n_roll_calls=3)
    truth = MemberParameters((-1.0, -0.5), (1.0, 2.0), (-0.2, 0.0, 0.2), 1.0)
    arrays = simulate_votes(truth, template, rng=rng)
    problem, _reported, start = lay_out(
        arrays.votes,
        arrays.caucus,
        arrays.ideal,
        [None, None],
        states=arrays.states,
        chamber="house",
        notes=[],
    )
    phi = start + rng.normal(0, 0.2, start.size)
    phi[-1] = math.asin(math.sqrt(tau))
    value, gradient, information = negative_log_likelihood_information(phi, problem)
    assert value == pytest.approx(negative_log_likelihood(phi, problem)[0], rel=1e-14)
    assert value == pytest.approx(negative_log_likelihood_value(phi, problem), rel=1e-14)
    steps = np.eye(phi.size) * 1e-6
    numeric = [
        (
            negative_log_likelihood_value(phi + h, problem)
            - negative_log_likelihood_value(phi - h, problem)
        )
        / 2e-6
        for h in steps
    ]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-5)
    second = np.array(
        [
            (
                negative_log_likelihood(phi + h, problem)[1]
                - negative_log_likelihood(phi - h, problem)[1]
            )
            / 2e-6
            for h in steps
        ]
    )
    np.testing.assert_allclose(information, second, rtol=1e-5, atol=1e-4)


def test_the_limit_likelihood_gradient_matches_finite_differences_on_nested_votes() -> None:
    votes = [(1, 1, 1)] * 5 + [(0, 1, 1)] * 4 + [(0, 0, 1)] * 3 + [(0, 0, 0)] * 6 + [(-1, 1, 1)]
    arrays = roll_calls([1] * len(votes), votes, states=("A", "B", "C"))
    problem, _reported, _start = lay_out(
        arrays.votes,
        arrays.caucus,
        filled_ideal(arrays)[0],
        [float("nan"), None],
        states=arrays.states,
        chamber="house",
        notes=[],
    )
    phi = np.array([0.1, -0.5, 0.1])  # d = (-0.5, 0.1, 0.4): A < B < C, as nested
    value, gradient = limit_negative_log_likelihood(phi, problem)
    assert np.isfinite(value)
    steps = np.eye(phi.size) * 1e-6
    numeric = [
        (
            limit_negative_log_likelihood(phi + h, problem)[0]
            - limit_negative_log_likelihood(phi - h, problem)[0]
        )
        / 2e-6
        for h in steps
    ]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-7)


def test_an_unidentified_parameter_gives_no_standard_errors_and_says_so() -> None:
    # R voted on AZ only, so its intercept and the AZ effect are confounded
    votes = [(0, 0)] * 10 + [(1, -1)] * 6 + [(0, -1)] * 4
    result = fit_members(roll_calls([0] * 10 + [1] * 10, votes), chamber="house")
    assert all(se is None for _estimate, se in result.parameters.values())
    assert any("not positive definite" in note for note in result.notes)


def test_more_quadrature_nodes_leave_the_estimates_unchanged() -> None:
    # 2021 Senate Republicans: 5 yea-yea, 1 yea-nay, 2 nay-yea, 43 nay-nay; sigma near 4
    votes = [(1, 1)] * 5 + [(1, 0)] + [(0, 1)] * 2 + [(0, 0)] * 43
    arrays = roll_calls([1] * len(votes), votes)
    coarse, fine = (
        fit_members(arrays, chamber="senate"),
        fit_members(arrays, chamber="senate", n_nodes=40),
    )
    assert coarse.member_sd > 3
    assert fine.n_nodes == 40
    assert coarse.log_likelihood == pytest.approx(fine.log_likelihood, rel=1e-12)
    for name, (estimate, se) in fine.parameters.items():
        assert se is not None
        assert coarse.parameters[name][0] == pytest.approx(estimate, rel=1e-7), name
        assert coarse.parameters[name][1] == pytest.approx(se, rel=1e-6), name
    with pytest.raises(InputError, match="n_nodes"):
        fit_members(arrays, chamber="senate", n_nodes=0)


# --- exact predictive checks ---------------------------------------------------------------


@pytest.mark.parametrize("n", range(11))
def test_poisson_binomial_pmf_sums_to_one_and_equals_enumeration(n: int) -> None:
    rng = np.random.default_rng(n)
    p = rng.random(n)
    p[: n // 4] = rng.choice([0.0, 1.0], n // 4)  # certain members too
    pmf = exact_poisson_binomial(p)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-14)
    brute = np.zeros(n + 1)
    for outcome in itertools.product([0, 1], repeat=n):
        brute[sum(outcome)] += math.prod(q if o else 1 - q for q, o in zip(p, outcome, strict=True))
    np.testing.assert_allclose(pmf, brute, atol=1e-14)


@pytest.mark.parametrize(("n", "p"), [(1, 0.5), (20, 0.3), (201, 0.55), (431, 0.02), (50, 1.0)])
def test_central_interval_is_the_5_and_95_percent_quantiles(n: int, p: float) -> None:
    expected = [int(stats.binom.ppf(0.05, n, p)), int(stats.binom.ppf(0.95, n, p))]
    assert central_interval(exact_poisson_binomial(np.full(n, p))) == expected


def agreement_by_quad(z: float, shifts: list[float], sigma: float) -> float:
    """E_U[prod_k Phi(eta_k + sigma U) + prod_k Phi(-eta_k - sigma U)], by scipy's quad."""
    eta = (z + np.array(shifts)) * math.sqrt(1 + sigma**2)

    def integrand(u: float) -> float:
        return float(
            (ndtr(eta + sigma * u).prod() + ndtr(-eta - sigma * u).prod()) * stats.norm.pdf(u)
        )

    steps = sorted(float(s) for s in -eta / sigma)
    pieces = [-np.inf, *steps, np.inf]
    return sum(
        integrate.quad(integrand, a, b, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
        for a, b in itertools.pairwise(pieces)
    )


@pytest.mark.parametrize("sigma", [0.5, 1.5, 4.0, 30.0])
@pytest.mark.parametrize("shifts", [[-0.3, 0.3], [-0.4, 0.1, 0.3]])
def test_agreement_probability_equals_a_direct_integral(sigma: float, shifts: list[float]) -> None:
    rho = sigma**2 / (1 + sigma**2)
    for z in (-1.2, 0.0, 0.7):
        got = agreement_probabilities(np.array([z]), np.array(shifts), correlation=rho)[0]
        assert got == pytest.approx(agreement_by_quad(z, shifts, sigma), abs=1e-10)


def test_agreement_probability_equals_the_bivariate_normal_double_integral() -> None:
    z, shifts, rho = 0.3, np.array([-0.2, 0.25]), 0.6
    density = stats.multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).pdf
    # both latent votes above their thresholds, or both below: y_k > -(z + shift_k)
    t = -(z + shifts)
    both_yea = integrate.dblquad(lambda y2, y1: density([y1, y2]), t[0], np.inf, t[1], np.inf)[0]
    both_nay = integrate.dblquad(lambda y2, y1: density([y1, y2]), -np.inf, t[0], -np.inf, t[1])[0]
    got = agreement_probabilities(np.array([z]), shifts, correlation=rho)[0]
    assert got == pytest.approx(both_yea + both_nay, abs=1e-8)


def test_agreement_at_correlation_one_is_the_limit_of_the_integral() -> None:
    z, shifts = np.array([-0.8, 0.1, 1.1]), np.array([-0.3, 0.3])
    exact = agreement_probabilities(z, shifts, correlation=1.0)
    np.testing.assert_allclose(exact, ndtr(z - 0.3) + ndtr(-z - 0.3), atol=1e-15)
    near = agreement_probabilities(z, shifts, correlation=1 - 1e-12)
    np.testing.assert_allclose(near, exact, atol=1e-5)
    assert (
        agreement_probabilities(np.array([np.inf, -np.inf]), shifts, correlation=0.5) == 1
    ).all()


def test_predict_is_the_marginal_probit_with_objection_shifts() -> None:
    rng = np.random.default_rng(6)
    arrays = simulate_votes(HOUSE_TRUTH, house_template(rng), rng=rng)
    result = fit_members(arrays, chamber="house")
    p = predict(result, ("PA", "ZZ"))
    expected_pa = ndtr(
        (result.index + result.objection_effect["PA"]) / math.sqrt(1 + result.member_sd**2)
    )
    np.testing.assert_allclose(p[:, 0], expected_pa, rtol=1e-12)
    np.testing.assert_allclose(p[:, 1], result.p_sustain, rtol=1e-12)  # unseen state: gamma 0
    np.testing.assert_allclose(predict(result, ("PA",), arrays=arrays)[:, 0], p[:, 0], rtol=1e-12)
    newcomer = roll_calls([1], [(0,)], states=("PA",))  # no ideal point: the caucus mean
    mean_x = arrays.ideal[arrays.caucus == 1].mean()
    alpha, beta = (
        result.parameters["house.R.intercept"][0],
        result.parameters["house.R.ideal_point"][0],
    )
    expected = ndtr(
        (alpha + beta * mean_x + result.objection_effect["PA"]) / math.sqrt(1 + result.member_sd**2)
    )
    assert predict(result, ("PA",), arrays=newcomer)[0, 0] == pytest.approx(expected, rel=1e-12)


def test_chamber_checks_report_exactly_the_agreed_keys() -> None:
    rng = np.random.default_rng(12)
    arrays = simulate_votes(HOUSE_TRUTH, house_template(rng), rng=rng)
    checks = chamber_checks(fit_members(arrays, chamber="house"), arrays)
    assert set(checks) == {
        "yea_observed",
        "yea_interval_90",
        "agreement_observed",
        "agreement_interval_90",
    }
    assert checks["yea_observed"] == (arrays.votes == 1).sum(axis=0).tolist()
    for (lo, hi), observed in zip(checks["yea_interval_90"], checks["yea_observed"], strict=True):
        assert lo <= hi
        assert isinstance(observed, int)


# --- the 2021 House record -----------------------------------------------------------------


def house_2021() -> RollCallArrays:
    """The 2021 House objections (AZ, then PA), by caucus and vote pattern (Clerk roll calls
    10 and 11, 117th Congress): R 120 yea-yea, 63 nay-nay, 18 nay-yea, none yea-nay, and one
    AZ yea, two AZ nays and one PA nay from members who voted once (R totals: AZ 121 yea 83
    nay, PA 138 yea 64 nay); D 218 nay-nay and two AZ nays (no D yea). No ideal points."""
    r = [(1, 1)] * 120 + [(0, 0)] * 63 + [(0, 1)] * 18 + [(1, -1)] + [(0, -1)] * 2 + [(-1, 0)]
    d = [(0, 0)] * 218 + [(0, -1)] * 2
    return roll_calls([1] * len(r) + [0] * len(d), r + d)


def test_the_2021_house_record_has_the_stated_totals() -> None:
    arrays = house_2021()
    r = arrays.caucus == 1
    assert (arrays.votes[r] == 1).sum(axis=0).tolist() == [121, 138]
    assert (arrays.votes[r] == 0).sum(axis=0).tolist() == [83, 64]
    assert (arrays.votes[~r] == 0).sum(axis=0).tolist() == [220, 218]
    assert (arrays.votes[~r] == 1).sum() == 0


def test_2021_house_agreement_is_inside_the_members_interval_and_outside_the_group_one() -> None:
    arrays = house_2021()
    members, group = fit_members(arrays, chamber="house"), fit_group(arrays, chamber="house")
    observed = 120 + 63 + 218
    member_checks, group_checks = chamber_checks(members, arrays), chamber_checks(group, arrays)
    assert member_checks["agreement_observed"] == group_checks["agreement_observed"] == observed
    lo, hi = member_checks["agreement_interval_90"]
    assert lo <= observed <= hi
    lo, hi = group_checks["agreement_interval_90"]
    assert not lo <= observed <= hi
    # group p_R ~ 0.64 predicts p^2 + (1 - p)^2 ~ 0.54 of the 201 R to agree, plus the 218 D
    assert hi < 218 + 0.6 * 201
    for (lo, hi), yeas in zip(member_checks["yea_interval_90"], [121, 138], strict=True):
        assert lo <= yeas <= hi
    assert members.log_likelihood > group.log_likelihood


def test_2021_house_republicans_nested_votes_fit_the_perfect_correlation_limit() -> None:
    """No R voted yea on AZ and nay on PA, so the likelihood rises toward sigma = inf; the fit
    is the limit, where a member votes yea iff U > -(z + d_k): P(yea AZ) = a, P(yea PA) = b,
    P(nay AZ, yea PA) = b - a. Its MLE maximizes the multinomial likelihood in (a, b)."""
    result = fit_members(house_2021(), chamber="house")
    assert result.member_sd == math.inf
    assert result.member_correlation == 1.0
    assert result.parameters["house.member_sd"] == (math.inf, None)
    assert "house.R.ideal_point" not in result.parameters
    assert any("ideal_point not identified" in note for note in result.notes)
    assert any("nested" in note for note in result.notes)

    def negative_log_likelihood(ab: NDArray[np.float64]) -> float:
        a, b = ab
        if not 0 < a < b < 1:
            return math.inf
        yea_az, nay_az, nay_pa = 120 + 1, 2, 63 + 1
        return -(
            yea_az * math.log(a)
            + 18 * math.log(b - a)
            + nay_pa * math.log(1 - b)
            + nay_az * math.log(1 - a)
        )

    direct = optimize.minimize(
        negative_log_likelihood,
        [0.5, 0.7],
        method="Nelder-Mead",
        options={"xatol": 1e-12, "fatol": 1e-13},
    )
    r = np.flatnonzero(house_2021().caucus == 1)[0]
    p = predict(result, ("AZ", "PA"))[r]
    np.testing.assert_allclose(p, direct.x, rtol=1e-6)
    assert result.log_likelihood == pytest.approx(-direct.fun, rel=1e-9)
    z = ndtri(result.p_sustain[r])
    assert result.parameters["house.R.marginal_intercept"][0] == pytest.approx(z, rel=1e-12)


# --- simulation and inputs -----------------------------------------------------------------


def test_simulated_votes_are_reproducible_and_keep_who_voted() -> None:
    template = house_2021()
    first = simulate_votes(HOUSE_TRUTH, template, rng=np.random.default_rng(1))
    again = simulate_votes(HOUSE_TRUTH, template, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(first.votes, again.votes)
    np.testing.assert_array_equal(first.votes == -1, template.votes == -1)
    assert set(np.unique(first.votes)) == {-1, 0, 1}


def test_malformed_roll_calls_are_rejected_by_name() -> None:
    with pytest.raises(ValueError, match="votes"):
        roll_calls([0, 1], [(1, 2), (0, 0)])
    with pytest.raises(ValueError, match="caucus"):
        roll_calls([0, 2], [(1, 0), (0, 0)])
    with pytest.raises(ValueError, match="distinct states"):
        roll_calls([0, 1], [(1, 0), (0, 0)], states=("AZ", "AZ"))
    with pytest.raises(InputError, match="model"):
        fit(roll_calls([0, 1], [(1, 0), (0, 0)]), model="probit", chamber="house")


def test_members_who_never_voted_contribute_nothing() -> None:
    rng = np.random.default_rng(13)
    arrays = simulate_votes(HOUSE_TRUTH, house_template(rng), rng=rng)
    absent = roll_calls(
        np.concatenate([arrays.caucus, [0, 1, 1]]),
        np.concatenate([arrays.votes, np.full((3, 2), -1)]),
        ideal=np.concatenate([arrays.ideal, [np.nan, 0.4, 9.0]]),
    )
    with_absent, without = (
        fit_members(absent, chamber="house"),
        fit_members(arrays, chamber="house"),
    )
    assert with_absent.log_likelihood == pytest.approx(without.log_likelihood, rel=1e-12)
    for name, (estimate, se) in without.parameters.items():
        assert with_absent.parameters[name][0] == pytest.approx(estimate, rel=1e-7, abs=1e-9)
        assert with_absent.parameters[name][1] == pytest.approx(se, rel=1e-5)
