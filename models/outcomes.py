"""Outcome labels: how the President is chosen, and by whom (``electors:<candidate>``,
``house:<candidate>``, ``no_choice``).

The one Python home of the labels; the warehouse's ``outcome_labels`` view
(``warehouse/sql/100_views.sql``) spells the same labels in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from models.errors import CountlabError

OUTCOMES: Final[tuple[str, ...]] = ("electors", "house", "no_choice")
"""How the President is chosen: outright by the electors, by the House, or not at all. The
stored outcome codes index into it."""

NO_CHOICE: Final = "no_choice"
"""The outcome with no candidate: neither the electors nor the House chose a President."""


def outcome_label(kind: str, candidate: str | None) -> str:
    """Return the label of an outcome: ``kind:candidate``, or ``no_choice``."""
    if kind not in OUTCOMES:
        raise CountlabError(f"outcome {kind!r}: expected one of {', '.join(OUTCOMES)}")
    if kind == NO_CHOICE:
        return NO_CHOICE
    if not candidate:
        raise CountlabError(f"outcome {kind!r}: names no candidate")
    return f"{kind}:{candidate}"


def code_label(outcome: int, president: int, candidates: Sequence[str]) -> str:
    """Return the label of an outcome code (an index into :data:`OUTCOMES`) and the index
    of the President chosen in ``candidates`` (ignored for ``no_choice``)."""
    kind = OUTCOMES[outcome]
    return outcome_label(kind, None if kind == NO_CHOICE else candidates[president])


def parse_label(label: str) -> tuple[str, str | None]:
    """Return ``(kind, candidate)`` of a label (candidate None for ``no_choice``)."""
    kind, sep, candidate = label.partition(":")
    if (kind == NO_CHOICE and not sep) or (kind in OUTCOMES and kind != NO_CHOICE and candidate):
        return kind, candidate or None
    raise CountlabError(
        f"outcome label {label!r}: expected electors:<candidate>, house:<candidate> or no_choice"
    )


def outcome_kind(label: str) -> str:
    """Return how a label's President is chosen: ``electors``, ``house`` or ``no_choice``."""
    return parse_label(label)[0]


def in_words(label: str) -> str:
    """An outcome label as a reader says it: ``house:trump`` -> 'the House elects trump'."""
    outcome, candidate = parse_label(label)
    if outcome == "electors":
        return f"{candidate} wins a majority of the electors"
    if outcome == "house":
        return f"the House elects {candidate}"
    return "no President is chosen"
