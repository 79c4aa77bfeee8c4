"""Exact probabilities beside the Monte Carlo: Poisson-binomial counts and quadrature.

Given the group shocks, members vote independently, so a chamber's (yeas, nays) law is a
convolution of trinomials (absent / yea / nay), one per (caucus, probability) subgroup.
Over the shocks: ``correlation = 0`` needs no integral; ``0 < rho < 1`` uses Gauss-Hermite
quadrature over each caucus's shock; ``rho = 1`` integrates exactly over the intervals between
members' thresholds. Objections are independent given the shocks, with the same chamber
agreement probability ``A`` for each, so the law of the set of sustained objections needs only
the moments ``E[A^j]``; each set is then counted by the deterministic tally.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln, ndtr, ndtri

from models.behaviour import Scenario, Subgroups, conditional_probability
from models.contingent import NO_ONE
from models.member_oracle import approximate_agreement_law, average_objection, sustained_law
from models.outcomes import code_label
from models.remand_oracle import slate_law
from models.rules import majority, signers_needed
from models.slates import SLATES
from models.tally import tally

MAX_ENUMERATED_OBJECTIONS = 12
"""The outcome oracle enumerates the 2^K sets of sustained objections; beyond this, None."""


def shock_nodes(
    probabilities: NDArray[np.float64], *, correlation: float, n_nodes: int = 256
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return quadrature nodes and weights for ``E[f(Z)]``, ``Z ~ N(0, 1)``.

    At ``rho = 1`` a member's conditional probability is a step at ``Phi^-1(p)``, so the
    nodes are one point per interval between the distinct thresholds, weighted by the normal
    mass of the interval: exact, not approximate.
    """
    if correlation <= 0.0:
        return np.zeros(1), np.ones(1)
    if correlation >= 1.0:
        cuts = np.unique(ndtri(probabilities))
        cuts = cuts[np.isfinite(cuts)]
        edges = np.concatenate([[-np.inf], cuts, [np.inf]])
        weights = np.diff(ndtr(edges))
        inner = np.clip(edges, -40.0, 40.0)
        nodes = (inner[:-1] + inner[1:]) / 2
        return nodes, weights
    # Gauss-Legendre in u = Phi(z): nodes spread evenly in probability, dense enough to
    # resolve the near-step of P(agree | z) for a caucus of a few hundred members.
    x, w = np.polynomial.legendre.leggauss(n_nodes)
    return ndtri((x + 1.0) / 2.0), w / 2.0


@lru_cache(maxsize=64)
def _log_multinomial(n: int) -> NDArray[np.float64]:
    """``(n+1, n+1)`` log of n! / (y! m! (n-y-m)!), -inf where y + m > n."""
    y, m = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    absent = n - y - m
    with np.errstate(invalid="ignore"):
        out = gammaln(n + 1) - gammaln(y + 1) - gammaln(m + 1) - gammaln(np.maximum(absent, 0) + 1)
    out = np.where(absent >= 0, out, -np.inf)
    out.flags.writeable = False
    return out


def _xlogp(k: NDArray[np.int64], p: float) -> NDArray[np.float64]:
    """``k * log(p)`` with ``0 * log(0) = 0``."""
    if p <= 0.0:
        return np.where(k == 0, 0.0, -np.inf)
    return np.asarray(k * np.log(p), dtype=np.float64)


