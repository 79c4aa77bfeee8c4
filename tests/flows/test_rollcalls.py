"""Roll calls with polars (flows/rollcalls.py): the shipped recorded votes give the record's
totals through the member table, and every malformed roll-call file is one line naming file,
line, field and value."""

from __future__ import annotations

import dataclasses
from importlib import resources

import numpy as np
import polars as pl
import pytest

from flows.rollcalls import (
    ROLL_CALL_COLUMNS,
    chamber_arrays,
    load_recorded_votes,
    member_table,
    read_roll_calls,
    select_roll_calls,
)
from flows.sessions import read_session_file
from models.errors import CountlabError, InputError
from models.rollcall_data import NOT_VOTING, RollCallArrays
from models.roster import CAUCUSES
from tests.models.test_loading import assert_names, n_lines
from tests.strategies import shipped, shipped_text

BASE = "2021-01-06"
FILE = "recorded_votes.csv"
FIRST = "AZ,house,Y000033,nay"  # line 2
SECOND = "AZ,house,A000055,yea"  # line 3


def table(date: str) -> pl.DataFrame:
    session = shipped(date)
    return member_table(load_recorded_votes(date, session=session), session)


def read_error(text: str, date: str = BASE) -> InputError:
    with pytest.raises(InputError) as info:
        read_roll_calls(text, source="rc.csv", session=shipped(date))
    return info.value


def edited(old: str, new: str) -> str:
    text = shipped_text(BASE, FILE)
    assert text.count(old + "\n") == 1, old
    return text.replace(old + "\n", new + "\n")


# --- the shipped roll calls ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "state", "chamber", "yeas", "nays"),
    [
        ("2021-01-06", "AZ", "house", 121, 303),
        ("2021-01-06", "PA", "house", 138, 282),
        ("2021-01-06", "AZ", "senate", 6, 93),
        ("2021-01-06", "PA", "senate", 7, 92),
        ("2005-01-06", "OH", "senate", 1, 74),
        ("1969-01-06", "NC", "house", 170, 228),
        ("1969-01-06", "NC", "senate", 33, 58),
    ],
)
def test_member_table_gives_the_records_totals(date, state, chamber, yeas, nays):
    """data/README.md's objection votes (rules.md §9.1); pairs are not in the totals."""
    rows = table(date).filter(pl.col("chamber") == chamber)
    votes = rows[f"vote_{state}"]
    assert ((votes == 1).sum(), (votes == 0).sum()) == (yeas, nays)
    assert rows.height == shipped(date).roster.n_sworn(chamber)
    arrays = chamber_arrays(table(date), chamber)
    column = arrays.votes[:, arrays.states.index(state)]
    assert ((column == 1).sum(), (column == 0).sum()) == (yeas, nays)
    assert (column == NOT_VOTING).sum() == rows.height - yeas - nays


def test_member_table_has_one_row_per_sworn_member_of_the_chambers_voting():
    t = table(BASE)
    assert t.columns == [
        "bioguide_id",
        "chamber",
        "caucus",
        "state",
        "nominate_dim1",
        "vote_AZ",
        "vote_PA",
    ]
    assert t.height == 431 + 99
    assert t["nominate_dim1"].null_count() == 0
    assert "V000129" not in t["bioguide_id"].to_list()  # Valadao: not sworn on 6 January
    assert t["bioguide_id"].to_list() == [
        b
        for b, s in zip(shipped(BASE).roster.bioguide_ids, shipped(BASE).roster.sworn, strict=True)
        if s
    ]  # roster order
    assert table("2005-01-06")["chamber"].unique().to_list() == ["senate"]  # OH: Senate only


def test_every_recorded_vote_reaches_the_table():
    """1,060 rows in 2021's file: 431 + 99 members on two roll calls, each one cell."""
    frame = load_recorded_votes(BASE, session=shipped(BASE))
    t = member_table(frame, shipped(BASE))
    cast = frame.filter(pl.col("vote").is_in(["yea", "nay"])).height
    assert frame.height == 1060 == 2 * t.height
    assert sum(t[c].is_not_null().sum() for c in ("vote_AZ", "vote_PA")) == cast


