"""Prefect's temporary API server for one command, started without importing Prefect's
server code in this process (issue 17: that import alone cost about 4.5 s of every run with
no server).

It is the server Prefect itself starts when no API is configured
(``prefect.server.api.server.SubprocessASGIServer``: ``uvicorn`` serving
``prefect.server.api.server:create_app`` on 127.0.0.1 with the UI off and the ephemeral
flags on), started the same way from this process's environment, with a parent-death
signal (:func:`flows.signals.die_with_parent`) so that it never outlives countlab, even
killed with SIGKILL. :func:`spawn_api` only starts it: a command imports Prefect's client
(some seconds) while the server starts on the other core, and :meth:`TemporaryApi.wait`
blocks until it answers.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flows.signals import die_with_parent, forget_child, track_child

PORT_IN_USE_EXIT = 3
"""uvicorn's exit code when its port is taken (another process won the race): try another."""
STARTUP_TIMEOUT_S = 90.0
"""Default wait for the server to answer (``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS``
overrides it, as it does Prefect's)."""
SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}
"""What Prefect's own temporary server is started with."""


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prefect_parent() -> str:
    """The folder that holds the ``prefect`` package (uvicorn's ``--app-dir``), found
    without importing it."""
    spec = importlib.util.find_spec("prefect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Prefect is not installed")
    return str(Path(next(iter(spec.submodule_search_locations))).parent)


def drain_prefect(timeout: float = 5.0) -> None:
    """Send Prefect's queued logs and events before its API goes away (else its workers
    retry a dead server for a minute at exit)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):
            worker.drain_all(timeout=timeout)


@dataclass
class TemporaryApi:
    """A started temporary server: its port and process."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def wait(self) -> str:
        """Block until the server answers its health check; return its API URL."""
        timeout = float(
            os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", STARTUP_TIMEOUT_S)
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code == PORT_IN_USE_EXIT:
                self._restart()
                continue
            if code is not None:
                raise RuntimeError(f"Prefect's temporary API server exited with code {code}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=1.0) as answer:
                    if answer.status == 200:
                        return self.api_url
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"Prefect's temporary API server did not answer in {timeout:g} s")

    def _restart(self) -> None:
        forget_child(self.process.pid)
        self.port = _free_port()
        self.process = _start_uvicorn(self.port)
        os.environ["PREFECT_API_URL"] = self.api_url

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        forget_child(self.process.pid)


def _start_uvicorn(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "--app-dir", _prefect_parent()]
    command += ["--factory", "prefect.server.api.server:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "error"]
    command += ["--lifespan", "on"]
    env = {**os.environ, **SERVER_ENV}
    process = subprocess.Popen(command, env=env, preexec_fn=die_with_parent)  # noqa: PLW1509 (from the main thread, before ours start)
    track_child(process.pid)
    return process


@contextlib.contextmanager
def spawn_api() -> Iterator[TemporaryApi]:
    """Start the temporary server and export its URL as ``PREFECT_API_URL`` (read by
    Prefect when it is first imported, and by worker processes); do not wait for it
    (:meth:`TemporaryApi.wait`). On exit, Prefect's queued logs and events are sent
    (when Prefect was imported), then the server stops and the variable goes."""
    port = _free_port()
    api = TemporaryApi(port=port, process=_start_uvicorn(port))
    os.environ["PREFECT_API_URL"] = api.api_url
    try:
        yield api
    finally:
        if "prefect" in sys.modules:
            drain_prefect()
        os.environ.pop("PREFECT_API_URL", None)
        api.stop()


@contextlib.contextmanager
def api_for_flows() -> Iterator[TemporaryApi | None]:
    """The Prefect API every flow of the block uses: the configured one (``PREFECT_API_URL``
    set: yields None), else one temporary server (:func:`spawn_api`, not yet waited for), so
    that flows started in the block do not each start their own."""
    if "PREFECT_API_URL" in os.environ:
        yield None
        return
    with spawn_api() as api:
        yield api
