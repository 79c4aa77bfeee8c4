"""Send it back to the states (remand.md §5 M1-M6b): who may remand, which states, when the
count resumes, the hard deadline, whether each legislature can answer in time, and whether
its answer is a valid state act. Pure functions of the session's facts and the rules.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Final

from models.errors import CountlabError, OptionError
from models.rules import Rules
from models.session import Session
from models.statehouses import RemandFacts, StateGovernment
from models.states import STATE_INDEX

ANSWERS: Final = ("appoint_alternate", "decertify_only", "reaffirm", "no_action")
"""What a remanded legislature may answer (P8, M5); ``not_in_time`` is derived (M4)."""
NOT_IN_TIME: Final = "not_in_time"
ACTS: Final = ("appoint_alternate", "decertify_only")
"""The answers that are state acts, valid or not (M6); the others change nothing."""
UNTIL_ALL_ANSWER: Final = "until_all_answer"

ANSWER_CODES: Final = (*ANSWERS, "not_in_time")
"""A remanded legislature's answer as stored per draw (an index into this; -1: the state was
not remanded, e.g. a competing return only)."""
"""A resume date that waits until every remanded legislature can answer (M3)."""

EASTERN: Final = timezone(timedelta(hours=-5))


@dataclass(frozen=True, slots=True)
class RemandOrder:
    """The presiding officer sends states back (P1, M1-M3).

    ``states`` None: the rules' ``remand_scope`` (``papers_2020`` or ``objected``; see
    :func:`scope_states`). ``resume``: a date, ``until_all_answer``, or None for the session
    date plus ``remand_days``.
    """

    states: tuple[str, ...] | None = None
    resume: date | str | None = None


@dataclass(frozen=True, slots=True)
class StateAnswer:
    """One remanded legislature's answer (M4-M6): ``answer`` is the one given (``no_action``
    if none) or ``not_in_time``; ``valid`` whether an act (:data:`ACTS`) is a valid state act,
    None for the other answers; ``governor_signed`` whether the governor signed it (or
    issued a certificate for the slate it appoints)."""

    state: str
    answer: str
    valid: bool | None
    governor_signed: bool

    @property
    def effective(self) -> str:
        """The answer the count reads: an invalid act is ``no_action`` (M6)."""
        return "no_action" if self.valid is False else self.answer


@dataclass(frozen=True, slots=True)
class Remand:
    """A remand as resolved for the count (M1-M6): ``answers`` is empty when it is unlawful
    (no legislature is asked; the count goes on on the session date)."""

    trigger: str
    lawful: bool
    states: tuple[str, ...]
    resume: date
    answers: tuple[StateAnswer, ...]

    def answer(self, state: str) -> StateAnswer | None:
        return next((a for a in self.answers if a.state == state), None)


# --- M1 who may remand -----------------------------------------------------------------


def remand_allowed(rules: Rules) -> bool:
    """Whether the count may be suspended and states sent back (M1): only when the
    presiding officer decides (vp-unilateral) or under ``remand_by_new_statute`` (L7)."""
    return rules.presiding_officer_decides or rules.remand_by_new_statute


def remand_trigger(rules: Rules) -> str:
    """Who sends the states back: ``vp`` (the presiding officer, lawful or not), or
    ``statute`` (an Act of Congress, ``remand_by_new_statute``)."""
    if rules.remand_by_new_statute and not rules.presiding_officer_decides:
        return "statute"
    return "vp"


# --- M2 scope --------------------------------------------------------------------------


def scope_states(scope: str, session: Session) -> tuple[str, ...]:
    """The states of a named scope (M2): ``papers_2020``, the states with a 14 December
    alternate paper in the session's remand facts; ``objected``, the session's ``objected``
    (the states whose objections went to separate-chamber votes)."""
    if scope == "papers_2020":
        papers = tuple(
            sorted(s for s, f in session.remand_facts.items() if f.alternate_paper != "none")
        )
        if not papers:
            raise CountlabError(
                f"remand scope papers_2020: session {session.date} has no state with a "
                "14 December alternate paper in its remand facts"
            )
        return papers
    if scope == "objected":
        if not session.objected:
            raise CountlabError(f"remand scope objected: no objection recorded for {session.date}")
        return session.objected
    raise CountlabError(f"remand scope {scope!r}: name the states (a comma list)")


def check_states(states: tuple[str, ...], session: Session) -> tuple[str, ...]:
    """Return ``states`` sorted, or raise: unknown codes, repeats, none, or DC (its
    electors are appointed as Congress directs: it has no legislature to answer)."""
    if not states:
        raise CountlabError("remand: names no state")
    for state in states:
        if state not in STATE_INDEX:
            raise CountlabError(f"remand {state!r}: unknown state code")
        if states.count(state) > 1:
            raise CountlabError(f"remand {state}: named twice")
        if state == "DC":
            raise CountlabError("remand DC: DC has no legislature to send its slate back to")
    return tuple(sorted(states))


# --- M3 timeline -----------------------------------------------------------------------


def session_day(session: Session) -> date:
    return date.fromisoformat(session.date)


def hard_deadline(session: Session) -> datetime:
    """Noon on 20 January of the session year, Eastern time (20th Am. §1; L8, M3)."""
    return datetime(session_day(session).year, 1, 20, 12, tzinfo=EASTERN)


def complete_before_deadline(resume: date, session: Session) -> bool:
    """Whether a count resumed on ``resume`` is complete before noon on 20 January (M3,
    M13). The lab finishes a resumed count, and any contingent election, on the day it
    resumes; one resumed on 20 January itself is too late, as the joint session meets at
    1 p.m. (old §15) and the terms end at noon."""
    return resume < hard_deadline(session).date()


def parse_resume(text: str) -> date | str:
    """``--resume``: an ISO date or ``until_all_answer``."""
    if text.strip() == UNTIL_ALL_ANSWER:
        return UNTIL_ALL_ANSWER
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise OptionError(
            "resume", repr(text), f"expected an ISO date (e.g. 2021-01-16) or {UNTIL_ALL_ANSWER}"
        ) from None


def resume_day(
    order: RemandOrder, rules: Rules, session: Session, ready: Mapping[str, date]
) -> date:
    """The resume date (M3): the session date for an unlawful remand (L7); else the
    order's date, the day every legislature can answer (``until_all_answer``, from
    ``ready``), or the session date plus ``remand_days``."""
    start = session_day(session)
    resume = order.resume
    if isinstance(resume, str):
        resume = parse_resume(resume)
    if isinstance(resume, date) and resume < start:
        raise CountlabError(f"resume {resume.isoformat()}: before the session date {session.date}")
    if not remand_allowed(rules):
        return start
    if resume is None:
        return start + timedelta(days=rules.remand_days)
    if isinstance(resume, date):
        return resume
    return max([start, *ready.values()])


# --- M4 can the legislature answer in time ----------------------------------------------


def convene_date(facts: RemandFacts, rules: Rules, *, remand: date) -> date:
    """The earliest day the legislature sits (M4): its regular session; the day after the
    remand if its majority can call itself in (self-call); the same if the governor calls a
    special session (``governor_calls_special``, where the governor may)."""
    days = [facts.regular_session]
    called = facts.state in rules.governor_calls_special and facts.governor_can_call
    if facts.self_call or called:
        days.append(remand + timedelta(days=1))
    return min(days)


def ready_date(facts: RemandFacts, rules: Rules, *, remand: date) -> date:
    """The first day the legislature can have answered: convened plus its procedural lag."""
    return convene_date(facts, rules, remand=remand) + timedelta(days=rules.lag_days(facts.state))


def can_answer(facts: RemandFacts, rules: Rules, *, remand: date, resume: date) -> bool:
    """``can_answer[s] = convene_date[s] + procedural_lag_days[s] <= resume_date`` (M4)."""
    return ready_date(facts, rules, remand=remand) <= resume


# --- M6 validity ------------------------------------------------------------------------


def act_is_valid(facts: RemandFacts, rules: Rules, *, governor_signs: bool) -> bool:
    """Whether a legislature's act is a valid state act (M6): as a ``resolution``, always;
    as a ``law_with_presentment``, if the governor signs or the majority is veto-proof; and
    never, with ``enforce_effective_dates``, where it takes effect too late (ST6)."""
    form_ok = rules.legislative_act_form == "resolution" or facts.veto_proof or governor_signs
    late = rules.enforce_effective_dates and facts.act_takes_effect_late
    return form_ok and not late


def p_valid_alternate(
    facts: RemandFacts,
    government: StateGovernment,
    rules: Rules,
    *,
    q_r: float,
    g_same: float,
    remand: date,
    resume: date,
) -> float:
    """M6b: the probability that state ``s`` answers with a valid alternate slate,
    ``can_answer * (q_R if L == R else 0) * form_ok * (0 if delayed else 1)``, with
    ``form_ok`` 1 for a resolution or a veto-proof majority, ``g_same`` when the governor
    is of the legislature's party, else 0."""
    if not can_answer(facts, rules, remand=remand, resume=resume):
        return 0.0
    control = government.legislature_control
    if control != "R":
        return 0.0
    if rules.legislative_act_form == "resolution" or facts.veto_proof:
        form_ok = 1.0
    else:
        form_ok = g_same if government.governor_party == control else 0.0
    late = rules.enforce_effective_dates and facts.act_takes_effect_late
    return 0.0 if late else q_r * form_ok


