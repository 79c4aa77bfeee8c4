"""Monte Carlo engine against the exact oracle, on the shipped 2021-01-06 session.

Every comparison uses a fixed seed and a tolerance of 4 standard errors of the Monte Carlo
estimate: ``se = sqrt(p (1 - p) / n)`` at the exact ``p``, floored at ``1 / n`` so that
probabilities at or near 0 and 1 are not held to a zero-width interval.
"""

from __future__ import annotations

import csv
import functools
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binom, multivariate_normal, norm

import models
from flows.scenario import parse_scenario, to_scenario
from models.behaviour import Scenario
from models.contingent import NO_ONE
from models.engine import SAMPLERS, Draws, simulate
from models.oracle import Exact, exact_probabilities
from models.outcomes import OUTCOMES
from models.sampling import block_rng

pytestmark = pytest.mark.slow

SESSION = "2021-01-06"
MEMBERS_CSV = Path(models.__file__).parent / "data" / "sessions" / SESSION / "members.csv"
N_DRAWS = {"compiled": 60_000, "grouped": 60_000, "members": 20_000}
"""Draws per sampler: the members sampler draws one uniform per member and objection."""
SEED = 20210106
OBJECTIONS = {"AZ": 1.0, "PA": 0.9, "GA": 0.6}
"""Rejecting all three leaves Biden 259 of 538: the House chooses (Trump); any two do not."""
BASE_VOTES = {"house.R": 0.95, "house.D": 0.09, "senate.R": 0.92, "senate.D": 0.08}
"""Both chambers agree to an objection with a probability well inside (0, 1)."""


# --- building scenarios ------------------------------------------------------------------


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def scenario_text(
    *,
    votes: dict[str, object],
    objections: dict[str, float] = OBJECTIONS,
    regime: str = "eca1887",
    rules: dict[str, object] | None = None,
    signers: dict[str, float] | None = None,
) -> str:
    """Return the text of a scenario file on the 2021 session."""
    lines = [f'session = "{SESSION}"', f'regime = "{regime}"']
    tables: list[tuple[str, dict[str, object]]] = [
        ("rules", dict(rules or {})),
        ("objections", dict(objections)),
        ("votes", dict(votes)),
    ]
    if signers is not None:
        tables.append(("signers", dict(signers)))
    for name, table in tables:
        if table:
            lines.append(f"[{name}]")
            lines.extend(f"{key} = {_value(value)}" for key, value in table.items())
    return "\n".join(lines) + "\n"


def build(text: str) -> Scenario:
    config = parse_scenario(text, source="test.toml")
    return to_scenario(config, base=Path(), source="test.toml")


def votes(**extra: object) -> dict[str, object]:
    return {**BASE_VOTES, **extra}


def overrides_csv(folder: Path) -> tuple[Path, dict[str, float]]:
    """Write a CSV overriding ten sworn members of both chambers and caucuses."""
    with MEMBERS_CSV.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["sworn"] == "1"]
    wanted = {("house", "R"): 4, ("house", "D"): 3, ("senate", "R"): 2, ("senate", "D"): 1}
    chosen: list[str] = []
    for (chamber, caucus), count in wanted.items():
        mine = [r["bioguide_id"] for r in rows if (r["chamber"], r["caucus"]) == (chamber, caucus)]
        chosen.extend(mine[:count])
    probabilities = [0.0, 0.2, 0.5, 0.35, 1.0, 0.7, 0.6, 0.0, 0.4, 0.9]
    table = dict(zip(chosen, probabilities, strict=True))
    path = folder / "overrides.csv"
    path.write_text(
        "bioguide_id,probability\n" + "".join(f"{b},{p}\n" for b, p in table.items()),
        encoding="utf-8",
    )
    return path, table


# --- cases: scenario and exact answer computed once per module ----------------------------

CASE_TEXTS: dict[str, str] = {
    "independent": scenario_text(votes=votes(correlation=0.0)),
    "independent-absent": scenario_text(votes=votes(correlation=0.0, absent=0.05)),
    "rho0.3": scenario_text(votes=votes(correlation=0.3)),
    "rho0.3-absent": scenario_text(votes=votes(correlation=0.3, absent=0.05)),
    "rho0.7": scenario_text(votes=votes(correlation=0.7)),
    "rho0.7-absent": scenario_text(votes=votes(correlation=0.7, absent=0.1)),
    "signers-ecra2022": scenario_text(
        votes=votes(correlation=0.0),
        regime="ecra2022",
        signers={"house.R": 0.44, "senate.R": 0.42},
    ),
    "sustain-either": scenario_text(
        votes={
            "house.R": 0.9,
            "house.D": 0.05,
            "senate.R": 0.85,
            "senate.D": 0.05,
            "correlation": 0.3,
        },
        rules={"sustain_rule": "either"},
    ),
    "vp-tiebreak": scenario_text(
        votes={
            "house.R": 1.0,
            "house.D": 1.0,
            "senate.R": 0.5,
            "senate.D": 0.5,
            "absent": 0.1,
            "presiding_officer": 1.0,
        },
        rules={"senate_vp_tiebreak_on_objection": True},
    ),
    "vp-unilateral": scenario_text(
        votes={"house.R": 0.6},
        objections={"AZ": 1.0, "PA": 0.9, "GA": 0.6, "MI": 0.5, "NV": 0.4, "WI": 0.5},
        regime="vp-unilateral",
    ),
}


