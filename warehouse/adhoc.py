"""``countlab sql``'s query: run on a thread, stopped at a deadline or on Ctrl-C, and its rows
as strict JSON.

DuckDB has no statement timeout: the query runs on a worker thread while the main thread
waits; at the deadline, or when a signal raises ``KeyboardInterrupt`` in the main thread,
``con.interrupt()`` stops it.

The rows are DuckDB's own Python values, not a polars frame (which the named queries in
:mod:`warehouse.queries` use): an ad-hoc query may return any type, and a frame turns a
HUGEINT (any ``sum()`` of integers) into a decimal, a UUID into text and a fixed-size array
into a list, and cannot hold an INTERVAL or a UNION, or an infinite date.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import threading
import uuid
from decimal import Decimal
from typing import Any

import duckdb

from models.errors import CountlabError

SQL_TIMEOUT_S = 30.0
"""``countlab sql --timeout``'s default."""

STOP_GRACE_S = 5.0
"""How long an interrupted query may take to stop."""


READ_ONLY_STATEMENTS = ("SELECT", "EXPLAIN")
"""The statement types ``countlab sql`` runs."""


def first_line(exc: BaseException) -> str:
    """An error's first line, or its type's name when it has no message."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse any statement that is not a query (DML, DDL, COPY, ATTACH, LOAD, SET, ...),
    and more than one statement (``countlab sql`` prints one result)."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise CountlabError(f"sql: {first_line(exc)}") from None
    if not statements:
        raise CountlabError("sql: no statement given")
    for statement in statements:
        try:
            kind = statement.type.name
        except ValueError:  # a statement type this DuckDB's Python enum does not name
            kind = "unnamed (not a query)"
        if kind not in READ_ONLY_STATEMENTS:
            raise CountlabError(
                f"sql: {kind} statements are refused: countlab sql is read-only "
                "(SELECT and EXPLAIN only)"
            )
    if len(statements) > 1:
        raise CountlabError(
            f"sql: {len(statements)} statements given; give one per call "
            "(countlab sql prints one result)"
        )


def run_query(
    con: duckdb.DuckDBPyConnection, sql: str, *, timeout: float | None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run ``sql`` on ``con``; return column names and rows. Stopped after ``timeout``
    seconds (None: never) with a one-line error, or by Ctrl-C (re-raised once stopped)."""
    outcome: dict[str, Any] = {}
    done = threading.Event()  # not Thread.join: a join cut by Ctrl-C thinks the thread ended

    def work() -> None:
        try:
            cursor = con.execute(sql)
            outcome["rows"] = cursor.fetchall()
            outcome["columns"] = [d[0] for d in cursor.description or []]
        except Exception as exc:  # noqa: BLE001 (handed to the main thread)
            outcome["error"] = exc
        finally:
            done.set()

    # Not a daemon: the interpreter's exit waits for it (a daemon thread still inside DuckDB
    # at exit aborts the process).
    thread = threading.Thread(target=work, name="countlab-sql")
    try:
        thread.start()
        done.wait(timeout)
    except KeyboardInterrupt as stop:
        con.interrupt()
        done.wait(STOP_GRACE_S)
        if hasattr(stop, "stopped") and stop.stopped is None:
            stop.stopped = "the query was stopped"
        raise
    if not done.is_set():
        con.interrupt()
        done.wait(STOP_GRACE_S)
        raise CountlabError(
            f"sql: the query did not finish within {timeout:g} s and was stopped "
            "(--timeout SECONDS allows more)"
        )
    error = outcome.get("error")
    if isinstance(error, duckdb.Error):
        message = str(error).strip().splitlines()[0] if str(error).strip() else "error"
        raise CountlabError(f"sql: {message}") from None
    if error is not None:
        raise error
    return outcome["columns"], outcome["rows"]


def json_value(value: Any) -> Any:
    """A DuckDB value as plain JSON: NaN and infinities as null, maps as objects, structs
    and lists as objects and arrays, dates and times as ISO strings, blobs as base64."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, dict):  # a MAP (any keys) or a STRUCT
        return {_key(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def _key(key: Any) -> str:
    converted = json_value(key)
    return converted if isinstance(converted, str) else json.dumps(converted)


def json_rows(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """Rows as a JSON array of objects, strict (``allow_nan=False``)."""
    return json.dumps(
        [{c: json_value(v) for c, v in zip(columns, row, strict=True)} for row in rows],
        allow_nan=False,
    )
