"""The rules of the count as data (three regimes and their switches) plus small pure functions.

Every switch of rules.md §7 and remand.md §6 is a field of :class:`Rules` (the switch table
itself is :mod:`models.switches`); a regime is nothing but a set of default values for them,
and a user may override any switch. The functions broadcast over numpy arrays, so the same
code scores one deterministic count or a million Monte Carlo draws.

References: 3 U.S.C. §15 as in force through 2021 [S1] and as amended by the Electoral Count
Reform Act of 2022 [S2]; U.S. Const. amend. XII [S12] and XX [S13].
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from models.errors import CountlabError
from models.switches import (
    GROUNDS,
    SWITCHES,
    StateDays,
    Switch,
    SwitchInput,
    SwitchJson,
    SwitchValue,
    as_json,
    check,
    coerce,
)

__all__ = ["GROUNDS", "REGIMES", "SWITCHES", "Rules", "Switch", "rules_for", "rules_with"]


@dataclass(frozen=True, slots=True)
class Rules:
    """A complete rule set: one value for every switch of rules.md §7 and remand.md §6."""

    regime: str
    decided_by: str
    denominator: str
    objection_threshold: str
    objection_ground: str
    sustain_rule: str
    chamber_majority: str
    chamber_quorum: str
    senate_vp_tiebreak_on_objection: bool
    multi_return_governor_tiebreak: str
    vp_action: str
    contingent_list: str
    delegation_rule: str
    senate_whole_number: str
    senate_contingent_vp_tiebreak: bool
    max_ballots: int
    # remand.md §6 (the regime's n/a cells hold the value that regime never reads)
    remand_by_new_statute: bool = False
    remand_scope: str = "papers_2020"
    remand_days: int = 10
    governor_calls_special: tuple[str, ...] = ()
    procedural_lag_days: StateDays = ()
    legislative_act_form: str = "law_with_presentment"
    enforce_effective_dates: bool = False
    failed_to_make_choice: tuple[str, ...] = ()
    allow_late_votes: bool = False
    safe_harbor_binding: bool = True
    dual_executive_certificates: str = "latest"
    vp_remand_choice: str = "legislature_backed"
    post_remand_decider: str = "vp"
    alternate_requires_governor: bool = False
    conditional_certificates_valid: bool = True
    non_response_rule: str = "count_original"

    def __post_init__(self) -> None:
        for name in SWITCHES:
            check(name, getattr(self, name))

    def switches(self) -> dict[str, SwitchJson]:
        """Every switch and its value, in :data:`SWITCHES` order (for JSON and provenance)."""
        return {"regime": self.regime} | {
            name: as_json(getattr(self, name), switch.kind) for name, switch in SWITCHES.items()
        }

    def lag_days(self, state: str) -> int:
        """The procedural lag of ``state``'s legislature (``procedural_lag_days``, M4)."""
        return dict(self.procedural_lag_days).get(state, 0)

    @property
    def presiding_officer_decides(self) -> bool:
        """Whether the presiding officer decides which votes count (vp-unilateral, C3)."""
        return self.decided_by == "presiding_officer"


