"""Chunks' rows into the fact tables, with their ledger rows: all or nothing, at most once.

A chunk's ``stored_draws`` and ``stored_objection_votes`` rows (Arrow tables, from
``warehouse.frames``) are committed in one transaction with its ``stored_chunks`` row, whose
primary key ``(run_key, point, first_draw)`` refuses a chunk stored twice. Several chunks may
share the transaction (:func:`store_chunks`: a sweep of small points commits them together,
one statement per table): each is still stored whole or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

FACT_TABLES = ("stored_draws", "stored_objection_votes")


@dataclass(frozen=True, slots=True, eq=False)
class ChunkRows:
    """One chunk's place in its run and its rows (``{fact table: Arrow rows}``)."""

    run_key: int
    point: int
    first_draw: int
    n_draws: int
    facts: dict[str, pa.Table]


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    """Insert Arrow ``rows`` into ``table`` by column name (inside the caller's transaction)."""
    con.register("incoming_rows", rows)
    try:
        con.execute(f"insert into {table} by name select * from incoming_rows")
    finally:
        con.unregister("incoming_rows")


def store_chunks(con: duckdb.DuckDBPyConnection, chunks: Sequence[ChunkRows]) -> None:
    """Store the chunks' rows and ledger rows in one transaction, all or nothing: the rows
    in the chunks' order, each fact table's in one insert where their schemas agree."""
    unknown = {table for chunk in chunks for table in chunk.facts} - set(FACT_TABLES)
    if unknown:
        raise ValueError(f"not a fact table: {sorted(unknown)}")
    if not chunks:
        return
    now = datetime.now(UTC)
    ledger = [[c.run_key, c.point, c.first_draw, c.n_draws, now] for c in chunks]
    con.begin()
    try:
        con.execute(
            "insert into stored_chunks values " + ", ".join(["(?, ?, ?, ?, ?)"] * len(ledger)),
            [value for row in ledger for value in row],
        )
        for table in FACT_TABLES:
            parts = [chunk.facts[table] for chunk in chunks if table in chunk.facts]
            if parts and all(part.schema == parts[0].schema for part in parts):
                parts = [pa.concat_tables(parts)]
            for rows in parts:
                insert_rows(con, table, rows)
        con.commit()
    except BaseException:
        con.rollback()
        raise


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
    store_chunks(con, [ChunkRows(run_key, point, first_draw, n_draws, facts)])


def stored_chunk_starts(con: duckdb.DuckDBPyConnection, run_key: int) -> set[tuple[int, int]]:
    """``(point, first_draw)`` of every chunk of a run already stored."""
    rows = con.execute(
        "select point, first_draw from stored_chunks where run_key = ?", [run_key]
    ).fetchall()
    return {(int(p), int(f)) for p, f in rows}
