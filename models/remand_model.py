"""The Monte Carlo remand model (remand.md M15): what is random and what each draw counts.

Per draw and per remanded state the random elements are the legislature's answer (M5, by
legislature control ``L``: R answers ``appoint_alternate`` with ``q_R``, ``decertify_only``
with ``d_R``, else ``no_action``; D ``reaffirm`` with ``r_D``, else ``no_action``; a split,
coalition or nonpartisan legislature ``no_action``), with one common shock (with probability
``rho`` every R legislature takes the same draw), the governor's signature (``g_same`` when
the governor is of the legislature's party, else never; M6) and a new executive certificate
for the alternate (``p_governor_certifies_alternate``, any governor; M6, M7). Both governor
actions are the deterministic count's ``governor_signs``: the act is signed, and the
alternate it appoints carries an executive certificate. Whether a legislature can answer by
the resume date is deterministic (M4, :func:`models.remand.can_answer`): one that cannot
answers ``not_in_time``. The Houses' votes on a two-return state they decide (M8) are drawn
by the engine from the vote model (a vote to count the alternate has the propensity of a
vote to sustain an objection to the original).

Everything else is the deterministic rules: :func:`build_remand_model` evaluates
:func:`models.slate_count.decide_slates` and :func:`models.slates.slate_counted` once per
state for every combination of the random elements, into a lookup table that each draw
reads (:func:`counted_slates`). The samplers are in :mod:`models.sampling`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from models.remand import (
    ANSWER_CODES,
    ANSWERS,
    NOT_IN_TIME,
    RemandOrder,
    complete_before_deadline,
    resolve_remand,
)
from models.rules import Rules
from models.session import Session
from models.slate_count import Returns, decide_slates
from models.slates import (
    ALTERNATE,
    CHAMBER_VOTES,
    UNDECIDED,
    alternate_candidate,
    goes_to_the_houses,
    slate_counted,
)
from models.states import STATE_INDEX

VOTE_OUTCOMES: Final = (*CHAMBER_VOTES, UNDECIDED)
"""A House's decision on a two-return state, as drawn: an index into this."""
VOTE_ORIGINAL: Final = 0
VOTE_ALTERNATE: Final = 1
VOTE_UNDECIDED: Final = 3

CONTROL_R: Final = 0
CONTROL_D: Final = 1
CONTROL_OTHER: Final = 2
"""Legislature control codes of :attr:`RemandModel.control` (split, coalition, none: other)."""


@dataclass(frozen=True, slots=True)
class RemandProbabilities:
    """M5-M6 probabilities; the defaults are the ``historical_2020`` preset (remand.md §6)."""

    q_r: float = 0.0
    d_r: float = 0.0
    r_d: float = 1.0
    rho: float = 0.0
    g_same: float = 0.0
    p_governor_certifies_alternate: float = 0.0

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} = {value}: expected a probability in [0, 1]")
        if self.q_r + self.d_r > 1.0 + 1e-12:
            raise ValueError(f"q_R + d_R = {self.q_r + self.d_r}: must be at most 1")


PRESETS: Final[dict[str, dict[str, float]]] = {
    "historical_2020": {},
    "stress": {"q_r": 1.0, "g_same": 1.0},
}
"""remand.md §6 presets: the probabilities each sets (the rest keep their defaults)."""
PROBABILITY_KEYS: Final[dict[str, str]] = {
    "appoint_alternate.R": "q_r",
    "decertify_only.R": "d_r",
    "reaffirm.D": "r_d",
    "rho": "rho",
    "g_same": "g_same",
    "p_governor_certifies_alternate": "p_governor_certifies_alternate",
}
"""A scenario's ``[remand]`` keys (dotted, as in the file) -> the :class:`RemandProbabilities`
field each sets (remand.md's q_R, d_R, r_D, rho, g_same, p_governor_certifies_alternate)."""


def resolve_probabilities(preset: str | None, table: Mapping[str, Any]) -> RemandProbabilities:
    """The M5-M6 probabilities of a ``[remand]`` table (nested dicts, as in the file or its
    canonical JSON): each key given, else the ``preset``'s value, else the default."""
    values = dict(PRESETS[preset or "historical_2020"])
    for key, name in PROBABILITY_KEYS.items():
        value: Any = table
        for part in key.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None:
            values[name] = float(value)
    return RemandProbabilities(**values)


PRESET_RULES: Final[dict[str, dict[str, str]]] = {
    "historical_2020": {},
    "stress": {"legislative_act_form": "resolution"},
}
"""The rule switches each preset sets (a switch given in the scenario's rules wins)."""


@dataclass(frozen=True, slots=True, eq=False)
class RemandModel:
    """A scenario's remand and competing returns, resolved for the draws (M15).

    Arrays over ``states`` (the states remanded or with a competing return, sorted) are
    ``(S,)``; ``table[s, answer, signed, house, senate]`` is the state's counted slate (an
    index into :data:`models.slates.SLATES`) for the given answer (an index into
    :data:`models.remand.ANSWERS`), governor action, and each House's decision (an index
    into :data:`VOTE_OUTCOMES`); ``recorded[s, answer]`` the answer stored per draw (an
    index into :data:`models.remand.ANSWER_CODES`: ``not_in_time`` where the legislature
    cannot answer in time; -1 where the state is not asked: not remanded, or the remand is
    unlawful, M1).
    """

    states: tuple[str, ...]
    index: NDArray[np.int64]  # (S,) state index (models.states.STATE_INDEX)
    remanded: tuple[str, ...]  # the states sent back (lawfully or not)
    lawful: bool | None  # None: no remand (competing returns only)
    resume: date | None  # None: no remand
    complete: bool  # the count is complete before noon on 20 January (M13)
    control: NDArray[np.int64]  # (S,) CONTROL_* of each legislature
    asked: NDArray[np.bool_]  # (S,) lawfully remanded: its legislature answers
    same_party: NDArray[np.bool_]  # (S,) the governor is of the legislature's party
    houses: NDArray[np.bool_]  # (S,) the Houses may decide its slate (some combination)
    table: NDArray[np.int8]  # (S, 4, 2, 4, 4)
    recorded: NDArray[np.int8]  # (S, 4)
    alternate_for: NDArray[np.int64]  # (n_states,) an alternate's candidate, -1: none
    probabilities: RemandProbabilities

    @property
    def n_states(self) -> int:
        return len(self.states)


