"""The only code that writes to the warehouse, and the read-only connection for queries.

A run is written in steps, each one transaction:

1. :func:`begin_run` commits its ``runs`` row ('running') and one ``sweep_points`` row per
   point (a run has one point, 0);
2. :func:`store_chunks` commits one or more chunks' ``stored_draws`` and
   ``stored_objection_votes`` rows together with their ``stored_chunks`` rows, so a chunk is
   stored whole or not at all, and at most once (the ledger's primary key);
3. :func:`complete_run` commits the exact probabilities and marks the run 'completed': only
   then do the views show any of its rows.

Memory stays flat in the number of draws (DuckDB keeps one chunk, not the run, in
transaction-local storage). :func:`fail_run` marks a run 'failed' and, unless it is kept for
resuming, deletes its stored rows.

One writer at a time: a writing command holds the writer lease (``warehouse.lease``) for its
whole length, so a run left 'running' while nobody holds the lease belongs to a process that
died, and :func:`connect` (or ``warehouse.writer.Writer``) marks it failed. DuckDB lets one
process open the file for writing and refuses readers meanwhile, so the writer opens it only
while it writes and closes it when a reader asks (``warehouse.writer``); readers
(:func:`connect_read_only`) wait up to :data:`READER_WAIT_S` for their turn, and see completed
runs only (the views).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pyarrow as pa

from models.errors import CountlabError
from warehouse.adhoc import check_read_only, first_line, run_query
from warehouse.lease import reader_token, retry_open, who_writes, writer_lease, writer_wants
from warehouse.records import PointRecord, RunRecord
from warehouse.schema import NO_EXTENSIONS, WRITER_SETTINGS, check_file, ensure_schema

DEFAULT_DB = "countlab.duckdb"
"""The warehouse file used when ``--db`` is not given, in the working directory."""


READER_WAIT_S = 10.0
"""How long a reader waits for a writer to let it in before it gives up."""
WRITER_WAIT_S = 120.0
"""How long a writer waits for readers to let it in (they are bounded by ``sql --timeout``)."""

INTERRUPTED = "interrupted: the process writing it stopped before the run completed"


def check_warehouse_file(path: str | Path) -> None:
    """A one-line error, before DuckDB opens ``path``, unless it is absent or a countlab
    warehouse (not a directory, SQLite or other file, nor another application's DuckDB
    database, nor a schema version this countlab cannot use): :func:`schema.check_file`."""
    check_file(path)


def connect(path: str | Path, *, kind: str = "writer") -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse at ``path`` for writing, schema up to date.

    Fails at once, in one line, if another process holds the writer lease; waits for readers.
    Runs found 'running' belong to a process that died (the lease is free, or ours): they are
    marked 'failed'; a sweep's rows are kept so that it can resume, a plain run's deleted.
    """
    check_warehouse_file(path)
    with writer_lease(path, kind=kind) as lease:
        con = open_for_writing(path, wait=WRITER_WAIT_S)
        assert con is not None  # with a wait, retry_open returns a connection or raises
        try:
            prepare(con, own_runs=lease.runs)
        except BaseException:
            con.close()
            raise
    return con


def prepare(con: duckdb.DuckDBPyConnection, *, own_runs: set[str]) -> None:
    """Bring the schema up to date and mark failed the runs left 'running' by dead writers
    (every 'running' run but ``own_runs``: call it only holding the writer lease)."""
    ensure_schema(con)
    dead = con.execute(
        "select run_id, kind from runs where status = 'running' and not list_contains(?, run_id)",
        [sorted(own_runs)],
    ).fetchall()
    if not dead:
        return
    con.begin()
    try:
        con.execute(
            "update runs set status = 'failed', finished_at = ?, error = ?"
            " where list_contains(?, run_id)",
            [datetime.now(UTC), INTERRUPTED, [run_id for run_id, _ in dead]],
        )
        # A killed plain run cannot be resumed: its chunks go (a sweep's stay, for --resume).
        for table in (*FACT_TABLES, "stored_chunks"):
            con.execute(
                f"delete from {table} where run_key in (select run_key from runs"
                " where list_contains(?, run_id))",
                [[run_id for run_id, kind in dead if kind == "run"]],
            )
        con.commit()
    except BaseException:
        con.rollback()
        raise


