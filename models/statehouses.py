"""The state side of a session (remand.md §4): each state's government on the session date
(ST3's composition, ``state_governments.csv``) and, where sources give them, the facts a
remand turns on (ST3-ST6: session calendar, special-session routes, safe harbor, the
14 December papers, ``remand_facts.csv``). Pure data and the pure parsers of the two files
(:func:`parse_state_governments`, :func:`parse_remand_facts`); the file I/O is in
``flows/sessions.py``, beside the session's other files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from models.csv_rows import csv_rows
from models.errors import InputError
from models.states import STATE_CODES, STATE_INDEX

PARTIES: tuple[str, ...] = ("D", "R")
"""Party codes of a governor or a chamber's control; a chamber may also be ``split`` (a tie
or a coalition) or ``nonpartisan`` (Nebraska), and a governor ``I`` or another code."""

PAPERS: tuple[str, ...] = ("none", "unconditional", "conditional")
"""A state's 14 December alternate paper (remand.md P10, ST3)."""

CONTROLS: tuple[str, ...] = (*PARTIES, "split", "nonpartisan")
"""A chamber's control in ``state_governments.csv``: a party, ``split`` (a tie or a
bipartisan coalition) or ``nonpartisan`` (Nebraska; Minnesota until 1973)."""

GOVERNOR_PARTIES: tuple[str, ...] = (*PARTIES, "I")
"""A governor's party in ``state_governments.csv``: ``I`` is an independent or a minor party
(none on the four shipped dates)."""

UNICAMERAL: tuple[str, ...] = ("NE",)
"""States with one chamber: its control and seats are the ``senate_*`` columns."""

GOVERNMENT_COLUMNS: tuple[str, ...] = (
    "state",
    "governor_party",
    "senate_control",
    "senate_d",
    "senate_r",
    "senate_other",
    "house_control",
    "house_d",
    "house_r",
    "house_other",
)
"""The columns of ``state_governments.csv``, exactly (``*_other``: minor parties,
independents and vacancies)."""

REMAND_FACT_COLUMNS: tuple[str, ...] = (
    "state",
    "regular_session",
    "self_call",
    "governor_can_call",
    "veto_proof",
    "safe_harbor_met",
    "alternate_paper",
    "paper_late",
    "act_takes_effect_late",
)
"""The columns of ``remand_facts.csv``, exactly: the fields of :class:`RemandFacts`."""

MAX_SEATS = 1000
"""More seats than any chamber has (New Hampshire's House, the largest, has 400)."""


@dataclass(frozen=True, slots=True)
class StateGovernment:
    """One state's governor and legislature on the session date (remand.md ST3).

    Seats are None where the source gives no count. Nebraska: ``senate_*`` is the
    unicameral legislature, ``house_control`` is None.
    """

    state: str
    governor_party: str | None  # None: DC (no governor)
    senate_control: str | None  # D, R, split, nonpartisan; None: DC
    senate_seats: tuple[int, int, int] | None  # (D, R, other)
    house_control: str | None
    house_seats: tuple[int, int, int] | None

    @property
    def legislature_control(self) -> str | None:
        """``D`` or ``R`` when one party controls every chamber, else ``split``,
        ``nonpartisan`` or None (DC)."""
        chambers = [c for c in (self.senate_control, self.house_control) if c is not None]
        if not chambers:
            return None
        if len(set(chambers)) == 1:
            return chambers[0]
        return "split"


@dataclass(frozen=True, slots=True)
class RemandFacts:
    """What a remand turns on in one state, as sourced for the session (remand.md ST3-ST6).

    Only states the sources cover carry facts (2021: the seven states with a 14 December
    paper); a fact no source gives is a scenario input, never invented here.
    """

    state: str
    regular_session: date  # the legislature's regular session convenes (ST3)
    self_call: bool  # the majority alone meets the threshold to call a special session
    governor_can_call: bool  # the governor may call a special session (ST3)
    veto_proof: bool  # the majority holds a veto-proof supermajority (ST3)
    safe_harbor_met: bool  # 8 December 2020 (old 3 U.S.C. §5; ST3)
    alternate_paper: str  # one of PAPERS
    paper_late: bool  # the paper reached the President of the Senate late (E3)
    act_takes_effect_late: bool  # a special-session act takes effect too late (ST6, M6)


