"""``countlab gc``: remove the stored rows of runs that did not complete.

A failed or interrupted sweep keeps its committed chunks so that ``countlab sweep --resume``
can finish it; a ``countlab run`` killed with SIGKILL had no chance to delete its own. Both
are invisible in every view. :func:`collect` deletes them (the ``runs`` rows stay, as the
record of what was tried); a sweep collected this way can still be resumed, it just
recomputes every chunk. DuckDB reuses the freed blocks; the file does not shrink.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.lease import writer_lease
from warehouse.store import connect, connect_read_only

COLLECTABLE = ("failed", "interrupted")
"""Statuses whose stored rows :func:`collect` removes."""

STORED_TABLES = ("stored_draws", "stored_objection_votes", "stored_chunks")


@dataclass(frozen=True, slots=True)
class Garbage:
    """What a run that did not complete left behind: rows per stored table."""

    run_id: str
    kind: str
    status: str
    chunks: int
    draws: int
    vote_rows: int


def garbage(
    con: duckdb.DuckDBPyConnection, kinds: tuple[str, ...] = ("run", "sweep")
) -> list[Garbage]:
    """Every failed or interrupted run (of ``kinds``) that still has stored rows."""
    rows = con.execute(
        """
        select
            r.run_id, r.kind, r.status,
            (select count(*) from stored_chunks c where c.run_key = r.run_key),
            (select count(*) from stored_draws d where d.run_key = r.run_key),
            (select count(*) from stored_objection_votes v where v.run_key = r.run_key)
        from runs r
        where r.status in (select unnest(?)) and r.kind in (select unnest(?))
        order by r.started_at
        """,
        [list(COLLECTABLE), list(kinds)],
    ).fetchall()
    return [Garbage(*row) for row in rows if row[3] or row[4] or row[5]]


def collect(con: duckdb.DuckDBPyConnection, found: list[Garbage]) -> None:
    """Delete the stored rows of ``found``, in one transaction."""
    if not found:
        return
    con.begin()
    try:
        for table in STORED_TABLES:
            con.execute(
                f"delete from {table} where run_key in "
                "(select run_key from runs where run_id in (select unnest(?)))",
                [[g.run_id for g in found]],
            )
        con.commit()
    except BaseException:
        con.rollback()
        raise


def collect_garbage(db: Path, *, dry_run: bool) -> list[Garbage]:
    """What runs that did not complete left in the warehouse ``db``, removed unless
    ``dry_run`` (then only read). Removing holds the writer lease: no run writes meanwhile."""
    if dry_run:
        con = connect_read_only(db)
        try:
            return garbage(con)
        finally:
            con.close()
    with writer_lease(db, kind="gc"):
        con = connect(db, kind="gc")
        try:
            found = garbage(con)
            collect(con, found)
            return found
        finally:
            con.close()
