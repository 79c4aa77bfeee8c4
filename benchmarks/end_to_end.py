"""End to end, the Prefect flow into DuckDB: ``draws_per_s_end_to_end``,
``reader_throughput_ratio`` and ``reader_wait_s_max`` (definitions in
:mod:`benchmarks.bench`)."""

from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.fresh_runs import one_api
from benchmarks.scenarios import SCENARIO, SEED
from flows.requests import RunRequest

END_TO_END_DB = "end-to-end.duckdb"
"""The end-to-end runs' warehouse in the benchmark's folder (two runs; the first is the
source of ``summary_scale_ratio``)."""


def _reader_worker(db: str, stop: Any, results: Any) -> None:
    """Query ``db`` in a loop until ``stop`` is set; put (queries, failures, longest wait)."""
    from warehouse.store import connect_read_only

    queries = failures = 0
    longest = 0.0
    while not stop.is_set():
        start = time.perf_counter()
        try:
            con = connect_read_only(db, notify=lambda line: None)
        except Exception:  # noqa: BLE001 (counted: the benchmark fails on any)
            failures += 1
            continue
        longest = max(longest, time.perf_counter() - start)
        try:
            con.execute("select * from outcome_probabilities").fetchall()
        finally:
            con.close()
        queries += 1
    results.put((queries, failures, longest))


def _end_to_end_worker(
    scenario_path: str, n_draws: int, folder: str, api_url: str | None, results: Any
) -> None:
    with one_api(api_url):
        results.put(_end_to_end(scenario_path, n_draws, folder))


def _end_to_end(scenario_path: str, n_draws: int, folder: str) -> tuple[Any, ...]:
    """(alone s, beside s, the reader's queries, failures, longest wait s)."""
    from flows.run import run

    def request(draws: int, name: str) -> RunRequest:
        return RunRequest(
            scenario_path=scenario_path, draws=draws, seed=SEED, db=str(Path(folder) / name)
        )

    def timed(name: str) -> float:
        start = time.perf_counter()
        summary = run(request(n_draws, name))
        elapsed = time.perf_counter() - start
        if summary["draws"] != n_draws:
            raise RuntimeError(f"end-to-end run stored {summary['draws']} draws, not {n_draws}")
        return elapsed

    run(request(1_000, "warm-up.duckdb"))  # imports, creates the flow
    alone = timed(END_TO_END_DB)
    ctx = mp.get_context("spawn")
    stop, reader_results = ctx.Event(), ctx.Queue()
    reader = ctx.Process(
        target=_reader_worker,
        args=(str(Path(folder) / END_TO_END_DB), stop, reader_results),
    )
    reader.start()
    try:
        time.sleep(1.0)  # the reader is querying before the run starts
        beside = timed(END_TO_END_DB)
    finally:
        stop.set()
        queries, failures, longest = reader_results.get(timeout=60)
        reader.join(timeout=30)
    return alone, beside, queries, failures, longest


@dataclass(frozen=True, slots=True)
class EndToEnd:
    """Draws per second of the end-to-end run, alone and with a reader beside it."""

    rate: float
    rate_with_reader: float
    reader_queries: int
    reader_failures: int
    reader_wait_s_max: float


def end_to_end_rate(n_draws: int, folder: Path, api_url: str | None = None) -> EndToEnd:
    """Draws per second of a warm ``flows.run.run`` into a fresh DuckDB file (against
    the Prefect API at ``api_url``, else Prefect's temporary server), then again beside a
    reader querying in a loop."""
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    worker = ctx.Process(
        target=_end_to_end_worker, args=(str(SCENARIO), n_draws, str(folder), api_url, results)
    )
    worker.start()
    try:
        alone, beside, queries, failures, longest = results.get(timeout=1800)
    finally:
        worker.join(timeout=60)
        if worker.is_alive():
            worker.terminate()
            worker.join()
    if failures or not queries:
        raise RuntimeError(f"the reader beside the run: {failures} failures, {queries} answers")
    return EndToEnd(n_draws / alone, n_draws / beside, queries, failures, longest)
