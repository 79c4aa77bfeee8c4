"""Parsers of ``countlab tally``'s remand and competing-slates options (remand.md §5, M14):
``--remand``, ``--answers``, ``--governor-signs``, ``--returns`` and
``--chamber-votes``. Each returns plain values the deterministic count takes; a mistake is
one line naming the option and the item. (``--resume`` is
:func:`models.remand.parse_resume`.) A repeated option adds to the earlier ones; a
state given twice (in one option or across repeats) is refused, never silently replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from models.errors import CountlabError
from models.remand import ANSWERS, RemandOrder, parse_resume, scope_states
from models.session import Session
from models.slates import CHAMBER_VOTES
from models.states import STATE_INDEX
from models.switches import REMAND_SCOPES

RETURN_FORMS = {
    "alternate+legislature": (True, False),
    "alternate+legislature+executive": (True, True),
}
"""``--returns`` values: the alternate's annexes, ``(legislature, executive)`` (M7, L4)."""


def _items(option: str, texts: Iterable[str]) -> list[str]:
    """The comma-separated items of every repeat of ``option``, none empty."""
    items = []
    for text in texts:
        for raw in text.split(","):
            item = raw.strip()
            if not item:
                raise CountlabError(f"{option} {text!r}: empty item")
            items.append(item)
    return items


def _state(option: str, item: str, code: str) -> str:
    state = code.strip().upper()
    if state not in STATE_INDEX:
        raise CountlabError(f"{option} {item!r}: unknown state code {code.strip()!r}")
    return state


def _once(option: str, item: str, state: str, seen: Mapping[str, object]) -> None:
    if state in seen:
        raise CountlabError(f"{option} {item!r}: state {state} given twice")


def parse_remand(texts: list[str]) -> str | tuple[str, ...] | None:
    """``--remand``: a scope name (``papers_2020``, ``objected``) or a list of states."""
    items = _items("--remand", texts)
    if not items:
        return None
    named = [i for i in items if i.lower() in REMAND_SCOPES]
    if named:
        if len(items) != 1:
            raise CountlabError(
                f"--remand {','.join(items)!r}: {named[0]!r} is a scope of its own; "
                "give it alone or list the states"
            )
        return named[0].lower()
    states: dict[str, object] = {}
    for item in items:
        state = _state("--remand", item, item)
        _once("--remand", item, state, states)
        states[state] = True
    return tuple(states)


def parse_answers(texts: list[str]) -> dict[str, str]:
    """``--answers ST=ANSWER,...``: each state's legislature answer (M5)."""
    answers: dict[str, str] = {}
    for item in _items("--answers", texts):
        code, sep, answer = item.partition("=")
        if not sep or not answer.strip():
            raise CountlabError(f"--answers {item!r}: expected ST=ANSWER, e.g. AZ=reaffirm")
        state = _state("--answers", item, code)
        _once("--answers", item, state, answers)
        if answer.strip() not in ANSWERS:
            hint = " (derived from the calendar, not given)" if answer == "not_in_time" else ""
            raise CountlabError(
                f"--answers {item!r}: answer {answer.strip()!r}{hint}: expected "
                f"{', '.join(ANSWERS)}"
            )
        answers[state] = answer.strip()
    return answers


def parse_states(option: str, texts: list[str]) -> frozenset[str]:
    """A list of states (``--governor-signs``), each given once."""
    states: dict[str, object] = {}
    for item in _items(option, texts):
        state = _state(option, item, item)
        _once(option, item, state, states)
        states[state] = True
    return frozenset(states)


def parse_returns(texts: list[str]) -> dict[str, tuple[bool, bool]]:
    """``--returns ST=alternate+legislature[+executive],...``: competing returns (M7)."""
    returns: dict[str, tuple[bool, bool]] = {}
    for item in _items("--returns", texts):
        code, sep, form = item.partition("=")
        state = _state("--returns", item, code) if sep else ""
        if not sep or form.strip() not in RETURN_FORMS:
            raise CountlabError(
                f"--returns {item!r}: expected ST=alternate+legislature or "
                "ST=alternate+legislature+executive"
            )
        _once("--returns", item, state, returns)
        returns[state] = RETURN_FORMS[form.strip()]
    return returns


def parse_chamber_votes(texts: list[str]) -> dict[str, tuple[str, str]]:
    """``--chamber-votes ST=HOUSE:SENATE,...``: each House's vote on a two-return state,
    ``original``, ``alternate`` or ``neither`` (M8)."""
    votes: dict[str, tuple[str, str]] = {}
    for item in _items("--chamber-votes", texts):
        code, sep, sides = item.partition("=")
        house, colon, senate = sides.partition(":")
        if not sep or not colon:
            raise CountlabError(
                f"--chamber-votes {item!r}: expected ST=HOUSE:SENATE, e.g. WI=alternate:original"
            )
        state = _state("--chamber-votes", item, code)
        _once("--chamber-votes", item, state, votes)
        for side in (house, senate):
            if side.strip() not in CHAMBER_VOTES:
                raise CountlabError(
                    f"--chamber-votes {item!r}: {side.strip()!r}: expected "
                    f"{', '.join(CHAMBER_VOTES)}"
                )
        votes[state] = (house.strip(), senate.strip())
    return votes


def remand_inputs(
    session: Session,
    remand: list[str],
    resume: str | None,
    answers: list[str],
    governor_signs: list[str],
    returns: list[str],
    chamber_votes: list[str],
) -> dict[str, Any]:
    """``count_session``'s remand keywords from ``countlab tally``'s options (none given:
    no keywords, today's count)."""
    order = parse_remand(remand)
    if order is None:
        for option, given in (
            ("--resume", resume),
            ("--answers", answers),
            ("--governor-signs", governor_signs),
        ):
            if given:
                raise CountlabError(f"{option} is for a remand: give --remand STATES too")
    keywords: dict[str, Any] = {}
    if order is not None:
        states = scope_states(order, session) if isinstance(order, str) else order
        keywords["remand"] = RemandOrder(
            states=states, resume=None if resume is None else parse_resume(resume)
        )
        keywords["answers"] = parse_answers(answers)
        keywords["governor_signs"] = parse_states("--governor-signs", governor_signs)
    if returns:
        keywords["returns"] = parse_returns(returns)
    if chamber_votes:
        keywords["chamber_votes"] = parse_chamber_votes(chamber_votes)
    return keywords
