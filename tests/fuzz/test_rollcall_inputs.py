"""Malformed roll-call files (``recorded_votes.csv`` or a user's): each is one InputError line
naming the file and, for a row, its line; never another exception, never a dropped row.

No command reads roll calls yet, so the cases call ``flows.rollcalls.read_roll_calls``
directly (the CLI cases are in test_malformed_inputs.py). Generated from a fixed seed.
"""

from __future__ import annotations

import random

import pytest

from flows.rollcalls import ROLL_CALL_COLUMNS, read_roll_calls
from models.errors import InputError
from tests.strategies import shipped, shipped_text

DATE = "2021-01-06"
TEXT = shipped_text(DATE, "recorded_votes.csv")
LINES = TEXT.splitlines()

BAD_VALUES = {
    "objection_state": ("XX", "", "az", "A Z", "PR", "0"),
    "chamber": ("", "House", "senat", "joint", "1"),
    "bioguide_id": ("", "Z999999", "y000033", "V000129", "S000168", "Y000033 x"),
    "vote": ("", "aye", "Yea", "present", "announced_yea", "1", "nay,"),
}
"""Values no row may hold (V000129, S000168: not sworn on 6 January 2021)."""


def _edit(row: int, column: str, value: str) -> str:
    lines = list(LINES)
    cells = lines[row].split(",")
    cells[ROLL_CALL_COLUMNS.index(column)] = value
    lines[row] = ",".join(cells)
    return "\n".join(lines) + "\n"


def cases() -> list[tuple[str, str, int | None]]:
    """``(id, text, line named or None)``."""
    rng = random.Random(14)
    out: list[tuple[str, str, int | None]] = []
    for column, values in BAD_VALUES.items():
        for value in values:
            for row in (1, rng.randrange(2, len(LINES))):
                out.append((f"{column}={value!r}@{row}", _edit(row, column, value), row + 1))  # noqa: PERF401
    row_of = {tuple(r.split(",")[:3]): i for i, r in enumerate(LINES)}
    chamber_of = {r.split(",")[2]: r.split(",")[1] for r in LINES[1:]}
    for _ in range(40):  # another member's id: a wrong chamber, or a vote twice
        row, other = rng.randrange(1, len(LINES)), rng.randrange(1, len(LINES))
        state, chamber, bioguide = LINES[row].split(",")[:2] + LINES[other].split(",")[2:3]
        if LINES[row].split(",")[2] == bioguide:
            continue
        twin = row_of.get((state, chamber, bioguide))
        line = row + 1 if chamber_of[bioguide] != chamber or twin is None else max(row, twin) + 1
        out.append((f"member-{row}-{other}", _edit(row, "bioguide_id", bioguide), line))
    for row in (1, 500, len(LINES) - 1):
        out.append((f"short@{row}", TEXT.replace(LINES[row], LINES[row][:12], 1), row + 1))
        out.append((f"long@{row}", TEXT.replace(LINES[row], LINES[row] + ",x", 1), row + 1))
        out.append((f"duplicate@{row}", TEXT + LINES[row] + "\n", len(LINES) + 1))
    for column in ROLL_CALL_COLUMNS:
        i = ROLL_CALL_COLUMNS.index(column)
        dropped = "\n".join(",".join(c.split(",")[:i] + c.split(",")[i + 1 :]) for c in LINES)
        out.append((f"no-{column}", dropped + "\n", 1))
    out += [
        ("empty", "", None),
        ("blank-lines", "\n\n\n", None),
        ("header-only", LINES[0] + "\n", 1),
        ("unknown-column", TEXT.replace("vote\n", "vote,rollcall\n", 1), 1),
        ("quote", TEXT.replace(LINES[3], LINES[3] + '"', 1), 4),
        ("open-quote", TEXT.replace(LINES[3], '"' + LINES[3], 1), None),
        ("nul", TEXT.replace(LINES[3], "AZ,house,\x00,yea", 1), 4),
    ]
    return out


CASES = cases()


def test_many_cases():
    assert len(CASES) >= 100


@pytest.mark.parametrize(("text", "line"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_roll_calls_are_one_line_naming_the_file(text, line):
    with pytest.raises(InputError) as info:
        read_roll_calls(text, source="rc.csv", session=shipped(DATE))
    message = str(info.value)
    assert len(message.splitlines()) == 1, message
    assert message.startswith("rc.csv"), message
    if line is not None:
        assert info.value.row == line, message