@functools.cache
def case(name: str) -> tuple[Scenario, Exact]:
    scenario = build(CASE_TEXTS[name])
    return scenario, exact_probabilities(scenario)


@functools.cache
def draws(name: str, sampler: str) -> Draws:
    scenario, _ = case(name)
    return simulate(scenario, n_draws=N_DRAWS[sampler], rng=block_rng(SEED, 0), sampler=sampler)


@pytest.fixture(scope="module")
def overrides_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Exact, dict]:
    path, table = overrides_csv(tmp_path_factory.mktemp("overrides"))
    text = scenario_text(votes=votes(correlation=0.3, overrides=str(path.resolve())))
    scenario = build(text)
    return scenario, exact_probabilities(scenario), table


# --- comparing -----------------------------------------------------------------------------


def standard_error(p: float, n: int) -> float:
    return max(math.sqrt(max(p * (1.0 - p), 0.0) / n), 1.0 / n)


def assert_within(mc: float, exact: float, n: int, what: str) -> None:
    se = standard_error(exact, n)
    assert abs(mc - exact) <= 4 * se, (
        f"{what}: Monte Carlo {mc:.5f} vs exact {exact:.5f} "
        f"({(mc - exact) / se:+.1f} se, se = {se:.2e}, n = {n})"
    )


def outcome_labels(result: Draws, scenario: Scenario) -> list[str]:
    keys = scenario.session.candidate_keys
    labels = []
    for kind, who in zip(result.tally.outcome, result.tally.president, strict=True):
        name = OUTCOMES[int(kind)]
        labels.append(name if name == "no_choice" else f"{name}:{keys[int(who)]}")
    return labels


def outcome_frequencies(result: Draws, scenario: Scenario) -> dict[str, float]:
    labels, counts = np.unique(outcome_labels(result, scenario), return_counts=True)
    return {str(label): int(c) / result.n_draws for label, c in zip(labels, counts, strict=True)}


def check_against_oracle(scenario: Scenario, exact: Exact, result: Draws) -> None:
    n = result.n_draws
    for k, state in enumerate(scenario.states):
        assert_within(
            float(result.raised[:, k].mean()), float(exact.p_raised[k]), n, f"P(raised {state})"
        )
        assert_within(
            float(result.sustained[:, k].mean()),
            float(exact.p_sustained[k]),
            n,
            f"P(sustained {state})",
        )
    assert exact.outcomes is not None
    mc = outcome_frequencies(result, scenario)
    keys = scenario.session.candidate_keys
    labels = set(mc) | set(exact.outcomes) | {"no_choice"}
    labels |= {f"{kind}:{key}" for kind in ("electors", "house") for key in keys}
    for label in sorted(labels):
        assert_within(mc.get(label, 0.0), exact.outcomes.get(label, 0.0), n, f"P({label})")
    assert exact.winners is not None
    for c, key in enumerate(keys):
        won = float((result.tally.president == c).mean())
        assert_within(won, exact.winners[key], n, f"P(winner {key})")
    assert_within(
        float((result.tally.president == NO_ONE).mean()),
        max(1.0 - sum(exact.winners.values()), 0.0),
        n,
        "P(no President chosen)",
    )


# --- Monte Carlo vs exact --------------------------------------------------------------------


VOTE_CASES = (
    "independent",
    "independent-absent",
    "rho0.3",
    "rho0.3-absent",
    "rho0.7",
    "rho0.7-absent",
)


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("name", VOTE_CASES)
def test_monte_carlo_matches_oracle(name: str, sampler: str) -> None:
    scenario, exact = case(name)
    # the case is informative: objections are sustained sometimes but not always
    assert 0.05 < exact.p_sustained[0] < 0.95
    assert exact.outcomes is not None
    assert 0.01 < exact.outcomes["house:trump"] < 0.99
    check_against_oracle(scenario, exact, draws(name, sampler))


