"""Backtests in the warehouse (issue 14): a vote model fit on some roll calls and scored on
others, written whole and read back.

:func:`store_backtest` writes a :class:`BacktestRecord` into its four tables
(``backtests``, ``backtest_chambers``, ``backtest_members``, ``backtest_predictive``) in one
transaction, holding the writer lease as ``countlab gc`` does for its short write: a second
writer fails at once, readers wait their turn, and a failure leaves the warehouse as it was.
:func:`read_backtest` gives back the stored ``countlab backtest --json`` object and
:func:`is_backtest` tells ``countlab report`` that an id is a backtest's.
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from models.errors import CountlabError
from models.roster import CHAMBERS
from warehouse.lease import new_run_id, writer_lease
from warehouse.store import connect, insert_rows

BACKTEST_TABLES = ("backtests", "backtest_chambers", "backtest_members", "backtest_predictive")
"""The tables of a backtest, in the order :func:`store_backtest` writes them."""

CHAMBER_COLUMNS = (
    "observed_yea",
    "observed_nay",
    "predicted_mean",
    "interval_lo",
    "interval_hi",
    "pit",
    "brier",
    "log_score",
    "baseline_brier",
    "baseline_log_score",
)
"""The keys of :attr:`BacktestRecord.chambers`' entries: ``backtest_chambers``' columns
after ``chamber``."""

MEMBER_KEYS = ("bioguide_id", "chamber", "objection_state", "p_yea", "baseline_p_yea", "vote")
"""The keys of each of :attr:`BacktestRecord.members`' dicts."""

VOTES = ("yea", "nay")

_INTEGER_COLUMNS = ("observed_yea", "observed_nay", "interval_lo", "interval_hi")
_NULLABLE_COLUMNS = ("pit", "brier", "log_score", "baseline_brier", "baseline_log_score")


def countlab_version() -> str:
    """The installed countlab's version ('unknown' for a checkout not installed)."""
    try:
        return version("countlab")
    except PackageNotFoundError:  # a checkout not installed
        return "unknown"


@dataclass(frozen=True, slots=True)
class BacktestRecord:
    """One backtest as stored: its ``backtests`` row and the rows of the other three tables.

    ``chambers`` maps a chamber (``house``, ``senate``) to its ``backtest_chambers`` values
    (keys :data:`CHAMBER_COLUMNS`), or None for a chamber with no predicted roll call (no
    row); ``members`` holds one dict per member and predicted roll call (keys
    :data:`MEMBER_KEYS`; ``vote`` 'yea' or 'nay'); ``predictive`` each chamber's Monte Carlo
    distribution of its yeas, ``[(yeas, draws)]``.
    """

    backtest_id: str
    fit: str  # the roll calls fit, e.g. '2021-01-06:AZ'
    predict: str  # the roll calls predicted, e.g. '2021-01-06:PA,GA'
    model: str  # group | members
    draws: int
    seed: int
    result: dict[str, Any]  # the whole `countlab backtest --json` object
    chambers: dict[str, dict[str, float | int] | None]
    members: list[dict[str, Any]]
    predictive: dict[str, list[tuple[int, int]]]
    countlab_version: str = field(default_factory=countlab_version)


def new_backtest_id() -> str:
    """A fresh backtest id, in the style of run ids (12 hexadecimal digits)."""
    return new_run_id()


def _check_chamber(chamber: str, where: str) -> None:
    if chamber not in CHAMBERS:
        raise ValueError(f"{where}: chamber {chamber!r}, expected one of {', '.join(CHAMBERS)}")