# --- parsing ---------------------------------------------------------------------------------


def _state(record: dict[str, str], seen: dict[str, int], *, source: str, row: int, dc: bool) -> str:
    state = record["state"]
    if state not in STATE_INDEX:
        raise InputError(source, "state", state, "unknown state code", row=row)
    if state in seen:
        raise InputError(
            source, "state", state, f"state listed twice (first on line {seen[state]})", row=row
        )
    if state == "DC" and not dc:
        raise InputError(source, "state", state, "DC has no legislature", row=row)
    seen[state] = row
    return state


def _code(
    record: dict[str, str], field: str, codes: tuple[str, ...], *, source: str, row: int
) -> str:
    value = record[field]
    if value not in codes:
        raise InputError(source, field, value, f"unknown code; expected one of {codes}", row=row)
    return value


def _seat_count(value: str, *, source: str, row: int, field: str) -> int:
    if not re.fullmatch(r"-?[0-9]+", value):
        raise InputError(source, field, value, "expected a whole number of seats", row=row)
    if value.startswith("-"):
        raise InputError(source, field, value, "expected a non-negative number", row=row)
    if len(value.lstrip("0")) > len(str(MAX_SEATS)) or int(value) > MAX_SEATS:
        raise InputError(source, field, value, f"expected at most {MAX_SEATS} seats", row=row)
    return int(value)


def _chamber(
    record: dict[str, str], chamber: str, *, source: str, row: int
) -> tuple[str, tuple[int, int, int] | None]:
    """A chamber's control and seats; D or R control must hold a strict majority of the
    seats given (``split`` and ``nonpartisan`` are not checked against them)."""
    control = _code(record, f"{chamber}_control", CONTROLS, source=source, row=row)
    fields = [f"{chamber}_{side}" for side in ("d", "r", "other")]
    given = [f for f in fields if record[f]]
    if not given:
        return control, None
    if len(given) < len(fields):
        blank = next(f for f in fields if not record[f])
        raise InputError(
            source,
            blank,
            "",
            f"give all of {', '.join(fields)} or none (the seats are not known)",
            row=row,
        )
    d, r, other = (_seat_count(record[f], source=source, row=row, field=f) for f in fields)
    total = d + r + other
    if total == 0:
        raise InputError(source, fields[0], record[fields[0]], "the chamber has no seats", row=row)
    if control in PARTIES:
        held = d if control == "D" else r
        if 2 * held <= total:
            raise InputError(
                source,
                f"{chamber}_control",
                control,
                f"{control} must hold a strict majority of the seats given "
                f"({held} of {total}: D {d}, R {r}, other {other})",
                row=row,
            )
    return control, (d, r, other)


