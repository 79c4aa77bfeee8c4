"""Loading sessions: validation errors that name file, line, field and value; shipped facts."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import numpy as np
import pytest

import models
from flows.sessions import SESSION_FILES, load_session, shipped_sessions
from models.certificates import parse_certificates
from models.deterministic_count import count_session
from models.deterministic_count import tally_label as outcome_label
from models.errors import CountlabError, InputError
from models.roster import CAUCUSES
from models.rules import rules_for
from models.session import parse_roster, parse_session_header
from models.states import DC, STATE_CODES
from models.tally import Rejection
from tests.strategies import SHIPPED, shipped, shipped_text

BASE = "2021-01-06"
FIRST_HOUSE = "Y000033,Don Young,house,AK,0,Republican,R,1"  # members.csv line 2
SECOND_HOUSE = "C001054,Jerry L. Carl,house,AL,1,Republican,R,1"  # members.csv line 3


def line_of(text: str, needle: str) -> int:
    """Return the 1-based line of ``text`` that holds ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def n_lines(text: str) -> int:
    return len(text.splitlines())


def assert_names(error: InputError, *, source: str, line: int | None, field: str, value: object):
    """The message names the file, the line (when there is one), the field and the value."""
    message = str(error)
    assert (error.source, error.row, error.field, error.value) == (source, line, field, value)
    where = source if line is None else f"{source}, line {line}"
    shown = "" if value is None else f" = {value!r}"  # no value to show: a missing column
    assert message.startswith(f"{where}: field '{field}'{shown}: "), message


@pytest.fixture
def session_dir(tmp_path):
    """Write 2021's three files to a directory, each optionally edited, and return its path."""

    def write(name: str | None = None, edit=None) -> Path:
        for file in SESSION_FILES:
            text = shipped_text(BASE, file)
            if file == name:
                text = edit(text)
            (tmp_path / file).write_text(text, encoding="utf-8")
        return tmp_path

    return write


def load_error(folder: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_session(str(folder))
    return info.value


# --- electoral_votes.csv --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "value", "expected"),
    [
        ("AK,3,0,3", "XX,3,0,3", "state", "XX", "unknown state code"),
        ("AK,3,0,3", "AK,-3,0,3", "electors", "-3", "expected a non-negative number"),
        ("AK,3,0,3", "AK,3.5,0,3", "electors", "3.5", "expected a whole number"),
        ("AK,3,0,3", "AK,three,0,3", "electors", "three", "expected a whole number"),
        ("AK,3,0,3", "AK,3,0,x", "trump", "x", "expected a whole number"),
        ("AK,3,0,3", "AK,3,-1,4", "biden", "-1", "expected a non-negative number"),
        ("AK,3,0,3", "AK,4,0,3", "electors", 4, "votes cast (3) plus blank (0) must sum"),
        ("AK,3,0,3", "AK,3,1,3", "electors", 3, "votes cast (4) plus blank (0) must sum"),
        ("AK,3,0,3", "AK,2,0,2", "electors", 2, "a state has at least 3 electors"),
    ],
)
def test_electoral_votes_row_errors(session_dir, old, new, field, value, expected):
    text = shipped_text(BASE, "electoral_votes.csv")
    folder = session_dir("electoral_votes.csv", lambda t: t.replace(old, new))
    error = load_error(folder)
    source = f"{folder}/electoral_votes.csv"
    assert_names(error, source=source, line=line_of(text, old), field=field, value=value)
    assert expected in str(error)


def test_electoral_votes_duplicate_state(session_dir):
    text = shipped_text(BASE, "electoral_votes.csv")
    folder = session_dir("electoral_votes.csv", lambda t: t.replace("AL,9,0,9", "AK,3,0,3"))
    error = load_error(folder)
    source = f"{folder}/electoral_votes.csv"
    assert_names(error, source=source, line=line_of(text, "AL,9,0,9"), field="state", value="AK")
    assert "state listed twice" in str(error)


