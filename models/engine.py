"""simulate(scenario, n_draws, rng) -> Draws: sample objections and votes, then tally."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.behaviour import Scenario
from models.rules import chamber_agrees, is_in_order, is_sustained
from models.sampling import (
    sample_events,
    sample_shocks,
    sample_signers,
    sample_votes_grouped,
    sample_votes_members,
)
from models.tally import Tally, tally

SAMPLERS = ("grouped", "members")
"""``grouped``: binomial counts per (group, probability) subgroup; ``members``: one uniform per
member per objection. Same distribution, different random streams."""


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
    # remand.md M15: the states remanded or with two returns (sorted), each draw's counted
    # slate ((n_draws, S) int8 codes into models.slates.SLATES) and remand answer ((n_draws,
    # S) int8 codes into models.remand.ANSWER_CODES, -1 where not remanded); None: no remand
    slate_states: tuple[str, ...] = ()
    counted_slate: NDArray[np.int8] | None = None
    remand_answer: NDArray[np.int8] | None = None

    @property
    def n_draws(self) -> int:
        return int(self.raised.shape[0])


def sample_chamber(
    scenario: Scenario,
    chamber: str,
    shocks: NDArray[np.float64],
    *,
    sampler: str,
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Draw ``(n_draws, K)`` yes and no counts of ``chamber`` on every objection."""
    if sampler == "grouped":
        return sample_votes_grouped(
            scenario.subgroups(chamber, scenario.p_sustain),
            shocks,
            n_objections=scenario.n_objections,
            correlation=scenario.correlation,
            p_absent=scenario.p_absent,
            rng=rng,
        )
    sworn = scenario.session.roster.sworn_in(chamber)
    return sample_votes_members(
        scenario.p_sustain[sworn],
        scenario.shock_group()[sworn],
        shocks,
        n_objections=scenario.n_objections,
        correlation=scenario.correlation,
        p_absent=scenario.p_absent,
        rng=rng,
    )


def simulate(
    scenario: Scenario, *, n_draws: int, rng: np.random.Generator, sampler: str = "grouped"
) -> Draws:
    """Draw ``n_draws`` joint sessions and count each one.

    Order of use of ``rng`` (fixed, so a block's results depend only on its stream):
    shocks, raised objections, signers, House votes, Senate votes, tie-breaking votes,
    contingent-election defections.
    """
    rules = scenario.rules
    roster = scenario.session.roster
    k = scenario.n_objections
    shocks = sample_shocks(n_draws, rng=rng)
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
        house_yes, house_no = sample_chamber(scenario, "house", shocks, sampler=sampler, rng=rng)
        senate_yes, senate_no = sample_chamber(scenario, "senate", shocks, sampler=sampler, rng=rng)
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

    def defections(members: NDArray[np.int64], n: int) -> NDArray[np.int64]:
        return rng.binomial(members, scenario.p_defect, size=(n, *members.shape))

    counted = tally(
        scenario.session,
        rules,
        sustained,
        scenario.targets,
        defections=defections if scenario.p_defect > 0 else None,
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
    )