# --- the remand as a whole ---------------------------------------------------------------


def resolve_remand(
    session: Session,
    rules: Rules,
    order: RemandOrder,
    *,
    answers: Mapping[str, str],
    governor_signs: Collection[str],
) -> Remand:
    """Resolve a remand for the count (M1-M6): its states, lawfulness, resume date and each
    legislature's answer. Remanded states not in ``answers`` answer ``no_action``; a state
    that cannot have answered by the resume date answers ``not_in_time``, whatever is given.
    An unlawful remand asks no legislature: ``answers`` and ``governor_signs`` are checked
    and then ignored."""
    named = order.states if order.states is not None else scope_states(rules.remand_scope, session)
    states = check_states(named, session)
    for state, answer in answers.items():
        if state not in states:
            raise CountlabError(f"answers {state}: not remanded (remanded: {', '.join(states)})")
        if answer not in ANSWERS:
            derived = " (derived, M4)" if answer == NOT_IN_TIME else ""
            raise CountlabError(
                f"answers {state} = {answer!r}{derived}: expected one of {', '.join(ANSWERS)}"
            )
    for state in governor_signs:
        if state not in states:
            raise CountlabError(
                f"governor signs {state}: not remanded (remanded: {', '.join(states)})"
            )
    lawful = remand_allowed(rules)
    start = session_day(session)
    if not lawful:
        return Remand(
            remand_trigger(rules), False, states, resume_day(order, rules, session, {}), ()
        )
    missing = [s for s in states if s not in session.remand_facts]
    if missing:
        raise CountlabError(
            f"remand {missing[0]}: session {session.date} has no remand facts for it "
            "(convening dates, remand.md ST3)"
        )
    facts = {s: session.remand_facts[s] for s in states}
    ready = {s: ready_date(f, rules, remand=start) for s, f in facts.items()}
    resume = resume_day(order, rules, session, ready)
    resolved = []
    for state in states:
        given = answers.get(state, "no_action")
        answer = given if ready[state] <= resume else NOT_IN_TIME
        signed = state in governor_signs
        valid = act_is_valid(facts[state], rules, governor_signs=signed) if answer in ACTS else None
        resolved.append(StateAnswer(state, answer, valid, signed))
    return Remand(remand_trigger(rules), True, states, resume, tuple(resolved))