@pytest.mark.parametrize(
    ("rows", "value"), [(("AK,3,0,3",), "AK"), (("AK,3,0,3", "WY,3,0,3"), "AK,WY")]
)
def test_electoral_votes_missing_states(session_dir, rows, value):
    def drop(text: str) -> str:
        return "".join(line for line in text.splitlines(keepends=True) if line.strip() not in rows)

    folder = session_dir("electoral_votes.csv", drop)
    error = load_error(folder)
    source = f"{folder}/electoral_votes.csv"
    assert_names(error, source=source, line=None, field="state", value=value)
    assert "states missing from the file" in str(error)


def test_electoral_votes_missing_and_unknown_columns():
    text = shipped_text(BASE, "electoral_votes.csv")
    with pytest.raises(InputError) as info:
        parse_certificates(text, source="ev.csv", candidates=("biden", "trump", "jorgensen"))
    assert_names(info.value, source="ev.csv", line=None, field="jorgensen", value=None)
    assert "missing column" in str(info.value)
    with pytest.raises(InputError) as info:
        parse_certificates(text, source="ev.csv", candidates=("biden",))
    assert_names(info.value, source="ev.csv", line=None, field="trump", value=None)
    assert "unknown column" in str(info.value)


def test_electoral_votes_truncated_row_is_an_input_error():
    """A row cut short ('AK' alone) must be reported like any bad value, not crash.

    csv.DictReader fills the missing cells with None; ``parse_certificates`` passes the None
    electors straight to ``int()``.
    """
    text = shipped_text(BASE, "electoral_votes.csv").replace("AK,3,0,3", "AK")
    with pytest.raises(InputError) as info:
        parse_certificates(text, source="ev.csv", candidates=("biden", "trump"))
    assert info.value.source == "ev.csv"
    assert info.value.row == 2
    assert info.value.field == "electors"


def test_blank_column_is_optional_and_checked():
    text = shipped_text(BASE, "electoral_votes.csv")
    lines = text.splitlines()
    with_blank = [lines[0] + ",blank", *(line + ",0" for line in lines[1:])]
    cert = parse_certificates("\n".join(with_blank), source="ev.csv", candidates=("biden", "trump"))
    assert int(cert.blank.sum()) == 0
    with_blank[1] = "AK,3,0,3,x"
    with pytest.raises(InputError) as info:
        parse_certificates("\n".join(with_blank), source="ev.csv", candidates=("biden", "trump"))
    assert_names(info.value, source="ev.csv", line=2, field="blank", value="x")


# --- members.csv ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "field", "value", "expected"),
    [
        ("Y000033,Don Young,house,XX,0,Republican,R,1", "state", "XX", "unknown state code"),
        ("Y000033,Don Young,hause,AK,0,Republican,R,1", "chamber", "hause", "'house' or 'senate'"),
        ("Y000033,Don Young,house,AK,0,Republican,I,1", "caucus", "I", "unknown caucus"),
        ("Y000033,Don Young,house,AK,0,Republican,,1", "caucus", "", "unknown caucus"),
        ("Y000033,Don Young,house,AK,0,Republican,R,yes", "sworn", "yes", "expected 0 or 1"),
        ("Y000033,Don Young,house,AK,0,Republican,R,2", "sworn", "2", "expected 0 or 1"),
        ("Y000033,Don Young,house,AK,at-large,Republican,R,1", "district", "at-large", "whole"),
        (",Don Young,house,AK,0,Republican,R,1", "bioguide_id", "", "member id is empty"),
    ],
)
def test_members_row_errors(session_dir, new, field, value, expected):
    folder = session_dir("members.csv", lambda t: t.replace(FIRST_HOUSE, new))
    error = load_error(folder)
    assert_names(error, source=f"{folder}/members.csv", line=2, field=field, value=value)
    assert expected in str(error)


