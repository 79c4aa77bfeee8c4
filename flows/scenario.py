"""Scenario files (TOML): the user's assumptions, validated, then turned into a model spec.

The friendly layer (pydantic, frozen, extra keys forbidden) mirrors the file; :func:`to_scenario`
reads the files it names and :func:`build_scenario` (pure) turns it into the
:class:`models.behaviour.Scenario` the engine runs. Errors name the file, the
field (dotted, as in the file) and the value.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from flows.files import read_utf8
from flows.limits import HARD_MAX_DRAWS
from flows.requests import MAX_SEED
from flows.scenario_members import (
    Calibrated,
    ChamberCorrelation,
    ChamberProbabilities,
    ChamberShift,
    ObjectionShift,
    chamber_correlations,
    check_objection_shift,
    member_probabilities,
    objection_shifts,
    parse_members,
    parse_overrides,
    shifted_members,
)
from flows.scenario_remand import RETURNS, RemandTable, remand_model
from flows.sessions import load_session, shipped_sessions
from flows.strict import Strict
from models.behaviour import Scenario
from models.errors import CountlabError, InputError
from models.remand_model import PRESET_RULES
from models.roster import CHAMBERS
from models.rules import GROUNDS, SWITCHES, Rules, rules_with
from models.sampling import DEFAULT_SAMPLER
from models.session import Session
from models.states import STATE_INDEX
from models.tally import Rejection, build_targets


class Votes(ChamberProbabilities):
    """``[votes]``: probability that a member votes to sustain an objection, and the member
    model's keys (:mod:`flows.scenario_members`)."""

    correlation: float = Field(default=0.0, ge=0.0, le=1.0)
    absent: float = Field(default=0.0, ge=0.0, le=1.0)
    presiding_officer: float = Field(default=0.0, ge=0.0, le=1.0)
    overrides: str | None = None  # CSV of bioguide_id, probability (path relative to the file)
    members: str | None = None  # calibrated members: CSV of MEMBER_COLUMNS (relative path)
    member_correlation: ChamberCorrelation = ChamberCorrelation()  # tau, or one number for both
    shift: ChamberShift = ChamberShift()  # probit units per (chamber, caucus)
    objection_shift: ObjectionShift = ObjectionShift()  # probit units per chamber and state

    @field_validator("member_correlation", mode="before")
    @classmethod
    def _both_chambers(cls, value: Any) -> Any:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not (isinstance(value, dict | ChamberCorrelation) or (number and 0 <= value <= 1)):
            raise ValueError("expected a number in [0, 1] or a table of house and senate")
        return {"house": float(value), "senate": float(value)} if number else value

    @model_validator(mode="after")
    def _variance(self) -> Votes:
        for chamber, tau in zip(
            CHAMBERS, chamber_correlations(self.member_correlation), strict=True
        ):
            if self.correlation + tau > 1.0 + 1e-12:
                raise ValueError(
                    f"correlation + member_correlation ({chamber}) = "
                    f"{self.correlation + tau:g}: must be at most 1"
                )
        return self


class Contingent(Strict):
    """``[contingent]``: behaviour in the 12th Amendment contingent election."""

    defection: float = Field(default=0.0, ge=0.0, le=1.0)


class RunDefaults(Strict):
    """``[run]``: defaults for ``countlab run`` options."""

    draws: int | None = Field(default=None, ge=1, le=HARD_MAX_DRAWS)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    sampler: Literal["compiled", "grouped", "members"] = DEFAULT_SAMPLER


