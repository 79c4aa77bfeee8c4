"""The Monte Carlo remand (remand.md M4-M10, M15; §6 presets): scenario tables to draws."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from flows.design import apply_params
from flows.scenario import ScenarioConfig, to_scenario, validate_scenario
from models.behaviour import Scenario
from models.deterministic_count import count_session
from models.engine import Draws, simulate
from models.errors import CountlabError
from models.remand import ANSWER_CODES, RemandOrder
from models.tally import Tally

BASE: dict[str, Any] = {
    "objections": {"AZ": 0.6, "PA": 0.4},
    "votes": {"house": {"R": 0.5}, "senate": {"R": 0.1}, "correlation": 0.3},
}


def scenario(raw: dict[str, Any]) -> Scenario:
    config = validate_scenario({**BASE, **raw}, source="s.toml")
    return to_scenario(config, base=Path(), source="s.toml")


def run(raw: dict[str, Any], n: int = 2000, seed: int = 7) -> Draws:
    return simulate(scenario(raw), n_draws=n, rng=np.random.default_rng(seed))


def arrays(draws: Draws) -> dict[str, Any]:
    out = {f.name: getattr(draws, f.name) for f in dataclasses.fields(Draws) if f.name != "tally"}
    for f in dataclasses.fields(Tally):
        value = getattr(draws.tally, f.name)
        if isinstance(value, np.ndarray):
            out["tally." + f.name] = value
    return out


def assert_same(a: dict[str, Any], b: dict[str, Any], *, skip: tuple[str, ...] = ()) -> None:
    for key, value in a.items():
        if key in skip:
            continue
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, b[key], err_msg=key)
        else:
            assert value == b[key], key


@pytest.mark.parametrize("regime", ["eca1887", "ecra2022", "vp-unilateral"])
def test_m15_no_tables_bit_identical(regime: str) -> None:
    """Without [remand]/[returns] the draws are today's, and the hash is unchanged."""
    draws = run({"regime": regime})
    assert draws.slate_states == ()
    assert draws.counted_slate is None
    assert draws.remand_answer is None
    assert draws.tally.slates is None
    config = validate_scenario(dict(BASE), source="s")
    assert '"remand"' not in config.canonical_json()
    assert '"returns"' not in config.canonical_json()


def test_m15_spawn_leaves_the_parent_stream() -> None:
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    a.spawn(1)
    np.testing.assert_array_equal(a.random(10), b.random(10))


@pytest.mark.parametrize("regime", ["eca1887", "vp-unilateral"])
def test_m15_remand_keeps_the_objection_draws(regime: str) -> None:
    plain = arrays(run({"regime": regime}))
    remanded = arrays(
        run({"regime": regime, "remand": {"appoint_alternate": {"R": 0.5}, "rho": 0.3}})
    )
    for key in ("raised", "house_yes", "house_no", "senate_yes", "senate_no"):
        np.testing.assert_array_equal(plain[key], remanded[key], err_msg=key)


def test_m15_stress_reproduces_x4_in_every_draw() -> None:
    """Degenerate probabilities (stress: q_R 1, g_same 1, act form resolution) give the
    deterministic X4 in every draw (vp-unilateral, resume 2021-01-16)."""
    raw = {"regime": "vp-unilateral", "objections": {}, "remand": {"preset": "stress"}}
    sc = scenario({**raw, "remand": {"preset": "stress", "resume": "2021-01-16"}})
    assert sc.rules.legislative_act_form == "resolution"
    draws = simulate(sc, n_draws=500, rng=np.random.default_rng(1))
    exact = count_session(
        sc.session,
        sc.rules,
        [],
        remand=RemandOrder(None, None),
        answers=dict.fromkeys(("AZ", "GA", "MI", "PA", "WI"), "appoint_alternate"),
    )
    assert exact.decision is not None
    expected = [exact.decision.counted[s] for s in draws.slate_states]
    assert draws.counted_slate is not None
    assert draws.remand_answer is not None
    assert (draws.counted_slate == np.array(expected)).all()
    answers = [ANSWER_CODES[c] for c in draws.remand_answer[0]]
    assert answers == ["appoint_alternate"] * 3 + ["not_in_time"] * 2 + ["appoint_alternate"] * 2
    assert (draws.tally.totals == exact.totals[0]).all()  # 233-305
    assert (draws.tally.totals[:, 0] == 233).all()
    assert (draws.tally.president == exact.president[0]).all()


def test_m15_preset_explicit_key_and_rule_win() -> None:
    sc = scenario(
        {
            "regime": "vp-unilateral",
            "rules": {"legislative_act_form": "law_with_presentment"},
            "remand": {"preset": "stress", "appoint_alternate": {"R": 0.25}},
        }
    )
    assert sc.rules.legislative_act_form == "law_with_presentment"
    assert sc.remand is not None
    assert sc.remand.probabilities.q_r == 0.25
    assert sc.remand.probabilities.g_same == 1.0