def test_members_duplicate_member(session_dir):
    text = shipped_text(BASE, "members.csv")
    folder = session_dir("members.csv", lambda t: t + SECOND_HOUSE + "\n")
    error = load_error(folder)
    source = f"{folder}/members.csv"
    assert_names(error, source=source, line=n_lines(text) + 1, field="bioguide_id", value="C001054")
    assert "duplicate member (first on line 3)" in str(error)


@pytest.mark.parametrize(
    ("extra", "value", "expected"),
    [
        (
            "Z999999,Extra Member,house,AK,0,Republican,R,1",
            "AK",
            "2 house members but only 1 seats",
        ),
        (
            "Z999999,Extra Member,house,CA,9,Democratic,D,0",
            "CA",
            "54 house members but only 53 seats",
        ),
        ("Z999999,Extra Member,senate,AK,,Republican,R,1", "AK", "3 senate members but only 2"),
        ("Z999999,Extra Member,house,DC,0,Democratic,D,1", "DC", "1 house members but only 0"),
        ("Z999999,Extra Member,senate,DC,,Democratic,D,1", "DC", "1 senate members but only 0"),
    ],
)
def test_members_more_members_than_seats(session_dir, extra, value, expected):
    """House seats are electors - 2, two Senators a state, none for DC (E3, E4).

    A member not yet sworn still holds the seat (CA-21 Valadao in 2021).
    """
    text = shipped_text(BASE, "members.csv")
    folder = session_dir("members.csv", lambda t: t + extra + "\n")
    error = load_error(folder)
    source = f"{folder}/members.csv"
    assert_names(error, source=source, line=n_lines(text) + 1, field="state", value=value)
    assert expected in str(error)


def test_members_missing_column():
    text = shipped_text(BASE, "members.csv").replace(",sworn\n", ",oath\n", 1)
    cert = shipped(BASE).certificates
    with pytest.raises(InputError) as info:
        parse_roster(text, source="members.csv", certificates=cert)
    assert_names(info.value, source="members.csv", line=None, field="sworn", value=None)


# --- session.toml ---------------------------------------------------------------------------


def toml_error(session_dir, old: str, new: str) -> tuple[InputError, str]:
    text = shipped_text(BASE, "session.toml")
    assert old in text
    folder = session_dir("session.toml", lambda t: t.replace(old, new, 1))
    return load_error(folder), f"{folder}/session.toml"


def test_toml_malformed_names_file_and_line(session_dir):
    text = shipped_text(BASE, "session.toml")
    error, source = toml_error(session_dir, 'date = "2021-01-06"', "date = = 2021")
    assert_names(error, source=source, line=None, field="toml", value=None)
    assert f"line {line_of(text, 'date = ')}" in str(error)
    assert "not valid TOML" in str(error)


@pytest.mark.parametrize(
    ("old", "field"),
    [
        ('date = "2021-01-06"\n', "date"),
        ("congress = 117\n", "congress"),
        ("election_year = 2020\n", "election_year"),
        ('default_regime = "eca1887"\n', "default_regime"),
        ('caucus = "R"\n\n[nominees]', "presiding_officer.caucus"),
    ],
)
def test_toml_missing_required_key(session_dir, old, field):
    new = "\n[nominees]" if old.endswith("[nominees]") else ""
    error, source = toml_error(session_dir, old, new)
    assert_names(error, source=source, line=None, field=field, value=None)
    assert "required key is missing" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "field", "value", "expected"),
    [
        (
            'D = { president = "biden"',
            'D = { president = "bidden"',
            "nominees.D.president",
            "bidden",
            "not a candidate",
        ),
        (
            'R = { president = "trump", vice_president = "pence"',
            'R = { president = "trump", vice_president = "pense"',
            "nominees.R.vice_president",
            "pense",
            "not a vice-presidential candidate",
        ),
        (
            'running_mate = "harris"',
            'running_mate = "harriss"',
            "candidates[0].running_mate",
            "harriss",
            "not a vice-presidential candidate",
        ),
        (
            'running_mate = "pence"',
            'running_mate = "mike"',
            "candidates[1].running_mate",
            "mike",
            "not a vice-presidential candidate",
        ),
        (
            'caucus = "R"\n\n[nominees]',
            'caucus = "X"\n\n[nominees]',
            "presiding_officer.caucus",
            "X",
            "unknown caucus",
        ),
        (
            'default_regime = "eca1887"',
            'default_regime = "eca1877"',
            "default_regime",
            "eca1877",
            "expected one of",
        ),
        ("congress = 117", 'congress = "117"', "congress", "117", "expected int"),
        ("congress = 117", "congress = true", "congress", True, "expected int"),
        (
            'date = "2021-01-06"',
            "date = 2021-01-06",
            "date",
            datetime.date(2021, 1, 6),
            "expected str",
        ),
        ('key = "trump"', 'key = "biden"', "candidates.key", "biden", "candidate listed twice"),
        ('key = "trump"', 'key = "Trump"', "candidates[1].key", "Trump", "lower-case surname"),
        (
            'party = "Republican"\ncaucus = "R"\nrunning_mate',
            'party = "Republican"\ncaucus = "Q"\nrunning_mate',
            "candidates[1].caucus",
            "Q",
            "unknown caucus",
        ),
        ("D = { president", "I = { president", "nominees", "I", "unknown caucus"),
    ],
)
def test_toml_value_errors(session_dir, old, new, field, value, expected):
    error, source = toml_error(session_dir, old, new)
    assert_names(error, source=source, line=None, field=field, value=value)
    assert expected in str(error)


