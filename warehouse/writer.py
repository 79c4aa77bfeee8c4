"""The warehouse's one writer: the lease for the whole command, the file only while writing.

DuckDB lets one process open a file for writing and then refuses every other process, even
read-only. So a :class:`Writer` holds the writer lease (``warehouse.lease``) from start to end,
but the DuckDB file only while no reader asks for it:

- with no reader about, it keeps one connection and commits each task's chunks as they come,
  one transaction for a task's chunks and their ``stored_chunks`` rows (``store_chunks``);
- when a reader leaves a token, the writer closes the file after the commit in progress,
  once it has held it :data:`WRITER_TURN_S` (without a checkpoint: the command's last close
  does it) and buffers the chunks that come meanwhile (up to
  :data:`MAX_BUFFERED`); it reopens when the readers are done, and commits each buffered
  task's chunks in their own transaction, in order;
- after :data:`READER_TURN_S` of readers, or with its buffer full, it says it wants the file
  back (the intent file, there too while it has the file): new readers hold back until it
  has had its turn, so readers cannot starve it, and waiting readers poll a file, not DuckDB.

A reader therefore waits about a writer's turn and one chunk's commit, and a run's rows are
the same whatever the readers did: only when they are committed changes.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import duckdb

from warehouse.lease import Lease, acquire, readers_waiting, release, set_intent
from warehouse.store import WRITER_WAIT_S, ChunkEntry, open_for_writing, prepare, store_chunks

WRITER_TURN_S = 2.0
"""How long the writer keeps the file, once opened, before it lets waiting readers in: each
turn costs a close and an open (about 10 and 20 ms with 3 million draws stored)."""
READER_TURN_S = 0.5
"""How long the writer leaves the file to readers before it wants it back."""
MAX_BUFFERED = 8
"""Tasks' chunks held in memory while readers have the file; one more and the writer waits."""


@dataclass(frozen=True, slots=True, eq=False)
class Chunk:
    """A task's chunks, simulated but not yet committed."""

    run_key: int
    chunks: tuple[ChunkEntry, ...]
    facts: dict[str, Any]
    on_stored: Callable[[int], None] | None


class Writer:
    """Write one command's runs into ``db``; a context manager (the lease for its block)."""

    def __init__(self, db: str | Path, *, kind: str, run_id: str | None = None) -> None:
        self.db = str(db)
        self.kind = kind
        self.run_id = run_id
        self._lease: Lease | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._buffer: deque[Chunk] = deque()
        self._yielded_at = 0.0
        self._opened_at = 0.0
        self.windows = 0  # how many times the file was opened (figures for the benchmark)

    def __enter__(self) -> Self:
        self._lease = acquire(self.db, kind=self.kind, run_id=self.run_id)
        try:
            prepare(self.con, own_runs=self._lease.runs)  # the schema, once per command
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file and give back the lease (buffered chunks are dropped)."""
        self._buffer.clear()
        self._close()
        set_intent(self.db, False)
        if self._lease is not None:
            lease, self._lease = self._lease, None
            release(lease)

    def name_run(self, run_id: str) -> None:
        """Say which run this writer writes (the lease file names it; it is not 'dead')."""
        assert self._lease is not None
        self._lease.name_run(run_id)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The read-write connection, opened (waiting for readers) if the file was yielded."""
        if self._con is None:
            self._open(block=True)
        assert self._con is not None
        return self._con

    def store(
        self,
        *,
        run_key: int,
        chunks: tuple[ChunkEntry, ...],
        facts: dict[str, Any],
        on_stored: Callable[[int], None] | None = None,
    ) -> None:
        """Commit a task's chunks (``facts``: their rows) now, in one transaction, or buffer
        them while readers have the file; ``on_stored(n_draws)`` once committed."""
        self._buffer.append(Chunk(run_key, chunks, facts, on_stored))
        self._pump(block=len(self._buffer) > MAX_BUFFERED)

    def poll(self) -> None:
        """Between chunks: yield the file to a reader who asks, or take it back."""
        self._pump(block=False)

    def flush(self) -> None:
        """Commit every buffered chunk (waiting for readers if need be)."""
        self._pump(block=True)

    def discard(self) -> None:
        """Drop the buffered chunks (a run that failed and keeps no rows)."""
        self._buffer.clear()

    def _pump(self, *, block: bool) -> None:
        if self._con is None:
            if not self._buffer:
                return
            if not block:
                overdue = time.monotonic() - self._yielded_at >= READER_TURN_S
                if not overdue and readers_waiting(self.db):
                    return  # readers are still getting in
                if overdue:
                    set_intent(self.db, True)
            if not self._open(block=block):
                return
        assert self._con is not None
        while self._buffer:
            chunk = self._buffer.popleft()
            store_chunks(self._con, run_key=chunk.run_key, chunks=chunk.chunks, facts=chunk.facts)
            if chunk.on_stored is not None:
                chunk.on_stored(sum(entry.n_draws for entry in chunk.chunks))
        if time.monotonic() - self._opened_at >= WRITER_TURN_S and readers_waiting(self.db):
            self._close(checkpoint=False)
            self._yielded_at = time.monotonic()

    def _open(self, *, block: bool) -> bool:
        con = open_for_writing(
            self.db,
            wait=WRITER_WAIT_S if block else None,
            on_wait=lambda: set_intent(self.db, True),
        )
        if con is None:
            return False
        set_intent(self.db, True)  # readers hold back while the writer has the file
        self._con = con
        self._opened_at = time.monotonic()
        self.windows += 1
        return True

    def _close(self, *, checkpoint: bool = True) -> None:
        """Close the file; a reader's turn skips the checkpoint (0.1 to 0.4 s against 10 ms:
        the commits are in the WAL, which readers replay, and the last close folds it in)."""
        if self._con is not None:
            con, self._con = self._con, None
            if not checkpoint:
                con.execute("pragma disable_checkpoint_on_shutdown")
            con.close()
            set_intent(self.db, False)
