"""The state side of a session (remand.md §4): each state's government (ST3's composition)
and the 2021 remand facts (ST3, E3, M4); loading validates both files like the others."""

from __future__ import annotations

import datetime
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from flows.sessions import STATE_FILES, load_session
from models.errors import CountlabError, InputError
from models.remand import scope_states
from models.statehouses import (
    GOVERNMENT_COLUMNS,
    REMAND_FACT_COLUMNS,
    RemandFacts,
    StateGovernment,
    parse_remand_facts,
    parse_state_governments,
)
from models.states import STATE_CODES
from tests.models.test_loading import assert_names, line_of
from tests.strategies import SHIPPED, shipped, shipped_text

BASE = "2021-01-06"
GOV = "state_governments.csv"
FACTS = "remand_facts.csv"
SEVEN = ("AZ", "GA", "MI", "NM", "NV", "PA", "WI")


@pytest.fixture
def user_dir(tmp_path):
    """Copy the shipped 2021 session (every file) to a directory, optionally editing one
    file (``edit`` None deletes it), and return the directory."""

    def write(name: str | None = None, edit=lambda t: t) -> Path:
        folder = resources.files("models") / "data" / "sessions" / BASE
        for item in folder.iterdir():
            text = item.read_text(encoding="utf-8")
            target = tmp_path / item.name
            if item.name == name:
                if edit is None:
                    target.unlink(missing_ok=True)
                    continue
                text = edit(text)
            target.write_text(text, encoding="utf-8")
        return tmp_path

    return write