def trinomial_pmfs(
    n: int, p_yes: NDArray[np.float64], p_no: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return ``(N, n+1, n+1)`` P[yeas, nays] for ``N`` pairs of probabilities ``(N,)``."""
    k = np.arange(n + 1)
    p_abs = np.clip(1.0 - p_yes - p_no, 0.0, None)
    absent = np.maximum(n - k[:, None] - k[None, :], 0)

    def xlogp(count: NDArray[np.int64], p: NDArray[np.float64]) -> NDArray[np.float64]:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(count == 0, 0.0, count * np.log(p))

    log_p = (
        _log_multinomial(n)[None]
        + xlogp(k[None, :, None], p_yes[:, None, None])
        + xlogp(k[None, None, :], p_no[:, None, None])
        + xlogp(absent[None], p_abs[:, None, None])
    )
    return np.exp(log_p)  # exp(-inf) = 0 where y + m > n


def _convolve_laws(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Convolve ``(N, r, c)`` stacks of 2-D laws pairwise over the last two axes (by FFT)."""
    shape = (a.shape[1] + b.shape[1] - 1, a.shape[2] + b.shape[2] - 1)
    product = np.fft.rfft2(a, shape, axes=(1, 2)) * np.fft.rfft2(b, shape, axes=(1, 2))
    return np.fft.irfft2(product, shape, axes=(1, 2))


def group_pmfs(
    subgroups: Subgroups, shocks: NDArray[np.float64], *, correlation: float, p_absent: float
) -> NDArray[np.float64]:
    """Return ``(N, n+1, n+1)`` P[yeas, nays] of one shock group given each of ``N`` shocks."""
    q = conditional_probability(
        subgroups.probability[None, :], shocks[:, None], correlation=correlation
    )  # (N, n_sub)
    pmf = np.ones((shocks.size, 1, 1))
    for s in np.argsort(-subgroups.size, kind="stable"):
        p_yes, p_no = (1 - p_absent) * q[:, s], (1 - p_absent) * (1 - q[:, s])
        if subgroups.size[s] == 1:  # one member: shift the law instead of convolving
            rows, cols = pmf.shape[1:]
            grown = np.zeros((shocks.size, rows + 1, cols + 1))
            grown[:, :-1, :-1] += p_absent * pmf
            grown[:, 1:, :-1] += p_yes[:, None, None] * pmf
            grown[:, :-1, 1:] += p_no[:, None, None] * pmf
            pmf = grown
        else:
            block = trinomial_pmfs(int(subgroups.size[s]), p_yes, p_no)
            pmf = block if pmf.shape[1] == 1 else _convolve_laws(pmf, block)
    return np.clip(pmf, 0.0, None)


def _to_margin_votes(pmf: NDArray[np.float64], low: int, high: int) -> NDArray[np.float64]:
    """Re-index ``(N, n+1, n+1)`` P[yeas, nays] as P[margin + n, voting - low], voting in
    ``[low, high]``."""
    n = pmf.shape[1] - 1
    y, m = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    out = np.zeros((pmf.shape[0], 2 * n + 1, high - low + 1))
    keep = (y + m >= low) & (y + m <= high)
    out[:, (y - m + n)[keep], (y + m - low)[keep]] = pmf[:, keep]
    return out


def _voting_range(n: int, p_absent: float) -> tuple[int, int]:
    """Members voting, ``Bin(n, 1 - a)`` whatever the shock: the range holding all but 1e-18."""
    k = np.arange(n + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_b = (
            gammaln(n + 1)
            - gammaln(k + 1)
            - gammaln(n - k + 1)
            + _xlogp(k, 1.0 - p_absent)
            + _xlogp(n - k, p_absent)
        )
    kept = np.flatnonzero(log_b > np.log(1e-18))
    return int(kept[0]), int(kept[-1])


@dataclass(frozen=True, slots=True, eq=False)
class Agreement:
    """A chamber's probability of agreeing to an objection, as a function of its shocks.

    ``values`` are P(agree | shocks) at the quadrature points and ``weights`` their
    probabilities, both flat ``(n_points,)``; ``E[h^j] = sum(weights * values**j)``.
    """

    values: NDArray[np.float64]
    weights: NDArray[np.float64]

    @property
    def probability(self) -> float:
        return float(np.sum(self.weights * self.values))

    def moments(self, order: int, *, complement: bool = False) -> NDArray[np.float64]:
        """Return ``E[h^j]`` (or ``E[(1-h)^j]``) for ``j = 0..order``."""
        h = 1.0 - self.values if complement else self.values
        return np.array([np.sum(self.weights * h**j) for j in range(order + 1)])


def exact_chamber_agreement(
    subgroups: Subgroups,
    *,
    correlation: float,
    p_absent: float,
    sworn: int,
    quorum: str,
    p_tie_agree: float = 0.0,
) -> Agreement:
    """Law of P(chamber agrees | shocks) over the shocks of its caucus groups (R0.5, R0.6).

    Agree iff yeas > nays (a tie agrees with probability ``p_tie_agree``, the presiding
    officer's vote) and, under ``majority_of_sworn``, yeas + nays >= majority(sworn).
    """
    groups = np.unique(subgroups.group)
    quorum_votes = int(majority(sworn)) if quorum == "majority_of_sworn" else 0
    per_group = []
    for g in groups:
        mine = subgroups.group == g
        sub = Subgroups(
            group=subgroups.group[mine],
            probability=subgroups.probability[mine],
            size=subgroups.size[mine],
        )
        low, high = _voting_range(sub.n_members, p_absent)
        nodes, weights = shock_nodes(sub.probability, correlation=correlation)
        pmfs = _to_margin_votes(
            group_pmfs(sub, nodes, correlation=correlation, p_absent=p_absent), low, high
        )
        per_group.append((pmfs, weights, low))
    if len(per_group) == 1:  # one caucus only: pair it with a group of nobody
        per_group.append((np.ones((1, 1, 1)), np.ones(1), 0))
    (first, w1, low1), (second, w2, low2) = per_group
    n1, n2 = (first.shape[1] - 1) // 2, (second.shape[1] - 1) // 2
    k2 = second.shape[2]
    # tail[j, a, b] = P(margin2 >= a - n2, votes2 >= b + low2) for the second group's node j
    tail = np.zeros((second.shape[0], 2 * n2 + 2, k2 + 1))
    tail[:, : 2 * n2 + 1, :k2] = second[:, ::-1, ::-1].cumsum(1).cumsum(2)[:, ::-1, ::-1]
    d1 = np.arange(-n1, n1 + 1)[:, None]
    v1 = low1 + np.arange(first.shape[2])[None, :]
    need_votes = np.clip(quorum_votes - v1 - low2, 0, k2)

    def at_least(margin: NDArray[np.int64]) -> NDArray[np.float64]:
        return tail[:, np.clip(margin + n2, 0, 2 * n2 + 1), need_votes]  # (n_nodes2, d1, v1)

    beyond = (1.0 - p_tie_agree) * at_least(1 - d1) + p_tie_agree * at_least(-d1)
    values = first.reshape(first.shape[0], -1) @ beyond.reshape(beyond.shape[0], -1).T
    return Agreement(values=np.clip(values, 0.0, 1.0).ravel(), weights=np.outer(w1, w2).ravel())


def poisson_binomial_tail(subgroups: Subgroups, at_least: int) -> float:
    """Return P(number of successes >= ``at_least``) for independent members."""
    pmf = np.ones(1)
    for n, p in zip(subgroups.size, subgroups.probability, strict=True):
        k = np.arange(int(n) + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_b = (
                gammaln(n + 1)
                - gammaln(k + 1)
                - gammaln(n - k + 1)
                + _xlogp(k, p)
                + _xlogp(n - k, 1 - p)
            )
        pmf = np.convolve(pmf, np.exp(log_b))
    return float(np.clip(pmf[at_least:].sum(), 0.0, 1.0))


def exact_raise_probability(scenario: Scenario) -> NDArray[np.float64]:
    """Return ``(K,)`` P(objection raised): its probability times P(enough signers)."""
    if scenario.p_sign is None:
        return scenario.p_raise.copy()
    roster = scenario.session.roster
    p_in_order = 1.0
    for chamber in ("house", "senate"):
        needed = int(signers_needed(roster.n_sworn(chamber), scenario.rules.objection_threshold))
        p_in_order *= poisson_binomial_tail(scenario.subgroups(chamber, scenario.p_sign), needed)
    return scenario.p_raise * p_in_order


def chamber_agreements(scenario: Scenario) -> tuple[Agreement, Agreement]:
    """Return the House's and the Senate's :class:`Agreement`."""
    roster = scenario.session.roster
    rules = scenario.rules
    tie = scenario.p_presiding_sustains if rules.senate_vp_tiebreak_on_objection else 0.0
    return tuple(  # type: ignore[return-value]
        exact_chamber_agreement(
            scenario.subgroups(chamber, scenario.p_sustain),
            correlation=scenario.correlation,
            p_absent=scenario.p_absent,
            sworn=roster.n_sworn(chamber),
            quorum=rules.chamber_quorum,
            p_tie_agree=p_tie if chamber == "senate" else 0.0,
        )
        for chamber, p_tie in (("house", 0.0), ("senate", tie))
    )


def agreement_moments(scenario: Scenario, order: int) -> NDArray[np.float64]:
    """Return ``E[A^j]``, ``j = 0..order``, A = P(an objection is sustained | shocks, raised)."""
    if scenario.rules.decided_by == "presiding_officer":
        return np.ones(order + 1)
    house, senate = chamber_agreements(scenario)
    if scenario.rules.sustain_rule == "both":
        return house.moments(order) * senate.moments(order)
    # either: A = 1 - (1-h)(1-g), so E[A^j] = sum_m C(j,m) (-1)^m E[(1-h)^m] E[(1-g)^m]
    both_fail = house.moments(order, complement=True) * senate.moments(order, complement=True)
    out = np.zeros(order + 1)
    for j in range(order + 1):
        m = np.arange(j + 1)
        out[j] = np.sum(
            np.exp(gammaln(j + 1) - gammaln(m + 1) - gammaln(j - m + 1))
            * (-1.0) ** m
            * both_fail[: j + 1]
        )
    return out


@dataclass(frozen=True, slots=True)
class Exact:
    """Exact probabilities of a scenario; ``outcomes`` and ``winners`` None where unavailable."""

    p_raised: NDArray[np.float64]  # (K,)
    p_sustained: NDArray[np.float64]  # (K,)
    outcomes: dict[str, float] | None
    winners: dict[str, float] | None
    slates: dict[str, dict[str, float]] | None = None  # state -> slate -> P(counted)
    approximate: bool = False  # outcomes and winners by models.member_oracle's approximation


def exact_probabilities(scenario: Scenario) -> Exact:
    """Return exact objection probabilities, and outcome probabilities where they apply.

    Under the member model (``scenario.has_member_model``) each objection's probability is
    exact, and outcomes are exact with one objection; with more they are
    :mod:`models.member_oracle`'s stated approximation (``approximate``), or None.
    Outcomes are exact when at most ``MAX_ENUMERATED_OBJECTIONS`` objections are modelled,
    the contingent election is deterministic (no defection, or no set of sustained objections
    that leaves the President to the House) and a remand's slates have a product law
    (:func:`models.remand_oracle.slate_law`: the Houses decide none of them).
    """
    k = scenario.n_objections
    p_raised = exact_raise_probability(scenario)
    if scenario.has_member_model:
        # one objection at a time the member effect integrates out (models.members): each
        # is the group model with its own shifted probabilities; their joint law is not
        # a product given the shocks, so outcomes are exact for one objection only
        alone = [average_objection(scenario, j) for j in range(k)]
        p_sustained = p_raised * np.array([agreement_moments(a, 1)[1] for a in alone])
        approximate = None if k == 1 else approximate_agreement_law(scenario)
        if k != 1 and approximate is None:
            return Exact(p_raised, p_sustained, None, None)
        moments = agreement_moments(alone[0], k)
    else:
        approximate = None
        moments = agreement_moments(scenario, k)
        p_sustained = p_raised * moments[1] if k else np.zeros(0)  # none: none sustained
    if k > MAX_ENUMERATED_OBJECTIONS:
        return Exact(p_raised, p_sustained, None, None)
    subsets = ((np.arange(2**k)[:, None] >> np.arange(k)) & 1).astype(np.bool_)  # (2^K, K)
    # coefficients of prod_{k in S} r_k A * prod_{k not in S} (1 - r_k A) as polynomials in A
    coef = np.zeros((2**k, k + 1))
    coef[:, 0] = 1.0
    for j in range(k):
        shifted = np.zeros_like(coef)
        shifted[:, 1:] = coef[:, :-1] * p_raised[j]
        coef = np.where(subsets[:, j : j + 1], shifted, coef - shifted)
    p_subset = np.clip(coef @ moments, 0.0, 1.0)
    if approximate is not None:
        p_subset = sustained_law(approximate, p_raised)
    slate_marginals: dict[str, dict[str, float]] | None = None
    if scenario.remand is None:
        counted = tally(scenario.session, scenario.rules, subsets, scenario.targets)
    else:  # each set of sustained objections with each vector of counted slates (M15)
        law = slate_law(scenario.remand)
        if law is None:
            return Exact(p_raised, p_sustained, None, None)
        vectors, p_vector = law
        model, n_vectors = scenario.remand, len(p_vector)
        slate_marginals = {
            state: {
                slate: float(p_vector[vectors[:, s] == code].sum())
                for code, slate in enumerate(SLATES)
            }
            for s, state in enumerate(model.states)
        }
        slates = np.zeros((len(subsets) * n_vectors, scenario.session.certificates.electors.size))
        slates[:, model.index] = np.tile(vectors, (len(subsets), 1))
        counted = tally(
            scenario.session,
            scenario.rules,
            np.repeat(subsets, n_vectors, axis=0),
            scenario.targets,
            slates=slates.astype(np.int64),
            alternate_for=model.alternate_for,
            complete=np.full(len(slates), model.complete),
        )
        p_subset = np.repeat(p_subset, n_vectors) * np.tile(p_vector, len(subsets))
    if scenario.p_defect > 0 and np.any((counted.outcome != 0) & (p_subset > 0)):
        return Exact(p_raised, p_sustained, None, None)
    keys = scenario.session.candidate_keys
    outcomes: dict[str, float] = {}
    winners = dict.fromkeys(keys, 0.0)
    for code, who, p in zip(counted.outcome, counted.president, p_subset, strict=True):
        label = code_label(int(code), int(who), keys)
        outcomes[label] = outcomes.get(label, 0.0) + float(p)
        if who != NO_ONE:
            winners[keys[int(who)]] += float(p)
    clip = {label: min(max(p, 0.0), 1.0) for label, p in outcomes.items()}
    return Exact(
        p_raised,
        p_sustained,
        clip,
        {c: min(max(p, 0.0), 1.0) for c, p in winners.items()},
        slate_marginals,
        approximate is not None,
    )