def check_record(record: BacktestRecord) -> None:
    """A ``ValueError`` naming the first thing :func:`store_backtest` could not store as
    given: an unknown chamber, a chamber's keys not :data:`CHAMBER_COLUMNS` or a count
    missing, a member or a histogram in a chamber with no row, a member's p_yea not in
    [0, 1] or vote not 'yea' or 'nay', a result not JSON."""
    rows = set()
    for chamber, values in record.chambers.items():
        _check_chamber(chamber, "chambers")
        if values is None:
            continue
        rows.add(chamber)
        if set(values) != set(CHAMBER_COLUMNS):
            missing = sorted(set(CHAMBER_COLUMNS) - set(values))
            unknown = sorted(set(values) - set(CHAMBER_COLUMNS))
            raise ValueError(f"chambers[{chamber!r}]: missing {missing}, unknown {unknown}")
        for column in CHAMBER_COLUMNS:
            if column not in _NULLABLE_COLUMNS and not _finite(values[column]):
                raise ValueError(f"chambers[{chamber!r}][{column!r}]: {values[column]!r}")
    for i, member in enumerate(record.members):
        if set(member) != set(MEMBER_KEYS):
            raise ValueError(f"members[{i}]: keys {sorted(member)}, expected {list(MEMBER_KEYS)}")
        _check_chamber(member["chamber"], f"members[{i}]")
        if member["chamber"] not in rows:
            raise ValueError(f"members[{i}]: chamber {member['chamber']!r} has no chambers row")
        if not _finite(member["p_yea"]) or not 0 <= member["p_yea"] <= 1:
            raise ValueError(f"members[{i}]: p_yea {member['p_yea']!r}, expected 0 to 1")
        if member["vote"] not in VOTES:
            raise ValueError(f"members[{i}]: vote {member['vote']!r}, expected 'yea' or 'nay'")
    for chamber in record.predictive:
        _check_chamber(chamber, "predictive")
        if chamber not in rows:
            raise ValueError(f"predictive: chamber {chamber!r} has no chambers row")
    try:
        json.dumps(record.result, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"result: not a JSON object ({exc})") from None


def _finite(value: object) -> bool:
    return isinstance(value, numbers.Real) and math.isfinite(value)


