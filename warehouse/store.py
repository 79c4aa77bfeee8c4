"""The only code that writes to the warehouse, and the read-only connection for queries.

A run is written in two steps: :func:`begin_run` commits its ``runs`` row ('running');
:class:`RunWriter` then appends every chunk inside one transaction that also marks the run
'completed', so a run's rows land all together or not at all. On failure the transaction is
rolled back and the run is marked 'failed' with its error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import duckdb
import pyarrow as pa

from models.errors import CountlabError
from warehouse.schema import ensure_schema

DEFAULT_DB = "countlab.duckdb"
"""The warehouse file used when ``--db`` is not given, in the working directory."""

READ_ONLY_STATEMENTS = ("SELECT", "EXPLAIN")


def connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse at ``path`` for writing, schema up to date."""
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise CountlabError(f"{path}: cannot open the warehouse ({_first_line(exc)})") from None
    ensure_schema(con)
    return con


def connect_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only, with every file-system and extension access disabled."""
    if not Path(path).is_file():
        raise CountlabError(f"{path}: no warehouse here (run `countlab run` first, or pass --db)")
    try:
        con = duckdb.connect(
            str(path),
            read_only=True,
            config={
                "enable_external_access": False,
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
                "lock_configuration": True,
            },
        )
    except duckdb.Error as exc:
        raise CountlabError(f"{path}: cannot open the warehouse ({_first_line(exc)})") from None
    return con


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse any statement that is not a query (DML, DDL, COPY, ATTACH, LOAD, SET, ...)."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise CountlabError(f"sql: {_first_line(exc)}") from None
    if not statements:
        raise CountlabError("sql: no statement given")
    for statement in statements:
        kind = statement.type.name
        if kind not in READ_ONLY_STATEMENTS:
            raise CountlabError(
                f"sql: {kind} statements are refused: countlab sql is read-only "
                "(SELECT and EXPLAIN only)"
            )


def query_rows(path: str | Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a read-only query against the warehouse; return column names and rows."""
    con = connect_read_only(path)
    try:
        check_read_only(con, sql)
        try:
            cursor = con.execute(sql)
            rows = cursor.fetchall()
        except duckdb.Error as exc:
            raise CountlabError(f"sql: {_first_line(exc)}") from None
        return [d[0] for d in cursor.description or []], rows
    finally:
        con.close()


@dataclass(frozen=True, slots=True)
class RunRecord:
    """The provenance of one run: its ``runs`` row."""

    run_id: str
    scenario_json: str
    scenario_hash: str
    session: str
    regime: str
    denominator: str
    rules: dict[str, Any]
    candidates: tuple[str, ...]
    objection_states: tuple[str, ...]
    seed: int
    draws: int
    block_draws: int
    sampler: str
    countlab_version: str


def begin_run(con: duckdb.DuckDBPyConnection, record: RunRecord) -> None:
    """Insert the run's row with status 'running' and commit it."""
    con.execute(
        "insert into runs (run_id, scenario, scenario_hash, session, regime, denominator, rules,"
        " candidates, objection_states, seed, draws, block_draws, sampler, countlab_version,"
        " started_at, status) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')",
        [
            record.run_id,
            record.scenario_json,
            record.scenario_hash,
            record.session,
            record.regime,
            record.denominator,
            json.dumps(record.rules),
            list(record.candidates),
            list(record.objection_states),
            record.seed,
            record.draws,
            record.block_draws,
            record.sampler,
            record.countlab_version,
            datetime.now(UTC),
        ],
    )


class RunWriter:
    """Append a run's chunks in one transaction; commit marks the run 'completed'.

    Use as a context manager: leaving it with an exception rolls every row back and marks
    the run 'failed'.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str) -> None:
        self.con = con
        self.run_id = run_id

    def __enter__(self) -> Self:
        self.con.begin()
        return self

    def append(self, table: str, rows: pa.Table) -> None:
        """Append an Arrow table to ``draws``, ``objection_votes`` or ``exact_probabilities``."""
        if table not in ("draws", "objection_votes", "exact_probabilities"):
            raise ValueError(f"not a fact table: {table}")
        self.con.register("incoming_rows", rows)
        try:
            self.con.execute(f"insert into {table} by name select * from incoming_rows")
        finally:
            self.con.unregister("incoming_rows")

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        if error is None:
            self.con.execute(
                "update runs set status = 'completed', finished_at = ? where run_id = ?",
                [datetime.now(UTC), self.run_id],
            )
            self.con.commit()
            return
        self.con.rollback()
        message = _first_line(error) if str(error) else type(error).__name__
        self.con.execute(
            "update runs set status = 'failed', finished_at = ?, error = ? where run_id = ?",
            [datetime.now(UTC), message, self.run_id],
        )