@pytest.mark.parametrize("regime", ["vp-unilateral", "eca1887", "ecra2022"])
def test_m5_q_r_zero_reproduces_today(regime: str) -> None:
    """Invariant (iii) (q_R 0, historical) and (i) (eca1887/ecra2022: any remand changes
    nothing): every number is today's."""
    plain = arrays(run({"regime": regime}))
    remand = (
        {"appoint_alternate": {"R": 0.0}}
        if regime == "vp-unilateral"
        else {"appoint_alternate": {"R": 1.0}, "preset": "stress"}
    )
    remanded = run({"regime": regime, "remand": remand})
    assert remanded.counted_slate is not None
    assert (remanded.counted_slate == 0).all()
    if regime != "vp-unilateral":
        assert remanded.remand_answer is not None
        assert (remanded.remand_answer == -1).all()
    skip = ("slate_states", "counted_slate", "remand_answer", "tally.slates", "tally.complete")
    assert_same(plain, arrays(remanded), skip=skip)


def test_m5_answer_frequencies() -> None:
    n = 20_000
    draws = run(
        {
            "regime": "vp-unilateral",
            "remand": {"appoint_alternate": {"R": 0.3}, "decertify_only": {"R": 0.2}},
        },
        n=n,
        seed=11,
    )
    assert draws.remand_answer is not None
    for i, state in enumerate(draws.slate_states):
        codes = draws.remand_answer[:, i]
        if state in ("NM", "NV"):
            assert (codes == ANSWER_CODES.index("not_in_time")).all()
            continue
        for answer, p in (("appoint_alternate", 0.3), ("decertify_only", 0.2), ("no_action", 0.5)):
            freq = float((codes == ANSWER_CODES.index(answer)).mean())
            assert abs(freq - p) < 4 * np.sqrt(p * (1 - p) / n), (state, answer)


def test_m5_common_shock_joint_frequency() -> None:
    n, q, rho = 20_000, 0.3, 0.4
    draws = run(
        {"regime": "vp-unilateral", "remand": {"appoint_alternate": {"R": q}, "rho": rho}},
        n=n,
        seed=5,
    )
    assert draws.remand_answer is not None
    az, ga = draws.slate_states.index("AZ"), draws.slate_states.index("GA")
    both = float(((draws.remand_answer[:, az] == 0) & (draws.remand_answer[:, ga] == 0)).mean())
    p = rho * q + (1 - rho) * q**2
    assert abs(both - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_m8_returns_go_to_the_houses_under_eca1887() -> None:
    """WI (no safe harbor) with a legislature-backed return: the Houses vote with the
    objection propensities; everyone for the alternate counts it (X8b)."""
    draws = run(
        {
            "regime": "eca1887",
            "objections": {},
            "votes": {"house": {"R": 1.0, "D": 1.0}, "senate": {"R": 1.0, "D": 1.0}},
            "returns": {"WI": "alternate+legislature"},
        },
        n=50,
    )
    assert draws.slate_states == ("WI",)
    assert draws.counted_slate is not None
    assert (draws.counted_slate == 1).all()
    assert (draws.tally.totals == np.array([296, 242])).all()


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"remand": {"appoint_alternate": {"R": 1.5}}}, "remand.appoint_alternate.R"),
        ({"remand": {"appoint_alternate": {"D": 0.5}}}, "remand.appoint_alternate.D"),
        ({"remand": {"appoint_alternate": {"R": 0.7}, "decertify_only": {"R": 0.5}}}, "remand"),
        ({"remand": {"states": ["XX"]}}, "remand.states"),
        ({"remand": {"states": "everyone"}}, "remand.states"),
        ({"remand": {"resume": "soon"}}, "remand.resume"),
        ({"remand": {"preset": "wild"}}, "remand.preset"),
        ({"remand": {"q_r": 0.1}}, "remand.q_r"),
        ({"returns": {"WI": "alternate"}}, "returns"),
        ({"returns": {"ZZ": "alternate+legislature"}}, "returns"),
    ],
)
def test_m15_toml_errors_one_line(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(CountlabError) as info:
        validate_scenario({**BASE, **raw}, source="s.toml")
    message = str(info.value)
    assert "\n" not in message
    assert "s.toml" in message
    assert field in message


def test_m15_sweep_dotted_remand_keys() -> None:
    config = validate_scenario({**BASE, "remand": {"preset": "stress"}}, source="s")
    point = apply_params(config, {"remand.appoint_alternate.R": 0.3, "remand.rho": 0.2}, source="s")
    assert isinstance(point, ScenarioConfig)
    assert point.remand is not None
    p = point.remand.probabilities()
    assert (p.q_r, p.rho, p.g_same) == (0.3, 0.2, 1.0)  # the preset still applies
    plain = apply_params(
        validate_scenario(dict(BASE), source="s"), {"remand.appoint_alternate.R": 0.1}, source="s"
    )
    assert plain.remand is not None
    assert plain.remand.probabilities().q_r == 0.1
    with pytest.raises(CountlabError, match=r"remand\.appoint_alternate\.R"):
        apply_params(config, {"remand.appoint_alternate.R": 2.0}, source="s")
