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
    Wall time of ``countlab run examples/january-2021.toml --draws 10000`` as a fresh process,
    with a Prefect server (``prefect server start`` on a free port of 127.0.0.1, its own
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
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import Any

import numpy as np

from benchmarks.naive import simulate_naive
from flows.launch import QUIET_PREFECT, local_server_running
from flows.requests import RunRequest
from flows.scenario import load_scenario, to_scenario
from models.behaviour import Scenario
from models.engine import simulate
from models.sampling import BLOCK_DRAWS, block_ranges, block_rng

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
SCENARIO = BENCH_DIR / "scenario.toml"
EXAMPLE = ROOT / "examples" / "january-2021.toml"
SEED = 20210106

KEYS: tuple[str, ...] = (
    "draws_per_s_core",
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

PROCESSES = 2
"""Processes of the parallel measurements: the two cores of the reference machine."""
RNG_BUFFER_BYTES = 256 * 1024
"""The reused float32 buffer of the RNG floor: cache-sized."""
FIRST_ANSWER_DRAWS = 10_000
SERVER_START_TIMEOUT_S = 180.0
PREFECT_SERVER = (sys.executable, "-m", "prefect", "server", "start")
"""What ``countlab server`` runs."""


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

Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def load_bench_scenario(path: Path = SCENARIO) -> Scenario:
    """Load a scenario file the way ``countlab run`` does."""
    config, base = load_scenario(path)
    return to_scenario(config, base=base, source=str(path))


def floats_per_draw(scenario: Scenario) -> int:
    """One uniform per sworn member per objection: what a per-member sampler must draw."""
    roster = scenario.session.roster
    return (roster.n_sworn("house") + roster.n_sworn("senate")) * scenario.n_objections


# --- measurements in parallel processes ----------------------------------------------------
# Each worker prepares (imports, loads, warms up), says it is ready and waits for the start
# signal, does its fixed amount of work and reports how much; the parent times from the
# signal to the last report.


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


def core_rate(n_processes: int, draws_per_process: int) -> float:
    """Draws per second of the tally core over ``n_processes`` processes (aggregate)."""
    blocks = math.ceil(draws_per_process / BLOCK_DRAWS)
    args = [
        (str(SCENARIO), p * blocks * BLOCK_DRAWS, draws_per_process) for p in range(n_processes)
    ]
    draws, elapsed = _in_parallel(_core_worker, args)
    return draws / elapsed


def rng_floor_rate(n_floats_per_process: int, per_draw: int) -> float:
    """Draws per second if a draw were only ``per_draw`` float32 uniforms (2 processes)."""
    args = [(p, n_floats_per_process) for p in range(PROCESSES)]
    floats, elapsed = _in_parallel(_rng_worker, args)
    return floats / elapsed / per_draw


def naive_rate(scenario: Scenario, n_draws: int) -> float:
    """Draws per second of the pure-Python reference (this process, one core)."""
    simulate_naive(scenario, 1, seed=SEED + 1)  # warm-up
    start = time.perf_counter()
    simulate_naive(scenario, n_draws, seed=SEED)
    return n_draws / (time.perf_counter() - start)


# --- end to end: the Prefect flow into DuckDB ----------------------------------------------


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
    from flows.launch import configure_prefect

    if api_url:
        os.environ["PREFECT_API_URL"] = api_url
    configure_prefect()
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

    run(request(1_000, "warm-up.duckdb"))  # starts Prefect's API, imports, creates the flow
    alone = timed("end-to-end.duckdb")
    ctx = mp.get_context("spawn")
    stop, reader_results = ctx.Event(), ctx.Queue()
    reader = ctx.Process(
        target=_reader_worker,
        args=(str(Path(folder) / "end-to-end.duckdb"), stop, reader_results),
    )
    reader.start()
    try:
        time.sleep(1.0)  # the reader is querying before the run starts
        beside = timed("end-to-end.duckdb")
    finally:
        stop.set()
        queries, failures, longest = reader_results.get(timeout=60)
        reader.join(timeout=30)
    results.put((alone, beside, queries, failures, longest))


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


# --- fresh `countlab run` processes ---------------------------------------------------------


def countlab_command() -> list[str]:
    """``countlab`` as installed beside this interpreter, else the same entry point via -c."""
    script = Path(sys.executable).with_name("countlab")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from flows.cli import main; main()"]


def run_args(scenario: Path, draws: int, db: Path) -> list[str]:
    return [
        *countlab_command(),
        "run",
        str(scenario),
        "--draws",
        str(draws),
        "--seed",
        str(SEED),
        "--db",
        str(db),
        "--json",
    ]


def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)
    return env


def timed_run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command to completion; return its wall time (s) and peak RSS (MiB).

    The peak is ``ru_maxrss`` of this one child from ``os.wait4`` (kilobytes on Linux).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=err)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(
                f"{' '.join(args)} exited with {proc.returncode}: {err.read().decode()[-2000:]}"
            )
    return elapsed, usage.ru_maxrss / 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def prefect_server(folder: Path, log: Log) -> Iterator[dict[str, str]]:
    """Start ``prefect server start`` on a free local port; yield a client environment."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    home = folder / "prefect-home"
    home.mkdir()
    env = {**_base_env(), **QUIET_PREFECT, "PREFECT_HOME": str(home)}
    server_log = folder / "prefect-server.log"
    with server_log.open("wb") as sink:
        server = subprocess.Popen(
            [*PREFECT_SERVER, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole below
        )
    try:
        started = time.perf_counter()
        while not local_server_running(url, timeout=1.0):
            if server.poll() is not None:
                raise RuntimeError(f"prefect server exited: {server_log.read_text()[-2000:]}")
            if time.perf_counter() - started > SERVER_START_TIMEOUT_S:
                raise RuntimeError(f"prefect server not up after {SERVER_START_TIMEOUT_S:.0f} s")
            time.sleep(0.25)
        log(f"prefect server answered after {time.perf_counter() - started:.1f} s")
        yield {**_base_env(), "PREFECT_API_URL": url}
    finally:
        _stop(server)


def first_answer_with_server(folder: Path, client_env: dict[str, str]) -> float:
    """``countlab run`` on the example with a local Prefect server already running (the
    first run after the server starts is untimed: it registers the flow)."""
    timed_run(run_args(EXAMPLE, FIRST_ANSWER_DRAWS, folder / "server-warm.duckdb"), client_env)
    elapsed, _ = timed_run(
        run_args(EXAMPLE, FIRST_ANSWER_DRAWS, folder / "server.duckdb"), client_env
    )
    return elapsed


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process started in its own session, and its children."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    else:
        with contextlib.suppress(ProcessLookupError):  # stop what the leader left behind
            os.killpg(proc.pid, signal.SIGTERM)


# --- the benchmark ----------------------------------------------------------------------


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
            run_args(EXAMPLE, FIRST_ANSWER_DRAWS, folder / "no-server.duckdb"), _base_env()
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
