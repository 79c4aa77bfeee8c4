"""``kernel_compile_s``: what compiling the compiled sampler's kernels costs, once per machine.

Two fresh processes run the same first use of every kernel (:func:`first_use`: a few draws
of the benchmark scenario and of the calibrated one, the compiled sampler) with numba's
cache in a new empty folder (``NUMBA_CACHE_DIR``): the first compiles and caches, the
second loads from the cache, as every later ``countlab run`` does. The key is the first's
wall time less the second's: the compilation a user pays once, never in ``first_answer_s``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

FIRST_USE_DRAWS = 64


def first_use() -> None:
    """Call every compiled kernel once (the child process's work)."""
    from benchmarks.scenarios import CALIBRATED, SCENARIO, SEED, load_bench_scenario
    from models.engine import simulate
    from models.sampling import block_rng

    for path in (SCENARIO, CALIBRATED):
        scenario = load_bench_scenario(path)
        simulate(scenario, n_draws=FIRST_USE_DRAWS, rng=block_rng(SEED, 0), sampler="compiled")


def _timed_first_use(cache_dir: str) -> float:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "from benchmarks.compile import first_use; first_use()"],
        env=env,
        check=True,
    )
    return time.perf_counter() - start


def kernel_compile_seconds() -> tuple[float, float]:
    """``(cold, warm)`` wall times (s) of :func:`first_use` in fresh processes, the first
    with an empty numba cache, the second with what the first cached."""
    with tempfile.TemporaryDirectory(prefix="countlab-numba-") as cache_dir:
        cold = _timed_first_use(cache_dir)
        warm = _timed_first_use(cache_dir)
    return cold, warm