@pytest.mark.parametrize(
    ("chamber", "voters", "same", "yea_yea", "nay_nay", "nay_yea", "yea_nay"),
    [("house", 201, 183, 120, 63, 18, 0), ("senate", 51, 48, 5, 43, 2, 1)],
)
def test_2021_republicans_mostly_voted_the_same_way_on_both_objections(
    chamber, voters, same, yea_yea, nay_nay, nay_yea, yea_nay
):
    """Republicans who cast a yea or nay on both AZ and PA; Senate nay-yea: Lummis and Rick
    Scott, yea-nay: Kennedy (data/README.md's lists of the yeas)."""
    rows = (
        table(BASE)
        .filter((pl.col("chamber") == chamber) & (pl.col("caucus") == "R"))
        .drop_nulls(["vote_AZ", "vote_PA"])
    )
    pairs = {(az, pa): n for az, pa, n in rows.group_by("vote_AZ", "vote_PA").len().iter_rows()}
    assert rows.height == voters
    assert (pairs.get((1, 1), 0), pairs.get((0, 0), 0)) == (yea_yea, nay_nay)
    assert (pairs.get((0, 1), 0), pairs.get((1, 0), 0)) == (nay_yea, yea_nay)
    assert yea_yea + nay_nay == same


def test_chamber_arrays_hold_the_members_votes():
    arrays = chamber_arrays(table("1969-01-06"), "senate")
    assert isinstance(arrays, RollCallArrays)
    assert arrays.states == ("NC",)
    assert arrays.votes.shape == (100, 1)
    assert arrays.votes.dtype == np.int8
    assert arrays.caucus.dtype == np.int64
    assert arrays.ideal.dtype == np.float64
    assert int((arrays.votes == NOT_VOTING).sum()) == 9  # 3 not voting, 3 + 3 paired
    assert int(arrays.is_cast.sum()) == 91
    assert not arrays.votes.flags.writeable
    d = arrays.caucus == CAUCUSES.index("D")
    assert int(d.sum()) == 57
    i = arrays.bioguide_ids.index("M000113")  # paired yea: announced, not cast
    assert arrays.votes[i, 0] == NOT_VOTING
    with pytest.raises(CountlabError, match="no house roll call"):
        chamber_arrays(table("2005-01-06"), "house")


def test_without_ideal_points_the_scores_are_null_and_nan():
    session = shipped(BASE)
    bare = dataclasses.replace(session, ideal_points=None)
    t = member_table(load_recorded_votes(BASE, session=bare), bare)
    assert t["nominate_dim1"].null_count() == t.height
    assert np.isnan(chamber_arrays(t, "senate").ideal).all()


def test_select_roll_calls_keeps_the_states_given():
    frame = load_recorded_votes(BASE, session=shipped(BASE))
    assert select_roll_calls(frame, None, source="--votes").equals(frame)
    kept = select_roll_calls(frame, ("PA",), source="--votes")
    assert kept["objection_state"].unique().to_list() == ["PA"]
    assert kept.height == 530
    assert member_table(kept, shipped(BASE)).columns[-1] == "vote_PA"


@pytest.mark.parametrize(
    ("states", "value", "expected"),
    [
        (("AZ", "GA"), "GA", "no recorded votes (recorded: AZ, PA)"),
        (("XX",), "XX", "unknown state code"),
        ((), "", "no state given"),
    ],
)
def test_select_roll_calls_names_a_state_without_votes(states, value, expected):
    frame = load_recorded_votes(BASE, session=shipped(BASE))
    with pytest.raises(InputError) as info:
        select_roll_calls(frame, states, source="--votes")
    assert_names(info.value, source="--votes", line=None, field="objection_state", value=value)
    assert expected in str(info.value)


def test_load_recorded_votes_of_a_session_without_any():
    with pytest.raises(CountlabError, match=r"2025-01-06: no recorded_votes\.csv"):
        load_recorded_votes("2025-01-06", session=shipped("2025-01-06"))
    assert read_session_file("2025-01-06", FILE) is None