def test_toml_errors_from_the_pure_parser_name_the_given_source():
    with pytest.raises(InputError) as info:
        parse_session_header('date = "2001-01-06"\ncongress = = 107\n', source="user/session.toml")
    assert str(info.value).startswith("user/session.toml: field 'toml': not valid TOML")
    assert "line 2" in str(info.value)


# --- load_session ---------------------------------------------------------------------------


def test_load_session_unknown_name_and_missing_file(session_dir, tmp_path):
    with pytest.raises(CountlabError, match="not a shipped session"):
        load_session(str(tmp_path / "nowhere"))
    folder = session_dir()
    (folder / "members.csv").unlink()
    with pytest.raises(CountlabError, match=f"{folder}/members.csv: file not found"):
        load_session(str(folder))


def test_user_session_directory_loads_like_the_shipped_one(session_dir):
    user = load_session(str(session_dir()))
    ship = shipped(BASE)
    assert user.candidate_keys == ship.candidate_keys
    assert np.array_equal(user.certificates.votes, ship.certificates.votes)
    assert user.roster.bioguide_ids == ship.roster.bioguide_ids
    rules = rules_for("eca1887")
    assert outcome_label(count_session(user, rules, []), user) == "electors:biden"


def test_shipped_sessions_are_the_four_counts():
    assert shipped_sessions() == SHIPPED


# --- shipped facts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "house", "senate"),
    [
        ("2021-01-06", (222, 209), (48, 51)),
        ("2025-01-06", (215, 219), (47, 52)),
        ("2005-01-06", (202, 232), (45, 55)),
        ("1969-01-06", (243, 192), (57, 43)),
    ],
)
def test_shipped_sworn_members_by_caucus(date, house, senate):
    roster = shipped(date).roster
    for chamber, expected in (("house", house), ("senate", senate)):
        sworn = roster.sworn_in(chamber)
        by_caucus = tuple(int((roster.caucus[sworn] == c).sum()) for c in range(len(CAUCUSES)))
        assert by_caucus == expected, chamber
        assert roster.n_sworn(chamber) == sum(expected)


