"""Everything that draws random numbers. Every function takes an explicit ``rng``.

Streams hang off fixed-size blocks of draws, never off workers: block ``b`` covers draws
``[b * BLOCK_DRAWS, (b + 1) * BLOCK_DRAWS)`` and uses
``SeedSequence(seed, spawn_key=(b,))``, so a run is bit-identical whatever the task size,
worker count or task runner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.special import bdtr

from models.behaviour import N_GROUPS, Subgroups, conditional_probability
from models.members import member_vote_probability
from models.remand_model import CONTROL_D, CONTROL_R, RemandModel

SAMPLERS = ("compiled", "grouped", "members")
"""``grouped``: binomial counts per (group, probability) subgroup; ``members``: one uniform per
member per objection; ``compiled``: the grouped sampler's law drawn by numba kernels
(:mod:`models.kernel`). Same distribution, different random streams; the two numpy ones are
the reference implementations."""
DEFAULT_SAMPLER: Literal["compiled"] = "compiled"
"""What ``simulate``, ``countlab run`` and sweeps use unless told otherwise (``--sampler``,
``[run] sampler``)."""

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


@dataclass(frozen=True, slots=True, eq=False)
class BinomialTable:
    """Inverse-CDF sampler of ``Bin(n, p)`` for one fixed ``(n, p)``, with a guide table."""

    cdf: NDArray[np.float64]  # (n + 1,) P(X <= k), nondecreasing, cdf[n] = inf
    guide: NDArray[np.intp]  # (n_buckets,) smallest k with cdf[k] > b / n_buckets

    @property
    def n_buckets(self) -> int:
        return int(self.guide.size)


def binomial_table(n: int, p: float, *, buckets_per_value: int = 4) -> BinomialTable:
    """Build the inverse-CDF table of ``Bin(n, p)`` (``bdtr``, accurate to about 1e-13)."""
    cdf = np.maximum.accumulate(bdtr(np.arange(n + 1), n, p))
    cdf[-1] = np.inf
    n_buckets = buckets_per_value * (n + 1)
    guide = np.searchsorted(cdf, np.arange(n_buckets) / n_buckets, side="right")
    return BinomialTable(cdf=cdf, guide=np.minimum(guide, n).astype(np.intp))


def draw_binomial(
    table: BinomialTable, shape: tuple[int, ...], *, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Draw ``Bin(n, p)`` counts by inversion: ``X = min{k : u < cdf[k]}``, one uniform each.

    The guide table starts each search at most one step short of most answers; the few
    that need more (the tails of each bucket) are finished by binary search. The result is
    the inverse CDF exactly, whichever path an element takes.
    """
    u = rng.random(shape)
    k = table.guide[(u * table.n_buckets).astype(np.intp)]
    k += u >= table.cdf[k]
    late = np.flatnonzero(u >= table.cdf[k])
    if late.size:
        k.flat[late] = np.searchsorted(table.cdf, u.flat[late], side="right")
    return k.astype(np.int64, copy=False)


def sample_shocks(n_draws: int, *, rng: np.random.Generator) -> NDArray[np.float64]:
    """Return ``(n_draws, N_GROUPS)`` standard normal group shocks ``Z_g``."""
    return rng.standard_normal((n_draws, N_GROUPS))


def sample_events(
    probability: NDArray[np.float64], n_draws: int, *, rng: np.random.Generator
) -> NDArray[np.bool_]:
    """Return ``(n_draws, n)`` independent Bernoulli events with probabilities ``(n,)``."""
    return rng.random((n_draws, probability.size)) < probability


