"""The member-level vote model (issue 14 item 1): persistent member effects and objection
strengths in both samplers, against exact moments; nesting of the group model; the keys.

Monte Carlo comparisons use fixed seeds and 4 standard errors of the estimate.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import ndtr, ndtri
from scipy.stats import norm

from flows.scenario import parse_scenario, to_scenario
from models.behaviour import Scenario
from models.engine import SAMPLERS, simulate
from models.errors import CountlabError
from models.members import member_vote_probability, shifted_probability, vote_thresholds
from models.sampling import block_rng

BASE = """
session = "2021-01-06"
regime = "eca1887"
[objections]
AZ = 1.0
PA = 1.0
[votes]
house.R = 0.6
house.D = 0.1
senate.R = 0.3
senate.D = 0.05
"""


def build(text: str, base: Path = Path()) -> Scenario:
    return to_scenario(parse_scenario(text, source="test.toml"), base=base, source="test.toml")


def _both_yea(t1: float, t2: float, tau: float) -> float:
    """P(yea on both | thresholds t1, t2) with the member effect (rho = 0): quadrature."""
    if not math.isfinite(t1) or not math.isfinite(t2):
        return float(ndtr(t1) * ndtr(t2)) if tau < 1 else float(ndtr(min(t1, t2)))
    scale = math.sqrt(1.0 - tau)

    def f(u: float) -> float:
        z = math.sqrt(tau) * u
        return float(ndtr((t1 - z) / scale) * ndtr((t2 - z) / scale) * norm.pdf(u))

    return quad(f, -12, 12, epsabs=1e-13, limit=200)[0]


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_member_effects_make_one_members_votes_agree(sampler: str) -> None:
    """E[yeas on AZ], E[yeas on PA] and Var(yeas_PA - yeas_AZ) in the House equal the exact
    values of the member model (tau 0.5, PA stronger than AZ by 0.6 probit units): with
    rho = 0 members are independent, and a member's two votes differ with probability
    p_AZ + p_PA - 2 P(both)."""
    tau, shift = 0.5, {"AZ": -0.3, "PA": 0.3}
    scenario = build(
        BASE
        + f"member_correlation = {tau}\n"
        + "objection_shift.house.AZ = -0.3\nobjection_shift.house.PA = 0.3\n"
    )
    sworn = scenario.session.roster.sworn_in("house")
    p = scenario.p_sustain[sworn]
    p_az, p_pa = shifted_probability(p, shift["AZ"]), shifted_probability(p, shift["PA"])
    both = {float(q): _both_yea(float(ndtri(q)) - 0.3, float(ndtri(q)) + 0.3, tau) for q in set(p)}
    b = np.array([both[float(q)] for q in p])
    exact_var = np.sum(p_az + p_pa - 2 * b - (p_pa - p_az) ** 2)
    independent_var = np.sum(p_az * (1 - p_az) + p_pa * (1 - p_pa))
    n = 20_000
    draws = simulate(scenario, n_draws=n, rng=block_rng(7, 0), sampler=sampler)
    yeas = draws.house_yes.astype(np.float64)
    for k, exact in enumerate((p_az.sum(), p_pa.sum())):
        se = yeas[:, k].std() / math.sqrt(n)
        assert abs(yeas[:, k].mean() - exact) < 4 * se, (k, yeas[:, k].mean(), exact)
    gap = yeas[:, 1] - yeas[:, 0]
    squares = (gap - gap.mean()) ** 2
    se_var = squares.std() / math.sqrt(n)
    assert abs(squares.mean() - exact_var) < 4 * se_var, (squares.mean(), exact_var)
    assert independent_var - exact_var > 10 * se_var  # the test can tell the models apart


def test_without_member_keys_the_group_model_is_drawn_bit_for_bit() -> None:
    """Issue 14: the member model nests the group model: its keys at their defaults change
    neither the scenario hash nor a single draw."""
    plain = parse_scenario(BASE, source="a.toml")
    explicit = parse_scenario(
        BASE + "member_correlation = 0.0\nshift.house.R = 0.0\n", source="b.toml"
    )
    assert plain.scenario_hash() == explicit.scenario_hash()
    a = simulate(build(BASE), n_draws=5000, rng=block_rng(3, 0))
    b = simulate(
        build(BASE + "member_correlation = 0.0\nshift.house.R = 0.0\n"),
        n_draws=5000,
        rng=block_rng(3, 0),
    )
    assert not build(BASE + "member_correlation = 0.0\n").has_member_model
    for field in ("house_yes", "house_no", "senate_yes", "senate_no", "sustained"):
        assert np.array_equal(getattr(a, field), getattr(b, field))


def test_a_shift_moves_a_caucus_in_probit_units() -> None:
    """votes.shift.house.R = 0.5: each House Republican's p becomes Phi(Phi^-1(0.6) + 0.5);
    nobody else moves."""
    base = build(BASE)
    moved = build(BASE + "shift.house.R = 0.5\n")
    roster = base.session.roster
    house_r = ~roster.is_senator & (roster.caucus == 1)
    assert np.allclose(moved.p_sustain[house_r], norm.cdf(norm.ppf(0.6) + 0.5))
    assert np.array_equal(moved.p_sustain[~house_r], base.p_sustain[~house_r])


def test_conditional_probability_is_a_step_when_the_latent_variance_is_used_up() -> None:
    threshold = vote_thresholds(np.array([0.3, 0.0, 1.0]), np.array([0.0, 0.5]), 2)
    assert threshold.shape == (3, 2)
    effect = np.array([[-0.6, 0.0, 0.0]])
    q = member_vote_probability(
        threshold, np.zeros((1, 3)), effect, correlation=0.0, member_correlation=1.0
    )
    assert q[0, 0].tolist() == [1.0, 1.0]  # u = -0.6 < Phi^-1(0.3) = -0.52
    assert q[0, 1].tolist() == [0.0, 0.0]  # p = 0 never sustains
    assert q[0, 2].tolist() == [1.0, 1.0]  # p = 1 always does


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("correlation = 0.6\nmember_correlation = 0.5\n", "must be at most 1"),
        ("objection_shift.house.GA = 0.2\n", "house.GA: no objection to GA"),
        ("objection_shift.senate.PA = 11.0\n", "senate.PA = 11.0: expected a shift within +-10"),
        ("correlation = 0.5\nmember_correlation.senate = 0.6\n", r"\(senate\) = 1.1"),
        ("shift.house.R = -12.0\n", "votes.shift.house.R"),
        ("member_correlation = 1.5\n", "votes.member_correlation"),
        ('members = "nowhere.csv"\n', "file not found"),
    ],
)
def test_member_keys_are_checked(extra: str, message: str) -> None:
    with pytest.raises(CountlabError, match=message.replace("+", r"\+")):
        build(BASE + extra)


def _members_file(folder: Path, rows: list[str]) -> str:
    (folder / "m.csv").write_text("bioguide_id,chamber,caucus,p_sustain\n" + "\n".join(rows))
    return BASE + 'members = "m.csv"\n'


def test_calibrated_members_replace_their_group_probability(tmp_path: Path) -> None:
    roster = build(BASE).session.roster
    i = roster.bioguide_ids.index("Y000033")  # Don Young, House R
    text = _members_file(tmp_path, ["Y000033,house,R,0.25"])
    scenario = build(text, base=tmp_path)
    assert scenario.p_sustain[i] == 0.25
    assert np.array_equal(np.delete(scenario.p_sustain, i), np.delete(build(BASE).p_sustain, i))


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("X999999,house,R,0.2", "bioguide_id"),
        ("Y000033,senate,R,0.2", "chamber"),
        ("Y000033,house,D,0.2", "caucus"),
        ("Y000033,house,R,1.2", "p_sustain"),
        ("Y000033,house,R,often", "p_sustain"),
    ],
)
def test_a_members_file_is_checked_against_the_roster(tmp_path: Path, row: str, field: str) -> None:
    text = _members_file(tmp_path, [row])
    with pytest.raises(CountlabError, match=f"m.csv, line 2: field '{field}'"):
        build(text, base=tmp_path)


CONTESTED = """
session = "2021-01-06"
regime = "eca1887"
[objections]
AZ = 1.0
PA = 0.9
[votes]
house.R = 0.95
house.D = 0.09
senate.R = 0.92
senate.D = 0.08
correlation = 0.3
member_correlation.house = 0.4
member_correlation.senate = 0.5
objection_shift.house.AZ = -0.2
objection_shift.house.PA = 0.2
objection_shift.senate.AZ = -0.1
objection_shift.senate.PA = 0.3
"""


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_each_objections_probability_is_exact_under_the_member_model(sampler: str) -> None:
    """The oracle integrates the member effect out of each objection (issue 14 item 1):
    P(AZ sustained) and P(PA sustained) by Monte Carlo within 4 SE of the exact values, which
    differ (PA is the stronger objection); the joint outcomes are declined (None)."""
    from models.oracle import exact_probabilities

    scenario = build(CONTESTED)
    exact = exact_probabilities(scenario)
    assert exact.outcomes is None
    assert 0.05 < exact.p_sustained[0] < exact.p_sustained[1] < 0.95
    n = 20_000
    draws = simulate(scenario, n_draws=n, rng=block_rng(11, 0), sampler=sampler)
    for k in range(2):
        p = float(exact.p_sustained[k])
        se = math.sqrt(p * (1 - p) / n)
        assert abs(draws.sustained[:, k].mean() - p) < 4 * se, (k, draws.sustained[:, k].mean(), p)


def test_one_objection_outcomes_are_exact_under_the_member_model() -> None:
    text = (
        CONTESTED.replace("PA = 0.9\n", "")
        .replace("objection_shift.house.PA = 0.2\n", "")
        .replace("objection_shift.senate.PA = 0.3\n", "")
    )
    scenario = build(text)
    from models.oracle import exact_probabilities

    exact = exact_probabilities(scenario)
    assert exact.outcomes is not None
    n = 20_000
    draws = simulate(scenario, n_draws=n, rng=block_rng(12, 0))
    p = float(exact.p_sustained[0])
    assert abs(draws.sustained[:, 0].mean() - p) < 4 * math.sqrt(p * (1 - p) / n)
    assert sum(exact.outcomes.values()) == pytest.approx(1.0)
