"""Roll calls on objections, with polars: read and check a roll-call file against a session's
roster, select objections, and lay the votes out one row per member.

A roll-call file has the columns ``objection_state, chamber, bioguide_id, vote``, one row
per member and roll call (a session's ``recorded_votes.csv``, or a user's file). Votes are
spelled as in the shipped files (:data:`models.rollcall_data.VOTES`): ``yea``, ``nay``,
``not_voting``, ``paired_yea`` and ``paired_nay``. A pair is announced, not cast, so a fit
counts ``paired_*`` as not voting (the official totals leave pairs out too). The arrays a
fit reads are :class:`models.rollcall_data.RollCallArrays` (:func:`chamber_arrays`).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from flows.sessions import read_session_file
from models.csv_rows import csv_rows
from models.errors import CountlabError, InputError
from models.rollcall_data import CAST, NOT_VOTING, VOTES, RollCallArrays
from models.roster import CAUCUSES, CHAMBERS
from models.session import Session
from models.states import STATE_CODES, STATE_INDEX

ROLL_CALL_COLUMNS: tuple[str, ...] = ("objection_state", "chamber", "bioguide_id", "vote")
"""The columns of a roll-call file, exactly (in any order)."""

KEY = ["objection_state", "chamber", "bioguide_id"]
"""A member's vote on one roll call: each key at most once in a file."""

VOTE_PREFIX = "vote_"
""":func:`member_table`'s vote columns are ``vote_<STATE>``, one per objection."""


def roster_frame(session: Session) -> pl.DataFrame:
    """The session's roster, one row per member in roster order: ``bioguide_id, chamber,
    caucus ('D'/'R'), state, sworn, nominate_dim1`` (null where there is no score)."""
    roster = session.roster
    points = session.ideal_points
    dim1 = pl.Series("nominate_dim1", [None] * roster.n_members, dtype=pl.Float64)
    if points is not None:
        dim1 = pl.Series("nominate_dim1", points.dim1).fill_nan(None)
    return pl.DataFrame(
        {
            "bioguide_id": roster.bioguide_ids,
            "chamber": [CHAMBERS[int(s)] for s in roster.is_senator],
            "caucus": [CAUCUSES[int(c)] for c in roster.caucus],
            "state": [STATE_CODES[int(s)] for s in roster.state],
            "sworn": roster.sworn,
            "nominate_dim1": dim1,
        }
    )


def _cells(text: str, *, source: str) -> pl.DataFrame:
    """The file's rows as strings, with the line of each (``line``), via the session files'
    tokenizer (:func:`models.csv_rows.csv_rows`: header, short and long rows)."""
    if not text.strip():
        raise InputError(
            source, "csv", None, f"empty file; expected the header {','.join(ROLL_CALL_COLUMNS)}"
        )
    rows = list(csv_rows(text, source=source, columns=ROLL_CALL_COLUMNS))
    if not rows:
        raise InputError(source, "csv", None, "no votes: the file has a header only", row=1)
    columns = {c: [record[c] for _, record in rows] for c in ROLL_CALL_COLUMNS}
    return pl.DataFrame({"line": [line for line, _ in rows], **columns})


CHECKS: tuple[tuple[str, str, pl.Expr], ...] = (
    ("objection_state", "unknown state code", ~pl.col("objection_state").is_in(STATE_CODES)),
    ("chamber", "expected 'house' or 'senate'", ~pl.col("chamber").is_in(CHAMBERS)),
    ("bioguide_id", "not a member of the session's roster", pl.col("roster_chamber").is_null()),
    (
        "chamber",
        "the roster has {bioguide_id} in the {roster_chamber}",
        pl.col("roster_chamber") != pl.col("chamber"),
    ),
    (
        "bioguide_id",
        "not sworn on the session date (members.csv sworn = 0): cannot vote",
        ~pl.col("sworn"),
    ),
    ("vote", f"unknown vote; expected one of {', '.join(VOTES)}", ~pl.col("vote").is_in(VOTES)),
    (
        "bioguide_id",
        "{bioguide_id} votes twice on {chamber} {objection_state} (first on line {first_line})",
        pl.col("line") != pl.col("first_line"),
    ),
)
"""Each row's checks, in order: the field an error names, its message (a template over the
row's columns) and the condition that fails the row."""


def _checked(cells: pl.DataFrame, roster: pl.DataFrame) -> pl.DataFrame:
    """``cells`` joined to the roster, in file order, with ``problem``: the index in
    :data:`CHECKS` of the first check the row fails (null when it passes every one)."""
    joined = cells.join(
        roster.rename({"chamber": "roster_chamber"}), on="bioguide_id", how="left"
    ).with_columns(first_line=pl.col("line").min().over(KEY))
    problem = pl.coalesce(
        [pl.when(failing).then(pl.lit(i)) for i, (_, _, failing) in enumerate(CHECKS)]
    )
    return joined.with_columns(problem=problem).sort("line")