def parse_state_governments(text: str, *, source: str) -> dict[str, StateGovernment]:
    """Parse ``state_governments.csv`` (columns :data:`GOVERNMENT_COLUMNS`), one row per
    state and DC, every one present; returned in ``STATE_CODES`` order.

    * ``governor_party``: one of :data:`GOVERNOR_PARTIES`; each chamber's control one of
      :data:`CONTROLS`; all required for every state.
    * Seats: a chamber's three counts are all given or all blank (not known); whole,
      non-negative, not all zero. A chamber controlled by D or R must hold a strict majority
      of its seats (``*_other`` counts, vacancies included); ``split`` and ``nonpartisan``
      are not checked against the counts.
    * Nebraska (:data:`UNICAMERAL`): the ``senate_*`` columns are its one chamber and the
      ``house_*`` columns are empty. DC: every column but ``state`` is empty.

    Every error is an :class:`InputError` naming ``source``, the line, the field and the value.
    """
    seen: dict[str, int] = {}
    parsed: dict[str, StateGovernment] = {}
    for row, record in csv_rows(text, source=source, columns=GOVERNMENT_COLUMNS):
        state = _state(record, seen, source=source, row=row, dc=True)
        empty = GOVERNMENT_COLUMNS[1:] if state == "DC" else ()
        if state in UNICAMERAL:
            empty = tuple(c for c in GOVERNMENT_COLUMNS if c.startswith("house_"))
        for column in empty:
            if record[column]:
                why = (
                    "DC has no governor or legislature: leave it empty"
                    if state == "DC"
                    else f"{state}'s legislature has one chamber (the senate columns): "
                    "leave it empty"
                )
                raise InputError(source, column, record[column], why, row=row)
        if state == "DC":
            parsed[state] = StateGovernment(state, None, None, None, None, None)
            continue
        governor = _code(record, "governor_party", GOVERNOR_PARTIES, source=source, row=row)
        senate_control, senate_seats = _chamber(record, "senate", source=source, row=row)
        house_control: str | None = None
        house_seats: tuple[int, int, int] | None = None
        if state not in UNICAMERAL:
            house_control, house_seats = _chamber(record, "house", source=source, row=row)
        parsed[state] = StateGovernment(
            state, governor, senate_control, senate_seats, house_control, house_seats
        )
    absent = [s for s in STATE_CODES if s not in parsed]
    if absent:
        raise InputError(source, "state", ",".join(absent), "states missing from the file")
    return {s: parsed[s] for s in STATE_CODES}


BOOLEANS: dict[str, bool] = {"true": True, "false": False}


def _boolean(record: dict[str, str], field: str, *, source: str, row: int) -> bool:
    value = record[field]
    if value not in BOOLEANS:
        raise InputError(source, field, value, "expected true or false", row=row)
    return BOOLEANS[value]


def _iso_date(record: dict[str, str], field: str, *, source: str, row: int) -> date:
    value = record[field]
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(source, field, value, "expected a date, YYYY-MM-DD", row=row) from None


def parse_remand_facts(text: str, *, source: str) -> dict[str, RemandFacts]:
    """Parse ``remand_facts.csv`` (columns :data:`REMAND_FACT_COLUMNS`): the states the
    sources cover, each once (not DC); returned in ``STATE_CODES`` order.

    ``regular_session`` is an ISO date; the four flags, ``paper_late`` and
    ``act_takes_effect_late`` are ``true`` or ``false``; ``alternate_paper`` is one of :data:`PAPERS`, and a paper can be late only if
    there is one. Every error is an :class:`InputError` naming ``source``, the line, the
    field and the value.
    """
    seen: dict[str, int] = {}
    parsed: dict[str, RemandFacts] = {}
    for row, record in csv_rows(text, source=source, columns=REMAND_FACT_COLUMNS):
        state = _state(record, seen, source=source, row=row, dc=False)
        flags = {
            field: _boolean(record, field, source=source, row=row)
            for field in ("self_call", "governor_can_call", "veto_proof", "safe_harbor_met")
        }
        regular_session = _iso_date(record, "regular_session", source=source, row=row)
        paper = _code(record, "alternate_paper", PAPERS, source=source, row=row)
        late = _boolean(record, "paper_late", source=source, row=row)
        if late and paper == "none":
            raise InputError(
                source, "paper_late", record["paper_late"], "no alternate paper to be late", row=row
            )
        parsed[state] = RemandFacts(
            state=state,
            regular_session=regular_session,
            self_call=flags["self_call"],
            governor_can_call=flags["governor_can_call"],
            veto_proof=flags["veto_proof"],
            safe_harbor_met=flags["safe_harbor_met"],
            alternate_paper=paper,
            paper_late=late,
            act_takes_effect_late=_boolean(record, "act_takes_effect_late", source=source, row=row),
        )
    return {s: parsed[s] for s in STATE_CODES if s in parsed}