SINGLES_CHUNK_DRAWS = 2048
"""Draws per pass over one-member subgroups: keeps their uniforms (members x draws x
objections float32) in cache. Fixed, so results never depend on a task's size."""


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

    Given the shocks, a subgroup's ``n`` members are independent and alike: the members
    present are ``P ~ Bin(n, 1-a)`` and the yeas among them ``Y | P ~ Bin(P, q)``, the rest
    voting nay; that is the multinomial (absent, yea, nay) split. ``P`` has a constant law,
    drawn by inversion from a table (:func:`draw_binomial`), and ``Y`` needs no draw when
    ``q`` is 0 or 1 (``p`` in {0, 1}, or ``rho = 1``). A subgroup of one member (a per-member
    override) is drawn from one uniform instead, as :func:`sample_votes_members` does: the
    same law at a fraction of a binomial's cost. Returns two ``(n_draws, n_objections)``
    arrays.
    """
    n_draws = shocks.shape[0]
    shape = (n_draws, n_objections)
    q = conditional_probability(
        subgroups.probability, shocks[:, subgroups.group], correlation=correlation
    )  # (D, n_sub)
    yeas = np.zeros(shape, dtype=np.int64)
    nays = np.zeros(shape, dtype=np.int64)
    for j in np.flatnonzero(subgroups.size > 1):
        size = int(subgroups.size[j])
        present = (
            draw_binomial(binomial_table(size, 1.0 - p_absent), shape, rng=rng)
            if p_absent > 0.0
            else np.full(shape, size, dtype=np.int64)
        )
        q_j = q[:, j]
        if np.all((q_j == 0.0) | (q_j == 1.0)):
            yes = present * q_j.astype(np.int64)[:, None]
        else:
            yes = rng.binomial(present, np.broadcast_to(q_j[:, None], shape))
        yeas += yes
        nays += present - yes
    single = subgroups.size == 1
    if single.any():
        one_yeas, one_nays = _sample_uniform_votes(
            q[:, single], n_objections=n_objections, p_absent=p_absent, rng=rng
        )
        yeas += one_yeas
        nays += one_nays
    return yeas, nays


def _sample_uniform_votes(
    q: NDArray[np.float64], *, n_objections: int, p_absent: float, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Votes of members with conditional probabilities ``q`` ``(D, n)``, one uniform each per
    objection: yea when ``u < (1-a) q``, nay when ``u >= 1 - (1-a)(1-q)``, absent otherwise.

    Uniforms are float32 (a 2^-24 grid) and the thresholds are compared in float32; draws
    are taken ``SINGLES_CHUNK_DRAWS`` at a time, members-major, so the counts are sums of
    contiguous rows, in the narrowest integer type that holds them.
    """
    n_draws, n_members = q.shape
    yes_below = ((1.0 - p_absent) * q).T.astype(np.float32)  # (n, D)
    no_from = (1.0 - (1.0 - p_absent) * (1.0 - q)).T.astype(np.float32)
    yeas = np.empty((n_draws, n_objections), dtype=np.int64)
    nays = np.empty((n_draws, n_objections), dtype=np.int64)
    counts = np.int8 if n_members <= np.iinfo(np.int8).max else np.int16  # small sums: SIMD
    for start in range(0, n_draws, SINGLES_CHUNK_DRAWS):
        stop = min(start + SINGLES_CHUNK_DRAWS, n_draws)
        u = rng.random((n_members, stop - start, n_objections), dtype=np.float32)
        yeas[start:stop] = np.add.reduce(
            (u < yes_below[:, start:stop, None]).view(np.int8), axis=0, dtype=counts
        )
        nays[start:stop] = np.add.reduce(
            (u >= no_from[:, start:stop, None]).view(np.int8), axis=0, dtype=counts
        )
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


