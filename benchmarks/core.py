"""The tally core against its floors: ``draws_per_s_core``, ``two_core_speedup``,
``rng_floor_draws_per_s`` (and the calibrated scenario's floor) and ``naive_speedup``
(definitions in :mod:`benchmarks.bench`).

Each worker prepares (imports, loads, warms up), says it is ready and waits for the start
signal, does its fixed amount of work and reports how much; the parent times from the
signal to the last report.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import time
from collections.abc import Callable
from pathlib import Path
from queue import Empty
from typing import Any

import numpy as np

from benchmarks.naive import simulate_naive
from benchmarks.scenarios import SCENARIO, SEED, load_bench_scenario
from models.behaviour import Scenario
from models.engine import simulate
from models.sampling import BLOCK_DRAWS, block_ranges, block_rng

PROCESSES = 2
"""Processes of the parallel measurements: the two cores of the reference machine."""
RNG_BUFFER_BYTES = 256 * 1024
"""The reused float32 buffer of the RNG floor: cache-sized."""


def _core_worker(
    scenario_path: str, first_draw: int, n_draws: int, ready: Any, go: Any, results: Any
) -> None:
    scenario = load_bench_scenario(Path(scenario_path))
    simulate(scenario, n_draws=256, rng=block_rng(SEED, 1 << 30))  # warm-up, another stream
    ready.put(1)
    go.wait()
    done = 0
    for block, start, stop in block_ranges(first_draw, n_draws):
        done += simulate(scenario, n_draws=stop - start, rng=block_rng(SEED, block)).n_draws
    results.put(done)


def _rng_worker(worker: int, n_floats: int, ready: Any, go: Any, results: Any) -> None:
    rng = block_rng(SEED, worker)
    buffer = np.empty(RNG_BUFFER_BYTES // 4, dtype=np.float32)
    rng.random(out=buffer, dtype=np.float32)  # warm-up: page the buffer in
    rounds = max(1, n_floats // buffer.size)
    ready.put(1)
    go.wait()
    for _ in range(rounds):
        rng.random(out=buffer, dtype=np.float32)
    results.put(rounds * buffer.size)


def _gather(queue: Any, workers: list[Any], timeout: float) -> int:
    """Sum one message from each worker; fail at once if a worker dies first."""
    total, pending, deadline = 0, len(workers), time.monotonic() + timeout
    while pending:
        try:
            total += queue.get(timeout=0.2)
            pending -= 1
        except Empty:
            dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"benchmark worker failed with exit code {dead[0]}") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"benchmark workers silent for {timeout:.0f} s") from None
    return total


def _in_parallel(target: Callable[..., None], args: list[tuple[Any, ...]]) -> tuple[int, float]:
    """Run ``target(*a, ready, go, results)`` for each ``a`` in its own process (spawn).

    Returns the total count the workers report and the wall time from the moment all of
    them are ready to the last report.
    """
    ctx = mp.get_context("spawn")
    ready, go, results = ctx.Queue(), ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=target, args=(*a, ready, go, results)) for a in args]
    for worker in workers:
        worker.start()
    try:
        _gather(ready, workers, timeout=300)
        go.set()
        start = time.perf_counter()
        total = _gather(results, workers, timeout=1800)
        elapsed = time.perf_counter() - start
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
                worker.join()
    return total, elapsed


def core_rate(n_processes: int, draws_per_process: int, scenario: Path = SCENARIO) -> float:
    """Draws per second of the tally core over ``n_processes`` processes (aggregate), on the
    benchmark scenario or another scenario file."""
    blocks = math.ceil(draws_per_process / BLOCK_DRAWS)
    args = [
        (str(scenario), p * blocks * BLOCK_DRAWS, draws_per_process) for p in range(n_processes)
    ]
    draws, elapsed = _in_parallel(_core_worker, args)
    return draws / elapsed


def rng_floats_rate(n_floats_per_process: int) -> float:
    """float32 uniforms per second (2 processes, aggregate): the RNG floor, measured once;
    over a scenario's floats per draw it is that scenario's floor in draws per second."""
    args = [(p, n_floats_per_process) for p in range(PROCESSES)]
    floats, elapsed = _in_parallel(_rng_worker, args)
    return floats / elapsed


def rng_floor_rate(n_floats_per_process: int, per_draw: int) -> float:
    """Draws per second if a draw were only ``per_draw`` float32 uniforms (2 processes)."""
    return rng_floats_rate(n_floats_per_process) / per_draw


def naive_rate(scenario: Scenario, n_draws: int) -> float:
    """Draws per second of the pure-Python reference (this process, one core)."""
    simulate_naive(scenario, 1, seed=SEED + 1)  # warm-up
    start = time.perf_counter()
    simulate_naive(scenario, n_draws, seed=SEED)
    return n_draws / (time.perf_counter() - start)
