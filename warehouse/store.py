"""The only code that writes to the warehouse, and the read-only connection for queries.

A run is written in steps, each one transaction:

1. :func:`begin_run` commits its ``runs`` row ('running') and one ``sweep_points`` row per
   point (a run has one point, 0);
2. :func:`store_chunk` commits a chunk's ``stored_draws`` and ``stored_objection_votes`` rows
   together with its ``stored_chunks`` row, so a chunk is stored whole or not at all, and at
   most once (the ledger's primary key);
3. :func:`complete_run` commits the exact probabilities and marks the run 'completed': only
   then do the views show any of its rows.

Memory stays flat in the number of draws (DuckDB keeps one chunk, not the run, in
transaction-local storage). :func:`fail_run` marks a run 'failed' and, unless it is kept for
resuming, deletes its stored rows. A run left 'running' by a process that died is marked
failed by the next writer (DuckDB lets one process write at a time, so it cannot be alive).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from models.errors import CountlabError
from warehouse.schema import ensure_schema

DEFAULT_DB = "countlab.duckdb"
"""The warehouse file used when ``--db`` is not given, in the working directory."""

READ_ONLY_STATEMENTS = ("SELECT", "EXPLAIN")


INTERRUPTED = "interrupted: the process writing it stopped before the run completed"


def connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse at ``path`` for writing, schema up to date.

    Runs found 'running' belong to a process that died (DuckDB admits one writing process):
    they are marked 'failed', their rows kept so that a sweep can resume.
    """
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise CountlabError(f"{path}: cannot open the warehouse ({_first_line(exc)})") from None
    ensure_schema(con)
    con.execute(
        "update runs set status = 'failed', finished_at = ?, error = ? where status = 'running'",
        [datetime.now(UTC), INTERRUPTED],
    )
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
    """The provenance of one run or sweep: its ``runs`` row."""

    run_id: str
    kind: str  # run | sweep
    scenario_json: str
    scenario_hash: str
    session: str
    regime: str
    denominator: str
    rules: dict[str, Any]
    candidates: tuple[str, ...]
    objection_states: tuple[str, ...]
    seed: int
    draws: int  # per point
    points: int
    sweep_json: str | None
    base_dir: str
    chunk_draws: int
    block_draws: int
    sampler: str
    countlab_version: str


@dataclass(frozen=True, slots=True)
class PointRecord:
    """One point of a run (a run has one, point 0): its ``sweep_points`` row."""

    point: int
    params: dict[str, str]
    param_values: dict[str, float]
    scenario_json: str
    scenario_hash: str
    session: str
    regime: str
    denominator: str
    candidates: tuple[str, ...]
    vp_candidates: tuple[str, ...]
    objection_states: tuple[str, ...]
    seed: int
    draws: int


def begin_run(con: duckdb.DuckDBPyConnection, record: RunRecord, points: list[PointRecord]) -> int:
    """Insert the run's row ('running') and its points, commit; return its ``run_key``."""
    con.begin()
    try:
        row = con.execute("select nextval('run_keys')").fetchone()
        assert row is not None
        run_key = int(row[0])
        con.execute(
            "insert into runs (run_id, run_key, kind, scenario, scenario_hash, session, regime,"
            " denominator, rules, candidates, objection_states, seed, draws, points, sweep,"
            " base_dir, chunk_draws, block_draws, sampler, countlab_version, started_at, status)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')",
            [
                record.run_id,
                run_key,
                record.kind,
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
                record.points,
                record.sweep_json,
                record.base_dir,
                record.chunk_draws,
                record.block_draws,
                record.sampler,
                record.countlab_version,
                datetime.now(UTC),
            ],
        )
        con.executemany(
            "insert into sweep_points values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    record.run_id,
                    run_key,
                    p.point,
                    p.params,
                    p.param_values,
                    p.scenario_json,
                    p.scenario_hash,
                    p.session,
                    p.regime,
                    p.denominator,
                    list(p.candidates),
                    list(p.vp_candidates),
                    list(p.objection_states),
                    p.seed,
                    p.draws,
                ]
                for p in points
            ],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return run_key


FACT_TABLES = ("stored_draws", "stored_objection_votes")


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    con.register("incoming_rows", rows)
    try:
        con.execute(f"insert into {table} by name select * from incoming_rows")
    finally:
        con.unregister("incoming_rows")


def store_chunk(
    con: duckdb.DuckDBPyConnection,
    *,
    run_key: int,
    point: int,
    first_draw: int,
    n_draws: int,
    facts: dict[str, pa.Table],
) -> None:
    """Store one chunk's rows (``{table: Arrow rows}``) and its ledger row, all or nothing."""
    unknown = set(facts) - set(FACT_TABLES)
    if unknown:
        raise ValueError(f"not a fact table: {sorted(unknown)}")
    con.begin()
    try:
        con.execute(
            "insert into stored_chunks values (?, ?, ?, ?, ?)",
            [run_key, point, first_draw, n_draws, datetime.now(UTC)],
        )
        for table, rows in facts.items():
            _insert(con, table, rows)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def stored_chunk_starts(con: duckdb.DuckDBPyConnection, run_key: int) -> set[tuple[int, int]]:
    """``(point, first_draw)`` of every chunk of a run already stored."""
    rows = con.execute(
        "select point, first_draw from stored_chunks where run_key = ?", [run_key]
    ).fetchall()
    return {(int(p), int(f)) for p, f in rows}


def complete_run(
    con: duckdb.DuckDBPyConnection, run_id: str, exact: pa.Table | None = None
) -> None:
    """Store the exact probabilities (if any) and mark the run 'completed', in one commit."""
    con.begin()
    try:
        if exact is not None and exact.num_rows:
            _insert(con, "exact_probabilities", exact)
        con.execute(
            "update runs set status = 'completed', finished_at = ?, error = null where run_id = ?",
            [datetime.now(UTC), run_id],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise


def reopen_run(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Mark a failed run 'running' again, to finish it (``countlab sweep --resume``)."""
    con.execute(
        "update runs set status = 'running', finished_at = null, error = null where run_id = ?",
        [run_id],
    )


def fail_run(
    con: duckdb.DuckDBPyConnection, run_id: str, error: BaseException, *, keep_rows: bool
) -> None:
    """Mark a run 'failed' with its error; delete its stored rows unless ``keep_rows``."""
    message = _first_line(error) if str(error) else type(error).__name__
    con.begin()
    try:
        if not keep_rows:
            for table in (*FACT_TABLES, "stored_chunks"):
                con.execute(
                    f"delete from {table} where run_key = "
                    "(select run_key from runs where run_id = ?)",
                    [run_id],
                )
        con.execute(
            "update runs set status = 'failed', finished_at = ?, error = ? where run_id = ?",
            [datetime.now(UTC), message, run_id],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
