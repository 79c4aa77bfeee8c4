"""The member-level vote model (issue 14): persistent member effects and objection effects
on top of the caucus shock.

Member ``i`` votes to sustain objection ``k`` in a draw iff
``sqrt(rho) Z_g + sqrt(tau) U_i + sqrt(1 - rho - tau) E_ik < t_ik``, with
``t_ik = Phi^-1(p_i) + delta_k``: ``Z_g`` the (chamber, caucus) shock shared by the group,
``U_i`` the member's own effect shared by all their votes in the draw, ``E_ik`` independent;
all standard normal. ``p_i`` is the member's marginal probability of sustaining an average
objection, ``delta_k`` objection ``k``'s strength in probit units (0: an average objection)
and ``tau`` the member correlation (two votes of one member correlate ``rho + tau``, two
members of a caucus ``rho``). With ``tau = 0`` and no ``delta`` it is the group model of
:mod:`models.behaviour`, whose code path then runs unchanged (bit for bit).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

RESIDUAL_STEP = 1e-12
"""At or below this residual variance ``1 - rho - tau`` a vote is a step in the latent
variable (:func:`member_vote_probability`, and the compiled member kernel)."""


def shifted_probability(probability: NDArray[np.float64], shift: float) -> NDArray[np.float64]:
    """``Phi(Phi^-1(p) + shift)``: ``p`` moved by ``shift`` probit units (0 and 1 stay)."""
    if shift == 0.0:
        return probability
    return np.asarray(ndtr(ndtri(probability) + shift), dtype=np.float64)


def vote_thresholds(
    probability: NDArray[np.float64], objection_shift: NDArray[np.float64] | None, n_questions: int
) -> NDArray[np.float64]:
    """``(n, K)`` thresholds ``t_ik = Phi^-1(p_i) + delta_k`` (``-inf``/``inf`` for p 0/1);
    without objection shifts every question is an average objection."""
    base = ndtri(probability)[:, None]
    if objection_shift is None:
        return np.repeat(base, n_questions, axis=1)
    return np.asarray(base + objection_shift[None, :], dtype=np.float64)


def member_vote_probability(
    threshold: NDArray[np.float64],
    shock: NDArray[np.float64],
    effect: NDArray[np.float64] | None,
    *,
    correlation: float,
    member_correlation: float,
) -> NDArray[np.float64]:
    """``(D, n, K)`` P(sustain | Z, U) = ``Phi((t_ik - sqrt(rho) z - sqrt(tau) u) /
    sqrt(1 - rho - tau))`` for thresholds ``(n, K)``, each member's shock and effect
    ``(D, n)`` (``effect`` None: ``tau`` is 0); a step when ``rho + tau = 1``."""
    latent = np.sqrt(correlation) * shock
    if effect is not None and member_correlation > 0.0:
        latent = latent + np.sqrt(member_correlation) * effect
    gap = threshold[None, :, :] - latent[:, :, None]
    residual = 1.0 - correlation - member_correlation
    if residual <= RESIDUAL_STEP:
        return np.asarray(gap > 0.0, dtype=np.float64)
    return np.asarray(ndtr(gap / np.sqrt(residual)), dtype=np.float64)


def sample_member_effects(
    n_draws: int, n_members: int, *, rng: np.random.Generator
) -> NDArray[np.float64]:
    """``(n_draws, n_members)`` standard normal member effects ``U_i``, one per member per
    draw, shared by every vote the member casts in that draw."""
    return rng.standard_normal((n_draws, n_members))
