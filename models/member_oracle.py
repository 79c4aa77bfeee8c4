"""A stated approximation of the law of the set of sustained objections under the member
model (issue 14 item 1), where the exact oracle cannot integrate the member effects.

With no caucus shock (``correlation = 0``) members vote independently of one another, but a
member's votes on two objections depend on each other through the member's own effect
``U_i``. A chamber's margins ``M_k = yeas_k - nays_k`` over the ``K`` objections are then a
sum of independent member vectors whose means and covariances are exact (a member's two
votes are a bivariate normal event with correlation ``tau``). The approximation is the
multivariate normal with those moments and a continuity correction (the chamber agrees to
``k`` when ``M_k > 0.5``), its orthant probabilities by Genz's method with a fixed seed. It
leaves out the quorum (a majority of the sworn voting, met unless absence is large) and
declines (None) with a caucus shock, a Senate tie broken by the presiding officer, or more
than :data:`MAX_APPROXIMATED_OBJECTIONS` objections. Its error against long Monte Carlo runs
is measured in tests/models/test_member_oracle.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from models.behaviour import Scenario
from models.members import shifted_probability, vote_thresholds

MVN_SEED = 20210106
"""Seed of the quasi-Monte Carlo orthant probabilities: the same number every time."""
MAX_APPROXIMATED_OBJECTIONS = 6


def both_yea(t_a: NDArray[np.float64], t_b: NDArray[np.float64], tau: float) -> NDArray[np.float64]:
    """``(n,)`` P(yea on both) = Phi2(t_a, t_b; tau); infinite thresholds and tau 0, 1 exact."""
    if tau <= 0.0:
        return np.asarray(ndtr(t_a) * ndtr(t_b), dtype=np.float64)
    if tau >= 1.0:
        return np.asarray(ndtr(np.minimum(t_a, t_b)), dtype=np.float64)
    out = np.asarray(ndtr(np.minimum(t_a, t_b)) * 0.0 + ndtr(t_a) * ndtr(t_b))
    out = np.where(np.isneginf(t_a) | np.isneginf(t_b), 0.0, out)
    out = np.where(np.isposinf(t_a), ndtr(t_b), out)
    out = np.where(np.isposinf(t_b), ndtr(t_a), out)
    finite = np.isfinite(t_a) & np.isfinite(t_b)
    if finite.any():
        from scipy.stats import multivariate_normal  # a 1-2 s import: only for this law

        law = multivariate_normal(mean=[0.0, 0.0], cov=[[1.0, tau], [tau, 1.0]])
        points = np.stack([t_a[finite], t_b[finite]], axis=1)
        out[finite] = law.cdf(points, rng=np.random.default_rng(MVN_SEED))
    return np.asarray(out, dtype=np.float64)


def margin_moments(
    threshold: NDArray[np.float64], *, tau: float, p_absent: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(K,)`` mean and ``(K, K)`` covariance of a chamber's margins; thresholds ``(n, K)``."""
    present = 1.0 - p_absent
    p = np.asarray(ndtr(threshold), dtype=np.float64)  # (n, K) P(yea | present)
    vote = present * (2.0 * p - 1.0)  # E[v_ik], v = +1 yea, -1 nay, 0 absent
    k = threshold.shape[1]
    cov = np.zeros((k, k))
    for a in range(k):
        cov[a, a] = np.sum(present - vote[:, a] ** 2)
        for b in range(a + 1, k):
            same = (
                4.0 * both_yea(threshold[:, a], threshold[:, b], tau)
                - 2.0 * (p[:, a] + p[:, b])
                + 1.0
            )  # E[(2Y_a - 1)(2Y_b - 1)]
            cov[a, b] = cov[b, a] = float(np.sum(present**2 * same - vote[:, a] * vote[:, b]))
    return vote.sum(axis=0), cov