def build_remand_model(
    session: Session,
    rules: Rules,
    *,
    remanded: tuple[str, ...] | None,
    resume: date | str | None,
    returns: Returns,
    probabilities: RemandProbabilities,
) -> RemandModel:
    """Resolve a scenario's remand (``remanded`` None: no remand) and ``returns`` into the
    lookup tables of :class:`RemandModel`. Raises CountlabError, one line naming the input,
    for anything :func:`models.slate_count.decide_slates` refuses."""
    remand = None
    if remanded is not None:
        remand = resolve_remand(
            session, rules, RemandOrder(remanded, resume), answers={}, governor_signs=()
        )
    sent = remand.states if remand is not None else ()
    states = tuple(sorted({*sent, *returns}))
    lawful = None if remand is None else remand.lawful
    shape = (len(states), len(ANSWERS), 2, len(VOTE_OUTCOMES), len(VOTE_OUTCOMES))
    table = np.zeros(shape, dtype=np.int8)
    recorded = np.full((len(states), len(ANSWERS)), -1, dtype=np.int8)
    houses = np.zeros(len(states), dtype=np.bool_)
    for i, state in enumerate(states):
        asked = bool(lawful) and state in sent
        for a, answer in enumerate(ANSWERS):
            for signed in (False, True):
                decision = decide_slates(
                    session,
                    rules,
                    remand=None if remand is None else RemandOrder(sent, remand.resume),
                    answers={state: answer} if state in sent else {},
                    governor_signs=(state,) if signed and state in sent else (),
                    returns={state: returns[state]} if state in returns else {},
                    chamber_votes={},
                )
                papers = decision.papers[state]
                if goes_to_the_houses(papers, rules):
                    houses[i] = True
                    facts = session.remand_facts[state]
                    for h, house in enumerate(VOTE_OUTCOMES):
                        for s, senate in enumerate(VOTE_OUTCOMES):
                            table[i, a, int(signed), h, s] = slate_counted(
                                papers,
                                rules,
                                safe_harbor_met=facts.safe_harbor_met,
                                votes=(house, senate),
                            )
                else:
                    table[i, a, int(signed)] = decision.counted[state]
                if asked and decision.remand is not None:
                    given = decision.remand.answer(state)
                    assert given is not None
                    recorded[i, a] = ANSWER_CODES.index(given.answer)
    alternate_for = np.full(session.certificates.electors.size, -1, dtype=np.int64)
    for i, state in enumerate(states):
        if (table[i] == ALTERNATE).any():
            alternate_for[STATE_INDEX[state]] = alternate_candidate(session, state)
    control = np.full(len(states), CONTROL_OTHER, dtype=np.int64)
    same_party = np.zeros(len(states), dtype=np.bool_)
    for i, state in enumerate(states):
        government = session.governments.get(state)
        if government is None:
            continue
        legislature = government.legislature_control
        control[i] = {"R": CONTROL_R, "D": CONTROL_D}.get(legislature or "", CONTROL_OTHER)
        same_party[i] = legislature is not None and government.governor_party == legislature
    asked_states = np.array([bool(lawful) and s in sent for s in states], dtype=np.bool_)
    resume_date = None if remand is None else remand.resume
    return RemandModel(
        states=states,
        index=np.array([STATE_INDEX[s] for s in states], dtype=np.int64),
        remanded=sent,
        lawful=lawful,
        resume=resume_date,
        complete=resume_date is None or complete_before_deadline(resume_date, session),
        control=control,
        asked=asked_states,
        same_party=same_party,
        houses=houses,
        table=table,
        recorded=recorded,
        alternate_for=alternate_for,
        probabilities=probabilities,
    )


def counted_slates(
    model: RemandModel,
    answers: NDArray[np.int64],
    signed: NDArray[np.bool_],
    house: NDArray[np.int64],
    senate: NDArray[np.int64],
) -> NDArray[np.int8]:
    """``(D, S)`` each draw's counted slates from its ``(D, S)`` answers (indices into
    ANSWERS), governor actions and House decisions (indices into VOTE_OUTCOMES)."""
    columns = np.arange(model.n_states)[None, :]
    return model.table[columns, answers, signed.astype(np.int64), house, senate]


def recorded_answers(model: RemandModel, answers: NDArray[np.int64]) -> NDArray[np.int8]:
    """``(D, S)`` the answers as stored (ANSWER_CODES; ``not_in_time`` where the legislature
    cannot answer in time; -1 where it is not asked)."""
    return model.recorded[np.arange(model.n_states)[None, :], answers]


assert ANSWER_CODES[-1] == NOT_IN_TIME