_ECA1887 = Rules(
    regime="eca1887",
    decided_by="congress",
    denominator="appointed",
    objection_threshold="one_each",
    objection_ground="not_regularly_given",
    sustain_rule="both",
    chamber_majority="of_those_voting",
    chamber_quorum="majority_of_sworn",
    senate_vp_tiebreak_on_objection=False,
    multi_return_governor_tiebreak="cases_2_3",
    vp_action="exclude",
    contingent_list="counted",
    delegation_rule="majority_of_votes_cast",
    senate_whole_number="seats",
    senate_contingent_vp_tiebreak=False,
    max_ballots=1,
)
REGIMES: Final[dict[str, Rules]] = {
    "eca1887": _ECA1887,
    "ecra2022": dataclasses.replace(
        _ECA1887,
        regime="ecra2022",
        denominator="statutory",
        objection_threshold="one_fifth",
        alternate_requires_governor=True,  # M9 "always": no alternate has a §5 certificate
    ),
    "vp-unilateral": dataclasses.replace(
        _ECA1887,
        regime="vp-unilateral",
        decided_by="presiding_officer",
        denominator="counted",
        objection_threshold="none",
    ),
}
"""Each regime's defaults, from rules.md §7 and §6 (denominator) and remand.md §6.

remand.md §6 leaves cells ``n/a`` or derived; they hold the value that makes the regime's
count right and that it never reads: ``remand_scope`` papers_2020 and ``remand_days`` 10
everywhere (under eca1887 and ecra2022 a remand is unlawful, M1, so no state goes back and
the count resumes on the session date whatever they say); ``safe_harbor_binding`` true and
``dual_executive_certificates`` latest everywhere (the 1887 rules read them, and so does
vp-unilateral with ``post_remand_decider=congress_eca1887``, E9); ``vp_remand_choice``
legislature_backed and ``post_remand_decider`` vp everywhere (read only when the presiding
officer decides); ``alternate_requires_governor`` false for eca1887 (M8 decides, the switch
is unread) and true for ecra2022 (M9: always, and never met); ``failed_to_make_choice``
empty (2020: every state chose; under ecra2022 old §2 is repealed); ``remand_by_new_statute``
false under vp-unilateral (the theory needs no statute).
"""


def rules_for(regime: str, **overrides: SwitchInput) -> Rules:
    """Return ``regime``'s default rules with some switches overridden.

    String values are accepted for every switch ("true", "3", "PA,WI", "PA=5"), as they come
    from the command line and TOML alike (see :func:`models.switches.coerce`). A switch not
    modelled yet takes only its default.
    """
    if regime not in REGIMES:
        raise CountlabError(f"regime {regime!r}: expected one of {', '.join(REGIMES)}")
    values: dict[str, SwitchValue] = {}
    for name, given in overrides.items():
        if name not in SWITCHES:
            raise CountlabError(
                f"rule {name!r}: unknown switch; switches are {', '.join(SWITCHES)}"
            )
        values[name] = coerce(name, given)
    rules = dataclasses.replace(REGIMES[regime], **values)  # type: ignore[arg-type]
    for name, value in values.items():
        if not SWITCHES[name].modelled and value != (default := getattr(REGIMES[regime], name)):
            raise CountlabError(
                f"rule {name!r} = {value!r}: not modelled yet (the count reads only the "
                f"regime default, {default!r})"
            )
    return rules


def rules_with(
    regime: str | None,
    overrides: Mapping[str, SwitchInput],
    *,
    default_regime: str,
    denominator: str | None = None,
) -> Rules:
    """``regime`` (else the session's ``default_regime``) with ``overrides`` and the
    ``denominator`` (when given; it wins over an override of the same switch)."""
    given = {} if denominator is None else {"denominator": denominator}
    return rules_for(regime or default_regime, **{**overrides, **given})


# --- arithmetic shared by every regime (rules.md §0) -------------------------------------


def majority(n: ArrayLike) -> NDArray[np.int64]:
    """Return the smallest number that is a majority of ``n``: ``floor(n/2) + 1`` (R0.1)."""
    return np.asarray(n, dtype=np.int64) // 2 + 1


