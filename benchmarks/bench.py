"""countlab bench: what a draw costs, against what its random numbers alone cost.

One command (``python -m benchmarks [--quick] [--json]``, later ``countlab bench``), one run,
every number measured afresh; the parallel parts and the fresh ``countlab run`` processes
are child processes of that one command:

``draws_per_s_core``
    :func:`models.engine.simulate` (sampling + tally, default ``grouped`` sampler, nothing
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
``peak_rss_mb``
    Peak resident set size (MiB) of ``countlab run benchmarks/scenario.toml --draws
    10000000`` as a fresh process: ``ru_maxrss`` of that child as ``os.wait4`` reports it
    (the largest of the process and the children it waited for, i.e. the largest single
    process, not a sum), run against the benchmark's Prefect server.

Quick mode (``--quick``, what CI runs to prove the benchmark works; never a timed test)
uses tiny sizes (70,000 draws end to end) and starts no Prefect server:
``first_answer_s`` is ``None``; ``first_answer_s_no_server`` is measured as in full mode
(10,000 draws, mostly start-up), and ``peak_rss_mb`` is that same run's peak (10,000 draws
of the example) instead of a separate 10-million-draw run.

Full mode takes about 2.5 minutes on the 2-core reference machine; the 10-million-draw run
uses the benchmark's Prefect server, so it does not pay for Prefect's start-up again; see
``benchmarks/README.md``. The machine's other load shares the same cores: rates are noisy,
run twice to compare. If a Prefect server answers on 127.0.0.1:4200, ``countlab run`` uses
it, so the runs "without a server" would not be: the benchmark says so on stderr.

Everything it reads ships in the package (:mod:`benchmarks.scenarios`), so it runs from an
installed wheel in any working directory (``scripts/check_wheel.sh`` proves it). This module
orchestrates and prints; the measurements live in :mod:`benchmarks.core` (the core, the RNG
floor, the naive reference), :mod:`benchmarks.end_to_end` (the flow, with a reader beside it)
and :mod:`benchmarks.fresh_runs` (fresh ``countlab run`` processes, the Prefect server).
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.core import PROCESSES, core_rate, naive_rate, rng_floor_rate
from benchmarks.end_to_end import EndToEnd, end_to_end_rate
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
    "two_core_speedup",
    "naive_speedup",
    "reader_throughput_ratio",
    "reader_wait_s_max",
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
    with_server: bool


FULL = Sizes(
    core_draws_per_process=10 * BLOCK_DRAWS,
    rng_floats_per_process=1 << 29,
    naive_draws=300,
    end_to_end_draws=2_000_000,
    peak_rss_draws=10_000_000,
    with_server=True,
)
QUICK = Sizes(
    core_draws_per_process=2_000,
    rng_floats_per_process=1 << 22,
    naive_draws=10,
    end_to_end_draws=70_000,
    peak_rss_draws=0,
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
    per_draw = floats_per_draw(scenario)
    step(f"rng floor, {PROCESSES} processes x {sizes.rng_floats_per_process:,} floats")
    floor = rng_floor_rate(sizes.rng_floats_per_process, per_draw)
    step(f"naive reference, {sizes.naive_draws:,} draws")
    naive = naive_rate(scenario, sizes.naive_draws)

    with tempfile.TemporaryDirectory(prefix="countlab-bench-") as tmp:
        folder = Path(tmp)
        e2e = f"end to end, {sizes.end_to_end_draws:,} draws (after a warm-up run), twice"
        end_to_end: EndToEnd | None = None
        if not sizes.with_server:
            step(e2e)
            end_to_end = end_to_end_rate(sizes.end_to_end_draws, folder)
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

    assert end_to_end is not None
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
            "two_core_speedup": core / core_one,
            "naive_speedup": core_one / naive,
            "reader_throughput_ratio": end_to_end.rate_with_reader / end_to_end.rate,
            "reader_wait_s_max": end_to_end.reader_wait_s_max,
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
    "two_core_speedup": ("x", "core on 2 processes over 1"),
    "naive_speedup": ("x", "core over the pure-Python reference, 1 process each"),
    "reader_throughput_ratio": ("", "end-to-end rate with a reader querying beside it / alone"),
    "reader_wait_s_max": ("s", "longest a query waited for the writer to let it in"),
    "peak_rss_mb": ("MiB", "countlab run, 10 million draws"),
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
