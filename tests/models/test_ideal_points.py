"""Members' ideal points (``ideal_points.csv``): the shipped scores against the source's facts,
and every validation error naming file, line, field and value."""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from flows.sessions import load_session
from models.errors import InputError
from models.ideal_points import IDEAL_POINT_COLUMNS, parse_ideal_points
from models.roster import CAUCUSES
from tests.models.test_loading import assert_names, line_of, n_lines
from tests.strategies import SHIPPED, shipped, shipped_text

BASE = "2021-01-06"
FILE = "ideal_points.csv"
FIRST = "Y000033,house,0.283,0.022,0.255,0.047"  # line 2: Don Young (AK)
THIRD = "C001054,house,0.548,0.275,0.510,0.568"  # line 3: Jerry Carl (AL-1)


def member(date: str, bioguide: str) -> tuple[float, float, float, float]:
    session = shipped(date)
    i = session.roster.bioguide_ids.index(bioguide)
    points = session.ideal_points
    assert points is not None
    return (
        float(points.dim1[i]),
        float(points.dim2[i]),
        float(points.nokken_poole_dim1[i]),
        float(points.nokken_poole_dim2[i]),
    )


# --- shipped sessions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "scored", "np_blank"),
    [
        ("1969-01-06", 535, 1),
        ("2005-01-06", 534, 0),
        ("2021-01-06", 532, 0),
        ("2025-01-06", 464, 69),
    ],
)
def test_every_shipped_member_has_a_row_and_the_source_blanks(date, scored, np_blank):
    """data/README.md: 2,134 rows, one per roster row; 69 members of 2025 unscored; Speaker
    McCormack (1969) has no 91st Nokken–Poole estimate."""
    session = shipped(date)
    points = session.ideal_points
    assert points is not None
    n = session.roster.n_members
    for array in (points.dim1, points.dim2, points.nokken_poole_dim1, points.nokken_poole_dim2):
        assert array.shape == (n,)
        assert array.dtype == np.float64
        assert not array.flags.writeable
        assert np.nanmax(np.abs(array)) <= 1.0
    assert int(points.has_score.sum()) == scored
    assert int(np.isnan(points.dim2).sum()) == n - scored
    assert int(np.isnan(points.nokken_poole_dim1).sum()) == np_blank
    text = shipped_text(date, FILE)
    ids = tuple(line.split(",")[0] for line in text.splitlines()[1:])
    assert ids == session.roster.bioguide_ids  # same order as members.csv


@pytest.mark.parametrize(
    ("date", "bioguide", "expected"),
    [
        # nominate.csv, 2021: Van Drew (NJ-2) under his Republican icpsr 91980 (party switch)
        ("2021-01-06", "V000133", (0.380, -0.487, 0.401, -0.507)),
        ("2021-01-06", "C001098", (0.790, -0.195, 0.783, -0.072)),  # Cruz, 117th Senate
        ("2021-01-06", "S000033", (-0.542, -0.404, -0.925, -0.357)),  # Sanders, 117th Senate
        ("2021-01-06", "M001183", (-0.057, 0.399, -0.078, 0.381)),  # Manchin
        ("2005-01-06", "S000033", (-0.542, -0.404, -0.449, -0.113)),  # Sanders, 109th House
        ("2025-01-06", "V000133", (0.380, -0.487, 0.451, -0.356)),  # 118th, 119th not in source
    ],
)
def test_shipped_scores_are_the_sources(date, bioguide, expected):
    assert member(date, bioguide) == expected


def test_unscored_members_are_nan():
    """Alsobrooks (senator from 2025) has no score; McCormack has DW-NOMINATE only."""
    assert all(math.isnan(v) for v in member("2025-01-06", "A000382"))
    i = shipped("2025-01-06").roster.bioguide_ids.index("A000382")
    assert not shipped("2025-01-06").ideal_points.has_score[i]
    dim1, dim2, np1, np2 = member("1969-01-06", "M000364")
    assert (dim1, dim2) == (-0.328, -0.047)
    assert math.isnan(np1)
    assert math.isnan(np2)


@pytest.mark.parametrize(
    ("date", "chamber", "d", "r"),
    [
        ("1969-01-06", "house", (243, -0.307), (192, 0.247)),
        ("2005-01-06", "senate", (45, -0.306), (55, 0.378)),
        ("2021-01-06", "house", (222, -0.378), (211, 0.507)),
        ("2021-01-06", "senate", (48, -0.344), (51, 0.524)),
        ("2025-01-06", "house", (182, -0.394), (187, 0.516)),
    ],
)
def test_party_means_of_dim1_are_the_source_readmes(date, chamber, d, r):
    session = shipped(date)
    roster, points = session.roster, session.ideal_points
    in_chamber = roster.is_senator == (chamber == "senate")
    for caucus, (n, mean) in zip(CAUCUSES, (d, r), strict=True):
        mask = in_chamber & (roster.caucus == CAUCUSES.index(caucus)) & points.has_score
        assert (int(mask.sum()), round(float(points.dim1[mask].mean()), 3)) == (n, mean)


def test_a_user_directory_without_ideal_points_has_none(tmp_path):
    folder = resources.files("models") / "data" / "sessions" / BASE
    for item in folder.iterdir():
        if item.name != FILE:
            (tmp_path / item.name).write_text(item.read_text("utf-8"), encoding="utf-8")
    assert load_session(str(tmp_path)).ideal_points is None
    (tmp_path / FILE).write_text(shipped_text(BASE, FILE), encoding="utf-8")
    points = load_session(str(tmp_path)).ideal_points
    assert np.array_equal(points.dim1, shipped(BASE).ideal_points.dim1)


