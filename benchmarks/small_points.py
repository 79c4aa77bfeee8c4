"""Many small sweep points against one big run: ``small_points_ratio`` (definition in
:mod:`benchmarks.bench`).

Both go through countlab's own flows (``flows.sweep.sweep``, ``flows.run.run``) into fresh
DuckDB files, in one child process, after an untimed warm-up of each (Prefect's start-up is
``first_answer_s*``). The sweep is a grid over ``votes.correlation`` (``points`` evenly
spaced values from 0 to 0.6) of the benchmark scenario, every point ``point_draws`` draws.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import Any

from benchmarks.fresh_runs import one_api
from benchmarks.scenarios import SCENARIO, SEED

SWEPT_KEY = "votes.correlation"


def sweep_vary(points: int) -> str:
    """The ``--vary`` of the benchmark's sweep: ``points`` correlations from 0 to 0.6."""
    return f"{SWEPT_KEY}=0:0.6:{points}"


def _small_points_worker(
    scenario_path: str,
    points: int,
    point_draws: int,
    run_draws: int,
    folder: str,
    api_url: str | None,
    results: Any,
) -> None:
    with one_api(api_url):
        results.put(_small_points(scenario_path, points, point_draws, run_draws, folder))


def _small_points(
    scenario_path: str, points: int, point_draws: int, run_draws: int, folder: str
) -> tuple[float, float]:
    """(the sweep's seconds, the run's seconds), each after an untimed warm-up."""
    from flows.requests import RunRequest, SweepRequest
    from flows.run import run
    from flows.sweep import sweep

    def db(name: str) -> str:
        return str(Path(folder) / name)

    def timed_sweep(n_points: int, name: str) -> float:
        request = SweepRequest(
            scenario_path=scenario_path,
            draws=point_draws,
            seed=SEED,
            db=db(name),
            vary=(sweep_vary(n_points),),
        )
        start = time.perf_counter()
        summary = sweep(request)
        elapsed = time.perf_counter() - start
        stored = len(summary["points"])
        if stored != n_points:
            raise RuntimeError(f"the sweep stored {stored} points, not {n_points}")
        return elapsed

    def timed_run(draws: int, name: str) -> float:
        request = RunRequest(scenario_path=scenario_path, draws=draws, seed=SEED, db=db(name))
        start = time.perf_counter()
        summary = run(request)
        elapsed = time.perf_counter() - start
        if summary["draws"] != draws:
            raise RuntimeError(f"the run stored {summary['draws']} draws, not {draws}")
        return elapsed

    timed_sweep(2, "small-points-warm-up.duckdb")  # registers the sweep flow
    timed_run(1_000, "big-run-warm-up.duckdb")  # and the run flow
    sweep_s = timed_sweep(points, "small-points.duckdb")
    run_s = timed_run(run_draws, "big-run.duckdb")
    return sweep_s, run_s


def _result(results: Any, worker: Any, timeout: float) -> Any:
    """The worker's one message; fail at once if it dies first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return results.get(timeout=0.5)
        except Empty:
            if not worker.is_alive():
                raise RuntimeError(
                    f"small-points worker failed with exit code {worker.exitcode}"
                ) from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"small-points worker silent for {timeout:.0f} s") from None


@dataclass(frozen=True, slots=True)
class SmallPoints:
    """Draws per second of the sweep of small points and of the one big run."""

    sweep_rate: float
    run_rate: float

    @property
    def ratio(self) -> float:
        return self.sweep_rate / self.run_rate


def small_points_rates(
    points: int, point_draws: int, run_draws: int, folder: Path, api_url: str | None = None
) -> SmallPoints:
    """Draws per second of a ``points``-point sweep of ``point_draws`` draws each and of one
    run of ``run_draws`` draws, each into a fresh DuckDB file in ``folder`` (against the
    Prefect API at ``api_url``, else Prefect's temporary server)."""
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    args = (str(SCENARIO), points, point_draws, run_draws, str(folder), api_url, results)
    worker = ctx.Process(target=_small_points_worker, args=args)
    worker.start()
    try:
        sweep_s, run_s = _result(results, worker, timeout=1800)
    finally:
        worker.join(timeout=60)
        if worker.is_alive():
            worker.terminate()
            worker.join()
    return SmallPoints(points * point_draws / sweep_s, run_draws / run_s)
