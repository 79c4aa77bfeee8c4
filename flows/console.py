"""What the CLI shows while a flow runs: a progress bar on a terminal, else progress lines
(also in the flow run's Prefect log).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable
from typing import Any

PROGRESS_SECONDS = 5.0
"""Seconds between progress lines when stderr is no terminal (``COUNTLAB_PROGRESS_SECONDS``)."""


def progress_lines(total: int, *, what: str) -> Callable[[int], None]:
    """Progress as log lines on stderr (no terminal: cron, CI, a log file) and in the Prefect
    flow run's log: the first chunk, then at most one line every ``PROGRESS_SECONDS``
    (``COUNTLAB_PROGRESS_SECONDS`` sets it; 0 gives a line per chunk), and the last. The rate
    is counted from the first chunk stored, so start-up (Prefect, the first task) is not in it.
    """
    interval = float(os.environ.get("COUNTLAB_PROGRESS_SECONDS", PROGRESS_SECONDS))
    done = 0
    last = -math.inf
    first: tuple[float, int] | None = None  # (when, draws) at the first chunk

    def report(n: int) -> None:
        nonlocal done, last, first
        done += n
        now = time.monotonic()
        if first is None:
            first = (now, done)
        if now - last < interval and done < total:
            return
        last = now
        line = f"countlab {what}: {done:,}/{total:,} draws stored"
        if now > first[0]:
            line += f" ({(done - first[1]) / (now - first[0]):,.0f} draws/s)"
        print(line, file=sys.stderr, flush=True)
        flow_log(line)

    return report


def flow_log(line: str) -> None:
    """``line`` in the current Prefect flow run's log (shown in its UI), if there is one."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    with contextlib.suppress(MissingContextError):
        get_run_logger().info(line)


def with_progress(
    start: Callable[[Callable[[int], None]], dict[str, Any]], *, total: int, what: str
) -> dict[str, Any]:
    """``start(progress)`` with a progress bar of ``total`` draws on a terminal, else
    progress lines (``what``: run or sweep)."""
    if not sys.stderr.isatty():
        return start(progress_lines(total, what=what))
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} draws"),
        TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task_id = bar.add_task("draws", total=total)
        return start(lambda n: bar.advance(task_id, n))
