"""Small chunks share a task (``flows.chunks.group_chunks``): fewer Prefect task runs and
transactions, the same rows bit for bit, a task's chunks committed together or not at all."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.chunks import ChunkWork, group_chunks, task_label
from flows.plans import PointPlan
from flows.requests import SweepRequest
from models.sampling import BLOCK_DRAWS, chunk_size, plan_chunks
from tests.flows.test_flowruns import SCENARIO as FLOWRUNS_SCENARIO

SCENARIO = (
    FLOWRUNS_SCENARIO.split("[sweep.vary]")[0] + '[sweep.vary]\n"votes.senate.D" = "0:0.2:12"\n'
)  # 12 points
POINT_DRAWS = 500


def works(points: int, draws: int, chunk_draws: int) -> list[ChunkWork]:
    """Every chunk of ``points`` points (no scenario: grouping reads none)."""
    return [
        ChunkWork(PointPlan(point, None, 0), first, n)  # type: ignore[arg-type]
        for point in range(points)
        for first, n in plan_chunks(draws, chunk_draws)
    ]


@pytest.mark.parametrize(
    ("points", "draws", "workers", "sizes"),
    [
        (500, 2000, 2, [62] * 8 + [4]),  # the small points: 9 tasks, not 500
        (12, 500, 1, [3] * 4),
        (12, 500, 3, [1] * 12),  # as many tasks as chunks wanted: none grouped
        (2, 2000, 2, [1, 1]),
        (1, 100, 4, [1]),
    ],
)
def test_small_chunks_are_grouped_in_order_within_the_budget(points, draws, workers, sizes):
    todo = works(points, draws, 100_000)
    groups = group_chunks(todo, chunk_draws=100_000, workers=workers)
    assert [len(g) for g in groups] == sizes
    assert [w for g in groups for w in g] == todo  # every chunk once, in (point, draw) order
    assert all(sum(w.n_draws for w in g) <= chunk_size(100_000) for g in groups)


def test_a_runs_full_chunks_stay_one_a_task():
    todo = works(1, 10 * BLOCK_DRAWS + 7, BLOCK_DRAWS)
    groups = group_chunks(todo, chunk_draws=BLOCK_DRAWS, workers=1)
    assert groups == [(w,) for w in todo]
    assert group_chunks([], chunk_draws=BLOCK_DRAWS, workers=2) == []


def test_a_task_is_named_after_its_chunks():
    todo = works(3, 2000, 100_000)
    assert task_label(todo[:1]) == "point 0 draws 0+2000"
    assert task_label(todo) == "points 0-2 draws 0+2000"
    mixed = [*works(1, BLOCK_DRAWS + 10, BLOCK_DRAWS)[1:], *todo[1:]]
    assert task_label(mixed) == "points 0-2, 4010 draws"


def sweep_rows(db: Path, run_id: str) -> tuple[list[tuple], list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        draws = con.execute(
            "select * exclude (run_id) from objection_votes where run_id = ? order by all",
            [run_id],
        ).fetchall()
        chunks = con.execute(
            "select point, first_draw, n_draws from stored_chunks c join runs r using (run_key) "
            "where r.run_id = ? order by all",
            [run_id],
        ).fetchall()
        return draws, chunks
    finally:
        con.close()


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "small-points.toml"
    path.write_text(SCENARIO)
    return path


def request(scenario: Path, db: Path, workers: int) -> SweepRequest:
    return SweepRequest(
        scenario_path=str(scenario), draws=POINT_DRAWS, seed=3, db=str(db), workers=workers
    )


@pytest.mark.usefixtures("prefect_harness")
def test_grouped_and_single_chunk_tasks_store_the_same_rows(scenario, tmp_path):
    from flows.sweep import sweep

    grouped = sweep(request(scenario, tmp_path / "grouped.duckdb", workers=1))  # 4 tasks
    single = sweep(request(scenario, tmp_path / "single.duckdb", workers=3))  # 12 tasks
    got = sweep_rows(tmp_path / "grouped.duckdb", grouped["run_id"])
    want = sweep_rows(tmp_path / "single.duckdb", single["run_id"])
    assert got == want
    assert got[1] == [(point, 0, POINT_DRAWS) for point in range(12)]  # a ledger row a chunk


@pytest.mark.usefixtures("prefect_harness")
def test_a_failed_task_stores_none_of_its_chunks_and_the_sweep_resumes(
    scenario, tmp_path, monkeypatch
):
    import flows.chunks
    from flows.sweep import sweep

    reference = sweep(request(scenario, tmp_path / "reference.duckdb", workers=1))
    real = flows.chunks.simulate
    calls = {"n": 0}

    def fails_in_the_second_task(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 5:  # point 4, in the task of points 3-5 (one worker: in order)
            raise RuntimeError("a bug, not retried")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(flows.chunks, "simulate", fails_in_the_second_task)
    db = tmp_path / "w.duckdb"
    with pytest.raises(RuntimeError, match="a bug"):
        sweep(request(scenario, db, workers=1))
    con = duckdb.connect(str(db), read_only=True)
    (run_id,) = con.execute("select run_id from runs").fetchone()
    stored = con.execute("select point from stored_chunks order by point").fetchall()
    con.close()
    assert stored == [(0,), (1,), (2,)]  # the first task's chunks; none of the second's
    monkeypatch.setattr(flows.chunks, "simulate", real)
    resumed = sweep(
        SweepRequest(scenario_path=None, draws=None, seed=None, db=str(db), resume=run_id)
    )
    assert sweep_rows(db, resumed["run_id"]) == sweep_rows(
        tmp_path / "reference.duckdb", reference["run_id"]
    )
