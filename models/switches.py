"""The rule switches as data: every switch of rules.md §7 and remand.md §6, its kind, its
allowed values and where the notes discuss it, with the checks that keep a value legal.

A switch is one of four kinds: a ``choice`` among named values, a ``bool``, a ``count`` (an
integer with a minimum), or per-state: ``states`` (a set of state codes, held as a sorted
tuple) and ``state_days`` (state code -> days, held as a sorted tuple of pairs). Values come
from the command line as strings (``--rule governor_calls_special=PA,WI``,
``--rule procedural_lag_days=PA=5``) and from a scenario's ``[rules]`` table as TOML values
(a list of codes, a table of days); :func:`coerce` turns either into the held form and
:func:`check` refuses anything else in one line naming the switch and the value.

remand.md §6's probabilities (``q_R``, ``d_R``, ``r_D``, ``rho``, ``g_same``,
``p_governor_certifies_alternate``) are not rule switches but the Monte Carlo inputs of a
scenario's ``[remand]`` table (M15); a deterministic count fixes them by its answers and the
governors who sign. ``remand_allowed`` is derived (:func:`models.remand.remand_allowed`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from models.errors import CountlabError
from models.states import STATE_INDEX

GROUNDS: Final = ("not_regularly_given", "not_lawfully_certified")
"""ECRA's only grounds for an objection, 3 U.S.C. §15(d)(2)(B)(ii) (II) and (I)."""

REMAND_SCOPES: Final = ("papers_2020", "objected")
"""Named remand scopes (remand.md M2): the states with a 14 December alternate paper in the
session's remand facts; the states whose objections went to separate-chamber votes (the
session's ``objected``). The ``remand_scope`` switch takes one, or ``custom``."""

KINDS: Final = ("choice", "bool", "count", "states", "state_days")

StateDays = tuple[tuple[str, int], ...]
"""A per-state number of days, as sorted ``(state, days)`` pairs (hashable, canonical)."""
SwitchValue = str | int | bool | tuple[str, ...] | StateDays
"""A switch's value as a :class:`models.rules.Rules` field holds it."""
SwitchInput = str | int | bool | Sequence[str] | Mapping[str, int]
"""A switch's value as a user gives it (command line or TOML)."""
SwitchJson = str | int | bool | list[str] | dict[str, int]
"""A switch's value in JSON (``tally --json``, the stored run rules)."""


@dataclass(frozen=True, slots=True)
class Switch:
    """One rule the law leaves open, with its allowed values and where the notes discuss it
    (rules.md, or remand.md for the remand switches)."""

    name: str
    values: tuple[str, ...]
    rule: str
    doc: str
    modelled: bool = True  # False: listed and stored, but no count reads it yet
    kind: str = "choice"
    minimum: int = 0  # kind == "count"


def _bool(name: str, rule: str, doc: str) -> Switch:
    return Switch(name, ("false", "true"), rule, doc, kind="bool")


def _states(name: str, rule: str, doc: str) -> Switch:
    return Switch(name, ("ST,ST,...",), rule, doc, kind="states")


