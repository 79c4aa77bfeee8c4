"""simulate(scenario, n_draws, rng) -> Draws: sample objections and votes, then tally."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.behaviour import Scenario
from models.chamber_votes import compiled_members, sample_chamber
from models.members import sample_member_effects
from models.pivotal import tally_flips
from models.remand_model import (
    VOTE_ALTERNATE,
    VOTE_ORIGINAL,
    VOTE_UNDECIDED,
    counted_slates,
    recorded_answers,
)
from models.rules import chamber_agrees, is_in_order, is_sustained
from models.sampling import (
    DEFAULT_SAMPLER,
    SAMPLERS,
    defection_sampler,
    sample_events,
    sample_remand,
    sample_shocks,
    sample_signers,
)
from models.tally import Tally, tally

__all__ = ["DEFAULT_SAMPLER", "SAMPLERS", "Draws", "sample_chamber", "simulate"]


@dataclass(frozen=True, slots=True, eq=False)
class Draws:
    """Results of ``n_draws`` draws; objection arrays are ``(n_draws, n_objections)``."""

    raised: NDArray[np.bool_]
    house_yes: NDArray[np.int64]
    house_no: NDArray[np.int64]
    senate_yes: NDArray[np.int64]
    senate_no: NDArray[np.int64]
    sustained: NDArray[np.bool_]
    voted: bool  # False when the presiding officer decides (no chamber votes)
    tally: Tally
    # issue 15: each draw re-tallied with objection k's sustained state flipped
    # (models.pivotal): (n_draws, K) outcome codes and Presidents (NO_ONE for none)
    flipped_outcome: NDArray[np.int64]
    flipped_president: NDArray[np.int64]
    # remand.md M15: the states remanded or with two returns (sorted), each draw's counted
    # slate ((n_draws, S) int8 codes into models.slates.SLATES) and remand answer ((n_draws,
    # S) int8 codes into models.remand.ANSWER_CODES, -1 where not remanded); None: no remand
    slate_states: tuple[str, ...] = ()
    counted_slate: NDArray[np.int8] | None = None
    remand_answer: NDArray[np.int8] | None = None

    @property
    def n_draws(self) -> int:
        return int(self.raised.shape[0])


def simulate(
    scenario: Scenario,
    *,
    n_draws: int,
    rng: np.random.Generator,
    sampler: str = DEFAULT_SAMPLER,
) -> Draws:
    """Draw ``n_draws`` joint sessions and count each one.

    Order of use of ``rng`` (fixed, so a block's results depend only on its stream):
    shocks, member effects (only with a ``member_correlation`` above 0), raised objections,
    signers, House votes, Senate votes, tie-breaking votes,
    contingent-election defections. A remand model (``scenario.remand``) draws from its own
    child stream, ``rng.spawn(1)[0]`` (which leaves ``rng``'s stream where it was), so the
    objection and vote draws are the same with or without one: its legislature answers and
    governor actions (:func:`models.sampling.sample_remand`), then the Houses' votes on the
    two-return states they may decide.

    Last, every draw is re-tallied with each objection's sustained state flipped
    (:func:`models.pivotal.tally_flips`; ``Draws.flipped_outcome``, ``flipped_president``).
    Without defections (``p_defect = 0``) that is deterministic. With them, a flipped count
    that reaches a contingent election the draw did not hold (or with another list of
    candidates) is a fresh draw of the defection model, from the next child stream
    (``rng.spawn(1)[0]`` after the remand's: child 1 with a remand, else child 0), so every
    other result is the same as without the re-tally.
    """
    child = rng.spawn(1)[0] if scenario.remand is not None else None
    rules = scenario.rules
    roster = scenario.session.roster
    k = scenario.n_objections
    shocks = sample_shocks(n_draws, rng=rng)
    effects = None  # (D, M) normals, or the compiled sampler's seed of them (kernel_members)
    if max(scenario.member_correlation) > 0.0:
        effects = (
            compiled_members().effect_seed(rng)
            if sampler == "compiled"
            else sample_member_effects(n_draws, roster.n_members, rng=rng)
        )
    raised = sample_events(scenario.p_raise, n_draws, rng=rng)
    if scenario.p_sign is not None:
        signers = {
            chamber: sample_signers(
                scenario.subgroups(chamber, scenario.p_sign), n_draws, n_objections=k, rng=rng
            )
            for chamber in ("house", "senate")
        }
        raised &= is_in_order(
            signers["house"],
            signers["senate"],
            house_sworn=roster.n_sworn("house"),
            senate_sworn=roster.n_sworn("senate"),
            threshold=rules.objection_threshold,
        )
    zeros = np.zeros((n_draws, k), dtype=np.int64)
    voted = rules.decided_by == "congress"
    if voted:
        house_yes, house_no = sample_chamber(
            scenario, "house", shocks, sampler=sampler, rng=rng, effects=effects
        )
        senate_yes, senate_no = sample_chamber(
            scenario, "senate", shocks, sampler=sampler, rng=rng, effects=effects
        )
        tie_vote = None
        if rules.senate_vp_tiebreak_on_objection:
            tie_vote = rng.random((n_draws, k)) < scenario.p_presiding_sustains
        house = chamber_agrees(
            house_yes, house_no, sworn=roster.n_sworn("house"), quorum=rules.chamber_quorum
        )
        senate = chamber_agrees(
            senate_yes,
            senate_no,
            sworn=roster.n_sworn("senate"),
            quorum=rules.chamber_quorum,
            tie_broken_by=tie_vote,
        )
        sustained = raised & is_sustained(house, senate, sustain_rule=rules.sustain_rule)
    else:
        house_yes = house_no = senate_yes = senate_no = zeros
        sustained = raised.copy()

    slates = alternate_for = complete = None
    counted_slate = remand_answer = None
    if child is not None:
        slates, counted_slate, remand_answer = _draw_slates(
            scenario, shocks, effects, sampler, child
        )
        assert scenario.remand is not None
        alternate_for = scenario.remand.alternate_for
        complete = np.full(n_draws, scenario.remand.complete)
    defecting = scenario.p_defect > 0
    counted = tally(
        scenario.session,
        rules,
        sustained,
        scenario.targets,
        defections=defection_sampler(scenario.p_defect, rng=rng) if defecting else None,
        slates=slates,
        alternate_for=alternate_for,
        complete=complete,
    )
    flipped_outcome, flipped_president = tally_flips(
        scenario.session,
        rules,
        sustained,
        scenario.targets,
        counted,
        defections=defection_sampler(scenario.p_defect, rng=rng.spawn(1)[0]) if defecting else None,
        slates=slates,
        alternate_for=alternate_for,
        complete=complete,
    )
    return Draws(
        raised=raised,
        house_yes=house_yes,
        house_no=house_no,
        senate_yes=senate_yes,
        senate_no=senate_no,
        sustained=sustained,
        voted=voted,
        tally=counted,
        flipped_outcome=flipped_outcome,
        flipped_president=flipped_president,
        slate_states=scenario.slate_states,
        counted_slate=counted_slate,
        remand_answer=remand_answer,
    )


def _draw_slates(
    scenario: Scenario,
    shocks: NDArray[np.float64],
    effects: NDArray[Any] | None,
    sampler: str,
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int8], NDArray[np.int8]]:
    """Each draw's counted slates (remand.md M15): ``(D, n_states)`` for the tally, and
    ``(D, S)`` counted slates and recorded answers for :class:`Draws`.

    The Houses' votes on the two-return states they may decide (M8) come from the vote
    model, sharing the draw's group shocks: a member votes to count the alternate with the
    propensity of a vote to sustain an objection to the original (``p_sustain``; under the
    member model an average objection, with the draw's member effects); each House decides
    for the side with more votes, a tie deciding nothing (undecided).
    """
    model = scenario.remand
    assert model is not None
    n_draws = shocks.shape[0]
    answers, signed = sample_remand(model, n_draws, rng=rng)
    decisions = {
        chamber: np.full((n_draws, model.n_states), VOTE_ORIGINAL, dtype=np.int64)
        for chamber in ("house", "senate")
    }
    voting = np.flatnonzero(model.houses)
    if voting.size:
        for chamber, decision in decisions.items():
            yes, no = sample_chamber(
                scenario,
                chamber,
                shocks,
                sampler=sampler,
                rng=rng,
                n_questions=voting.size,
                effects=effects,
            )
            decision[:, voting] = np.where(
                yes > no, VOTE_ALTERNATE, np.where(no > yes, VOTE_ORIGINAL, VOTE_UNDECIDED)
            )
    counted = counted_slates(model, answers, signed, decisions["house"], decisions["senate"])
    slates = np.zeros((n_draws, scenario.session.certificates.electors.size), dtype=np.int64)
    slates[:, model.index] = counted
    return slates, counted, recorded_answers(model, answers)