def test_closely_divided_house_correlated() -> None:
    """A closely divided House (R 0.6, D 0.45) with correlation 0.7; the Senate always agrees.

    The House decides alone, so P(sustained) is the House's agreement probability. One
    objection keeps the grouped sampler fast enough for 400,000 draws (se about 8e-4).
    """
    scenario = build(
        scenario_text(
            votes={
                "house.R": 0.6,
                "house.D": 0.45,
                "senate.R": 1.0,
                "senate.D": 1.0,
                "correlation": 0.7,
            },
            objections={"AZ": 1.0},
        )
    )
    exact = exact_probabilities(scenario)
    result = simulate(scenario, n_draws=400_000, rng=block_rng(SEED, 1), sampler="grouped")
    check_against_oracle(scenario, exact, result)


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_signers_under_ecra2022_one_fifth(sampler: str) -> None:
    scenario, exact = case("signers-ecra2022")
    roster = scenario.session.roster
    assert scenario.rules.objection_threshold == "one_fifth"
    assert -(-roster.n_sworn("house") // 5) == 87
    assert -(-roster.n_sworn("senate") // 5) == 20
    # P(in order) is strictly inside (0, 1): the signers hover around the threshold
    in_order = exact.p_raised / scenario.p_raise
    assert np.allclose(in_order, in_order[0])
    assert 0.2 < in_order[0] < 0.8
    # P(in order) = P(Bin(209, 0.44) >= 87) P(Bin(51, 0.42) >= 20); Democrats never sign
    expected = binom.sf(86, 209, 0.44) * binom.sf(19, 51, 0.42)
    assert in_order[0] == pytest.approx(expected, rel=1e-9)
    check_against_oracle(scenario, exact, draws("signers-ecra2022", sampler))


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_sustain_rule_either(sampler: str) -> None:
    scenario, exact = case("sustain-either")
    assert scenario.rules.sustain_rule == "either"
    check_against_oracle(scenario, exact, draws("sustain-either", sampler))


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_presiding_officer_breaks_senate_ties(sampler: str) -> None:
    scenario, exact = case("vp-tiebreak")
    assert scenario.rules.senate_vp_tiebreak_on_objection
    assert scenario.p_presiding_sustains == 1.0
    result = draws("vp-tiebreak", sampler)
    # Senate ties happen (99 sworn, about 10% absent) and every tie is sustained
    tied = result.senate_yes == result.senate_no
    assert tied.mean() > 0.02
    house = result.house_yes > result.house_no
    quorum = result.senate_yes + result.senate_no >= 50
    assert np.all(result.sustained[tied & quorum & result.raised & house])
    no_tiebreak = exact_probabilities(build(CASE_TEXTS["vp-tiebreak"].replace("= true", "= false")))
    assert np.all(exact.p_sustained - no_tiebreak.p_sustained > 0.02)
    check_against_oracle(scenario, exact, result)


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_per_member_overrides(
    overrides_case: tuple[Scenario, Exact, dict[str, float]], sampler: str
) -> None:
    scenario, exact, table = overrides_case
    ids = scenario.session.roster.bioguide_ids
    for member, p in table.items():
        assert scenario.p_sustain[ids.index(member)] == p
    plain_exact = case("rho0.3")[1]
    assert not np.allclose(exact.p_sustained, plain_exact.p_sustained, atol=1e-3)
    result = simulate(scenario, n_draws=N_DRAWS[sampler], rng=block_rng(SEED, 0), sampler=sampler)
    check_against_oracle(scenario, exact, result)


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_vp_unilateral_sustains_whatever_is_raised(sampler: str) -> None:
    scenario, exact = case("vp-unilateral")
    assert scenario.rules.decided_by == "presiding_officer"
    np.testing.assert_array_equal(exact.p_sustained, exact.p_raised)
    np.testing.assert_array_equal(exact.p_raised, scenario.p_raise)
    result = draws("vp-unilateral", sampler)
    assert not result.voted
    np.testing.assert_array_equal(result.sustained, result.raised)
    for counts in (result.house_yes, result.house_no, result.senate_yes, result.senate_no):
        assert not counts.any()
    check_against_oracle(scenario, exact, result)


# --- the vote model's marginals and correlation ------------------------------------------


def _mean_within(values: np.ndarray, expected: float, what: str) -> None:
    values = values.astype(np.float64)
    se = values.std(ddof=1) / math.sqrt(values.size)
    assert abs(values.mean() - expected) <= 4 * se, (
        f"{what}: mean {values.mean():.3f} vs {expected:.3f} (se {se:.3f})"
    )


def _variance_within(values: np.ndarray, expected: float, what: str) -> None:
    x = values.astype(np.float64)
    centred = x - x.mean()
    variance = float(np.mean(centred**2))
    se = math.sqrt((np.mean(centred**4) - variance**2) / x.size)
    assert abs(variance - expected) <= 4 * se, (
        f"{what}: variance {variance:.2f} vs {expected:.2f} (se {se:.2f})"
    )


@pytest.mark.parametrize("absent", [0.0, 0.2])
@pytest.mark.parametrize("sampler", SAMPLERS)
def test_member_marginal_probability_is_the_group_probability(sampler: str, absent: float) -> None:
    """With correlation 0.5 each member still sustains with probability p_g (one objection).

    ``house.D = senate.D = 0`` so ``*_yes`` counts Republicans only: E[house_yes] =
    (1 - a) 0.6 * 209. Given the shock the count is binomial, so Var = n p (1 - p) +
    n (n - 1) (P(X1 < t, X2 < t) - p^2) with (X1, X2) standard bivariate normal, corr rho.
    """
    rho, p_house, p_senate = 0.5, 0.6, 0.3
    scenario = build(
        scenario_text(
            votes={
                "house.R": p_house,
                "senate.R": p_senate,
                "correlation": rho,
                "absent": absent,
            },
            objections={"AZ": 1.0},
        )
    )
    roster = scenario.session.roster
    n_r_house = int((roster.sworn_in("house") & (roster.caucus == 1)).sum())
    n_r_senate = int((roster.sworn_in("senate") & (roster.caucus == 1)).sum())
    assert (n_r_house, n_r_senate) == (209, 51)
    n = 40_000 if sampler == "grouped" else 20_000
    result = simulate(scenario, n_draws=n, rng=block_rng(SEED, 3), sampler=sampler)
    for counts, size, p, what in (
        (result.house_yes[:, 0], n_r_house, p_house, "house_yes"),
        (result.senate_yes[:, 0], n_r_senate, p_senate, "senate_yes"),
    ):
        q = (1.0 - absent) * p
        _mean_within(counts, q * size, what)
        t = norm.ppf(p)
        both = multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf([t, t])
        pair = (1.0 - absent) ** 2 * both  # two members both present and sustaining
        expected_var = size * q * (1 - q) + size * (size - 1) * (pair - q**2)
        _variance_within(counts, expected_var, what)
    voting = result.house_yes[:, 0] + result.house_no[:, 0]
    if absent == 0.0:
        assert np.all(voting == roster.n_sworn("house"))
    else:
        _mean_within(voting, (1.0 - absent) * roster.n_sworn("house"), "house voting")


# --- reproducibility --------------------------------------------------------------------------


def _arrays(result: Draws) -> dict[str, np.ndarray]:
    t = result.tally
    return {
        "raised": result.raised,
        "sustained": result.sustained,
        "house_yes": result.house_yes,
        "house_no": result.house_no,
        "senate_yes": result.senate_yes,
        "senate_no": result.senate_no,
        "totals": t.totals,
        "whole": t.whole,
        "president": t.president,
        "vice_president": t.vice_president,
        "outcome": t.outcome,
    }


@pytest.mark.parametrize("name", ["rho0.3-absent", "signers-ecra2022", "vp-tiebreak"])
@pytest.mark.parametrize("sampler", SAMPLERS)
def test_same_seed_gives_identical_draws(name: str, sampler: str) -> None:
    scenario = build(CASE_TEXTS[name])
    first = simulate(scenario, n_draws=3_000, rng=block_rng(99, 4), sampler=sampler)
    again = simulate(scenario, n_draws=3_000, rng=block_rng(99, 4), sampler=sampler)
    for key, value in _arrays(first).items():
        other = _arrays(again)[key]
        assert value.dtype == other.dtype, key
        assert value.shape == other.shape, key
        np.testing.assert_array_equal(value, other, err_msg=key)
    other_block = simulate(scenario, n_draws=3_000, rng=block_rng(99, 5), sampler=sampler)
    other_seed = simulate(scenario, n_draws=3_000, rng=block_rng(100, 4), sampler=sampler)
    for different in (other_block, other_seed):
        assert not np.array_equal(first.senate_yes, different.senate_yes)
        assert not np.array_equal(first.house_yes, different.house_yes)


def test_block_streams_are_spawned_children() -> None:
    """block_rng(seed, b) is SeedSequence(seed).spawn(n)[b] for any n."""
    children = np.random.SeedSequence(SEED).spawn(4)
    for b, child in enumerate(children):
        expected = np.random.default_rng(child).random(8)
        np.testing.assert_array_equal(block_rng(SEED, b).random(8), expected)