def read_roll_calls(text: str, *, source: str, session: Session) -> pl.DataFrame:
    """Parse and check a roll-call file against ``session``'s roster.

    Returns the rows in file order with the columns :data:`ROLL_CALL_COLUMNS` (strings).
    Every row is checked and none is dropped: the state a known code, the chamber ``house``
    or ``senate``, the member on the roster, sworn and in that chamber, the vote one of
    :data:`~models.rollcall_data.VOTES`, each (objection_state, chamber, bioguide_id) once,
    and at least one row. Every error is an :class:`InputError` naming ``source``, the line,
    the field and the value.
    """
    checked = _checked(_cells(text, source=source), roster_frame(session))
    bad = checked.filter(pl.col("problem").is_not_null())
    if bad.height:
        row = bad.row(0, named=True)
        field, why, _ = CHECKS[row["problem"]]
        raise InputError(source, field, row[field], why.format(**row), row=row["line"])
    return checked.select(ROLL_CALL_COLUMNS)


def select_roll_calls(
    frame: pl.DataFrame, states: tuple[str, ...] | None, *, source: str
) -> pl.DataFrame:
    """Keep the votes on the objections to ``states`` (every objection when None).

    ``source`` names where the states were given (``--votes`` on the command line): a
    state with no recorded votes in ``frame`` is an :class:`InputError` naming it.
    """
    if states is None:
        return frame
    recorded = sorted(set(frame["objection_state"].to_list()), key=STATE_INDEX.__getitem__)
    if not states:
        raise InputError(source, "objection_state", "", f"no state given (recorded: {recorded})")
    for state in states:
        if state not in recorded:
            why = "unknown state code" if state not in STATE_INDEX else "no recorded votes"
            raise InputError(
                source, "objection_state", state, f"{why} (recorded: {', '.join(recorded)})"
            )
    return frame.filter(pl.col("objection_state").is_in(states))


def member_table(frame: pl.DataFrame, session: Session) -> pl.DataFrame:
    """One row per sworn member of each chamber that has a roll call in ``frame``, in roster
    order: ``bioguide_id, chamber, caucus, state, nominate_dim1`` and one column
    ``vote_<STATE>`` per objection (in ``STATE_CODES`` order) holding 1 (yea), 0 (nay) or
    null (not voting, paired, not in the file, or no roll call in that chamber).

    ``frame`` is checked rows (:func:`read_roll_calls`); a vote by anyone but a sworn member
    of its chamber is a ValueError here, never a dropped row.
    """
    states = sorted(set(frame["objection_state"].to_list()), key=STATE_INDEX.__getitem__)
    chambers = [c for c in CHAMBERS if c in set(frame["chamber"].to_list())]
    cast = frame.with_columns(
        value=pl.col("vote").replace_strict(CAST, default=None, return_dtype=pl.Int8),
        objection_state=VOTE_PREFIX + pl.col("objection_state"),
    )
    wide = cast.pivot(
        on="objection_state",
        on_columns=[VOTE_PREFIX + s for s in states],
        index=["bioguide_id", "chamber"],
        values="value",
    )
    members = roster_frame(session).filter(pl.col("sworn") & pl.col("chamber").is_in(chambers))
    strays = wide.join(members, on=["bioguide_id", "chamber"], how="anti")
    if strays.height:
        raise ValueError(f"votes by members not sworn in that chamber: {strays.row(0)}")
    return members.drop("sworn").join(
        wide, on=["bioguide_id", "chamber"], how="left", maintain_order="left"
    )


def chamber_arrays(table: pl.DataFrame, chamber: str) -> RollCallArrays:
    """One chamber's rows of :func:`member_table` as the arrays a fit reads.

    The roll calls are the ``vote_<STATE>`` columns with a yea or a nay in ``chamber`` (a
    column with none is an objection the chamber did not vote on, or one nobody cast a vote
    on: nothing to fit). A CountlabError when the table has no such roll call.
    """
    rows = table.filter(pl.col("chamber") == chamber)
    held = [c for c in table.columns if c.startswith(VOTE_PREFIX) and rows[c].is_not_null().any()]
    if not held:
        raise CountlabError(f"no {chamber} roll call among the selected votes")
    votes = rows.select(pl.col(held).fill_null(NOT_VOTING).cast(pl.Int8)).to_numpy()
    arrays = RollCallArrays(
        chamber=chamber,
        bioguide_ids=tuple(rows["bioguide_id"].to_list()),
        caucus=rows["caucus"]
        .replace_strict(CAUCUSES, range(len(CAUCUSES)), return_dtype=pl.Int64)
        .to_numpy(),
        ideal=rows["nominate_dim1"].fill_null(np.nan).to_numpy(),
        votes=np.ascontiguousarray(votes, dtype=np.int8).reshape(rows.height, len(held)),
        states=tuple(c.removeprefix(VOTE_PREFIX) for c in held),
    )
    for array in (arrays.caucus, arrays.ideal, arrays.votes):
        array.flags.writeable = False
    return arrays


def load_recorded_votes(name: str, *, session: Session) -> pl.DataFrame:
    """The checked ``recorded_votes.csv`` of a shipped session (by date) or of a user's
    session directory, ``session`` being that session; a CountlabError when there is none."""
    found = read_session_file(name, "recorded_votes.csv")
    if found is None:
        raise CountlabError(
            f"session {name}: no recorded_votes.csv (no roll calls on that day's objections)"
        )
    text, source = found
    return read_roll_calls(text, source=source, session=session)
