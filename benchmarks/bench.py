"""countlab bench: what a draw costs, against what its random numbers alone cost.

One command (``python -m benchmarks [--quick] [--json]``, later ``countlab bench``), one run,
every number measured afresh; the parallel parts and the fresh ``countlab run`` processes
are child processes of that one command:

``draws_per_s_core``
    :func:`models.engine.simulate` (sampling + tally, default sampler (``compiled``), nothing
    stored) on ``benchmarks/scenario.toml``, in 2 processes at once (``spawn``), each
    simulating its own random-stream blocks (``block_rng``/``block_ranges``); aggregate
    draws over the wall time from a common start signal to the last one's end.
``draws_per_s_end_to_end``
    ``flows.run.run`` (the Prefect flow, default 2 threads) on the same scenario into
    a fresh DuckDB file, every draw's rows stored; timed on a second run after an untimed
    tiny warm-up run (Prefect's start-up is ``first_answer_s*``). It runs in a child
    process against the benchmark's Prefect server (quick mode: Prefect's temporary one).
``rng_floor_draws_per_s``
    ``Generator.random(out=buf, dtype=float32)`` into a reused 256 KiB buffer on 2 processes
    at once; floats per second divided by floats per draw = sworn members x objections
    (one uniform per sworn member per objection; 530 x 6 = 3180 here): the best case of a
    per-member sampler with no tally at all.
``first_answer_s``, ``first_answer_s_no_server``
    Wall time of ``countlab run`` on the January 2021 example (``benchmarks/january-2021.toml``,
    the package's copy of ``examples/january-2021.toml``) with ``--draws 10000`` as a fresh
    process, with a Prefect server (``prefect server start`` on a free port of 127.0.0.1, its own
    temporary ``PREFECT_HOME``, already answering and warmed by one untimed run) and without
    one (Prefect's temporary local API, started by the run itself).
``core / rng_floor``, ``end_to_end / rng_floor``
    The two rates as fractions of the floor.
``core_calibrated / rng_floor``
    ``draws_per_s_core_calibrated`` as a fraction of the calibrated scenario's own floor:
    the same floats per second (one floor measurement for both ratios) over that scenario's
    floats per draw (its sworn members x its objections,
    :func:`benchmarks.scenarios.floats_per_draw`).
``two_core_speedup``
    ``draws_per_s_core`` over the same core in one process (same draws per process).
``naive_speedup``
    The core in one process over :mod:`benchmarks.naive` (pure Python, one process), both
    on the benchmark scenario; the naive one on a few hundred draws.
``reader_throughput_ratio``, ``reader_wait_s_max``
    The end-to-end run again, into the same file (which then holds the first run's rows),
    with a reader process beside it querying ``outcome_probabilities`` in a loop
    (``connect_read_only``, as ``countlab sql`` does; no pause between queries): its draws
    per second over ``draws_per_s_end_to_end``, and the longest any of those queries waited
    for the writer to let it in (``warehouse.writer``). Every query must succeed.
``small_points_ratio``
    Many small sweep points against one big run, in draws per second: ``flows.sweep.sweep``
    of the benchmark scenario over 50 points (a grid of ``votes.correlation`` from 0 to
    0.6), 2,000 draws each, over ``flows.run.run`` of 100,000 draws: the issue's 500 points
    against 1,000,000 draws, a tenth of each, so that both draw as many and pay the same
    flow's start and end once (the full size does not fit in the 3 minutes; by hand:
    ``small_points_rates(500, 2000, 1_000_000, folder)``), each into a fresh
    DuckDB file, both timed in one child process after an untimed warm-up sweep and run,
    against the benchmark's Prefect server (:mod:`benchmarks.small_points`). The target:
    at least 0.7.
``summary_scale_ratio``
    ``read_summary`` (what ``countlab run --json`` prints; best of 3, read-only) of a
    1,000,000-draw run in a warehouse that also holds 5,000,000 draws of 5 other completed
    runs (the issue's 50,000,000 cost 87 s to build; by hand: ``summary_scale(source,
    folder, draws=1_000_000, other_draws=50_000_000)``), over the same read in a fresh warehouse holding that run alone. The run is the
    first million draws of the end-to-end run; the others are copies of it under new keys,
    each run's rows together (:mod:`benchmarks.warehouse_scale`). The target: at most 1.5.
``kernel_compile_s``
    What compiling the compiled sampler's numba kernels costs, once per machine: the wall
    time of a fresh process's first use of every kernel with an empty numba cache, less that
    of the same first use with the cache it left (:mod:`benchmarks.compile`). Never part of
    ``first_answer_s``: those runs find the kernels cached.
``peak_rss_mb``
    Peak resident set size (MiB) of ``countlab run benchmarks/scenario.toml --draws
    10000000`` as a fresh process: ``ru_maxrss`` of that child as ``os.wait4`` reports it
    (the largest of the process and the children it waited for, i.e. the largest single
    process, not a sum), run against the benchmark's Prefect server.

Quick mode (``--quick``, what CI runs to prove the benchmark works; never a timed test)
uses tiny sizes (70,000 draws end to end; 5 sweep points of 2,000 draws against a run of
10,000; a 20,000-draw run beside 100,000 other draws) and starts no Prefect server:
``first_answer_s`` is ``None``; ``first_answer_s_no_server`` is measured as in full mode
(10,000 draws, mostly start-up), and ``peak_rss_mb`` is that same run's peak (10,000 draws
of the example) instead of a separate 10-million-draw run.

Full mode takes about 3 minutes on the 2-core machine (179 s, December 2026); the
10-million-draw run uses the benchmark's Prefect server, so it does not pay for Prefect's
start-up again; see ``benchmarks/README.md``. The machine's other load shares the same
cores: rates are noisy, run twice to compare. If a Prefect server answers on 127.0.0.1:4200, ``countlab run`` uses
it, so the runs "without a server" would not be: the benchmark says so on stderr.

Everything it reads ships in the package (:mod:`benchmarks.scenarios`), so it runs from an
installed wheel in any working directory (``scripts/check_wheel.sh`` proves it). This module
orchestrates and prints; the measurements live in :mod:`benchmarks.core` (the core, the RNG
floor, the naive reference), :mod:`benchmarks.end_to_end` (the flow, with a reader beside it),
:mod:`benchmarks.small_points` (a sweep of small points against a run),
:mod:`benchmarks.warehouse_scale` (a summary among many runs) and
:mod:`benchmarks.fresh_runs` (fresh ``countlab run`` processes, the Prefect server).
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.compile import kernel_compile_seconds
from benchmarks.core import PROCESSES, core_rate, naive_rate, rng_floats_rate
from benchmarks.end_to_end import END_TO_END_DB, EndToEnd, end_to_end_rate
from benchmarks.fresh_runs import (
    FIRST_ANSWER_DRAWS,
    Log,
    base_env,
    first_answer_with_server,
    prefect_server,
    run_args,
    timed_run,
)
from benchmarks.scenarios import (
    CALIBRATED,
    EXAMPLE,
    SCENARIO,
    floats_per_draw,
    load_bench_scenario,
)
from benchmarks.small_points import SmallPoints, small_points_rates
from benchmarks.warehouse_scale import summary_scale
from flows.launch import local_server_running
from models.sampling import BLOCK_DRAWS

KEYS: tuple[str, ...] = (
    "draws_per_s_core",
    "draws_per_s_core_calibrated",
    "calibrated / core",
    "draws_per_s_end_to_end",
    "rng_floor_draws_per_s",
    "first_answer_s",
    "first_answer_s_no_server",
    "core / rng_floor",
    "end_to_end / rng_floor",
    "core_calibrated / rng_floor",
    "two_core_speedup",
    "naive_speedup",
    "reader_throughput_ratio",
    "reader_wait_s_max",
    "small_points_ratio",
    "summary_scale_ratio",
    "kernel_compile_s",
    "peak_rss_mb",
)
"""The keys of :func:`run_bench`'s result (and of ``countlab bench --json``), in order."""


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much work each measurement does."""

    core_draws_per_process: int  # whole blocks, except in quick mode
    rng_floats_per_process: int
    naive_draws: int
    end_to_end_draws: int
    peak_rss_draws: int  # 0: report the first-answer run's peak instead
    sweep_points: int
    point_draws: int
    big_run_draws: int
    summary_draws: int  # the run read, from the end-to-end run (at most its draws)
    summary_other_draws: int
    with_server: bool


FULL = Sizes(
    core_draws_per_process=10 * BLOCK_DRAWS,
    rng_floats_per_process=1 << 29,
    naive_draws=300,
    end_to_end_draws=2_000_000,
    peak_rss_draws=10_000_000,
    sweep_points=50,  # the 500 x 2,000 against 1,000,000 does not fit in 3 minutes:
    point_draws=2_000,  # a tenth of each, so the sweep and the run draw as many (README)
    big_run_draws=100_000,
    summary_draws=1_000_000,
    summary_other_draws=5_000_000,  # nor 50,000,000 other draws (README: by hand)
    with_server=True,
)
QUICK = Sizes(
    core_draws_per_process=2_000,
    rng_floats_per_process=1 << 22,
    naive_draws=10,
    end_to_end_draws=70_000,
    peak_rss_draws=0,
    sweep_points=5,
    point_draws=2_000,
    big_run_draws=10_000,
    summary_draws=20_000,
    summary_other_draws=100_000,
    with_server=False,
)


def _stderr(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run_bench(*, quick: bool, log: Log = _stderr) -> dict[str, float | None]:
    """Measure everything once; return ``{key: value}`` with exactly :data:`KEYS`.

    ``None`` only in quick mode, for ``first_answer_s`` (no Prefect server is started).
    """
    sizes = QUICK if quick else FULL
    scenario = load_bench_scenario()
    result: dict[str, float | None] = dict.fromkeys(KEYS)
    t0 = time.perf_counter()

    def step(message: str) -> None:
        log(f"[{time.perf_counter() - t0:6.1f} s] {message}")

    if local_server_running():
        step("note: a Prefect server answers on 127.0.0.1:4200; runs without a server use it")

    step(f"core, {PROCESSES} processes x {sizes.core_draws_per_process:,} draws")
    core = core_rate(PROCESSES, sizes.core_draws_per_process)
    step(
        f"core, calibrated example, {PROCESSES} processes x {sizes.core_draws_per_process:,} draws"
    )
    calibrated = core_rate(PROCESSES, sizes.core_draws_per_process, CALIBRATED)
    step(f"core, 1 process x {sizes.core_draws_per_process:,} draws")
    core_one = core_rate(1, sizes.core_draws_per_process)
    step(f"rng floor, {PROCESSES} processes x {sizes.rng_floats_per_process:,} floats")
    floats = rng_floats_rate(sizes.rng_floats_per_process)
    floor = floats / floats_per_draw(scenario)
    floor_calibrated = floats / floats_per_draw(load_bench_scenario(CALIBRATED))
    step(f"naive reference, {sizes.naive_draws:,} draws")
    naive = naive_rate(scenario, sizes.naive_draws)
    step("compiled kernels: first use in fresh processes, an empty numba cache, then warm")
    compile_cold, compile_warm = kernel_compile_seconds()
    step(f"first use {compile_cold:.1f} s cold, {compile_warm:.1f} s warm")

    with tempfile.TemporaryDirectory(prefix="countlab-bench-") as tmp:
        folder = Path(tmp)
        e2e = f"end to end, {sizes.end_to_end_draws:,} draws (after a warm-up run), twice"
        small = (
            f"{sizes.sweep_points:,} sweep points x {sizes.point_draws:,} draws, "
            f"then a run of {sizes.big_run_draws:,} draws (after a warm-up of each)"
        )
        end_to_end: EndToEnd | None = None
        small_points: SmallPoints | None = None
        if not sizes.with_server:
            step(e2e)
            end_to_end = end_to_end_rate(sizes.end_to_end_draws, folder)
            step(small)
            small_points = small_points_rates(
                sizes.sweep_points, sizes.point_draws, sizes.big_run_draws, folder
            )
        step(f"first answer without a server, {FIRST_ANSWER_DRAWS:,} draws")
        no_server, no_server_rss = timed_run(
            run_args(EXAMPLE, FIRST_ANSWER_DRAWS, folder / "no-server.duckdb"), base_env()
        )
        with_server = None
        peak_rss = no_server_rss  # quick mode: the first-answer run's peak
        if sizes.with_server:
            step("starting a Prefect server")
            with prefect_server(folder, step) as client_env:
                step(e2e)
                end_to_end = end_to_end_rate(
                    sizes.end_to_end_draws, folder, client_env["PREFECT_API_URL"]
                )
                step(small)
                small_points = small_points_rates(
                    sizes.sweep_points,
                    sizes.point_draws,
                    sizes.big_run_draws,
                    folder,
                    client_env["PREFECT_API_URL"],
                )
                step(f"first answer with a server, {FIRST_ANSWER_DRAWS:,} draws")
                with_server = first_answer_with_server(folder, client_env)
                if sizes.peak_rss_draws:
                    # With the server up, this run does not pay for Prefect's start-up.
                    step(f"peak RSS, countlab run with {sizes.peak_rss_draws:,} draws")
                    rss_time, peak_rss = timed_run(
                        run_args(SCENARIO, sizes.peak_rss_draws, folder / "peak-rss.duckdb"),
                        client_env,
                    )
                    rate = sizes.peak_rss_draws / rss_time
                    step(f"peak RSS run took {rss_time:.1f} s ({rate:,.0f} draws/s, fresh process)")
        step(
            f"summary of a {sizes.summary_draws:,}-draw run beside "
            f"{sizes.summary_other_draws:,} other draws, and alone"
        )
        scale = summary_scale(
            folder / END_TO_END_DB,
            folder,
            draws=sizes.summary_draws,
            other_draws=sizes.summary_other_draws,
        )
        step(
            f"built the other runs in {scale.build_s:.1f} s; read {scale.beside_s:.3f} s "
            f"beside them, {scale.alone_s:.3f} s alone"
        )

    assert end_to_end is not None
    assert small_points is not None
    step(
        f"small points: the sweep {small_points.sweep_rate:,.0f} draws/s, "
        f"the run {small_points.run_rate:,.0f} draws/s"
    )
    step(
        f"reader beside the run: {end_to_end.reader_queries} queries answered, "
        f"{end_to_end.reader_failures} failed"
    )
    result.update(
        {
            "draws_per_s_core": core,
            "draws_per_s_core_calibrated": calibrated,
            "calibrated / core": calibrated / core,
            "draws_per_s_end_to_end": end_to_end.rate,
            "rng_floor_draws_per_s": floor,
            "first_answer_s": with_server,
            "first_answer_s_no_server": no_server,
            "core / rng_floor": core / floor,
            "end_to_end / rng_floor": end_to_end.rate / floor,
            "core_calibrated / rng_floor": calibrated / floor_calibrated,
            "two_core_speedup": core / core_one,
            "naive_speedup": core_one / naive,
            "reader_throughput_ratio": end_to_end.rate_with_reader / end_to_end.rate,
            "reader_wait_s_max": end_to_end.reader_wait_s_max,
            "small_points_ratio": small_points.ratio,
            "summary_scale_ratio": scale.ratio,
            "kernel_compile_s": compile_cold - compile_warm,
            "peak_rss_mb": peak_rss,
        }
    )
    step("done")
    return result


DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "draws_per_s_core": ("draws/s", "tally core (sampling + tally), 2 processes"),
    "draws_per_s_core_calibrated": ("draws/s", "tally core, the calibrated 2021 example"),
    "calibrated / core": ("", "calibrated example's core rate over the benchmark scenario's"),
    "draws_per_s_end_to_end": ("draws/s", "Prefect flow into DuckDB, every row stored"),
    "rng_floor_draws_per_s": ("draws/s", "1 float32 uniform per member per objection, 2 procs"),
    "first_answer_s": ("s", "countlab run, 10,000 draws, Prefect server running"),
    "first_answer_s_no_server": ("s", "countlab run, 10,000 draws, no server"),
    "core / rng_floor": ("", "core rate as a fraction of the RNG floor"),
    "end_to_end / rng_floor": ("", "end-to-end rate as a fraction of the RNG floor"),
    "core_calibrated / rng_floor": ("", "calibrated core rate over the calibrated example's floor"),
    "two_core_speedup": ("x", "core on 2 processes over 1"),
    "naive_speedup": ("x", "core over the pure-Python reference, 1 process each"),
    "reader_throughput_ratio": ("", "end-to-end rate with a reader querying beside it / alone"),
    "reader_wait_s_max": ("s", "longest a query waited for the writer to let it in"),
    "small_points_ratio": ("", "sweep of 50 x 2,000 draws over a run of 100,000, draws/s"),
    "summary_scale_ratio": ("", "a 1 M-draw run's summary beside 5 M other draws / alone"),
    "kernel_compile_s": ("s", "compiling the kernels, once per machine (cold - warm use)"),
    "peak_rss_mb": ("MiB", "countlab run, 10 million draws"),
}


QUICK_MEANINGS = {
    "small_points_ratio": "sweep of 5 x 2,000 draws over a run of 10,000 (quick mode)",
    "summary_scale_ratio": "a 20,000-draw run's summary beside 100,000 others (quick mode)",
}


def _format_value(value: float | None) -> str:
    if value is None:
        return "skipped"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def format_table(result: dict[str, float | None], *, quick: bool = False) -> str:
    """The result as a plain-text table for humans."""
    rows = []
    for key in KEYS:
        unit, meaning = DESCRIPTIONS[key]
        value = result.get(key)
        if key == "peak_rss_mb" and quick:
            meaning = "countlab run, 10,000 draws of the example (quick mode)"
        if key in QUICK_MEANINGS and quick:
            meaning = QUICK_MEANINGS[key]
        if key == "first_answer_s" and value is None:
            meaning += " (not measured: quick mode starts no server)"
        rows.append((key, _format_value(value), unit, meaning))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        f"{key:<{widths[0]}}  {value:>{widths[1]}}  {unit:<{widths[2]}}  {meaning}"
        for key, value, unit, meaning in rows
    ]
    header = "countlab bench" + (" (quick mode: tiny sizes, not a measurement)" if quick else "")
    note = "Other load on the same cores makes these numbers noisy."
    return "\n".join([header, *lines, note])
