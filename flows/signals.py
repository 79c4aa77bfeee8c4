"""Stopping cleanly: SIGINT, SIGTERM and SIGHUP, and no process that outlives countlab.

:func:`interruptible` turns the first of these signals into :class:`Interrupted` in the main
thread, so that a run or sweep marks itself ``interrupted`` (its committed chunks kept) and
the CLI prints one line and exits ``128 + signal`` (130 for Ctrl-C, 143 for SIGTERM). A second
signal, or a first one not handled within :data:`GRACE_SECONDS`, ends the process at once,
its children first.

Children die with countlab even when it is killed with SIGKILL: those it starts itself (the
temporary Prefect API, ``prefect server start``) get a parent-death signal from the kernel
(:func:`die_with_parent`, Linux ``prctl``); worker processes (``--runner processes``) watch
their parent and exit when it is gone (:func:`watch_parent`).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 10.0
"""How long a first signal waits for the command to stop cleanly before the process ends."""

PR_SET_PDEATHSIG = 1


class Interrupted(KeyboardInterrupt):
    """A run, sweep, serve or query stopped by a signal (``signum``); ``stopped`` says what
    was stopped and how to go on (set by whoever stopped it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum
        self.stopped: str | None = None


_RECEIVED: list[Interrupted] = []
"""The interruption raised in this process, if any: libraries that catch it and raise their
own error instead (DuckDB turns it into 'Query interrupted') cannot hide it."""


def received(error: BaseException | None = None) -> Interrupted | None:
    """The interruption behind ``error``: the one this process received (DuckDB turns it
    into 'Query interrupted'), or ``error`` itself, or Prefect's ``TerminationSignal`` (its
    flow engine takes SIGTERM over while a flow runs) as an :class:`Interrupted`."""
    if _RECEIVED:
        return _RECEIVED[0]
    if isinstance(error, Interrupted):
        return error
    signum = getattr(error, "signal", None)
    if type(error).__name__ == "TerminationSignal" and isinstance(signum, int):
        return interruption(signum)
    return None


def interruption(signum: int, stopped: str | None = None) -> Interrupted:
    """The :class:`Interrupted` for ``signum`` (saying ``stopped``), registered so that the CLI
    finds it whatever a library makes of the exception on its way up (typer turns any
    KeyboardInterrupt into a bare exit status 130)."""
    if not _RECEIVED:
        _RECEIVED.append(Interrupted(signum))
    if stopped is not None:
        _RECEIVED[0].stopped = stopped
    return _RECEIVED[0]


def exit_code(error: BaseException | None) -> int:
    """The exit status for an interruption: 128 + its signal (Ctrl-C: 130)."""
    return 128 + (error.signum if isinstance(error, Interrupted) else signal.SIGINT)


def stopped_line(error: BaseException | None) -> str:
    """The one line the CLI prints for an interruption (after ``countlab: ``)."""
    name = signal.Signals(error.signum).name if isinstance(error, Interrupted) else "SIGINT"
    stopped = getattr(error, "stopped", None)
    return f"interrupted: {stopped} ({name})" if stopped else f"interrupted ({name})"


def describe_stop(
    error: BaseException, *, run_id: str, done: int, total: int, resumable: bool
) -> None:
    """Say on an interruption what stopped: ``run R stopped after N of M chunks; ...``."""
    if not isinstance(error, Interrupted) or error.stopped is not None:
        return
    then = (
        f"resume with `countlab sweep --resume {run_id}`"
        if resumable
        else "its rows were removed; run it again"
    )
    error.stopped = f"run {run_id} stopped after {done} of {total} chunks; {then}"


_CHILDREN: set[int] = set()
"""PIDs of subprocesses started with :func:`die_with_parent` (killed on a hard stop)."""


def track_child(pid: int) -> None:
    _CHILDREN.add(pid)


def forget_child(pid: int) -> None:
    _CHILDREN.discard(pid)


def kill_children(sig: int = signal.SIGTERM) -> None:
    """Signal every child process this process started (multiprocessing workers included)."""
    pids = {child.pid for child in multiprocessing.active_children()} | _CHILDREN
    for pid in pids:
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, sig)


def hard_stop(code: int, message: str) -> None:
    """Kill every child, print ``countlab: message`` and end the process with ``code``."""
    kill_children(signal.SIGKILL)
    with contextlib.suppress(Exception):
        print(f"countlab: {message}", file=sys.stderr, flush=True)
    os._exit(code)


_STOPPING: list[int] = []
"""The signal that stopped this process's :func:`interruptible` block, once it has ended."""


def ignore_late_signals() -> None:
    """At exit (the last atexit handler of a command): once a signal has stopped the
    process, ignore the handled signals from here on. Python resets the handlers it set to
    the default as it finalizes, after atexit; a second Ctrl-C then (while modules and their
    objects are torn down) would kill the process by SIGINT instead of the exit ``128 +
    signal`` it is already on its way to."""
    if _STOPPING:
        for sig in HANDLED:
            signal.signal(sig, signal.SIG_IGN)


@contextlib.contextmanager
def interruptible(grace: float = GRACE_SECONDS) -> Iterator[None]:
    """Within this block, SIGINT/SIGTERM/SIGHUP raise :class:`Interrupted` in the main
    thread; a second signal, or ``grace`` seconds without the block ending, stop at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    first: list[int] = []
    ended = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if first:
            hard_stop(128 + signum, f"interrupted again ({signal.Signals(signum).name})")
        first.append(signum)

        def watchdog() -> None:
            if not ended.wait(grace):
                hard_stop(128 + signum, f"interrupted: did not stop within {grace:.0f} s")

        threading.Thread(target=watchdog, name="countlab-stop", daemon=True).start()
        # Prefect may have taken a SIGTERM first and sent it on: the same interruption.
        stop = interruption(signum)
        # What is left to say is the CLI's one line: no library's tracebacks and warnings
        # about the stop (Prefect logs a crashed flow run at length).
        logging.disable(logging.CRITICAL)
        raise stop

    previous = {sig: signal.signal(sig, handler) for sig in HANDLED}
    atexit.unregister(ignore_late_signals)  # registered once, before the libraries' own
    atexit.register(ignore_late_signals)  # (atexit runs last-registered first)
    try:
        yield
    finally:
        ended.set()
        if first:
            # The process is on its way out (the CLI exits 128 + signal): a signal during
            # interpreter shutdown still stops at once, with no KeyboardInterrupt traceback
            # from threading's shutdown, so the handler stays (ignore_late_signals, after).
            _RECEIVED.clear()
            _STOPPING[:] = first[:1]
        else:
            if _RECEIVED:  # a library's TerminationSignal, not a signal seen here
                _RECEIVED.clear()
                logging.disable(logging.NOTSET)
            for sig, old in previous.items():
                signal.signal(sig, old)


def die_with_parent() -> None:
    """In a child just forked (``preexec_fn``): ask the kernel for SIGTERM when the parent
    dies (Linux; elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def watch_parent(interval: float = 0.5) -> None:
    """In a worker process: exit as soon as the process that started it is gone."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid is None:
        return
    parent_pid = parent.pid

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="countlab-parent-watch", daemon=True).start()