def test_shipped_2021_unsworn_members_hold_seats_but_do_not_count():
    """E4: CA-21 Valadao and FL-27 Salazar were not yet sworn on 6 January 2021."""
    roster = shipped("2021-01-06").roster
    unsworn = [roster.names[i] for i in np.flatnonzero(~roster.sworn)]
    assert len(unsworn) == 2
    assert any("Valadao" in name for name in unsworn)
    assert any("Salazar" in name for name in unsworn)


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2021-01-06", {"biden": 306, "trump": 232}),
        ("2025-01-06", {"trump": 312, "harris": 226}),
        ("2005-01-06", {"bush": 286, "kerry": 251, "edwards": 1}),
        ("1969-01-06", {"nixon": 301, "humphrey": 191, "wallace": 46}),
    ],
)
def test_shipped_electoral_totals(date, expected):
    session = shipped(date)
    cert = session.certificates
    got = dict(zip(session.candidate_keys, cert.votes.sum(axis=0).tolist(), strict=True))
    assert got == expected
    assert int(cert.electors.sum()) == 538
    assert int(cert.blank.sum()) == 0
    assert int(cert.electors[DC]) == 3
    assert int(cert.house_seats.sum()) == 435
    assert int(cert.senate_seats.sum()) == 100


@pytest.mark.parametrize(
    ("date", "rejected", "r", "d", "tied"),
    [
        ("2021-01-06", ("AZ", "GA", "MI", "NV", "NM", "PA", "WI"), 27, 20, {"MI", "MN", "PA"}),
        ("2025-01-06", ("TX", "FL"), 30, 18, {"CO", "MN"}),
        ("2005-01-06", ("OH",), 30, 17, {"MN", "MS", "WI"}),
        ("1969-01-06", ("CA",), 19, 26, {"IL", "MD", "MT", "OR", "VA"}),
    ],
)
def test_shipped_delegation_control_with_caucus_line_voting(date, rejected, r, d, tied):
    """Enough rejections to deny everyone 270 of 538, then the House votes by caucus (CE4)."""
    session = shipped(date)
    result = count_session(session, rules_for("eca1887"), [Rejection(s) for s in rejected])
    assert result.contingent_draws.tolist() == [0]
    house = result.house
    nominee = session.nominee_index("president")
    states = house.state_votes[0]
    assert int(states[nominee[CAUCUSES.index("R")]]) == r
    assert int(states[nominee[CAUCUSES.index("D")]]) == d
    assert int(house.divided[0]) == len(tied)
    divided = {STATE_CODES[s] for s in np.flatnonzero(house.state_vote[0] < 0)} - {"DC"}
    assert divided == tied
    winner = "R" if r >= 26 else "D" if d >= 26 else None
    expected = None if winner is None else session.nominee[winner][0]
    assert outcome_label(result, session) == (f"house:{expected}" if expected else "no_choice")


# --- models/ stays pure ---------------------------------------------------------------------

FORBIDDEN_IMPORTS = ("duckdb", "prefect", "polars", "pathlib", "os")


def module_files() -> list[Path]:
    root = Path(models.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert len(files) >= 9
    return files


def impurities(source: str) -> list[str]:
    """Return the forbidden imports and open() calls in Python ``source``."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        problems += [
            f"line {node.lineno}: import {name}"
            for name in names
            if name.split(".")[0] in FORBIDDEN_IMPORTS
        ]
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "open") or (
                isinstance(func, ast.Attribute) and func.attr == "open"
            ):
                problems.append(f"line {node.lineno}: call to open()")
    return problems


@pytest.mark.parametrize("path", module_files(), ids=lambda p: p.name)
def test_models_stay_pure(path):
    """Style §2.1: models/ imports no I/O or orchestration library and opens no file."""
    problems = impurities(path.read_text(encoding="utf-8"))
    assert not problems, f"{path.name}: {problems}"


@pytest.mark.parametrize(
    "source",
    [
        "import os",
        "import os.path",
        "from os import environ",
        "from pathlib import Path",
        "import duckdb",
        "from prefect import flow",
        "import polars as pl",
        "def f():\n    import duckdb",
        "text = open('x').read()",
        "import io\nio.open('x')",
    ],
)
def test_purity_check_catches_what_it_should(source):
    assert impurities(source)


def test_purity_check_allows_numpy_and_text_parsers():
    source = "import csv\nimport io\nimport tomllib\nimport numpy as np\nfrom models import x\n"
    assert impurities(source) == []
