"""A real ``prefect server start`` on 127.0.0.1 for the tests that need one (``countlab
serve``, flow runs as Prefect records them), and a look at what it recorded.

The server, the commands and the Prefect client each run in their own process, pointed at
the server by their environment, so nothing here changes the Prefect settings of the test
process.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from flows.launch import QUIET_PREFECT, local_server_running

PREFECT_SERVER = (sys.executable, "-m", "prefect", "server", "start")  # as `countlab server`
SERVER_START_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prefect_env(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment without its Prefect API, quiet, with its own home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    return {**env, **QUIET_PREFECT, "PREFECT_HOME": str(home), **extra}


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``args`` in its own process group, output to ``log``."""
    with log.open("wb") as sink:
        return subprocess.Popen(
            args,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started by :func:`start` and every process of its group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):  # what the leader left behind
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def prefect_server(
    folder: Path,
    *,
    not_up: Callable[[str], Any],
    timeout: float = SERVER_START_TIMEOUT_S,
    **settings: str,
) -> Iterator[str]:
    """Run ``prefect server start`` on a free port of 127.0.0.1 (its own ``PREFECT_HOME``
    under ``folder``, ``settings`` in its environment); yield its API URL. ``not_up(reason)``
    is called (``pytest.fail`` or ``pytest.skip``) if it exits or does not answer in time."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    home = folder / "server-home"
    home.mkdir()
    log = folder / "prefect-server.log"
    # The UI asks the API at PREFECT_SERVER_API_HOST:PORT (default 4200), not at --port.
    where = {"PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port)}
    server = start(
        [*PREFECT_SERVER, "--host", "127.0.0.1", "--port", str(port)],
        prefect_env(home, **where, **settings),
        log,
    )
    try:
        started = time.monotonic()
        while not local_server_running(url, timeout=1.0):
            if server.poll() is not None:
                not_up(f"prefect server exited:\n{log.read_text()[-3000:]}")
            if time.monotonic() - started > timeout:
                not_up(f"prefect server not up after {timeout:.0f} s")
            time.sleep(0.25)
        yield url
    finally:
        stop(server)


INSPECT = """
import json
import sys
import time

from prefect import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
)

wanted = int(sys.argv[1])  # task runs expected in all, recorded asynchronously
out = []
with get_client(sync_client=True) as client:
    deadline = time.monotonic() + 60
    while True:
        runs = client.read_flow_runs(limit=200)
        out = []
        for run in runs:
            only = FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
            tasks = client.read_task_runs(flow_run_filter=only, limit=200)
            artifacts = client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])),
                limit=200,
            )
            out.append(
                {
                    "id": str(run.id),
                    "name": run.name,
                    "flow_id": str(run.flow_id),
                    "tags": sorted(run.tags),
                    "state": run.state.type.value if run.state else None,
                    "parameters": run.parameters,
                    "parent_task_run_id": str(run.parent_task_run_id or ""),
                    "task_runs": sorted(t.name for t in tasks),
                    "artifacts": [
                        {"id": str(a.id), "key": a.key, "type": a.type, "data": a.data}
                        for a in artifacts
                    ],
                }
            )
        if sum(len(r["task_runs"]) for r in out) >= wanted or time.monotonic() > deadline:
            break
        time.sleep(1)
print(json.dumps(out))
"""


def recorded_flow_runs(
    env: dict[str, str], folder: Path, *, task_runs: int = 0
) -> list[dict[str, Any]]:
    """Every flow run the server at ``env``'s ``PREFECT_API_URL`` has, with its task runs'
    names and its artifacts (waiting up to a minute until ``task_runs`` are recorded)."""
    script = folder / "inspect_prefect.py"
    script.write_text(INSPECT)
    result = subprocess.run(
        [sys.executable, str(script), str(task_runs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    runs: list[dict[str, Any]] = json.loads(result.stdout.strip().splitlines()[-1])
    return runs
