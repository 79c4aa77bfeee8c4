"""Fresh ``countlab run`` processes: ``first_answer_s``, ``first_answer_s_no_server`` and
``peak_rss_mb`` (definitions in :mod:`benchmarks.bench`), and the Prefect server some of
them run against.

Nothing here assumes a checkout or a working directory: the scenario files are the
package's (:mod:`benchmarks.scenarios`), every path given to a child is absolute, and the
children are ``countlab`` beside this interpreter (or its entry point run by it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks.scenarios import EXAMPLE, SEED
from flows.launch import QUIET_PREFECT, local_server_running

FIRST_ANSWER_DRAWS = 10_000
SERVER_START_TIMEOUT_S = 180.0
PREFECT_SERVER = (sys.executable, "-m", "prefect", "server", "start")
"""What ``countlab server`` runs."""

Log = Callable[[str], None]


@contextlib.contextmanager
def one_api(api_url: str | None) -> Iterator[None]:
    """One Prefect API for every flow a benchmark child starts, as ``countlab run`` has one
    for its flow: the server at ``api_url``, else one temporary server for the whole block
    (``flows.run.run`` would otherwise start one, about 5 s, for each call). Prefect is
    configured first, before its import and the server's start (``flows.cli.execute_run``)."""
    from flows.launch import configure_prefect
    from flows.temporary_api import api_for_flows

    if api_url:
        os.environ["PREFECT_API_URL"] = api_url
    configure_prefect()
    with api_for_flows() as api:
        if api is not None:
            api.wait()
        yield


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


def base_env() -> dict[str, str]:
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
    env = {**base_env(), **QUIET_PREFECT, "PREFECT_HOME": str(home)}
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
        yield {**base_env(), "PREFECT_API_URL": url}
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