def _number(value: float | None) -> float | None:
    """A score as stored: None for a missing or non-finite one (JSON has no NaN)."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def record_tables(record: BacktestRecord, created_at: datetime) -> dict[str, pa.Table]:
    """The rows :func:`store_backtest` inserts, per table (:data:`BACKTEST_TABLES` order)."""
    bid = record.backtest_id
    chambers = [(c, v) for c, v in record.chambers.items() if v is not None]
    chamber_columns: dict[str, pa.Array] = {
        "backtest_id": pa.array([bid] * len(chambers), pa.string()),
        "chamber": pa.array([c for c, _ in chambers], pa.string()),
    }
    for column in CHAMBER_COLUMNS:
        values = [v[column] for _, v in chambers]
        if column in _INTEGER_COLUMNS:
            chamber_columns[column] = pa.array([int(x) for x in values], pa.int32())
        elif column in _NULLABLE_COLUMNS:
            chamber_columns[column] = pa.array([_number(x) for x in values], pa.float64())
        else:
            chamber_columns[column] = pa.array([float(x) for x in values], pa.float64())
    members = record.members
    histogram = [(c, int(y), int(n)) for c, bars in record.predictive.items() for y, n in bars]
    return {
        "backtests": pa.table(
            {
                "backtest_id": pa.array([bid], pa.string()),
                "created_at": pa.array([created_at.replace(tzinfo=None)], pa.timestamp("us")),
                "fit": pa.array([record.fit], pa.string()),
                "predict": pa.array([record.predict], pa.string()),
                "model": pa.array([record.model], pa.string()),
                "draws": pa.array([int(record.draws)], pa.int64()),
                "seed": pa.array([int(record.seed)], pa.int64()),
                "countlab_version": pa.array([record.countlab_version], pa.string()),
                "result": pa.array([json.dumps(record.result, allow_nan=False)], pa.string()),
            }
        ),
        "backtest_chambers": pa.table(chamber_columns),
        "backtest_members": pa.table(
            {
                "backtest_id": pa.array([bid] * len(members), pa.string()),
                **{
                    key: pa.array([str(m[key]) for m in members], pa.string())
                    for key in ("bioguide_id", "chamber", "objection_state")
                },
                "p_yea": pa.array([float(m["p_yea"]) for m in members], pa.float64()),
                "baseline_p_yea": pa.array(
                    [_number(m["baseline_p_yea"]) for m in members], pa.float64()
                ),
                "vote": pa.array([str(m["vote"]) for m in members], pa.string()),
            }
        ),
        "backtest_predictive": pa.table(
            {
                "backtest_id": pa.array([bid] * len(histogram), pa.string()),
                "chamber": pa.array([c for c, _, _ in histogram], pa.string()),
                "yeas": pa.array([y for _, y, _ in histogram], pa.int32()),
                "draws": pa.array([n for _, _, n in histogram], pa.int64()),
            }
        ),
    }


def _id_taken(con: duckdb.DuckDBPyConnection, backtest_id: str) -> bool:
    rows = con.execute(
        "select exists (select 1 from backtests where backtest_id = $id)"
        " or exists (select 1 from runs where run_id = $id)",
        {"id": backtest_id},
    ).fetchall()
    return bool(rows[0][0])


def write_backtest(con: duckdb.DuckDBPyConnection, record: BacktestRecord) -> None:
    """Insert ``record``'s rows through ``con`` (a write connection, schema up to date) in
    one transaction: all four tables or, on any error, none. A one-line error if its id is
    already a backtest's or a run's."""
    check_record(record)
    tables = record_tables(record, datetime.now(UTC))
    con.begin()
    try:
        if _id_taken(con, record.backtest_id):
            raise CountlabError(
                f"backtest {record.backtest_id!r}: the id is already in the warehouse"
            )
        for table in BACKTEST_TABLES:
            insert_rows(con, table, tables[table])
        con.commit()
    except BaseException:
        con.rollback()
        raise


def store_backtest(db: str | Path, record: BacktestRecord) -> None:
    """Store ``record`` in the warehouse ``db`` (created or upgraded if need be), in one
    transaction, holding the writer lease (a one-line error at once if another process
    writes; readers are waited for)."""
    check_record(record)  # before the file is touched
    with writer_lease(db, kind="backtest"):
        con = connect(db, kind="backtest")
        try:
            write_backtest(con, record)
        finally:
            con.close()


def _has_backtests(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con``'s database has the backtests table (a version-4 warehouse read
    without upgrading has not)."""
    rows = con.execute(
        "select count(*) from duckdb_tables()"
        " where database_name = current_database() and table_name = 'backtests'"
    ).fetchall()
    return bool(rows[0][0])


def is_backtest(con: duckdb.DuckDBPyConnection, backtest_id: str) -> bool:
    """Whether ``backtest_id`` names a stored backtest (for ``countlab report``)."""
    if not _has_backtests(con):
        return False
    rows = con.execute(
        "select count(*) from backtests where backtest_id = ?", [backtest_id]
    ).fetchall()
    return bool(rows[0][0])


def read_backtest(con: duckdb.DuckDBPyConnection, backtest_id: str) -> dict[str, Any]:
    """The stored ``countlab backtest --json`` object of ``backtest_id``; a one-line error
    naming the id if there is no such backtest."""
    rows = (
        con.execute("select result from backtests where backtest_id = ?", [backtest_id]).fetchall()
        if _has_backtests(con)
        else []
    )
    if not rows:
        raise CountlabError(f"backtest {backtest_id!r}: no such backtest in the warehouse")
    result: dict[str, Any] = json.loads(rows[0][0])
    return result


__all__ = [
    "BACKTEST_TABLES",
    "CHAMBER_COLUMNS",
    "MEMBER_KEYS",
    "BacktestRecord",
    "check_record",
    "is_backtest",
    "new_backtest_id",
    "read_backtest",
    "store_backtest",
    "write_backtest",
]
