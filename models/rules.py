"""The rules of the count as data (three regimes and their switches) plus small pure functions.

Every switch of rules.md §7 is a field of :class:`Rules`; a regime is nothing but a set of
default values for them, and a user may override any switch. The functions broadcast over
numpy arrays, so the same code scores one deterministic count or a million Monte Carlo draws.

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

GROUNDS: Final = ("not_regularly_given", "not_lawfully_certified")
"""ECRA's only grounds for an objection, 3 U.S.C. §15(d)(2)(B)(ii) (II) and (I)."""


@dataclass(frozen=True, slots=True)
class Switch:
    """One rule the law leaves open, with its allowed values and where rules.md discusses it."""

    name: str
    values: tuple[str, ...]
    rule: str
    doc: str
    modelled: bool = True  # False: listed and stored, but no count reads it yet


SWITCHES: Final[dict[str, Switch]] = {
    s.name: s
    for s in (
        Switch(
            "decided_by",
            ("congress", "presiding_officer"),
            "A9, B10, C3",
            "who decides whether a state's votes are rejected: the two Houses voting "
            "separately, or the presiding officer alone (the vp-unilateral theory)",
        ),
        Switch(
            "denominator",
            ("appointed", "counted", "statutory"),
            "§6, R0.2, B13",
            "whole number of electors: fixed; minus electors whose votes were rejected; or "
            "minus only failures to appoint and sustained not_lawfully_certified objections",
        ),
        Switch(
            "objection_threshold",
            ("one_each", "one_fifth", "none"),
            "A3, B8",
            "signatures needed for an objection to be in order: 1 Senator and 1 "
            "Representative, or ceil(sworn/5) in each chamber, or none",
        ),
        Switch(
            "objection_ground",
            GROUNDS,
            "B9, B13",
            "ground of a rejection when none is given (matters for denominator=statutory)",
        ),
        Switch(
            "sustain_rule",
            ("both", "either"),
            "A9, B10, H1",
            "an objection is sustained when both chambers (law since 1887) or either "
            "chamber (Joint Rule 22, 1865-1875) agree to it",
        ),
        Switch(
            "chamber_majority",
            ("of_those_voting",),
            "R0.5",
            "a chamber agrees when yeas > nays among members voting; a tie fails",
        ),
        Switch(
            "chamber_quorum",
            ("majority_of_sworn", "none"),
            "R0.6",
            "a chamber vote with yeas + nays + present below a majority of the sworn "
            "members is no valid vote, so the objection is not sustained",
        ),
        Switch(
            "senate_vp_tiebreak_on_objection",
            ("false", "true"),
            "A13",
            "whether the presiding Vice President breaks a tied Senate objection vote",
        ),
        Switch(
            "multi_return_governor_tiebreak",
            ("cases_2_3", "all_cases"),
            "A10",
            "with competing slates, whether the governor's slate breaks a disagreement of "
            "the Houses also when a safe-harbor determination exists",
            modelled=False,
        ),
        Switch(
            "vp_action",
            ("exclude", "substitute"),
            "C3",
            "what the presiding officer does with a state under vp-unilateral: exclude its "
            "votes, or (speculative) count an alternate slate for his own caucus's nominee",
        ),
        Switch(
            "contingent_list",
            ("counted", "cast"),
            "CE1",
            "whether the House's top three come from the votes counted or the votes cast",
        ),
        Switch(
            "delegation_rule",
            ("majority_of_votes_cast", "majority_of_delegation"),
            "CE4",
            "a delegation's vote goes to a candidate with a majority of its members voting "
            "(1825 rule) or of its whole delegation, vacancies and absentees included",
        ),
        Switch(
            "senate_whole_number",
            ("seats", "sworn"),
            "CE8",
            "the 'whole number of Senators' for the Vice President's election",
        ),
        Switch(
            "senate_contingent_vp_tiebreak",
            ("false", "true"),
            "CE8",
            "whether the presiding Vice President breaks a tie in the Senate's choice",
        ),
        Switch(
            "max_ballots",
            ("1", "2", "3", "..."),
            "CE7",
            "House ballots in a Monte Carlo contingent election, votes re-drawn per ballot",
        ),
    )
}


BOOLEAN_SWITCHES: Final = ("senate_vp_tiebreak_on_objection", "senate_contingent_vp_tiebreak")


@dataclass(frozen=True, slots=True)
class Rules:
    """A complete rule set: one value for every switch of rules.md §7."""

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

    def __post_init__(self) -> None:
        for name, switch in SWITCHES.items():
            value = getattr(self, name)
            if name == "max_ballots":
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    raise CountlabError(f"rule 'max_ballots' = {value!r}: expected an integer >= 1")
            elif name in BOOLEAN_SWITCHES:
                if not isinstance(value, bool):
                    raise CountlabError(f"rule '{name}' = {value!r}: expected true or false")
            elif value not in switch.values:
                raise CountlabError(
                    f"rule '{name}' = {value!r}: expected one of {', '.join(switch.values)}"
                )

    def switches(self) -> dict[str, str | int | bool]:
        """Every switch and its value, in rules.md §7 order (for JSON and provenance)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


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
        _ECA1887, regime="ecra2022", denominator="statutory", objection_threshold="one_fifth"
    ),
    "vp-unilateral": dataclasses.replace(
        _ECA1887,
        regime="vp-unilateral",
        decided_by="presiding_officer",
        denominator="counted",
        objection_threshold="none",
    ),
}
"""Each regime's defaults, from rules.md §7 and §6 (denominator)."""


def rules_for(regime: str, **overrides: str | int | bool) -> Rules:
    """Return ``regime``'s default rules with some switches overridden.

    String values for boolean and integer switches ("true", "3") are accepted, as they come
    from the command line and TOML alike. A switch not modelled yet takes only its default.
    """
    if regime not in REGIMES:
        raise CountlabError(f"regime {regime!r}: expected one of {', '.join(REGIMES)}")
    values: dict[str, str | int | bool] = {}
    for name, value in overrides.items():
        if name not in SWITCHES:
            raise CountlabError(
                f"rule {name!r}: unknown switch; switches are {', '.join(SWITCHES)}"
            )
        values[name] = _coerce(name, value)
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
    overrides: Mapping[str, str | int | bool],
    *,
    default_regime: str,
    denominator: str | None = None,
) -> Rules:
    """``regime`` (else the session's ``default_regime``) with ``overrides`` and the
    ``denominator`` (when given; it wins over an override of the same switch)."""
    given = {} if denominator is None else {"denominator": denominator}
    return rules_for(regime or default_regime, **{**overrides, **given})


def _coerce(name: str, value: str | int | bool) -> str | int | bool:
    if name in BOOLEAN_SWITCHES:
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise CountlabError(f"rule {name!r} = {value!r}: expected true or false")
    if name == "max_ballots":
        try:
            return int(value)
        except ValueError:
            raise CountlabError(f"rule 'max_ballots' = {value!r}: expected an integer") from None
    return str(value)


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
