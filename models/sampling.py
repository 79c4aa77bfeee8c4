"""Everything that draws random numbers. Every function takes an explicit ``rng``.

Streams hang off fixed-size blocks of draws, never off workers: block ``b`` covers draws
``[b * BLOCK_DRAWS, (b + 1) * BLOCK_DRAWS)`` and uses
``SeedSequence(seed, spawn_key=(b,))``, so a run is bit-identical whatever the task size,
worker count or task runner.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from models.behaviour import N_GROUPS, Subgroups, conditional_probability

BLOCK_DRAWS = 1 << 15
"""Draws per random stream (32,768): the unit of reproducibility."""


def block_rng(seed: int, block: int) -> np.random.Generator:
    """Return block ``block``'s stream: ``SeedSequence(seed).spawn(n)[block]`` for any n."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))


def block_ranges(first_draw: int, n_draws: int) -> list[tuple[int, int, int]]:
    """Split draws ``[first_draw, first_draw + n_draws)`` into ``(block, start, stop)``.

    ``first_draw`` must be a multiple of ``BLOCK_DRAWS`` (tasks start on block boundaries).
    """
    if first_draw % BLOCK_DRAWS:
        raise ValueError(f"first_draw {first_draw} is not a multiple of {BLOCK_DRAWS}")
    stop = first_draw + n_draws
    return [
        (start // BLOCK_DRAWS, start, min(start + BLOCK_DRAWS, stop))
        for start in range(first_draw, stop, BLOCK_DRAWS)
    ]


def sample_shocks(n_draws: int, *, rng: np.random.Generator) -> NDArray[np.float64]:
    """Return ``(n_draws, N_GROUPS)`` standard normal group shocks ``Z_g``."""
    return rng.standard_normal((n_draws, N_GROUPS))


def sample_events(
    probability: NDArray[np.float64], n_draws: int, *, rng: np.random.Generator
) -> NDArray[np.bool_]:
    """Return ``(n_draws, n)`` independent Bernoulli events with probabilities ``(n,)``."""
    return rng.random((n_draws, probability.size)) < probability


def sample_votes_grouped(
    subgroups: Subgroups,
    shocks: NDArray[np.float64],
    *,
    n_objections: int,
    correlation: float,
    p_absent: float,
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Draw yes and no counts per objection as binomial counts per subgroup.

    Given the shocks, a subgroup's ``n`` members are independent and alike: yeas ~
    Bin(n, (1-a) q) and nays | yeas ~ Bin(n - yeas, (1-a)(1-q) / (1 - (1-a) q)), which is
    the multinomial (absent, yea, nay) split. A subgroup of one member (a per-member override)
    is drawn from one uniform instead, as :func:`sample_votes_members` does: the same law at a
    fraction of a binomial's cost. Returns two ``(n_draws, n_objections)`` arrays.
    """
    q = conditional_probability(
        subgroups.probability, shocks[:, subgroups.group], correlation=correlation
    )  # (D, n_sub)
    single = subgroups.size == 1
    crowd = ~single
    p_yes = np.broadcast_to(
        ((1.0 - p_absent) * q[:, crowd])[:, None, :],
        (shocks.shape[0], n_objections, int(crowd.sum())),
    )
    sizes = subgroups.size[crowd]
    yeas = rng.binomial(sizes, p_yes)
    if p_absent == 0.0:
        nays = sizes - yeas
    else:
        remaining = 1.0 - p_yes
        p_nay = np.divide(
            (1.0 - p_absent) - p_yes, remaining, out=np.zeros_like(remaining), where=remaining > 0
        )
        nays = rng.binomial(sizes - yeas, p_nay)
    total_yeas, total_nays = yeas.sum(axis=2), nays.sum(axis=2)
    if single.any():
        one_yeas, one_nays = _sample_uniform_votes(
            q[:, single], n_objections=n_objections, p_absent=p_absent, rng=rng
        )
        total_yeas += one_yeas
        total_nays += one_nays
    return total_yeas, total_nays


def _sample_uniform_votes(
    q: NDArray[np.float64], *, n_objections: int, p_absent: float, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Votes of members with conditional probabilities ``q`` ``(D, n)``, one uniform each per
    objection: yea when ``u < (1-a) q``, nay when ``u >= 1 - (1-a)(1-q)``, absent otherwise."""
    u = rng.random((q.shape[0], n_objections, q.shape[1]), dtype=np.float32)
    yeas = (u < ((1.0 - p_absent) * q)[:, None, :]).sum(axis=2)
    nays = (u >= (1.0 - (1.0 - p_absent) * (1.0 - q))[:, None, :]).sum(axis=2)
    return yeas, nays


def sample_votes_members(
    probability: NDArray[np.float64],
    group: NDArray[np.int64],
    shocks: NDArray[np.float64],
    *,
    n_objections: int,
    correlation: float,
    p_absent: float,
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Draw every member's vote on every objection: one uniform per member per objection.

    ``probability`` and ``group`` are ``(n_members,)``. Member ``i`` votes yea when
    ``u < (1-a) q_i``, nay when ``u >= 1 - (1-a)(1-q_i)``, and is absent otherwise.
    Returns yes and no counts, each ``(n_draws, n_objections)``.
    """
    q = conditional_probability(probability, shocks[:, group], correlation=correlation)
    return _sample_uniform_votes(q, n_objections=n_objections, p_absent=p_absent, rng=rng)


def sample_signers(
    subgroups: Subgroups, n_draws: int, *, n_objections: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Return ``(n_draws, n_objections)`` signers, members signing independently."""
    signed = rng.binomial(
        subgroups.size,
        np.broadcast_to(subgroups.probability, (n_draws, n_objections, subgroups.size.size)),
    )
    return signed.sum(axis=2)