def pattern_probabilities(
    mean: NDArray[np.float64], cov: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``(2^K,)`` P(the chamber agrees to exactly the objections of pattern ``j``; bit ``k``
    of ``j`` is objection ``k``), the margins normal, agreement ``M_k > 0.5``."""
    k = mean.size
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    fixed = sd < 1e-9  # a margin that cannot vary: agrees or not for certain
    out = np.zeros(2**k)
    for j in range(2**k):
        agree = ((j >> np.arange(k)) & 1).astype(bool)
        if np.any((mean[fixed] > 0.5) != agree[fixed]):
            continue
        free = ~fixed
        if not free.any():
            out[j] = 1.0
            continue
        from scipy.stats import multivariate_normal  # a 1-2 s import: only for this law

        law = multivariate_normal(mean=mean[free], cov=cov[np.ix_(free, free)], allow_singular=True)
        upper = np.where(agree[free], np.inf, 0.5)
        lower = np.where(agree[free], 0.5, -np.inf)
        out[j] = float(law.cdf(upper, lower_limit=lower, rng=np.random.default_rng(MVN_SEED)))
    return np.clip(out, 0.0, 1.0)


def approximate_agreement_law(scenario: Scenario) -> NDArray[np.float64] | None:
    """``(2^K,)`` approximate P(the set of objections both chambers' votes agree to (under
    the regime's sustain rule) is each subset; bit ``k``: objection ``k``), before the
    objections' being raised; None where the approximation does not apply."""
    rules = scenario.rules
    k = scenario.n_objections
    if (
        scenario.correlation > 0.0
        or rules.senate_vp_tiebreak_on_objection
        or rules.decided_by != "congress"
        or not 2 <= k <= MAX_APPROXIMATED_OBJECTIONS
    ):
        return None
    roster = scenario.session.roster
    laws = []
    for chamber in ("house", "senate"):
        tau, shift = scenario.chamber_member_model(chamber)
        sworn = roster.sworn_in(chamber)
        threshold = vote_thresholds(scenario.p_sustain[sworn], shift, k)
        mean, cov = margin_moments(threshold, tau=tau, p_absent=scenario.p_absent)
        laws.append(pattern_probabilities(mean, cov))
    house, senate = laws
    patterns = np.arange(2**k)
    agreed = (
        patterns[:, None] & patterns[None, :]
        if rules.sustain_rule == "both"
        else patterns[:, None] | patterns[None, :]
    )
    law = np.bincount(agreed.ravel(), weights=np.outer(house, senate).ravel(), minlength=2**k)
    return np.asarray(law, dtype=np.float64)


def sustained_law(
    agreement: NDArray[np.float64], p_raised: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``(2^K,)`` P(sustained set = S): the chambers agree to A and each objection of A is
    raised independently with ``p_raised`` (``(K,)``): ``sum_{A >= S} P(A) prod_{S} r
    prod_{A \\ S} (1 - r)``."""
    k = p_raised.size
    out = np.zeros(2**k)
    bits = (np.arange(2**k)[:, None] >> np.arange(k)) & 1
    for a in range(2**k):
        if agreement[a] == 0.0:
            continue
        for s in range(2**k):
            if s & ~a:
                continue
            weight = np.prod(
                np.where(bits[s] == 1, p_raised, np.where(bits[a] == 1, 1 - p_raised, 1.0))
            )
            out[s] += agreement[a] * weight
    return out


def average_objection(scenario: Scenario, j: int) -> Scenario:
    """The group-model scenario of objection ``j`` alone under the member model: each
    member's marginal ``Phi(Phi^-1(p_i) + delta_j)`` (delta of the member's chamber), no
    member effect (models.members)."""
    p = scenario.p_sustain.copy()
    if scenario.objection_shift is not None:
        senate = scenario.session.roster.is_senator
        for row, mine in enumerate((~senate, senate)):
            p[mine] = shifted_probability(p[mine], float(scenario.objection_shift[row, j]))
    return dataclasses.replace(
        scenario, p_sustain=p, member_correlation=(0.0, 0.0), objection_shift=None
    )
