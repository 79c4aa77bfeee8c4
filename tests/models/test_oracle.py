"""Known answers for the exact oracle (models/oracle.py).

Chamber agreement: yeas > nays among members voting (a tie agrees with the presiding
officer's probability), with a quorum of a majority of the sworn members when required.
Each case is checked against an answer computed independently here: enumeration of every
vote, a dynamic program over members, a closed form, or ``scipy.integrate.quad``.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import ndtr

from flows.scenario import parse_scenario, to_scenario
from models import oracle
from models.behaviour import Scenario, Subgroups, caucus_group
from models.oracle import (
    exact_chamber_agreement,
    exact_probabilities,
    poisson_binomial_tail,
    shock_nodes,
)

R_HOUSE = caucus_group("house", "R")
D_HOUSE = caucus_group("house", "D")


def subgroups(rows: list[tuple[int, float, int]]) -> Subgroups:
    """Build a :class:`Subgroups` from ``(group, probability, size)`` rows."""
    return Subgroups(
        group=np.array([g for g, _, _ in rows], dtype=np.int64),
        probability=np.array([p for _, p, _ in rows], dtype=np.float64),
        size=np.array([n for _, _, n in rows], dtype=np.int64),
    )


def majority(n: int) -> int:
    return n // 2 + 1


def agrees(yeas: int, nays: int, *, sworn: int, quorum: str, p_tie: float) -> float:
    """P(agree | yeas, nays), written out from the rule (R0.5, R0.6, A13)."""
    if quorum == "majority_of_sworn" and yeas + nays < majority(sworn):
        return 0.0
    if yeas > nays:
        return 1.0
    return p_tie if yeas == nays else 0.0


def enumerate_agreement(
    members: list[float], *, absent: float, sworn: int, quorum: str, p_tie: float
) -> float:
    """Brute force over all 3^n (yea, nay, absent) votes of independent members."""
    total = 0.0
    for votes in itertools.product(range(3), repeat=len(members)):
        weight, yeas, nays = 1.0, 0, 0
        for p, vote in zip(members, votes, strict=True):
            if vote == 0:
                weight *= (1 - absent) * p
                yeas += 1
            elif vote == 1:
                weight *= (1 - absent) * (1 - p)
                nays += 1
            else:
                weight *= absent
        total += weight * agrees(yeas, nays, sworn=sworn, quorum=quorum, p_tie=p_tie)
    return total


def dp_agreement(
    members: list[float], *, absent: float, sworn: int, quorum: str, p_tie: float
) -> float:
    """Dynamic program over members: the (yeas, nays) law, one trinomial member at a time."""
    n = len(members)
    law = np.zeros((n + 1, n + 1))
    law[0, 0] = 1.0
    for p in members:
        new = law * absent
        new[1:, :] += law[:-1, :] * (1 - absent) * p
        new[:, 1:] += law[:, :-1] * (1 - absent) * (1 - p)
        law = new
    return sum(
        law[y, m] * agrees(y, m, sworn=sworn, quorum=quorum, p_tie=p_tie)
        for y in range(n + 1)
        for m in range(n + 1 - y)
    )


def expand(rows: list[tuple[int, float, int]]) -> list[float]:
    return [p for _, p, n in rows for _ in range(n)]


def scenario_from(text: str) -> Scenario:
    config = parse_scenario('session = "2021-01-06"\n' + text, source="test.toml")
    return to_scenario(config, base=Path(), source="test.toml")


# --- all probabilities 0 or 1 ------------------------------------------------------------

ALL_YES = "house.R = 1.0\nhouse.D = 1.0\nsenate.R = 1.0\nsenate.D = 1.0\n"
OBJECTIONS = "[objections]\nAZ = 1.0\nPA = 1.0\nGA = 1.0\nMI = 0.0\n"
DEGENERATE = {
    # every member sustains: AZ, PA, GA rejected, Biden 259 < 270, the House chooses Trump
    "all-sustain": (
        f'regime = "eca1887"\n{OBJECTIONS}[votes]\n{ALL_YES}',
        [1, 1, 1, 0],
        {"house:trump": 1.0},
    ),
    "nobody-sustains": (
        f'regime = "eca1887"\n{OBJECTIONS}[votes]\nhouse.R = 0.0\n',
        [0, 0, 0, 0],
        {"electors:biden": 1.0},
    ),
    # only Republicans sustain: 209 of 431 and 51 of 99 (Senate yes, House no)
    "party-line-both": (
        f'regime = "eca1887"\n{OBJECTIONS}[votes]\nhouse.R = 1.0\nsenate.R = 1.0\n',
        [0, 0, 0, 0],
        {"electors:biden": 1.0},
    ),
    "party-line-either": (
        (
            f'regime = "eca1887"\n[rules]\nsustain_rule = "either"\n{OBJECTIONS}'
            "[votes]\nhouse.R = 1.0\nsenate.R = 1.0\n"
        ),
        [1, 1, 1, 0],
        {"house:trump": 1.0},
    ),
    # every sworn Representative absent: no quorum, nothing sustained
    "nobody-present": (
        f'regime = "eca1887"\n{OBJECTIONS}[votes]\n{ALL_YES}absent = 1.0\n',
        [0, 0, 0, 0],
        {"electors:biden": 1.0},
    ),
    "nobody-present-no-quorum-rule": (
        (
            f'regime = "eca1887"\n[rules]\nchamber_quorum = "none"\n{OBJECTIONS}'
            f"[votes]\n{ALL_YES}absent = 1.0\n"
        ),
        [0, 0, 0, 0],
        {"electors:biden": 1.0},
    ),
    "vp-unilateral": (
        f'regime = "vp-unilateral"\n{OBJECTIONS}',
        [1, 1, 1, 0],
        {"electors:biden": 1.0},  # counted denominator: W = 491, Biden 259 >= 246
    ),
}


ZERO_ONE_CASES = [
    *((name, rho) for name in sorted(DEGENERATE) for rho in (0.0, 1.0)),
    # correlated quadrature over both chambers: one case per sustain rule keeps it quick
    ("all-sustain", 0.5),
    ("party-line-either", 0.5),
]


@pytest.mark.parametrize(("name", "correlation"), ZERO_ONE_CASES)
def test_zero_one_probabilities_give_zero_one_answers(name: str, correlation: float) -> None:
    text, sustained, outcomes = DEGENERATE[name]
    if "[votes]" in text:
        text = text.replace("[votes]\n", f"[votes]\ncorrelation = {correlation}\n")
    exact = exact_probabilities(scenario_from(text))
    np.testing.assert_allclose(exact.p_raised, [1, 1, 1, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(exact.p_sustained, sustained, rtol=0, atol=1e-12)
    assert exact.outcomes is not None
    assert exact.winners is not None
    for label in set(exact.outcomes) | set(outcomes):
        assert exact.outcomes.get(label, 0.0) == pytest.approx(
            outcomes.get(label, 0.0), abs=1e-12
        ), label
    winner = next(iter(outcomes)).split(":")[1]
    assert exact.winners[winner] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    ("houses", "senates", "expected"),
    [
        # one fifth: 87 of 431 Representatives, 20 of 99 Senators
        ("house.R = 1.0", "senate.R = 1.0", 1.0),
        ("house.R = 1.0", "senate.D = 0.0", 0.0),
        ("house.D = 1.0", "senate.D = 1.0", 1.0),
        ("house.R = 0.0", "senate.R = 1.0", 0.0),
    ],
)
def test_zero_one_signers(houses: str, senates: str, expected: float) -> None:
    text = (
        'regime = "ecra2022"\n[objections]\nAZ = 1.0\nPA = 0.5\n'
        f"[votes]\n{ALL_YES}[signers]\n{houses}\n{senates}\n"
    )
    exact = exact_probabilities(scenario_from(text))
    np.testing.assert_allclose(exact.p_raised, [expected, 0.5 * expected], rtol=0, atol=1e-12)
    np.testing.assert_allclose(exact.p_sustained, exact.p_raised, rtol=0, atol=1e-12)


def test_outcome_probabilities_add_up() -> None:
    text = (
        'regime = "eca1887"\n[objections]\nAZ = 1.0\nPA = 0.7\nGA = 0.4\nMI = 0.3\n'
        "[votes]\nhouse.R = 0.95\nhouse.D = 0.1\nsenate.R = 0.9\nsenate.D = 0.1\n"
    )
    exact = exact_probabilities(scenario_from(text))
    assert exact.outcomes is not None
    assert exact.winners is not None
    assert sum(exact.outcomes.values()) == pytest.approx(1.0, abs=1e-12)
    assert sum(exact.winners.values()) == pytest.approx(1.0, abs=1e-12)
    assert 0.01 < exact.outcomes["house:trump"] < 0.99


# --- correlation 0: enumeration and dynamic programming ---------------------------------

TINY = [(R_HOUSE, 0.3, 2), (R_HOUSE, 0.8, 1), (D_HOUSE, 0.55, 3), (D_HOUSE, 1.0, 1)]
SMALL = [
    (R_HOUSE, 0.62, 7),
    (R_HOUSE, 0.15, 3),
    (R_HOUSE, 0.0, 2),
    (D_HOUSE, 0.4, 9),
    (D_HOUSE, 0.93, 4),
]


@pytest.mark.parametrize("p_tie", [0.0, 0.35, 1.0])
@pytest.mark.parametrize(("sworn", "quorum"), [(7, "none"), (9, "majority_of_sworn")])
@pytest.mark.parametrize("absent", [0.0, 0.2])
def test_independent_agreement_equals_enumeration(
    absent: float, sworn: int, quorum: str, p_tie: float
) -> None:
    members = expand(TINY)
    expected = enumerate_agreement(members, absent=absent, sworn=sworn, quorum=quorum, p_tie=p_tie)
    assert dp_agreement(
        members, absent=absent, sworn=sworn, quorum=quorum, p_tie=p_tie
    ) == pytest.approx(expected, abs=1e-14)
    got = exact_chamber_agreement(
        subgroups(TINY),
        correlation=0.0,
        p_absent=absent,
        sworn=sworn,
        quorum=quorum,
        p_tie_agree=p_tie,
    )
    assert got.probability == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("p_tie", [0.0, 0.6])
@pytest.mark.parametrize(("sworn", "quorum"), [(25, "none"), (30, "majority_of_sworn")])
@pytest.mark.parametrize("absent", [0.0, 0.1, 0.45])
def test_independent_agreement_equals_dynamic_program(
    absent: float, sworn: int, quorum: str, p_tie: float
) -> None:
    expected = dp_agreement(expand(SMALL), absent=absent, sworn=sworn, quorum=quorum, p_tie=p_tie)
    assert 0.0 < expected < 1.0
    got = exact_chamber_agreement(
        subgroups(SMALL),
        correlation=0.0,
        p_absent=absent,
        sworn=sworn,
        quorum=quorum,
        p_tie_agree=p_tie,
    )
    assert got.probability == pytest.approx(expected, abs=1e-12)


# --- correlation 1: members of a group vote alike ----------------------------------------


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.73, 1.0])
@pytest.mark.parametrize("size", [1, 4, 51])
def test_rho_one_single_group_is_p(size: int, p: float) -> None:
    """Everyone votes alike: all yea with probability p, all nay otherwise."""
    got = exact_chamber_agreement(
        subgroups([(R_HOUSE, p, size)]),
        correlation=1.0,
        p_absent=0.0,
        sworn=size,
        quorum="majority_of_sworn",
    )
    assert got.probability == pytest.approx(p, abs=1e-12)


@pytest.mark.parametrize("absent", [0.0, 0.25])
@pytest.mark.parametrize(("size", "sworn"), [(3, 3), (3, 9), (6, 9), (5, 11)])
def test_rho_one_single_group_with_absence_and_quorum(size: int, sworn: int, absent: float) -> None:
    """All present members vote yea with probability p: agree iff present >= quorum (>= 1)."""
    p = 0.64
    present_enough = stats.binom.sf(max(majority(sworn), 1) - 1, size, 1 - absent)
    got = exact_chamber_agreement(
        subgroups([(R_HOUSE, p, size)]),
        correlation=1.0,
        p_absent=absent,
        sworn=sworn,
        quorum="majority_of_sworn",
    )
    assert got.probability == pytest.approx(p * present_enough, abs=1e-12)
    no_quorum = exact_chamber_agreement(
        subgroups([(R_HOUSE, p, size)]),
        correlation=1.0,
        p_absent=absent,
        sworn=sworn,
        quorum="none",
    )
    assert no_quorum.probability == pytest.approx(p * (1 - absent**size), abs=1e-12)


@pytest.mark.parametrize("p_tie", [0.0, 0.3])
@pytest.mark.parametrize(("n_r", "n_d"), [(5, 3), (3, 5), (4, 4), (51, 48)])
def test_rho_one_two_groups_closed_form(n_r: int, n_d: int, p_tie: float) -> None:
    """Two caucuses, each voting as a bloc with independent shocks."""
    p_r, p_d = 0.7, 0.2

    def bloc(yes_r: bool, yes_d: bool) -> float:
        yeas = n_r * yes_r + n_d * yes_d
        return agrees(yeas, n_r + n_d - yeas, sworn=n_r + n_d, quorum="none", p_tie=p_tie)

    expected = sum(
        (p_r if yes_r else 1 - p_r) * (p_d if yes_d else 1 - p_d) * bloc(yes_r, yes_d)
        for yes_r in (True, False)
        for yes_d in (True, False)
    )
    got = exact_chamber_agreement(
        subgroups([(R_HOUSE, p_r, n_r), (D_HOUSE, p_d, n_d)]),
        correlation=1.0,
        p_absent=0.0,
        sworn=n_r + n_d,
        quorum="majority_of_sworn",
        p_tie_agree=p_tie,
    )
    assert got.probability == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("n_d", [0, 1, 2, 4])
def test_rho_one_mixed_probabilities_in_one_group(n_d: int) -> None:
    """Members of one group with p 0.2 (2) and 0.7 (3): Z < t(0.2) all 5 yea; between the
    thresholds only the 3; above both none. The other caucus (n_d) always votes nay."""
    p_tie = 0.4
    all_five = agrees(5, n_d, sworn=5 + n_d, quorum="none", p_tie=p_tie)
    only_three = agrees(3, 2 + n_d, sworn=5 + n_d, quorum="none", p_tie=p_tie)
    expected = 0.2 * all_five + 0.5 * only_three
    rows = [(R_HOUSE, 0.2, 2), (R_HOUSE, 0.7, 3)]
    if n_d:
        rows.append((D_HOUSE, 0.0, n_d))
    got = exact_chamber_agreement(
        subgroups(rows),
        correlation=1.0,
        p_absent=0.0,
        sworn=5 + n_d,
        quorum="none",
        p_tie_agree=p_tie,
    )
    assert got.probability == pytest.approx(expected, abs=1e-12)


def test_rho_one_nodes_are_the_normal_mass_between_thresholds() -> None:
    nodes, weights = shock_nodes(np.array([0.2, 0.7, 0.7, 1.0, 0.0]), correlation=1.0)
    np.testing.assert_allclose(weights, [0.2, 0.5, 0.3], atol=1e-15)
    assert nodes[0] < stats.norm.ppf(0.2) < nodes[1] < stats.norm.ppf(0.7) < nodes[2]


# --- symmetry ------------------------------------------------------------------------------


@pytest.mark.parametrize("correlation", [0.0, 0.3, 0.7, 1.0])
@pytest.mark.parametrize("size", [1, 7, 51])
def test_symmetric_group_agrees_half_the_time(size: int, correlation: float) -> None:
    """p = 0.5, odd membership, nobody absent: no ties, and yea/nay are exchangeable."""
    got = exact_chamber_agreement(
        subgroups([(R_HOUSE, 0.5, size)]),
        correlation=correlation,
        p_absent=0.0,
        sworn=size,
        quorum="majority_of_sworn",
    )
    assert got.probability == pytest.approx(0.5, abs=1e-12)


# --- correlated: quadrature ---------------------------------------------------------------


def agreement_with_nodes(n_nodes: int, rows: list, **options) -> float:
    """Chamber agreement with the Gauss-Hermite rule of ``n_nodes`` nodes."""
    patched = functools.partial(shock_nodes, n_nodes=n_nodes)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(oracle, "shock_nodes", patched)
        return exact_chamber_agreement(subgroups(rows), **options).probability


def test_quadrature_weights_integrate_the_normal() -> None:
    """Gauss-Legendre in u = Phi(z): exact mass, and bounded integrands to high accuracy."""
    nodes, weights = shock_nodes(np.array([0.3]), correlation=0.5)
    assert weights.sum() == pytest.approx(1.0, abs=1e-13)
    assert np.sum(weights * ndtr(nodes)) == pytest.approx(0.5, abs=1e-12)
    assert np.sum(weights * nodes**2) == pytest.approx(1.0, abs=1e-4)


CONVERGENCE = {
    # the 2021 Senate: 51 Republicans, 48 Democrats
    "senate-2021-rho0.5": (
        [(caucus_group("senate", "R"), 0.55, 51), (caucus_group("senate", "D"), 0.45, 48)],
        {"correlation": 0.5, "p_absent": 0.05, "sworn": 99, "quorum": "majority_of_sworn"},
    ),
    # the 2021 House: 209 Republicans, 222 Democrats
    "house-2021-rho0.3": (
        [(R_HOUSE, 0.6, 209), (D_HOUSE, 0.45, 222)],
        {"correlation": 0.3, "p_absent": 0.0, "sworn": 431, "quorum": "majority_of_sworn"},
    ),
    "senate-2021-rho0.7": (
        [(caucus_group("senate", "R"), 0.55, 51), (caucus_group("senate", "D"), 0.45, 48)],
        {"correlation": 0.7, "p_absent": 0.0, "sworn": 99, "quorum": "majority_of_sworn"},
    ),
}


DEFAULT_NODES = inspect.signature(shock_nodes).parameters["n_nodes"].default


@functools.cache
def converging(name: str, n_nodes: int | None) -> float:
    """Agreement of a CONVERGENCE case with ``n_nodes`` nodes (None: the oracle's default)."""
    rows, options = CONVERGENCE[name]
    if n_nodes is None:
        return exact_chamber_agreement(subgroups(rows), **options).probability
    return agreement_with_nodes(n_nodes, rows, **options)


@pytest.mark.parametrize("name", sorted(CONVERGENCE))
def test_quadrature_has_converged(name: str) -> None:
    """The oracle's correlated answer moves by < 1e-6 when the rule is refined to 160 nodes."""
    default, finer = converging(name, None), converging(name, 160)
    assert abs(default - finer) < 1e-6, (
        f"default rule ({DEFAULT_NODES} nodes) {default:.8f}, 160 nodes {finer:.8f}"
    )


@pytest.mark.parametrize("name", sorted(CONVERGENCE))
def test_quadrature_96_and_160_nodes_agree(name: str) -> None:
    coarse, finer = converging(name, 96), converging(name, 160)
    assert abs(coarse - finer) < 1e-6, f"96 nodes {coarse:.8f}, 160 nodes {finer:.8f}"


def quad_single_group(size: int, p: float, correlation: float) -> float:
    """P(yeas > nays) for one group, integrating P(Bin(n, q(z)) > n/2) over z with quad."""
    threshold = stats.norm.ppf(p)
    rho = correlation

    def integrand(z: float) -> float:
        q = stats.norm.cdf((threshold - math.sqrt(rho) * z) / math.sqrt(1 - rho))
        return stats.norm.pdf(z) * stats.binom.sf(size // 2, size, q)

    # q(z) = 1/2 at z = threshold / sqrt(rho): the integrand's step lies there
    step = threshold / math.sqrt(rho)
    pieces = [-12.0, step - 1.0, step - 0.2, step, step + 0.2, step + 1.0, 12.0]
    return sum(
        integrate.quad(integrand, a, b, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
        for a, b in itertools.pairwise(sorted(pieces))
    )


@pytest.mark.parametrize(
    ("size", "correlation"), [(51, 0.1), (51, 0.3), (51, 0.7), (209, 0.3), (209, 0.7)]
)
def test_correlated_single_group_equals_numerical_integration(
    size: int, correlation: float
) -> None:
    """One caucus (the 2021 Senate or House Republicans alone), p = 0.6, nobody absent."""
    p = 0.6
    expected = quad_single_group(size, p, correlation)
    got = exact_chamber_agreement(
        subgroups([(R_HOUSE, p, size)]),
        correlation=correlation,
        p_absent=0.0,
        sworn=size,
        quorum="majority_of_sworn",
    ).probability
    assert abs(got - expected) < 1e-6, f"oracle {got:.8f}, quad {expected:.8f}"


def test_quad_reference_tends_to_the_large_group_limit() -> None:
    """As n grows P(agree) tends to P(q(Z) > 1/2) = Phi(Phi^-1(p) / sqrt(rho))."""
    p, rho = 0.6, 0.5
    limit = stats.norm.cdf(stats.norm.ppf(p) / math.sqrt(rho))
    expected = quad_single_group(2001, p, rho)
    assert expected == pytest.approx(limit, abs=5e-3)


# --- Poisson-binomial tail ---------------------------------------------------------------


@pytest.mark.parametrize("p", [0.0, 0.13, 0.5, 0.87, 1.0])
@pytest.mark.parametrize("n", [1, 10, 51, 209])
def test_poisson_binomial_tail_equals_binomial(n: int, p: float) -> None:
    one = subgroups([(R_HOUSE, p, n)])
    # the same members split into several subgroups of equal probability
    cuts = sorted({0, n // 3, n // 2, n})
    split = subgroups([(R_HOUSE, p, b - a) for a, b in itertools.pairwise(cuts) if b > a])
    for at_least in sorted({0, 1, n // 5, n // 2, n - 1, n, n + 1}):
        expected = 1.0 if at_least <= 0 else float(stats.binom.sf(at_least - 1, n, p))
        for members in (one, split):
            got = poisson_binomial_tail(members, at_least)
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-13), (at_least, members)


def test_poisson_binomial_tail_unequal_probabilities() -> None:
    rows = [(R_HOUSE, 0.1, 3), (R_HOUSE, 0.6, 5), (D_HOUSE, 0.95, 2)]
    members = expand(rows)
    law = np.ones(1)
    for p in members:
        law = np.convolve(law, [1 - p, p])
    for at_least in range(len(members) + 2):
        got = poisson_binomial_tail(subgroups(rows), at_least)
        assert got == pytest.approx(law[at_least:].sum(), abs=1e-13)
