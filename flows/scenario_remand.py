"""Scenario files' ``[remand]`` and ``[returns]`` tables (remand.md M15, §6), validated
strictly like the rest of the file, and the :class:`models.remand_model.RemandModel` they
make.

Presets: ``preset = "historical_2020"`` (every default) or ``"stress"``
(``appoint_alternate.R`` 1, g_same 1,
and the rule ``legislative_act_form = resolution``). An explicit key always wins: a
probability given in ``[remand]`` over the preset's, a switch given in ``[rules]`` over the
preset's rule (applied by :func:`flows.scenario.scenario_rules`).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from pydantic import Field, field_validator, model_validator

from flows.strict import Strict
from models.errors import OptionError
from models.remand import parse_resume, scope_states
from models.remand_model import (
    PRESETS,
    RemandModel,
    RemandProbabilities,
    build_remand_model,
    resolve_probabilities,
)
from models.rules import Rules
from models.session import Session
from models.states import STATE_INDEX
from models.switches import REMAND_SCOPES

Probability = float | None


def _probability() -> Any:
    return Field(default=None, ge=0.0, le=1.0)


class RepublicanAnswer(Strict):
    """An answer M5 gives only Republican legislatures a probability of (D: 0)."""

    R: Probability = _probability()


class DemocraticAnswer(Strict):
    """An answer M5 gives only Democratic legislatures a probability of (R: 0)."""

    D: Probability = _probability()


class RemandTable(Strict):
    """``[remand]`` (remand.md M2-M6, M15): the presiding officer sends ``states`` back.

    A key left out takes the ``preset``'s value, else the ``historical_2020`` default
    (appoint_alternate.R 0, decertify_only.R 0, reaffirm.D 1, rho 0, g_same 0,
    p_governor_certifies_alternate 0); a key given
    always wins over the preset. The ``stress`` preset also sets the rule
    ``legislative_act_form = resolution`` unless ``[rules]`` names that switch.
    """

    preset: str | None = None  # a key of models.remand_model.PRESETS
    states: list[str] | str | None = None  # a scope of REMAND_SCOPES; None: remand_scope
    resume: str | None = None  # ISO date or until_all_answer; None: session + remand_days
    # M5, by legislature control: remand.appoint_alternate.R is remand.md's q_R,
    # decertify_only.R its d_R, reaffirm.D its r_D; no_action is the rest
    appoint_alternate: RepublicanAnswer = RepublicanAnswer()
    decertify_only: RepublicanAnswer = RepublicanAnswer()
    reaffirm: DemocraticAnswer = DemocraticAnswer()
    rho: Probability = _probability()
    g_same: Probability = _probability()
    p_governor_certifies_alternate: Probability = _probability()

    @field_validator("preset")
    @classmethod
    def _preset(cls, value: str | None) -> str | None:
        if value is not None and value not in PRESETS:
            raise ValueError(f"expected {' or '.join(PRESETS)}")
        return value

    @field_validator("states")
    @classmethod
    def _states(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in REMAND_SCOPES:
            raise ValueError(f"expected a list of states or one of {', '.join(REMAND_SCOPES)}")
        if isinstance(value, list):
            if not value:
                raise ValueError("names no state")
            for state in value:
                if state not in STATE_INDEX:
                    raise ValueError(f"unknown state code {state!r}")
                if value.count(state) > 1:
                    raise ValueError(f"{state} named twice")
        return value

    @field_validator("resume", mode="before")
    @classmethod
    def _resume(cls, value: Any) -> Any:
        if isinstance(value, date):  # TOML's bare date: resume = 2021-01-16
            return value.isoformat()
        if isinstance(value, str):
            try:
                parse_resume(value)  # the one reader of a resume date (--resume's too)
            except OptionError as exc:
                raise ValueError(exc.expected) from None
        return value

    @model_validator(mode="after")
    def _sum(self) -> RemandTable:
        p = self.probabilities()
        if p.q_r + p.d_r > 1.0 + 1e-12:
            raise ValueError(
                f"appoint_alternate.R + decertify_only.R = {p.q_r + p.d_r:g}: "
                "must be at most 1 (M5)"
            )
        return self

    def probabilities(self) -> RemandProbabilities:
        """The M5-M6 probabilities: each key given, else the preset's, else the default."""
        return resolve_probabilities(self.preset, self.model_dump())


RETURNS: Final = ("alternate+legislature", "alternate+legislature+executive")
"""``[returns]`` values: a second return backed by the legislature (and a new executive
certificate), present at the count without a remand (L4, M7)."""


def remand_model(
    table: RemandTable | None, given_returns: dict[str, str], session: Session, rules: Rules
) -> RemandModel:
    """The remand model of a scenario's ``[remand]`` and ``[returns]`` tables (M15)."""
    remanded: tuple[str, ...] | None = None
    resume: date | str | None = None
    if table is not None:
        if isinstance(table.states, list):
            remanded = tuple(table.states)
        else:
            remanded = scope_states(table.states or rules.remand_scope, session)
        if table.resume is not None:
            resume = parse_resume(table.resume)
    returns = {
        state: (True, given.endswith("+executive")) for state, given in given_returns.items()
    }
    return build_remand_model(
        session,
        rules,
        remanded=remanded,
        resume=resume,
        returns=returns,
        probabilities=table.probabilities() if table is not None else RemandProbabilities(),
    )