def signers_needed(sworn: ArrayLike, threshold: str) -> NDArray[np.int64]:
    """Return the signatures a chamber must supply for an objection to be in order (A3, B8).

    ``one_fifth`` is ``ceil(sworn / 5)``: ``5 * signers >= sworn`` (3 U.S.C. §15(d)(2)(B)(i)).
    """
    sworn = np.asarray(sworn, dtype=np.int64)
    if threshold == "one_each":
        return np.ones_like(sworn)
    if threshold == "one_fifth":
        return -(-sworn // 5)
    return np.zeros_like(sworn)


def is_in_order(
    house_signers: ArrayLike,
    senate_signers: ArrayLike,
    *,
    house_sworn: int,
    senate_sworn: int,
    threshold: str,
) -> NDArray[np.bool_]:
    """Return whether an objection is received: enough signers in *each* chamber (A3, B8)."""
    return (np.asarray(house_signers) >= signers_needed(house_sworn, threshold)) & (
        np.asarray(senate_signers) >= signers_needed(senate_sworn, threshold)
    )


def chamber_agrees(
    yeas: ArrayLike,
    nays: ArrayLike,
    *,
    sworn: int,
    present: ArrayLike = 0,
    quorum: str = "majority_of_sworn",
    tie_broken_by: ArrayLike | None = None,
) -> NDArray[np.bool_]:
    """Return whether a chamber agrees to an objection (R0.5, R0.6, A13).

    A majority of those voting (``yeas > nays``; a tie fails), with a quorum of a majority of
    the sworn members present (``yeas + nays + present``) unless ``quorum == 'none'``.
    ``tie_broken_by``, when given, is the presiding officer's vote (True = agree), which
    decides a tie (the Senate with ``senate_vp_tiebreak_on_objection``).
    """
    yeas = np.asarray(yeas, dtype=np.int64)
    nays = np.asarray(nays, dtype=np.int64)
    agrees = yeas > nays
    if tie_broken_by is not None:
        agrees = agrees | ((yeas == nays) & np.asarray(tie_broken_by, dtype=np.bool_))
    if quorum == "majority_of_sworn":
        agrees = agrees & (yeas + nays + np.asarray(present, dtype=np.int64) >= majority(sworn))
    return np.asarray(agrees, dtype=np.bool_)


def is_sustained(
    house_agrees: ArrayLike, senate_agrees: ArrayLike, *, sustain_rule: str
) -> NDArray[np.bool_]:
    """Return whether an objection is sustained: both Houses concur (A9, B10) or either (H1)."""
    house = np.asarray(house_agrees, dtype=np.bool_)
    senate = np.asarray(senate_agrees, dtype=np.bool_)
    return house & senate if sustain_rule == "both" else house | senate


def whole_number(
    appointed: int,
    *,
    rejected_electors: ArrayLike,
    certification_rejected_electors: ArrayLike,
    not_appointed: int = 0,
    denominator: str,
) -> NDArray[np.int64]:
    """Return the whole number of electors appointed, ``W`` (R0.2, §6, B13).

    ``appointed`` is the electors the states are entitled to (538 in every shipped session);
    ``denominator`` says what is taken off: nothing (``appointed``); the electors the states
    failed to appoint under §5 (``not_appointed``, B13) and ``rejected_electors``
    ``(n_draws,)``, those whose votes were rejected or excluded (``counted``); or the failures
    to appoint and ``certification_rejected_electors`` ``(n_draws,)``, those rejected on
    ground I, not lawfully certified (``statutory``, 3 U.S.C. §15(e)(2)). Blank ballots are
    never subtracted (R0.4).
    """
    rejected = np.asarray(rejected_electors, dtype=np.int64)
    if denominator == "appointed":
        return np.full_like(rejected, appointed)
    if denominator == "counted":
        return appointed - not_appointed - rejected
    ground_i = np.asarray(certification_rejected_electors, dtype=np.int64)
    return appointed - not_appointed - ground_i


def counted_slate(
    house_choice: ArrayLike,
    senate_choice: ArrayLike,
    *,
    governor_slate: ArrayLike,
    safe_harbor_slate: ArrayLike,
    tiebreak: str,
) -> NDArray[np.int64]:
    """Return which competing slate is counted under the 1887 Act's multiple returns (A10).

    Slates are indices; -1 means "no slate" (the Houses concurrently reject all, or the
    governor certified none). ``safe_harbor_slate`` is the slate a timely state determination
    (§5) names, -1 if none.

    * Case 1, with a safe-harbor determination: that slate is counted; with
      ``tiebreak == 'all_cases'`` the governor's slate is counted instead whenever the
      Houses disagree (the reading CRS calls "not free from doubt").
    * Cases 2-3: a slate both Houses choose is counted (-1 if both reject all); if they
      disagree, the governor's slate is counted.
    """
    house = np.asarray(house_choice, dtype=np.int64)
    senate = np.asarray(senate_choice, dtype=np.int64)
    governor = np.asarray(governor_slate, dtype=np.int64)
    harbor = np.asarray(safe_harbor_slate, dtype=np.int64)
    by_congress = np.where(house == senate, house, governor)
    case_1 = np.where(house == senate, harbor, governor) if tiebreak == "all_cases" else harbor
    return np.where(harbor >= 0, case_1, by_congress)