def test_a_user_directory_with_a_bad_file_names_it(tmp_path):
    folder = resources.files("models") / "data" / "sessions" / BASE
    for item in folder.iterdir():
        text = item.read_text("utf-8")
        if item.name == FILE:
            text = text.replace(FIRST, FIRST.replace("0.283", "9.5"))
        (tmp_path / item.name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_session(str(tmp_path))
    source = f"{Path(tmp_path)}/{FILE}"
    assert_names(info.value, source=source, line=2, field="nominate_dim1", value="9.5")


# --- validation -------------------------------------------------------------------------------


def parse_error(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse_ideal_points(text, source="ip.csv", roster=shipped(BASE).roster)
    return info.value


def edited(old: str, new: str) -> str:
    text = shipped_text(BASE, FILE)
    assert text.count(old) == 1, old
    return text.replace(old, new)


@pytest.mark.parametrize("column", IDEAL_POINT_COLUMNS)
def test_missing_column(column):
    text = shipped_text(BASE, FILE)
    lines = [line.split(",") for line in text.splitlines()]
    i = lines[0].index(column)
    dropped = "\n".join(",".join(cells[:i] + cells[i + 1 :]) for cells in lines) + "\n"
    error = parse_error(dropped)
    assert_names(error, source="ip.csv", line=1, field=column, value=None)
    assert "missing column" in str(error)


def test_extra_column():
    text = shipped_text(BASE, FILE)
    lines = text.splitlines()
    extra = "\n".join([lines[0] + ",n_votes", *(line + ",830" for line in lines[1:])]) + "\n"
    error = parse_error(extra)
    assert_names(error, source="ip.csv", line=1, field="n_votes", value=None)
    assert "unknown column" in str(error)


def test_unknown_member():
    error = parse_error(edited(FIRST, FIRST.replace("Y000033", "Z999999")))
    assert_names(error, source="ip.csv", line=2, field="bioguide_id", value="Z999999")
    assert "not a member of the session's roster" in str(error)


def test_member_listed_twice():
    text = shipped_text(BASE, FILE)
    error = parse_error(text + THIRD + "\n")
    assert_names(
        error, source="ip.csv", line=n_lines(text) + 1, field="bioguide_id", value="C001054"
    )
    assert "member listed twice (first on line 3)" in str(error)


def test_roster_member_missing():
    error = parse_error(edited(FIRST + "\n", ""))
    assert_names(error, source="ip.csv", line=None, field="bioguide_id", value="Y000033")
    assert "roster member has no row (1 missing" in str(error)


@pytest.mark.parametrize("chamber", ["senate", "House", ""])
def test_chamber_not_the_rosters(chamber):
    error = parse_error(edited(FIRST, FIRST.replace(",house,", f",{chamber},")))
    assert_names(error, source="ip.csv", line=2, field="chamber", value=chamber)
    assert "the roster has Y000033 in the house" in str(error)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("nominate_dim1", "abc", "expected a finite number or blank"),
        ("nominate_dim1", "nan", "expected a finite number or blank"),
        ("nominate_dim2", "inf", "expected a finite number or blank"),
        ("nokken_poole_dim1", "-Infinity", "expected a finite number or blank"),
        ("nokken_poole_dim2", "1_0", "expected a finite number or blank"),
        ("nominate_dim1", "0,5", "extra value"),
        ("nominate_dim1", "2.5", "outside [-2, 2]"),
        ("nokken_poole_dim2", "-3", "outside [-2, 2]"),
        ("nominate_dim2", "1e400", "expected a finite number or blank"),
    ],
)
def test_score_not_a_finite_number_in_range(field, value, expected):
    cells = FIRST.split(",")
    cells[IDEAL_POINT_COLUMNS.index(field)] = value
    error = parse_error(edited(FIRST, ",".join(cells)))
    if expected == "extra value":
        assert_names(error, source="ip.csv", line=2, field="column 7", value="0.047")
    else:
        assert_names(error, source="ip.csv", line=2, field=field, value=value)
    assert expected in str(error)


def test_scores_in_range_and_blank_are_accepted():
    text = edited(FIRST, "Y000033,house,-2,2.0,,")
    points = parse_ideal_points(text, source="ip.csv", roster=shipped(BASE).roster)
    assert (points.dim1[0], points.dim2[0]) == (-2.0, 2.0)
    assert np.isnan(points.nokken_poole_dim1[0])
    assert points.has_score[0]


@pytest.mark.parametrize(("blank", "index"), [("nominate_dim2", 3), ("nokken_poole_dim1", 4)])
def test_an_estimate_needs_both_dimensions(blank, index):
    cells = FIRST.split(",")
    cells[index] = ""
    error = parse_error(edited(FIRST, ",".join(cells)))
    assert_names(error, source="ip.csv", line=2, field=blank, value="")
    assert "give both of" in str(error)


def test_short_row_and_empty_file():
    error = parse_error(edited(FIRST, "Y000033,house,0.283"))
    assert_names(error, source="ip.csv", line=2, field="nominate_dim2", value=None)
    error = parse_error("")
    assert_names(error, source="ip.csv", line=1, field="bioguide_id", value=None)


@pytest.mark.parametrize("date", SHIPPED)
def test_line_numbers_follow_the_file(date):
    text = shipped_text(date, FILE)
    last = text.splitlines()[-1]
    bad = text.replace(last, ",".join(last.split(",")[:2]) + ",x,0,0,0")
    roster = shipped(date).roster
    with pytest.raises(InputError) as info:
        parse_ideal_points(bad, source="ip.csv", roster=roster)
    assert info.value.row == line_of(text, last)
