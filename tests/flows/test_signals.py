"""Signals and orphans, with real processes (issue 11, section 2): SIGINT, SIGTERM and SIGHUP
stop a run or sweep within seconds, with one line and exit 128 + signal, the run recorded as
interrupted; a second Ctrl-C stops at once; no child outlives countlab, SIGKILL included."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from models.sampling import BLOCK_DRAWS
from tests.flows.test_resume import api_env, scenario_text

pytestmark = pytest.mark.usefixtures("prefect_harness")

STOP_WITHIN_S = 8.0
"""What "within a few seconds" means here (the grace before a hard stop is 10 s)."""


def start(args: list[str], *, server: bool = True) -> subprocess.Popen[str]:
    """``countlab ARGS`` in its own process group, progress on stderr at every chunk."""
    env = api_env() if server else {k: v for k, v in os.environ.items() if "PREFECT_API" not in k}
    env["COUNTLAB_PROGRESS_SECONDS"] = "0"  # a progress line per chunk
    return subprocess.Popen(
        [sys.executable, "-c", "from flows.cli import main; main()", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
        text=True,
        start_new_session=True,
    )


def wait_for_chunks(process: subprocess.Popen[str], chunks: int) -> list[str]:
    """Read stderr until ``chunks`` progress lines came; return the lines read."""
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if sum("draws stored" in seen for seen in lines) == chunks:
            return lines
    raise AssertionError(f"ended before {chunks} chunks were stored: {''.join(lines)}")


def group_gone(pgid: int, within: float = 5.0) -> bool:
    """Whether every process of the group ``pgid`` is gone (waiting up to ``within`` s)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def stop_with(process: subprocess.Popen[str], sig: int) -> tuple[int, float, str]:
    """Send ``sig`` to the main process only; return (exit code, seconds, rest of stderr)."""
    sent = time.monotonic()
    process.send_signal(sig)
    assert process.stderr is not None
    rest = process.stderr.read()
    process.stderr.close()
    code = process.wait(timeout=30)
    return code, time.monotonic() - sent, rest


def sweep_args(tmp_path: Path, db: Path, *extra: str) -> list[str]:
    path = tmp_path / "s.toml"
    path.write_text(scenario_text({"AZ": 1.0, "PA": 0.5}))
    return [
        "sweep",
        str(path),
        "--draws",
        str(20 * BLOCK_DRAWS),
        "--seed",
        "5",
        "--chunk-draws",
        "1",
        "--vary",
        "votes.senate.D=0:0.3:4",
        "--workers",
        "1",
        "--db",
        str(db),
        *extra,
    ]


def run_args(tmp_path: Path, db: Path, *extra: str, workers: int = 1) -> list[str]:
    path = tmp_path / "r.toml"
    path.write_text(scenario_text({"AZ": 1.0, "PA": 0.5}))
    draws = str(100 * BLOCK_DRAWS)
    options = ["--draws", draws, "--seed", "5", "--chunk-draws", "1", "--workers", str(workers)]
    return ["run", str(path), *options, "--db", str(db), *extra]


def run_row(db: Path) -> tuple[str, str, str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select run_id, status, error, (select count(*) from stored_chunks) from runs"
        ).fetchone()
    finally:
        con.close()


def assert_one_clean_line(rest: str, pattern: str) -> None:
    lines = [line for line in rest.splitlines() if line.strip() and "draws stored" not in line]
    assert len(lines) == 1, rest
    assert re.fullmatch(pattern, lines[0]), lines[0]
    assert "Traceback" not in rest


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sweep_stopped_by_a_signal_is_interrupted_and_resumable(tmp_path, sig, code):
    db = tmp_path / "w.duckdb"
    process = start(sweep_args(tmp_path, db))
    wait_for_chunks(process, 3)
    exit_code, seconds, rest = stop_with(process, sig)
    assert exit_code == code, rest
    assert seconds < STOP_WITHIN_S
    name = signal.Signals(sig).name
    assert_one_clean_line(
        rest,
        r"countlab: interrupted: run (\w{12}) stopped after \d+ of 80 chunks; resume with "
        rf"`countlab sweep --resume \1` \({name}\)",
    )
    _, status, error, chunks = run_row(db)
    assert status == "interrupted"
    assert error.startswith("interrupted")
    assert 3 <= chunks < 80  # committed chunks kept for --resume
    assert group_gone(process.pid)


