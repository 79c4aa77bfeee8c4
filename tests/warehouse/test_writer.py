"""The writer groups small chunks into one transaction (issue 17: a sweep of small points
paid one commit, some 25 ms, for every 2,000 draws) and keeps every chunk whole."""

from __future__ import annotations

import duckdb
import pytest

from tests.warehouse.test_store import draws_rows, start
from warehouse import writer as writer_module
from warehouse.chunk_store import ChunkRows, store_chunks
from warehouse.writer import Writer

CHUNK = 100


@pytest.fixture
def db(tmp_path):
    return tmp_path / "w.duckdb"


def stored(db) -> list[tuple[int, int]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select draw, outcome from stored_draws order by draw").fetchall()


def write_chunks(db, monkeypatch, n_chunks: int) -> tuple[list[int], list[int]]:
    """Store ``n_chunks`` chunks of ``CHUNK`` draws through a Writer; return the number of
    chunks in each transaction and the draws ``on_stored`` was told of, in order."""
    groups: list[int] = []

    def counting(con, chunks):
        groups.append(len(chunks))
        store_chunks(con, chunks)

    monkeypatch.setattr(writer_module, "store_chunks", counting)
    told: list[int] = []
    with Writer(db, kind="run", run_id="run1") as writer:
        run_key = start(writer.con, draws=n_chunks * CHUNK)
        for c in range(n_chunks):
            rows = draws_rows(run_key, [("electors", "biden")] * CHUNK, first=c * CHUNK)
            writer.store(
                run_key=run_key,
                point=0,
                first_draw=c * CHUNK,
                n_draws=CHUNK,
                facts={"stored_draws": rows},
                on_stored=told.append,
            )
        writer.flush()
    return groups, told


def test_small_chunks_share_one_transaction_until_the_flush(db, monkeypatch) -> None:
    monkeypatch.setattr(writer_module, "GROUP_WAIT_S", 1e9)
    groups, told = write_chunks(db, monkeypatch, 40)
    assert groups == [40]
    assert told == [CHUNK] * 40
    assert [draw for draw, _ in stored(db)] == list(range(40 * CHUNK))


def test_a_transaction_holds_at_most_group_draws(db, monkeypatch) -> None:
    monkeypatch.setattr(writer_module, "GROUP_WAIT_S", 1e9)
    monkeypatch.setattr(writer_module, "GROUP_DRAWS", 250)
    groups, told = write_chunks(db, monkeypatch, 9)
    # due once 250 draws wait (3 chunks): two chunks (200 draws) in one, the third alone
    assert groups == [2, 1, 2, 1, 2, 1]
    assert sum(told) == 9 * CHUNK
    assert [draw for draw, _ in stored(db)] == list(range(9 * CHUNK))


def test_a_chunk_that_waited_group_wait_s_is_committed_at_once(db, monkeypatch) -> None:
    monkeypatch.setattr(writer_module, "GROUP_WAIT_S", 0.0)
    groups, _ = write_chunks(db, monkeypatch, 5)
    assert groups == [1] * 5


def test_chunks_in_one_transaction_are_stored_all_or_nothing(db) -> None:
    """A group whose second chunk is already stored (the ledger's primary key) stores
    neither chunk: each chunk stays whole, and none twice."""
    with Writer(db, kind="run", run_id="run1") as writer:
        con = writer.con
        run_key = start(con, draws=300)

        def chunk(first: int) -> ChunkRows:
            rows = draws_rows(run_key, [("electors", "trump")] * CHUNK, first=first)
            return ChunkRows(run_key, 0, first, CHUNK, {"stored_draws": rows})

        store_chunks(con, [chunk(0)])
        with pytest.raises(duckdb.ConstraintException):
            store_chunks(con, [chunk(100), chunk(0)])
        store_chunks(con, [chunk(100), chunk(200)])
    assert [draw for draw, _ in stored(db)] == list(range(300))


def test_only_fact_tables_are_stored(db) -> None:
    with Writer(db, kind="run", run_id="run1") as writer:
        run_key = start(writer.con, draws=CHUNK)
        rows = draws_rows(run_key, [("electors", "biden")] * CHUNK)
        with pytest.raises(ValueError, match="not a fact table"):
            store_chunks(writer.con, [ChunkRows(run_key, 0, 0, CHUNK, {"runs": rows})])