def sample_votes_thresholds(
    threshold: NDArray[np.float64],
    group: NDArray[np.int64],
    shocks: NDArray[np.float64],
    effect: NDArray[np.float64] | None,
    *,
    correlation: float,
    member_correlation: float,
    p_absent: float,
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every member's vote on every question under the member model (models.members):
    thresholds ``(n, K)``, shock groups ``(n,)``, member effects ``(D, n)`` or None.

    One float32 uniform per member per question, as :func:`_sample_uniform_votes` draws
    them (yea when ``u < (1-a) q``, nay when ``u >= 1 - (1-a)(1-q)``), ``SINGLES_CHUNK_DRAWS``
    draws at a time, the conditional probabilities computed per chunk so that memory stays
    ``n x chunk x K``. Returns yes and no counts, each ``(n_draws, K)``.
    """
    n_draws = shocks.shape[0]
    n_members, k = threshold.shape
    yeas = np.empty((n_draws, k), dtype=np.int64)
    nays = np.empty((n_draws, k), dtype=np.int64)
    counts = np.int8 if n_members <= np.iinfo(np.int8).max else np.int16
    for start in range(0, n_draws, SINGLES_CHUNK_DRAWS):
        stop = min(start + SINGLES_CHUNK_DRAWS, n_draws)
        q = member_vote_probability(
            threshold,
            shocks[start:stop, group],
            None if effect is None else effect[start:stop],
            correlation=correlation,
            member_correlation=member_correlation,
        ).transpose(1, 0, 2)  # (n, d, K)
        yes_below = ((1.0 - p_absent) * q).astype(np.float32)
        no_from = (1.0 - (1.0 - p_absent) * (1.0 - q)).astype(np.float32)
        u = rng.random((n_members, stop - start, k), dtype=np.float32)
        yeas[start:stop] = np.add.reduce((u < yes_below).view(np.int8), axis=0, dtype=counts)
        nays[start:stop] = np.add.reduce((u >= no_from).view(np.int8), axis=0, dtype=counts)
    return yeas, nays


def sample_signers(
    subgroups: Subgroups, n_draws: int, *, n_objections: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Return ``(n_draws, n_objections)`` signers, members signing independently."""
    signed = rng.binomial(
        subgroups.size,
        np.broadcast_to(subgroups.probability, (n_draws, n_objections, subgroups.size.size)),
    )
    return np.asarray(signed.sum(axis=2), dtype=np.int64)


def defection_sampler(
    p_defect: float, *, rng: np.random.Generator
) -> Callable[[NDArray[np.int64], int], NDArray[np.int64]]:
    """Return the contingent election's defections (``models.tally.Defections``): each of
    ``members`` ``(n_units, n_caucuses)`` votes for the other caucus's nominee with
    probability ``p_defect``, independently on every ballot; ``(n_draws, n_units,
    n_caucuses)`` counts from ``rng``."""

    def defections(members: NDArray[np.int64], n_draws: int) -> NDArray[np.int64]:
        return rng.binomial(members, p_defect, size=(n_draws, *members.shape))

    return defections


def chunk_size(chunk_draws: int) -> int:
    """The draws of a full chunk: ``chunk_draws`` rounded up to whole blocks."""
    return max(1, -(-chunk_draws // BLOCK_DRAWS)) * BLOCK_DRAWS


def plan_chunks(n_draws: int, chunk_draws: int) -> list[tuple[int, int]]:
    """Return ``(first_draw, n_draws)`` per chunk; every chunk starts on a block boundary."""
    size = chunk_size(chunk_draws)
    return [(start, min(size, n_draws - start)) for start in range(0, n_draws, size)]


def sample_remand(
    model: RemandModel, n_draws: int, *, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Draw ``(n_draws, S)`` legislature answers (indices into models.remand.ANSWERS) and
    governor actions (signed or certified the alternate) of a remand (M5, M6, M15).

    Order of use of ``rng``: the common shock's event, its shared uniform, each state's own
    uniform, the governors' signatures, their certificates. With probability ``rho`` every
    R legislature answers from the shared uniform; D and other legislatures always from
    their own. A state not asked draws too (its answer is read by no rule).
    """
    p = model.probabilities
    shape = (n_draws, model.n_states)
    common = rng.random(n_draws) < p.rho
    shared = rng.random(n_draws)
    own = rng.random(shape)
    signs = rng.random(shape) < p.g_same
    certifies = rng.random(shape) < p.p_governor_certifies_alternate
    is_r = model.control == CONTROL_R
    u = np.where(common[:, None] & is_r[None, :], shared[:, None], own)
    r_answer = np.where(u < p.q_r, 0, np.where(u < p.q_r + p.d_r, 1, 3))
    d_answer = np.where(u < p.r_d, 2, 3)
    answers = np.where(is_r, r_answer, np.where(model.control == CONTROL_D, d_answer, 3))
    signed = (signs & model.same_party[None, :]) | certifies
    return answers.astype(np.int64), signed