def test_run_interrupted_with_ctrl_c_removes_its_rows_and_exits_130(tmp_path):
    db = tmp_path / "w.duckdb"
    process = start(run_args(tmp_path, db))
    wait_for_chunks(process, 2)
    exit_code, seconds, rest = stop_with(process, signal.SIGINT)
    assert exit_code == 130
    assert seconds < STOP_WITHIN_S
    assert_one_clean_line(
        rest,
        r"countlab: interrupted: run \w{12} stopped after \d+ of 100 chunks; its rows were "
        r"removed; run it again \(SIGINT\)",
    )
    _, status, _, chunks = run_row(db)
    assert (status, chunks) == ("interrupted", 0)
    assert group_gone(process.pid)


def test_a_second_ctrl_c_stops_at_once(tmp_path):
    db = tmp_path / "w.duckdb"
    process = start(run_args(tmp_path, db))
    wait_for_chunks(process, 1)
    process.send_signal(signal.SIGINT)
    time.sleep(0.05)  # two signals sent back to back can merge into one (they do not queue)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 130
    assert time.monotonic() - sent < 2.0
    assert process.stderr is not None
    rest = process.stderr.read()
    process.stderr.close()
    assert "Traceback" not in rest
    assert group_gone(process.pid)


def test_no_server_ctrl_c_exits_and_leaves_no_temporary_api(tmp_path):
    """Without a Prefect server countlab starts a temporary API: it stops with countlab."""
    db = tmp_path / "w.duckdb"
    process = start(run_args(tmp_path, db), server=False)
    wait_for_chunks(process, 1)
    exit_code, seconds, rest = stop_with(process, signal.SIGINT)
    assert exit_code == 130
    assert seconds < STOP_WITHIN_S
    assert "Traceback" not in rest
    assert group_gone(process.pid)


@pytest.mark.parametrize(
    ("server", "extra"),
    [(False, ()), (True, ("--runner", "processes"))],
    ids=["temporary-api", "process-workers"],
)
def test_sigkill_of_the_main_process_leaves_no_child(tmp_path, server, extra):
    """SIGKILL of countlab's PID alone (not its group): the temporary API (parent-death
    signal) and the spawn workers (they watch their parent) go too."""
    db = tmp_path / "w.duckdb"
    process = start(run_args(tmp_path, db, *extra, workers=2), server=server)
    wait_for_chunks(process, 1)
    process.kill()
    process.wait(timeout=10)
    process.stderr.close()
    assert group_gone(process.pid, within=10.0), "a child of countlab outlived it"
    _, status, _, chunks = run_row(db)
    assert status == "running"  # as the killed process left it
    assert chunks > 0
    from warehouse.store import connect

    connect(db).close()  # the next writer: the killed plain run is failed and its rows go
    _, status, error, chunks = run_row(db)
    assert (status, chunks) == ("failed", 0)
    assert error.startswith("interrupted")


def test_processes_runner_sigterm_is_clean(tmp_path):
    db = tmp_path / "w.duckdb"
    process = start(run_args(tmp_path, db, "--runner", "processes", workers=2))
    wait_for_chunks(process, 2)
    exit_code, seconds, rest = stop_with(process, signal.SIGTERM)
    assert exit_code == 143
    assert seconds < STOP_WITHIN_S
    assert "Traceback" not in rest
    assert run_row(db)[1] == "interrupted"
    assert group_gone(process.pid)


def test_a_run_from_a_bare_environment_prints_no_prefect_chatter(tmp_path):
    """Prefect is configured before it is imported: its INFO lines go to the flow run's log
    in the API, never to the terminal (a shell without any PREFECT_ or DASK_ variable)."""
    from prefect.settings import PREFECT_API_URL

    path = tmp_path / "r.toml"
    path.write_text(scenario_text({"AZ": 1.0}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DASK_"))}
    env.pop("DO_NOT_TRACK", None)
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    options = ["--draws", "2000", "--seed", "1", "--db", str(tmp_path / "w.duckdb")]
    done = subprocess.run(
        [sys.executable, "-c", "from flows.cli import main; main()", "run", str(path), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "draws stored" not in line]
    assert lines == [], done.stderr


LATE_SIGNAL = """
import os, signal, sys, time
from flows.signals import Interrupted, interruptible

class SignalAtTeardown:  # destroyed with the module: after Python resets its handlers
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)

keep = SignalAtTeardown()
try:
    with interruptible():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
except Interrupted:
    sys.exit(130)
"""


def test_a_second_ctrl_c_while_python_shuts_down_leaves_the_exit_code_alone(tmp_path):
    """The CI failure of test_a_second_ctrl_c_stops_at_once (exit -2, i.e. killed by
    SIGINT): a second signal after atexit, when Python has set its handlers back to the
    default, killed a process already on its way to 130; now it is ignored there."""
    script = tmp_path / "late.py"
    script.write_text(LATE_SIGNAL, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