def open_for_writing(
    path: str | Path, *, wait: float | None, on_wait: Callable[[], None] | None = None
) -> duckdb.DuckDBPyConnection | None:
    """A plain read-write connection (no schema work: cheap), retried while readers hold
    the file for up to ``wait`` seconds (``None``: one try, None if they do)."""
    return retry_open(
        path,
        lambda: duckdb.connect(str(path), config={**NO_EXTENSIONS, **WRITER_SETTINGS}),
        wait=wait,
        on_wait=on_wait,
    )


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def connect_read_only(
    path: str | Path,
    *,
    wait: float = READER_WAIT_S,
    notify: Callable[[str], None] = _say,
    writable: Path | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only, with every file-system and extension access disabled
    (but for files under the folder ``writable``: ``countlab export`` writes there).

    While a writer has the file, wait up to ``wait`` seconds for it to let this reader in
    (leaving a reader token it answers to), saying once through ``notify`` who writes.
    """
    check_warehouse_file(path)
    if not Path(path).is_file():
        raise CountlabError(f"{path}: no warehouse here (run `countlab run` first, or pass --db)")

    def open_once() -> duckdb.DuckDBPyConnection:
        access = {} if writable else {"enable_external_access": False}
        con = duckdb.connect(str(path), read_only=True, config={**access, **NO_EXTENSIONS})
        if writable:  # DuckDB admits the folder only while external access is on
            folder = str(writable.absolute()).replace("'", "''")
            con.execute(f"set allowed_directories = ['{folder}/']")
            con.execute("set enable_external_access = false")
        # No progress bar (it goes to stdout, into --format json), then no more settings.
        con.execute("set enable_progress_bar = false; set lock_configuration = true")
        return con

    with contextlib.ExitStack() as token:

        def waiting() -> None:
            token.enter_context(reader_token(path))
            notify(f"countlab: waiting for the warehouse: {who_writes(path)} is writing")

        con = retry_open(
            path, open_once, wait=wait, on_wait=waiting, hold_back=lambda: writer_wants(path)
        )
    assert con is not None
    return con


def query_rows(
    path: str | Path, sql: str, *, timeout: float | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a read-only query against the warehouse, stopped after ``timeout`` seconds;
    return column names and rows."""
    con = connect_read_only(path)
    try:
        check_read_only(con, sql)
        return run_query(con, sql, timeout=timeout)
    finally:
        con.close()


def begin_run(con: duckdb.DuckDBPyConnection, record: RunRecord, points: list[PointRecord]) -> int:
    """Insert the run's row ('running') and its points, commit; return its ``run_key``. A
    one-line error if the warehouse has a run of that id already."""
    if con.execute("select 1 from runs where run_id = ?", [record.run_id]).fetchone():
        raise CountlabError(
            f"run {record.run_id!r} is in the warehouse already: a new run needs a new id"
        )
    con.begin()
    try:
        row = con.execute("select nextval('run_keys')").fetchone()
        assert row is not None
        run_key = int(row[0])
        con.execute(
            "insert into runs (run_id, run_key, kind, scenario, scenario_hash, session, regime,"
            " denominator, rules, candidates, objection_states, seed, draws, points, sweep,"
            " base_dir, chunk_draws, block_draws, sampler, countlab_version, started_at, status,"
            " scenario_name, prefect_flow_run_id) values"
            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)",
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
                record.scenario_name,
                record.prefect_flow_run_id,
            ],
        )
        con.executemany(
            "insert into sweep_points values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    list(p.slate_states),
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


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    """Insert Arrow ``rows`` into ``table`` by column name (inside the caller's transaction)."""
    con.register("incoming_rows", rows)
    try:
        con.execute(f"insert into {table} by name select * from incoming_rows")
    finally:
        con.unregister("incoming_rows")


class ChunkEntry(NamedTuple):
    """One chunk of a run: its ``stored_chunks`` (ledger) row, without the time."""

    point: int
    first_draw: int
    n_draws: int


def store_chunks(
    con: duckdb.DuckDBPyConnection,
    *,
    run_key: int,
    chunks: Sequence[ChunkEntry],
    facts: dict[str, pa.Table],
) -> None:
    """Store the rows (``{table: Arrow rows}``) of one or more chunks and their ledger rows,
    all or nothing."""
    unknown = set(facts) - set(FACT_TABLES)
    if unknown:
        raise ValueError(f"not a fact table: {sorted(unknown)}")
    now = datetime.now(UTC)
    con.begin()
    try:
        con.executemany(
            "insert into stored_chunks values (?, ?, ?, ?, ?)",
            [[run_key, c.point, c.first_draw, c.n_draws, now] for c in chunks],
        )
        for table, rows in facts.items():
            insert_rows(con, table, rows)
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
            insert_rows(con, "exact_probabilities", exact)
        con.execute(
            "update runs set status = 'completed', finished_at = ?, error = null where run_id = ?",
            [datetime.now(UTC), run_id],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise


def reopen_run(
    con: duckdb.DuckDBPyConnection, run_id: str, *, prefect_flow_run_id: str | None = None
) -> int:
    """Mark a run that did not complete 'running' again, to finish it (``countlab sweep
    --resume``), in the flow run ``prefect_flow_run_id`` when given; return its ``run_key``.
    A one-line error if it completed meanwhile."""
    row = con.execute(
        "update runs set status = 'running', finished_at = null, error = null,"
        " prefect_flow_run_id = coalesce(?, prefect_flow_run_id)"
        " where run_id = ? and status <> 'completed' returning run_key",
        [prefect_flow_run_id, run_id],
    ).fetchone()
    if row is None:
        raise CountlabError(f"run {run_id!r} is already completed: nothing to resume")
    return int(row[0])


def fail_run(
    con: duckdb.DuckDBPyConnection, run_id: str, error: BaseException, *, keep_rows: bool
) -> None:
    """Mark a run 'failed' with its error ('interrupted' when a signal or Ctrl-C stopped it);
    delete its stored rows unless ``keep_rows``."""
    message = first_line(error) if str(error) else type(error).__name__
    status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
    if status == "interrupted" and not message.startswith("interrupted"):
        message = f"interrupted ({message})"
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
            "update runs set status = ?, finished_at = ?, error = ? where run_id = ?",
            [status, datetime.now(UTC), message, run_id],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