def load_error(folder: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_session(str(folder))
    return info.value


def replace_once(old: str, new: str):
    def edit(text: str) -> str:
        assert text.count(old) == 1, old
        return text.replace(old, new)

    return edit


# --- shipped sessions: governments (ST3 composition) ----------------------------------------


@pytest.mark.parametrize("date", SHIPPED)
def test_st3_every_shipped_session_has_its_51_governments(date):
    governments = shipped(date).governments
    assert tuple(governments) == STATE_CODES
    assert governments["DC"] == StateGovernment("DC", None, None, None, None, None)
    ne = governments["NE"]
    assert (ne.senate_control, ne.house_control, ne.house_seats) == ("nonpartisan", None, None)
    assert ne.legislature_control == "nonpartisan"
    for state, gov in governments.items():
        if state != "DC":
            assert gov.governor_party in ("D", "R")
            assert gov.senate_control is not None


@pytest.mark.parametrize(
    ("date", "governors", "legislatures"),
    [  # data/state_governments.md §3-§5 (the script checks the same totals)
        ("2021-01-06", {"R": 27, "D": 23}, {"R": 29, "D": 18, "split": 2, "nonpartisan": 1}),
        ("2025-01-06", {"R": 27, "D": 23}, {"R": 27, "D": 18, "split": 4, "nonpartisan": 1}),
        ("2005-01-06", {"R": 26, "D": 24}, {"R": 20, "D": 19, "split": 10, "nonpartisan": 1}),
        ("1969-01-06", {"R": 26, "D": 24}, {"R": 20, "D": 20, "split": 8, "nonpartisan": 2}),
    ],
)
def test_st3_governors_and_legislatures_by_party(date, governors, legislatures):
    governments = [g for g in shipped(date).governments.values() if g.state != "DC"]
    assert {p: sum(g.governor_party == p for g in governments) for p in governors} == governors
    counted = {c: sum(g.legislature_control == c for g in governments) for c in legislatures}
    assert counted == legislatures


def test_st3_alaska_coalition_is_split_and_2025_seats_are_not_known():
    assert shipped(BASE).governments["AK"].house_control == "split"
    assert shipped(BASE).governments["AK"].legislature_control == "split"
    ak_2025 = shipped("2025-01-06").governments["AK"]
    assert (ak_2025.senate_control, ak_2025.house_control) == ("split", "split")
    for gov in shipped("2025-01-06").governments.values():
        assert gov.senate_seats is None
        assert gov.house_seats is None


@pytest.mark.parametrize(
    ("state", "governor", "legislature", "senate", "house"),
    [  # control and governors: ST3's table; seats: state_governments.csv (D, R, other)
        ("AZ", "R", "R", (14, 16, 0), (29, 31, 0)),
        ("GA", "R", "R", (22, 34, 0), (76, 103, 1)),
        ("MI", "D", "R", (16, 22, 0), (52, 58, 0)),
        ("NV", "D", "D", (12, 9, 0), (26, 16, 0)),
        ("NM", "D", "D", (27, 15, 0), (45, 24, 1)),
        ("PA", "D", "R", (21, 28, 1), (90, 112, 1)),
        ("WI", "D", "R", (12, 20, 1), (38, 60, 1)),
    ],
)
def test_st3_2021_governments_of_the_seven(state, governor, legislature, senate, house):
    gov = shipped(BASE).governments[state]
    assert gov == StateGovernment(state, governor, legislature, senate, legislature, house)
    assert gov.legislature_control == legislature


# --- shipped sessions: the 2021 remand facts (ST3, E3) --------------------------------------


def facts(regular, self_call, safe_harbor, paper, late, effect_late=False):
    return regular, self_call, True, False, safe_harbor, paper, late, effect_late


ST3_TABLE = {  # remand.md §4 ST3; paper_late from ST3 and E3 (unestablished = false)
    "AZ": facts("2021-01-11", False, True, "unconditional", False, True),  # ST6
    "GA": facts("2021-01-11", False, True, "unconditional", False),
    "MI": facts("2021-01-13", False, True, "unconditional", True),
    "NM": facts("2021-01-19", False, True, "conditional", False),  # self-call: scenario input
    "NV": facts("2021-02-01", False, True, "unconditional", False),
    "PA": facts("2021-01-05", False, True, "conditional", False),  # the governor calls
    "WI": facts("2021-01-04", True, False, "unconditional", True),
}


def test_st3_2021_remand_facts_equal_the_table():
    got = shipped(BASE).remand_facts
    assert tuple(got) == SEVEN
    for state, (regular, *rest) in ST3_TABLE.items():
        expected = RemandFacts(state, datetime.date.fromisoformat(regular), *rest)
        assert got[state] == expected


def test_st3_p10_the_seven_have_papers_and_only_2021_has_remand_facts():
    assert all(f.alternate_paper != "none" for f in shipped(BASE).remand_facts.values())
    for date in SHIPPED:
        if date != BASE:
            assert shipped(date).remand_facts == {}


def test_m4_2021_default_convene_dates_follow_from_regular_session():
    """M4: the earliest of the regular session, a self-call from the day after the remand,
    and a governor's call (default none): WI 4 Jan, PA 5 Jan, AZ 11, GA 11, MI 13, NM 19
    Jan, NV 1 Feb."""
    session = shipped(BASE)
    day_after = datetime.date.fromisoformat(session.date) + datetime.timedelta(days=1)
    convene = {
        s: min(f.regular_session, day_after) if f.self_call else f.regular_session
        for s, f in session.remand_facts.items()
    }
    jan = {"WI": 4, "PA": 5, "AZ": 11, "GA": 11, "MI": 13, "NM": 19}
    expected = {s: datetime.date(2021, 1, d) for s, d in jan.items()} | {
        "NV": datetime.date(2021, 2, 1)
    }
    assert convene == expected


def test_st3_provenance_of_the_state_files_is_in_session_toml():
    for date in SHIPPED:
        provenance = tomllib.loads(shipped_text(date, "session.toml"))["provenance"]
        assert provenance[GOV]["dropped"] == ["date", "notes", "source"]
        assert (FACTS in provenance) == (date == BASE)
    facts_toml = tomllib.loads(shipped_text(BASE, "session.toml"))["provenance"][FACTS]
    text = facts_toml["source"] + " ".join(facts_toml["notes"])
    for key in ("ST3", "S58", "S59", "S60", "S61", "S62", "E3", "E6", "scenario input"):
        assert key in text


# --- user session directories ---------------------------------------------------------------


def test_user_directory_without_the_state_files_has_no_state_side(user_dir):
    folder = user_dir(GOV, None)
    (folder / FACTS).unlink()
    session = load_session(str(folder))
    assert (session.governments, session.remand_facts) == ({}, {})
    assert session.candidate_keys == shipped(BASE).candidate_keys


def test_user_directory_with_the_state_files_loads_them(user_dir):
    session = load_session(str(user_dir()))
    assert session.governments == shipped(BASE).governments
    assert session.remand_facts == shipped(BASE).remand_facts
    only_governments = load_session(str(user_dir(FACTS, None)))
    assert only_governments.remand_facts == {}
    assert len(only_governments.governments) == 51


@pytest.mark.parametrize("name", STATE_FILES)
def test_state_file_present_but_not_utf8_or_not_a_file(user_dir, name):
    folder = user_dir()
    (folder / name).write_bytes(b"\xff\xfe not text")
    with pytest.raises(CountlabError, match=f"^{re.escape(str(folder))}/{name}: not UTF-8 text"):
        load_session(str(folder))
    (folder / name).unlink()
    (folder / name).mkdir()
    with pytest.raises(CountlabError, match=f"^{re.escape(str(folder))}/{name}: not a file$"):
        load_session(str(folder))


AZ = "AZ,R,R,14,16,0,R,29,31,0"
NE = "NE,R,nonpartisan,,,,,,,"
DC = "DC,,,,,,,,,"


@pytest.mark.parametrize(
    ("old", "new", "field", "value", "expected"),
    [
        (AZ, "XX,R,R,14,16,0,R,29,31,0", "state", "XX", "unknown state code"),
        (AZ, "az,R,R,14,16,0,R,29,31,0", "state", "az", "unknown state code"),
        (AZ, "AZ,X,R,14,16,0,R,29,31,0", "governor_party", "X", "unknown code"),
        (AZ, "AZ,,R,14,16,0,R,29,31,0", "governor_party", "", "unknown code"),
        (AZ, "AZ,R,r,14,16,0,R,29,31,0", "senate_control", "r", "unknown code"),
        (AZ, "AZ,R,R,14,16,0,coalition,29,31,0", "house_control", "coalition", "unknown code"),
        (AZ, "AZ,R,R,14,16,0,,29,31,0", "house_control", "", "unknown code"),
        (AZ, "AZ,R,R,-14,16,0,R,29,31,0", "senate_d", "-14", "expected a non-negative number"),
        (AZ, "AZ,R,R,14,16.0,0,R,29,31,0", "senate_r", "16.0", "expected a whole number"),
        (AZ, "AZ,R,R,14,16,0,R,29,31,x", "house_other", "x", "expected a whole number"),
        (AZ, "AZ,R,R,14,16,0,R,29,31,1e9", "house_other", "1e9", "expected a whole number"),
        (AZ, "AZ,R,R,14,16,0,R,29,3100,0", "house_r", "3100", "expected at most 1000 seats"),
        (AZ, "AZ,R,R,14,16,,R,29,31,0", "senate_other", "", "give all of senate_d"),
        (AZ, "AZ,R,R,0,0,0,R,29,31,0", "senate_d", "0", "the chamber has no seats"),
        (AZ, "AZ,R,R,16,14,0,R,29,31,0", "senate_control", "R", "R must hold a strict majority"),
        (AZ, "AZ,R,D,15,15,0,R,29,31,0", "senate_control", "D", "(15 of 30: D 15, R 15"),
        (AZ, "AZ,R,R,14,16,0,R,29,31,3", "house_control", "R", "(31 of 63"),
        (NE, "NE,R,nonpartisan,,,,R,,,", "house_control", "R", "one chamber"),
        (NE, "NE,R,nonpartisan,,,,,,,1", "house_other", "1", "one chamber"),
        (DC, "DC,D,,,,,,,,", "governor_party", "D", "DC has no governor or legislature"),
        (DC, "DC,,,,1,,,,,", "senate_r", "1", "DC has no governor or legislature"),
    ],
)
def test_st3_state_governments_row_errors(user_dir, old, new, field, value, expected):
    text = shipped_text(BASE, GOV)
    folder = user_dir(GOV, replace_once(old, new))
    error = load_error(folder)
    assert_names(error, source=f"{folder}/{GOV}", line=line_of(text, old), field=field, value=value)
    assert expected in str(error)
    assert "\n" not in str(error)


def test_st3_state_governments_split_need_not_match_the_seats(user_dir):
    """``split`` (a tie or coalition) is not checked against the seats: AK's 2021 House
    coalition governs with 21 R of 40 seats."""
    folder = user_dir(GOV, replace_once(AZ, "AZ,R,split,14,16,0,nonpartisan,29,31,0"))
    assert load_session(str(folder)).governments["AZ"].legislature_control == "split"


def test_st3_state_governments_repeated_and_missing_states(user_dir):
    text = shipped_text(BASE, GOV)
    al = next(line for line in text.splitlines() if line.startswith("AL,"))
    folder = user_dir(GOV, replace_once(al, AZ))
    error = load_error(folder)
    line = line_of(text, AZ)  # AL's line (3) now holds AZ, whose own line (5) repeats it
    assert_names(error, source=f"{folder}/{GOV}", line=line, field="state", value="AZ")
    assert f"state listed twice (first on line {line_of(text, al)})" in str(error)

    def drop(*states: str):
        return lambda t: "".join(
            ln for ln in t.splitlines(keepends=True) if ln.split(",")[0] not in states
        )

    for states, value in ((("AZ",), "AZ"), (("DC", "WY"), "DC,WY")):
        folder = user_dir(GOV, drop(*states))
        error = load_error(folder)
        assert_names(error, source=f"{folder}/{GOV}", line=None, field="state", value=value)
        assert "states missing from the file" in str(error)


@pytest.mark.parametrize(
    ("edit", "field", "line", "value", "expected"),
    [
        (lambda t: t.replace(",house_other\n", "\n", 1), "house_other", 1, None, "missing column"),
        (
            lambda t: t.replace("house_other\n", "house_other,notes\n", 1),
            "notes",
            1,
            None,
            "unknown",
        ),
        (lambda t: t.replace("state,", "state,state,", 1), "state", 1, None, "column listed twice"),
        (lambda t: "", "state", 1, None, "missing column"),
        (replace_once(AZ, "AZ,R,R,14,16,0,R,29"), "house_r", "AZ", None, "row too short"),
        (replace_once(AZ, AZ + ",x"), "column 11", "AZ", "x", "extra value"),
    ],
)
def test_st3_state_governments_columns_and_row_shape(user_dir, edit, field, line, value, expected):
    text = shipped_text(BASE, GOV)
    folder = user_dir(GOV, edit)
    error = load_error(folder)
    row = line if isinstance(line, int) else line_of(text, line + ",")
    assert_names(error, source=f"{folder}/{GOV}", line=row, field=field, value=value)
    assert expected in str(error)


WI = "WI,2021-01-04,true,true,false,false,unconditional,true,false"


@pytest.mark.parametrize(
    ("new", "field", "value", "expected"),
    [
        ("XX,2021-01-04,true,true,false,false,unconditional,true,false", "state", "XX", "unknown"),
        ("DC,2021-01-04,true,true,false,false,unconditional,true,false", "state", "DC", "no legislature"),
        ("WI,2021-02-30,true,true,false,false,unconditional,true,false", "regular_session", "2021-02-30", "YYYY-MM-DD"),
        ("WI,20210104,true,true,false,false,unconditional,true,false", "regular_session", "20210104", "YYYY-MM-DD"),
        ("WI,4 Jan 2021,true,true,false,false,unconditional,true,false", "regular_session", "4 Jan 2021", "YYYY-MM-DD"),
        ("WI,,true,true,false,false,unconditional,true,false", "regular_session", "", "YYYY-MM-DD"),
        ("WI,2021-01-04,yes,true,false,false,unconditional,true,false", "self_call", "yes", "true or false"),
        ("WI,2021-01-04,true,True,false,false,unconditional,true,false", "governor_can_call", "True", "true or false"),
        ("WI,2021-01-04,true,true,0,false,unconditional,true,false", "veto_proof", "0", "true or false"),
        ("WI,2021-01-04,true,true,false,,unconditional,true,false", "safe_harbor_met", "", "true or false"),
        ("WI,2021-01-04,true,true,false,false,unconditonal,true,false", "alternate_paper", "unconditonal", "unknown code"),
        ("WI,2021-01-04,true,true,false,false,unconditional,late,false", "paper_late", "late", "true or false"),
        ("WI,2021-01-04,true,true,false,false,none,true,false", "paper_late", "true", "no alternate paper"),
        ("WI,2021-01-04,true,true,false,false,unconditional,true,1", "act_takes_effect_late", "1", "true or false"),
    ],
)  # fmt: skip
def test_st3_remand_facts_row_errors(user_dir, new, field, value, expected):
    text = shipped_text(BASE, FACTS)
    folder = user_dir(FACTS, replace_once(WI, new))
    error = load_error(folder)
    assert_names(
        error, source=f"{folder}/{FACTS}", line=line_of(text, WI), field=field, value=value
    )
    assert expected in str(error)


def test_st3_remand_facts_repeated_state_columns_and_shape(user_dir):
    text = shipped_text(BASE, FACTS)
    source = f"{user_dir()}/{FACTS}"  # the same folder each time
    az = next(line for line in text.splitlines() if line.startswith("AZ,"))
    error = load_error(user_dir(FACTS, replace_once(WI, az)))
    assert_names(error, source=source, line=line_of(text, WI), field="state", value="AZ")
    assert "state listed twice (first on line 2)" in str(error)
    error = load_error(user_dir(FACTS, replace_once(",act_takes_effect_late\n", "\n")))
    assert_names(error, source=source, line=1, field="act_takes_effect_late", value=None)
    error = load_error(
        user_dir(FACTS, replace_once("act_takes_effect_late\n", "act_takes_effect_late,source\n"))
    )
    assert_names(error, source=source, line=1, field="source", value=None)
    error = load_error(user_dir(FACTS, replace_once(WI, "WI,2021-01-04")))
    assert_names(error, source=source, line=line_of(text, WI), field="self_call", value=None)


def test_pure_parsers_columns_order_blank_lines_and_header_only():
    header = ",".join(REMAND_FACT_COLUMNS)
    assert parse_remand_facts(header + "\n", source="f.csv") == {}
    rows = "\n".join(shipped_text(BASE, FACTS).splitlines()[1:][::-1])  # reversed, blank line
    parsed = parse_remand_facts(header + "\n\n" + rows + "\n", source="f.csv")
    assert tuple(parsed) == SEVEN
    reordered = [GOVERNMENT_COLUMNS[i] for i in (1, 0, *range(2, len(GOVERNMENT_COLUMNS)))]
    lines = [ln.split(",") for ln in shipped_text(BASE, GOV).splitlines()]
    swapped = "\n".join(",".join([c[1], c[0], *c[2:]]) for c in lines)
    assert swapped.splitlines()[0].split(",") == reordered
    assert parse_state_governments(swapped, source="g.csv") == shipped(BASE).governments
    huge = ",".join(GOVERNMENT_COLUMNS) + "\nAK," + "x" * 200_000 + "\n"
    with pytest.raises(InputError, match=r"^g\.csv, line 2: field 'csv': not valid CSV \(field"):
        parse_state_governments(huge, source="g.csv")


@pytest.mark.parametrize("date", SHIPPED)
def test_m2_objected_scope_is_the_states_with_recorded_votes(date):
    """remand_scope = objected (M2) reads the session's ``objected``: the states whose
    objections went to separate-chamber votes, the states of its recorded_votes.csv."""
    session = shipped(date)
    try:
        text = shipped_text(date, "recorded_votes.csv")
    except FileNotFoundError:
        text = "objection_state\n"
    recorded = sorted({line.split(",")[0] for line in text.splitlines()[1:]})
    assert list(session.objected) == recorded
    if recorded:
        assert scope_states("objected", session) == tuple(recorded)
    else:
        with pytest.raises(CountlabError, match="no objection recorded for 2025-01-06"):
            scope_states("objected", session)


def test_st6_only_arizona_acts_take_effect_late():
    """ST6: only Arizona's special-session law 'would not take effect for months'."""
    late = [s for s, f in shipped(BASE).remand_facts.items() if f.act_takes_effect_late]
    assert late == ["AZ"]
