"""One chamber's votes on every objection (or on average questions), by sampler: the numpy
reference samplers of :mod:`models.sampling` or the compiled kernels of :mod:`models.kernel`
and :mod:`models.kernel_members`."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.behaviour import Scenario, group_members
from models.members import vote_thresholds
from models.sampling import (
    binomial_table,
    draw_binomial,
    sample_votes_grouped,
    sample_votes_members,
    sample_votes_thresholds,
)


def _compiled() -> ModuleType:
    """:mod:`models.kernel`, imported on first use: importing numba costs a few tenths of a
    second that commands which never sample should not pay."""
    import models.kernel

    return models.kernel


def compiled_members() -> ModuleType:
    """:mod:`models.kernel_members`, imported on first use (as :func:`_compiled`)."""
    import models.kernel_members

    return models.kernel_members


def sample_chamber(
    scenario: Scenario,
    chamber: str,
    shocks: NDArray[np.float64],
    *,
    sampler: str,
    rng: np.random.Generator,
    n_questions: int | None = None,
    effects: NDArray[Any] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Draw ``(n_draws, K)`` yes and no counts of ``chamber`` on every objection (or on
    ``n_questions`` average questions with the same propensities); ``effects`` ``(D, M)``:
    the draw's member effects (member model with ``tau > 0``)."""
    k = scenario.n_objections if n_questions is None else n_questions
    if scenario.has_member_model:
        return _sample_member_model(
            scenario,
            chamber,
            shocks,
            effects,
            sampler=sampler,
            rng=rng,
            average=n_questions is not None,
            n_questions=k,
        )
    if sampler != "members":
        votes = _compiled().sample_votes_compiled if sampler == "compiled" else sample_votes_grouped
        return votes(
            scenario.subgroups(chamber, scenario.p_sustain),
            shocks,
            n_objections=k,
            correlation=scenario.correlation,
            p_absent=scenario.p_absent,
            rng=rng,
        )
    sworn = scenario.session.roster.sworn_in(chamber)
    return sample_votes_members(
        scenario.p_sustain[sworn],
        scenario.shock_group()[sworn],
        shocks,
        n_objections=k,
        correlation=scenario.correlation,
        p_absent=scenario.p_absent,
        rng=rng,
    )


def _sample_member_model(
    scenario: Scenario,
    chamber: str,
    shocks: NDArray[np.float64],
    effects: NDArray[Any] | None,
    *,
    sampler: str,
    rng: np.random.Generator,
    average: bool,
    n_questions: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The member model's votes (models.members): on the objections, or on ``n_questions``
    average questions (``average``). ``members``: every sworn member draws. ``grouped``
    (and ``compiled``, :func:`_member_model_compiled`):
    members who always or never sustain (p 0 or 1) are counted per (caucus, p) subgroup,
    only their presence drawn; every other member draws their own."""
    tau, shift = scenario.chamber_member_model(chamber)
    if average:
        shift = None
    sworn = np.flatnonzero(scenario.session.roster.sworn_in(chamber))
    p = scenario.p_sustain[sworn]
    group = scenario.shock_group()[sworn]
    n_draws = shocks.shape[0]
    yeas = np.zeros((n_draws, n_questions), dtype=np.int64)
    nays = np.zeros((n_draws, n_questions), dtype=np.int64)
    if sampler == "compiled":
        return _member_model_compiled(
            scenario,
            chamber,
            shocks,
            effects,
            rng=rng,
            p=p,
            group=group,
            k=n_questions,
            tau=tau,
            shift=shift,
        )
    drawn = np.ones(sworn.size, dtype=np.bool_)
    if sampler == "grouped":
        drawn = (p > 0.0) & (p < 1.0)
        fixed = group_members(p[~drawn], group[~drawn])
        for j in range(fixed.size.size):
            size = int(fixed.size[j])
            present = (
                draw_binomial(binomial_table(size, 1.0 - scenario.p_absent), yeas.shape, rng=rng)
                if scenario.p_absent > 0.0
                else np.full(yeas.shape, size, dtype=np.int64)
            )
            if fixed.probability[j] == 1.0:
                yeas += present
            else:
                nays += present
    if drawn.any():
        yes, no = sample_votes_thresholds(
            vote_thresholds(p[drawn], shift, n_questions),
            group[drawn],
            shocks,
            None if effects is None else effects[:, sworn[drawn]],
            correlation=scenario.correlation,
            member_correlation=tau,
            p_absent=scenario.p_absent,
            rng=rng,
        )
        yeas += yes
        nays += no
    return yeas, nays


def _member_model_compiled(
    scenario: Scenario,
    chamber: str,
    shocks: NDArray[np.float64],
    effects: NDArray[np.uint64] | None,
    *,
    rng: np.random.Generator,
    p: NDArray[np.float64],
    group: NDArray[np.int64],
    k: int,
    tau: float,
    shift: NDArray[np.float64] | None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The member model, compiled: the sworn members ``p``, ``group`` ``(n,)`` who always
    or never sustain counted per (caucus, p) subgroup, every other one drawn with their
    effect (:mod:`models.kernel_members`; ``effects``: the draw's effect seed)."""
    drawn = (p > 0.0) & (p < 1.0)
    yeas, nays = _compiled().sample_votes_compiled(
        group_members(p[~drawn], group[~drawn]),
        shocks,
        n_objections=k,
        correlation=scenario.correlation,
        p_absent=scenario.p_absent,
        rng=rng,
    )
    if drawn.any():
        kernel = compiled_members()
        yes, no = kernel.sample_member_votes_compiled(
            vote_thresholds(p[drawn], shift, k),
            group[drawn],
            shocks,
            None if effects is None else kernel.chamber_effect_stream(effects, chamber),
            correlation=scenario.correlation,
            member_correlation=tau,
            p_absent=scenario.p_absent,
            rng=rng,
        )
        yeas += yes
        nays += no
    return yeas, nays