_LAW: Final = (
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
    _bool(
        "senate_vp_tiebreak_on_objection",
        "A13",
        "whether the presiding Vice President breaks a tied Senate objection vote",
    ),
    Switch(
        "multi_return_governor_tiebreak",
        ("cases_2_3", "all_cases"),
        "A10",
        "with competing slates, whether the governor's slate breaks a disagreement of "
        "the Houses also when a safe-harbor determination exists",
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
    _bool(
        "senate_contingent_vp_tiebreak",
        "CE8",
        "whether the presiding Vice President breaks a tie in the Senate's choice",
    ),
    Switch(
        "max_ballots",
        ("1", "2", "3", "..."),
        "CE7",
        "House ballots in a Monte Carlo contingent election, votes re-drawn per ballot",
        kind="count",
        minimum=1,
    ),
)

_REMAND: Final = (
    _bool(
        "remand_by_new_statute",
        "remand.md M1, L7",
        "an Act of Congress lets the count be suspended and states sent back (not the "
        "law in any regime; the vp-unilateral theory needs no statute)",
    ),
    Switch(
        "remand_scope",
        (*REMAND_SCOPES, "custom"),
        "remand.md M2, P10",
        "the states a remand sends back when it names none: those with a 14 December "
        "alternate paper, those objected to (AZ, PA), or a list the order gives; under "
        "eca1887 and ecra2022 the states an attempt names, none of them lawfully",
    ),
    Switch(
        "remand_days",
        ("0", "1", "..."),
        "remand.md M3, P5-P7",
        "days from the session date to the resume date when the order gives none "
        "(read only for a lawful remand; an unlawful one resumes on the session date)",
        kind="count",
    ),
    _states(
        "governor_calls_special",
        "remand.md M4, ST4",
        "states whose governor calls a special session the day after the remand",
    ),
    Switch(
        "procedural_lag_days",
        ("ST=DAYS,...",),
        "remand.md M4, ST6",
        "days a legislature needs from convening to an answer (default 0; PA's "
        "concurrent resolution: 5)",
        kind="state_days",
    ),
    Switch(
        "legislative_act_form",
        ("law_with_presentment", "resolution"),
        "remand.md ST2, M6, H4",
        "a legislature's answer is valid as a law presented to the governor (Smiley, "
        "Moore) or as a resolution of its own (the Florida 2000 House form)",
    ),
    _bool(
        "enforce_effective_dates",
        "remand.md M6, ST6",
        "an act whose effective date falls after the resume date (AZ) is invalid",
    ),
    _states(
        "failed_to_make_choice",
        "remand.md L1",
        "states that 'failed to make a choice' on election day (old §2), so that a "
        "legislature's appointment has a federal basis under eca1887 (reported only)",
    ),
    _bool(
        "allow_late_votes",
        "remand.md L2",
        "electors first named after the voting day may vote (read only when the presiding "
        "officer decides; the law counts no such vote)",
    ),
    _bool(
        "safe_harbor_binding",
        "remand.md L3, L5, M8",
        "the old §5 safe-harbor determination binds Congress: a state that met it counts "
        "its original slate though a second return exists (eca1887 rules, also under "
        "post_remand_decider=congress_eca1887)",
    ),
    Switch(
        "dual_executive_certificates",
        ("latest", "earliest", "none"),
        "remand.md L5, H1, M8",
        "the governor tiebreak when the executive certified both slates: the later "
        "certificate (Hawaii 1961), the earlier, or neither (eca1887 rules)",
    ),
    Switch(
        "vp_remand_choice",
        ("legislature_backed", "original", "exclude"),
        "remand.md M8",
        "the presiding officer's choice for a state with competing slates: the alternate "
        "iff its legislature validly appointed it, always the original, or exclude the "
        "state (read only when the presiding officer decides)",
    ),
    Switch(
        "post_remand_decider",
        ("vp", "congress_eca1887"),
        "remand.md M8, P5, E9",
        "who decides a two-return state when the presiding officer presides: himself, or "
        "the Houses under the 1887 rules (the Claremont version)",
    ),
    _bool(
        "alternate_requires_governor",
        "remand.md M9",
        "the presiding officer counts an alternate only with the executive's certificate "
        "for it (read only when the presiding officer decides; eca1887's rule is M8's, "
        "ecra2022 never counts an alternate)",
    ),
    _bool(
        "conditional_certificates_valid",
        "remand.md E1, P10",
        "the conditional 14 December papers (PA, NM) hold votes that can be counted",
    ),
    Switch(
        "non_response_rule",
        ("count_original", "exclude"),
        "remand.md M10",
        "a remanded state that answers no_action or not_in_time: count its original slate, or none",
    ),
)

SWITCHES: Final[dict[str, Switch]] = {s.name: s for s in (*_LAW, *_REMAND)}
"""Every switch, rules.md §7's first and then remand.md §6's, in :class:`Rules` order."""

REMAND_SWITCHES: Final = tuple(s.name for s in _REMAND)
"""The switches remand.md §6 adds (its ``denominator`` is rules.md's)."""


def coerce(name: str, value: SwitchInput) -> SwitchValue:
    """Return a user's ``value`` for switch ``name`` in the form a rule set holds.

    Strings are accepted for every kind ("true", "3", "PA,WI", "PA=5,AZ=1"), as they come
    from the command line and TOML alike; a list of codes or a table of days also works for
    the per-state kinds. Raises CountlabError, one line naming the switch and the value.
    """
    switch = SWITCHES[name]
    if switch.kind == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise CountlabError(f"rule {name!r} = {value!r}: expected true or false")
    if switch.kind == "count":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise CountlabError(f"rule {name!r} = {value!r}: expected an integer")
        try:
            return int(value)
        except ValueError:
            raise CountlabError(f"rule {name!r} = {value!r}: expected an integer") from None
    if switch.kind == "states":
        return _state_set(name, value)
    if switch.kind == "state_days":
        return _state_days(name, value)
    return str(value)


def check(name: str, value: object) -> None:
    """Raise CountlabError unless ``value`` is a legal held value of switch ``name``."""
    switch = SWITCHES[name]
    if switch.kind == "count":
        if not isinstance(value, int) or isinstance(value, bool) or value < switch.minimum:
            raise CountlabError(
                f"rule {name!r} = {value!r}: expected an integer >= {switch.minimum}"
            )
    elif switch.kind == "bool":
        if not isinstance(value, bool):
            raise CountlabError(f"rule {name!r} = {value!r}: expected true or false")
    elif switch.kind == "states":
        if not isinstance(value, tuple) or value != _state_set(name, list(value)):
            raise CountlabError(f"rule {name!r} = {value!r}: expected sorted state codes")
    elif switch.kind == "state_days":
        if not isinstance(value, tuple) or value != _state_days(name, _pairs(name, value)):
            raise CountlabError(f"rule {name!r} = {value!r}: expected sorted (state, days)")
    elif value not in switch.values:
        raise CountlabError(
            f"rule {name!r} = {value!r}: expected one of {', '.join(switch.values)}"
        )


def as_json(value: SwitchValue, kind: str) -> SwitchJson:
    """Return a held value as JSON: per-state days become ``{ST: days}``, sets a list."""
    if kind == "state_days":
        assert isinstance(value, tuple)
        return {str(pair[0]): int(pair[1]) for pair in value}
    if kind == "states":
        assert isinstance(value, tuple)
        return [str(state) for state in value]
    assert isinstance(value, str | int | bool)
    return value


def as_text(value: SwitchValue) -> str:
    """Return a held value as ``countlab rules`` shows it: ``true``, ``PA,WI``, ``PA=5``,
    ``-`` for an empty set."""
    if isinstance(value, tuple):
        items = [f"{i[0]}={i[1]}" if isinstance(i, tuple) else str(i) for i in value]
        return ",".join(items) or "-"
    return str(value).lower()


def _state_code(name: str, code: object) -> str:
    text = str(code).strip()
    if text not in STATE_INDEX:
        raise CountlabError(f"rule {name!r}: state {text!r}: unknown state code")
    return text


def _state_set(name: str, value: SwitchInput) -> tuple[str, ...]:
    if isinstance(value, str):
        items: list[object] = [p for p in value.split(",") if p.strip()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise CountlabError(f"rule {name!r} = {value!r}: expected state codes, e.g. PA,WI")
    return tuple(sorted({_state_code(name, item) for item in items}))


def _pairs(name: str, value: object) -> dict[str, object]:
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, str):
        pairs: dict[str, object] = {}
        for part in (p for p in value.split(",") if p.strip()):
            state, sep, days = part.partition("=")
            if not sep:
                raise CountlabError(f"rule {name!r} = {value!r}: expected ST=DAYS, e.g. PA=5")
            pairs[state.strip()] = days.strip()
        return pairs
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        return {str(p[0]): p[1] for p in value}
    raise CountlabError(f"rule {name!r} = {value!r}: expected ST=DAYS, e.g. PA=5")


def _state_days(name: str, value: object) -> StateDays:
    out: dict[str, int] = {}
    for state, days in _pairs(name, value).items():
        code = _state_code(name, state)
        text = str(days).strip()
        if isinstance(days, bool) or not isinstance(days, int | str) or not text.isdigit():
            raise CountlabError(f"rule {name!r}: {code} = {days!r}: expected whole days >= 0")
        out[code] = int(text)
    return tuple(sorted(out.items()))