def test_a_user_directory_s_roll_calls_name_its_file(tmp_path):
    folder = resources.files("models") / "data" / "sessions" / BASE
    for item in folder.iterdir():
        text = item.read_text("utf-8")
        if item.name == FILE:
            text = text.replace(FIRST + "\n", FIRST.replace("nay", "maybe") + "\n")
        (tmp_path / item.name).write_text(text, encoding="utf-8")
    text, source = read_session_file(str(tmp_path), FILE)
    assert source == f"{tmp_path}/{FILE}"
    with pytest.raises(InputError) as info:
        load_recorded_votes(str(tmp_path), session=shipped(BASE))
    assert_names(info.value, source=source, line=2, field="vote", value="maybe")


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ROLL_CALL_COLUMNS)
def test_missing_column(column):
    lines = [line.split(",") for line in shipped_text(BASE, FILE).splitlines()]
    i = lines[0].index(column)
    text = "\n".join(",".join(cells[:i] + cells[i + 1 :]) for cells in lines) + "\n"
    error = read_error(text)
    assert_names(error, source="rc.csv", line=1, field=column, value=None)
    assert "missing column" in str(error)


@pytest.mark.parametrize(
    ("new", "field", "value", "expected"),
    [
        ("XX,house,Y000033,nay", "objection_state", "XX", "unknown state code"),
        ("az,house,Y000033,nay", "objection_state", "az", "unknown state code"),
        ("AZ,House,Y000033,nay", "chamber", "House", "expected 'house' or 'senate'"),
        ("AZ,joint,Y000033,nay", "chamber", "joint", "expected 'house' or 'senate'"),
        ("AZ,house,Z999999,nay", "bioguide_id", "Z999999", "not a member of the session's roster"),
        ("AZ,senate,Y000033,nay", "chamber", "senate", "the roster has Y000033 in the house"),
        ("AZ,house,V000129,nay", "bioguide_id", "V000129", "not sworn on the session date"),
        ("AZ,house,Y000033,aye", "vote", "aye", "unknown vote; expected one of yea, nay"),
        ("AZ,house,Y000033,present", "vote", "present", "unknown vote"),
        ("AZ,house,Y000033,", "vote", "", "unknown vote"),
        ("AZ,house,Y000033", "vote", None, "missing value (row too short)"),
        ("AZ,house,Y000033,nay,x", "column 5", "x", "extra value"),
    ],
)
def test_row_errors(new, field, value, expected):
    error = read_error(edited(FIRST, new))
    assert_names(error, source="rc.csv", line=2, field=field, value=value)
    assert expected in str(error)


def test_the_first_bad_line_is_the_one_named():
    text = edited(SECOND, "AZ,house,A000055,maybe")
    text = text.replace("PA,senate", "PA,joint", 1)  # and a later line bad too
    error = read_error(text)
    assert_names(error, source="rc.csv", line=3, field="vote", value="maybe")


def test_the_same_vote_twice():
    text = shipped_text(BASE, FILE)
    error = read_error(text + "AZ,house,A000055,nay\n")
    line = n_lines(text) + 1
    assert_names(error, source="rc.csv", line=line, field="bioguide_id", value="A000055")
    assert "A000055 votes twice on house AZ (first on line 3)" in str(error)


def test_the_same_member_on_two_objections_is_not_a_duplicate():
    frame = read_roll_calls(
        "objection_state,chamber,bioguide_id,vote\nAZ,house,Y000033,nay\nGA,house,Y000033,yea\n",
        source="rc.csv",
        session=shipped(BASE),
    )
    assert frame.columns == list(ROLL_CALL_COLUMNS)
    assert frame["objection_state"].to_list() == ["AZ", "GA"]


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("", None, "empty file"),
        ("\n\n", None, "empty file"),
        ("objection_state,chamber,bioguide_id,vote\n", 1, "no votes"),
    ],
)
def test_an_empty_file(text, line, expected):
    error = read_error(text)
    assert_names(error, source="rc.csv", line=line, field="csv", value=None)
    assert expected in str(error)


def test_blank_lines_keep_the_line_numbers():
    text = shipped_text(BASE, FILE).replace(FIRST + "\n", FIRST + "\n\n", 1)
    text = text.replace(SECOND, "AZ,house,A000055,maybe")
    error = read_error(text)
    assert_names(error, source="rc.csv", line=4, field="vote", value="maybe")


def test_paired_votes_are_read_and_not_cast():
    frame = load_recorded_votes("1969-01-06", session=shipped("1969-01-06"))
    counts = dict(frame.group_by("vote").len().iter_rows())
    assert (counts["paired_yea"], counts["paired_nay"]) == (3, 3)
    rows = table("1969-01-06").filter(pl.col("bioguide_id") == "M000113")
    assert rows["vote_NC"].to_list() == [None]
