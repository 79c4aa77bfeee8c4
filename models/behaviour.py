"""Behaviour models: who raises objections, who signs them, and how members vote.

Vote model (one draw): for each (chamber, caucus) group ``g`` one shock ``Z_g ~ N(0, 1)``,
shared by every objection in that draw; member ``i`` votes to sustain objection ``k`` iff
``sqrt(rho) * Z_g + sqrt(1 - rho) * E_ik < Phi^-1(p_i)`` with ``E_ik ~ N(0, 1)`` independent.
Given ``Z_g = z`` members vote independently, each with the conditional probability
:func:`conditional_probability`; members who share ``p_i`` and ``g`` form a :class:`Subgroups`
row and can be sampled as one binomial count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

from models.remand_model import RemandModel
from models.roster import CAUCUSES, CHAMBERS
from models.rules import Rules
from models.session import Session
from models.tally import Targets

N_GROUPS = 4
"""Shock groups: house D, house R, senate D, senate R (index ``2 * is_senator + caucus``)."""


@dataclass(frozen=True, slots=True, eq=False)
class Subgroups:
    """Sworn members of one chamber grouped by (caucus, probability); arrays ``(n_sub,)``."""

    group: NDArray[np.int64]  # shock group of the subgroup, 0..N_GROUPS-1
    probability: NDArray[np.float64]
    size: NDArray[np.int64]

    @property
    def n_members(self) -> int:
        return int(self.size.sum())


def group_members(probability: NDArray[np.float64], group: NDArray[np.int64]) -> Subgroups:
    """Return the distinct (group, probability) pairs of ``(n,)`` members and their counts."""
    keys = np.stack([group.astype(np.float64), probability], axis=1)
    unique, counts = np.unique(keys, axis=0, return_counts=True)
    return Subgroups(
        group=unique[:, 0].astype(np.int64), probability=unique[:, 1], size=counts.astype(np.int64)
    )


def conditional_probability(
    probability: NDArray[np.float64], shock: NDArray[np.float64], *, correlation: float
) -> NDArray[np.float64]:
    """Return P(sustain | Z = shock): ``Phi((Phi^-1(p) - sqrt(rho) z) / sqrt(1 - rho))``.

    Broadcasts ``probability`` against ``shock``; at ``rho = 1`` it is ``1{z < Phi^-1(p)}``.
    """
    threshold = ndtri(probability)
    if correlation >= 1.0:
        return np.asarray(shock < threshold, dtype=np.float64)
    if correlation <= 0.0:
        return np.broadcast_to(probability, np.broadcast_shapes(probability.shape, shock.shape))
    scaled = (threshold - np.sqrt(correlation) * shock) / np.sqrt(1.0 - correlation)
    return np.asarray(ndtr(scaled), dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class Scenario:
    """Everything one Monte Carlo draw needs: the session, its rules and the behaviour model.

    Arrays over objections are ``(K,)`` in the order of ``targets``; over members ``(M,)`` in
    roster order (members not sworn are ignored).
    """

    session: Session
    rules: Rules
    targets: Targets
    states: tuple[str, ...]  # (K,) state of each objection
    p_raise: NDArray[np.float64]  # (K,) probability an objection is raised
    p_sustain: NDArray[np.float64]  # (M,) probability a member votes to sustain
    p_sign: NDArray[np.float64] | None  # (M,) probability a member signs, None: not modelled
    correlation: float  # rho, latent correlation within a (chamber, caucus) group
    p_absent: float  # probability a member does not vote on an objection
    p_presiding_sustains: float  # presiding officer's vote when breaking a Senate tie (A13)
    p_defect: float  # probability a member votes for the other caucus's nominee (CE4)
    remand: RemandModel | None = None  # a remand and/or competing returns (remand.md M15)
    # the member model (models.members), per chamber (house, senate): tau, and (2, K)
    # objection strengths in probit units
    member_correlation: tuple[float, float] = (0.0, 0.0)
    objection_shift: NDArray[np.float64] | None = None

    @property
    def has_member_model(self) -> bool:
        """Whether votes follow the member model (member effects or objection strengths);
        False: the group model, drawn exactly as before it existed."""
        return max(self.member_correlation) > 0.0 or self.objection_shift is not None

    def chamber_member_model(self, chamber: str) -> tuple[float, NDArray[np.float64] | None]:
        """``chamber``'s member correlation ``tau`` and ``(K,)`` objection strengths."""
        row = CHAMBERS.index(chamber)
        shift = None if self.objection_shift is None else self.objection_shift[row]
        return self.member_correlation[row], shift

    @property
    def slate_states(self) -> tuple[str, ...]:
        """The states remanded or with two returns (remand.md M15), sorted; () without a
        remand model."""
        return () if self.remand is None else self.remand.states

    @property
    def n_objections(self) -> int:
        return len(self.states)

    def shock_group(self) -> NDArray[np.int64]:
        """``(M,)`` shock group of each member: ``2 * is_senator + caucus``."""
        roster = self.session.roster
        return 2 * roster.is_senator.astype(np.int64) + roster.caucus

    def subgroups(self, chamber: str, probability: NDArray[np.float64]) -> Subgroups:
        """Group the sworn members of ``chamber`` by (caucus, ``probability``)."""
        sworn = self.session.roster.sworn_in(chamber)
        return group_members(probability[sworn], self.shock_group()[sworn])


def caucus_group(chamber: str, caucus: str) -> int:
    """Return the shock group index of a (chamber, caucus) pair."""
    return 2 * (chamber == "senate") + CAUCUSES.index(caucus)
