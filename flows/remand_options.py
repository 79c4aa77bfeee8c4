"""Parsers of ``countlab tally``'s remand and competing-slates options (remand.md §5, M14):
``--remand``, ``--resume``, ``--answers``, ``--governor-signs``, ``--returns`` and
``--chamber-votes``. Each returns plain values the deterministic count takes; a mistake is
one line naming the option and the item. A repeated option adds to the earlier ones; a
state given twice (in one option or across repeats) is refused, never silently replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from models.errors import CountlabError
from models.states import STATE_INDEX

REMAND_SCOPES = ("papers_2020", "objected")
"""Named remand scopes (M2): the states with a 14 December paper; the states objected to."""

ANSWERS = ("appoint_alternate", "decertify_only", "reaffirm", "no_action")
"""What a legislature may answer (M5); ``not_in_time`` is derived (M4), never given."""

CHAMBER_CHOICES = ("original", "alternate", "neither")
"""How a House votes on a state with two returns (M8)."""

UNTIL_ALL_ANSWER = "until_all_answer"

RETURN_FORMS = {
    "alternate+legislature": (True, False),
    "alternate+legislature+executive": (True, True),
}
"""``--returns`` values: the alternate's annexes, ``(legislature, executive)`` (M7, L4)."""


@dataclass(frozen=True, slots=True)
class CompetingReturn:
    """A second return before the count: the alternate, backed by the legislature and, where
    ``executive``, by a new executive certificate (M7)."""

    legislature: bool
    executive: bool


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


def parse_resume(text: str | None) -> date | str | None:
    """``--resume``: an ISO date, or ``until_all_answer``."""
    if text is None:
        return None
    if text.strip() == UNTIL_ALL_ANSWER:
        return UNTIL_ALL_ANSWER
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CountlabError(
            f"--resume {text!r}: expected an ISO date (e.g. 2021-01-16) or {UNTIL_ALL_ANSWER}"
        ) from None


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


def parse_returns(texts: list[str]) -> dict[str, CompetingReturn]:
    """``--returns ST=alternate+legislature[+executive],...``: competing returns (M7)."""
    returns: dict[str, CompetingReturn] = {}
    for item in _items("--returns", texts):
        code, sep, form = item.partition("=")
        state = _state("--returns", item, code) if sep else ""
        if not sep or form.strip() not in RETURN_FORMS:
            raise CountlabError(
                f"--returns {item!r}: expected ST=alternate+legislature or "
                "ST=alternate+legislature+executive"
            )
        _once("--returns", item, state, returns)
        returns[state] = CompetingReturn(*RETURN_FORMS[form.strip()])
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
            if side.strip() not in CHAMBER_CHOICES:
                raise CountlabError(
                    f"--chamber-votes {item!r}: {side.strip()!r}: expected "
                    f"{', '.join(CHAMBER_CHOICES)}"
                )
        votes[state] = (house.strip(), senate.strip())
    return votes