class ScenarioConfig(Strict):
    """A scenario file, v1 (see the README for every key)."""

    session: str = "2021-01-06"
    regime: str | None = Field(default=None, min_length=1)
    denominator: str | None = Field(default=None, min_length=1)
    rules: dict[str, str | int | bool] = {}
    objections: dict[str, float] = {}
    grounds: dict[str, str] = {}
    votes: Votes = Votes()
    signers: ChamberProbabilities | None = None
    contingent: Contingent = Contingent()
    run: RunDefaults = RunDefaults()
    remand: RemandTable | None = None
    returns: dict[str, str] = {}
    calibrated: Calibrated | None = None

    @field_validator("returns")
    @classmethod
    def _returns(cls, value: dict[str, str]) -> dict[str, str]:
        for state, given in value.items():
            if state not in STATE_INDEX:
                raise ValueError(f"unknown state code {state!r}")
            if given not in RETURNS:
                raise ValueError(f"{state} = {given!r}: expected {' or '.join(RETURNS)}")
        return value

    @model_validator(mode="after")
    def _objection_shift(self) -> ScenarioConfig:
        try:
            check_objection_shift(self.votes.objection_shift, self.objections)
        except ValueError as exc:
            raise ValueError(f"votes.objection_shift: {exc}") from None
        return self

    @field_validator("objections")
    @classmethod
    def _objection_probabilities(cls, value: dict[str, float]) -> dict[str, float]:
        for state, p in value.items():
            if state not in STATE_INDEX:
                raise ValueError(f"unknown state code {state!r}")
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{state} = {p}: expected a probability in [0, 1]")
        return value

    @field_validator("grounds")
    @classmethod
    def _grounds(cls, value: dict[str, str]) -> dict[str, str]:
        for state, ground in value.items():
            if state not in STATE_INDEX:
                raise ValueError(f"unknown state code {state!r}")
            if ground not in GROUNDS:
                raise ValueError(f"{state} = {ground!r}: expected {' or '.join(GROUNDS)}")
        return value

    @field_validator("rules")
    @classmethod
    def _rules(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if name not in SWITCHES:
                raise ValueError(f"unknown switch {name!r}; switches are {', '.join(SWITCHES)}")
        return value

    def canonical_json(self) -> str:
        """Return the scenario as canonical JSON: what the hash is taken of, and what the
        warehouse stores to rebuild it (``countlab sweep --resume``).

        Keys are sorted, except those of ``objections``: their order is the order of the
        objections in every draw (its random streams, the stored objection codes), so it is
        part of the scenario and kept as written. A file whose objections are already in
        alphabetical order has the same JSON and hash as before this rule.
        """
        dump = _sorted_keys(self.model_dump(mode="json"))
        dump["objections"] = dict(self.objections)  # keeps its place among the sorted keys
        for key in ("remand", "returns", "calibrated"):  # absent: the hash of before them
            if not dump[key]:
                del dump[key]
        for key, default in MEMBER_DEFAULTS.items():  # the member model's, likewise
            if dump["votes"][key] == default:
                del dump["votes"][key]
        return json.dumps(dump, separators=(",", ":"))

    def scenario_hash(self) -> str:
        """Return the SHA-256 of :meth:`canonical_json` (hex)."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()


MEMBER_DEFAULTS: dict[str, Any] = {
    key: Votes().model_dump(mode="json")[key]
    for key in ("members", "member_correlation", "shift", "objection_shift")
}
"""The member model's ``[votes]`` keys at their defaults: left out of the canonical JSON, so
a scenario without them keeps the hash it had before they existed."""


def _sorted_keys(value: Any) -> Any:
    """``value`` with every mapping's keys sorted, recursively (as ``sort_keys=True``)."""
    if isinstance(value, dict):
        return {key: _sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value


def _first_error(exc: ValidationError, source: str) -> CountlabError:
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    value = error.get("input")
    if isinstance(value, dict):
        value = None
    return InputError(source, field or "scenario", value, message)


def parse_toml(text: str, *, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CountlabError(f"{source}: not valid TOML ({exc})") from None
    except RecursionError:
        raise CountlabError(f"{source}: not valid TOML (nested too deeply)") from None


def parse_scenario(text: str, *, source: str) -> ScenarioConfig:
    """Parse and validate a scenario file's text (its ``[sweep]`` table aside: see
    :func:`read_scenario_file`)."""
    raw = parse_toml(text, source=source)
    raw.pop("sweep", None)
    return validate_scenario(raw, source=source)


def validate_scenario(raw: dict[str, Any], *, source: str) -> ScenarioConfig:
    """A scenario's keys (a parsed file without its ``[sweep]`` table), validated."""
    try:
        return ScenarioConfig.model_validate(raw)
    except ValidationError as exc:
        raise _first_error(exc, source) from None


def stored_scenario(
    scenario_json: str, objection_states: tuple[str, ...] | list[str], *, source: str
) -> ScenarioConfig:
    """Rebuild a scenario from the warehouse: its stored JSON, its objections in the order
    recorded beside it (``objection_states``, the order the stored objection codes decode
    by). Warehouses written before :meth:`ScenarioConfig.canonical_json` kept that order
    stored the objections sorted; the recorded order is the one that holds.
    """
    try:
        config = ScenarioConfig.model_validate(json.loads(scenario_json))
    except (ValueError, ValidationError) as exc:
        raise CountlabError(f"{source}: the stored scenario does not validate ({exc})") from None
    states = list(objection_states)
    if sorted(states) != sorted(config.objections):
        raise CountlabError(
            f"{source}: the stored scenario's objections {sorted(config.objections)} are not "
            f"the recorded objection states {states}"
        )
    ordered = {state: config.objections[state] for state in states}
    return config.model_copy(update={"objections": ordered})


def read_text(path: Path) -> str:
    """The text of a scenario file."""
    missing = CountlabError(f"{path}: scenario file not found")
    return read_utf8(path, source=str(path), missing=missing)


def load_scenario(path: Path) -> tuple[ScenarioConfig, Path]:
    """Read a scenario file; returns the config and the folder relative paths start from."""
    found = read_scenario_file(path)
    return found.config, found.base


@dataclass(frozen=True, slots=True)
class ScenarioFile:
    """A scenario file, read and validated once."""

    config: ScenarioConfig
    sweep: dict[str, Any] | None  # its [sweep] table, checked by flows.design
    base: Path  # the folder its relative paths start from
    source: str  # the path, as errors name it


def read_scenario_file(path: Path) -> ScenarioFile:
    """Read and validate a scenario file, its ``[sweep]`` table kept aside."""
    source = str(path)
    raw = parse_toml(read_text(path), source=source)
    table = raw.pop("sweep", None)
    if table is not None and not isinstance(table, dict):
        raise InputError(source, "sweep", table, "expected a table")
    return ScenarioFile(validate_scenario(raw, source=source), table, path.parent, source)


def resolve_seed(seed: int | None, config: ScenarioConfig) -> int:
    """The seed a run uses: the option, else the file's ``[run] seed``, else a fresh one."""
    if seed is not None:
        return seed
    return config.run.seed if config.run.seed is not None else secrets.randbits(63)


def scenario_session(name: str, *, base: Path, source: str) -> str:
    """What ``session = NAME`` loads: a session directory relative to the scenario file, else
    a shipped session; a one-line error naming the file when it is neither."""
    if name and (base / name).is_dir():
        return str(base / name)
    if name in shipped_sessions():
        return name
    raise InputError(
        source,
        "session",
        name,
        f"not a shipped session ({', '.join(shipped_sessions())}) nor a session directory "
        f"(relative to {source})",
    )


def to_scenario(config: ScenarioConfig, *, base: Path, source: str) -> Scenario:
    """Turn a validated scenario file into the engine's :class:`Scenario`: read the files it
    names (its session, ``votes.members`` and ``votes.overrides``, relative to ``base``; an
    override wins over a calibrated member), then :func:`build_scenario`.
    """
    session = load_session(scenario_session(config.session, base=base, source=source))
    rules = scenario_rules(config, session, source=source)
    per_member: dict[str, float] = {}
    for field, name, parse in (
        ("members", config.votes.members, parse_members),
        ("overrides", config.votes.overrides, parse_overrides),
    ):  # an override wins over a calibrated member: read last
        if name:
            path = base / name
            missing = InputError(source, f"votes.{field}", name, "file not found")
            text = read_utf8(path, source=str(path), missing=missing)
            per_member.update(parse(text, source=str(path), session=session))
    return build_scenario(config, session, rules, per_member)


def scenario_rules(config: ScenarioConfig, session: Session, *, source: str) -> Rules:
    """The rules of a scenario: its regime (else the session's) with its ``[rules]`` and its
    ``denominator``; an error names the file."""
    switches = dict(config.rules)
    if config.remand is not None:
        for name, value in PRESET_RULES[config.remand.preset or "historical_2020"].items():
            switches.setdefault(name, value)  # a switch in [rules] wins over the preset
    try:
        return rules_with(
            config.regime,
            switches,
            default_regime=session.default_regime,
            denominator=config.denominator,
        )
    except CountlabError as exc:
        raise CountlabError(f"{source}: {exc}") from None


def build_scenario(
    config: ScenarioConfig, session: Session, rules: Rules, per_member: Mapping[str, float]
) -> Scenario:
    """The :class:`Scenario` of a validated scenario file, its session and rules, and the
    per-member probabilities of its ``votes.members`` and ``votes.overrides`` files
    (bioguide id -> probability); ``votes.shift`` then moves every member of a (chamber,
    caucus). Pure: reads no file."""
    states = tuple(config.objections)
    rejections = [Rejection(state=s, ground=config.grounds.get(s)) for s in states]
    targets = build_targets(session, rejections, rules=rules)
    p_sustain = member_probabilities(session, config.votes)
    index = {b: i for i, b in enumerate(session.roster.bioguide_ids)}
    for member, p in per_member.items():
        p_sustain[index[member]] = p
    p_sustain = shifted_members(p_sustain, session, config.votes.shift)
    p_sign = None if config.signers is None else member_probabilities(session, config.signers)
    for array in (p_sustain, p_sign):
        if array is not None:
            array.flags.writeable = False
    remand = None
    if config.remand is not None or config.returns:
        remand = remand_model(config.remand, config.returns, session, rules)
    return Scenario(
        session=session,
        rules=rules,
        targets=targets,
        states=states,
        p_raise=np.array([config.objections[s] for s in states], dtype=np.float64),
        p_sustain=p_sustain,
        p_sign=p_sign,
        correlation=config.votes.correlation,
        p_absent=config.votes.absent,
        p_presiding_sustains=config.votes.presiding_officer,
        p_defect=config.contingent.defection,
        remand=remand,
        member_correlation=chamber_correlations(config.votes.member_correlation),
        objection_shift=objection_shifts(config.votes.objection_shift, states),
    )
