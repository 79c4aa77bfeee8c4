"""The flow waits for each chunk while the writer polls (``flows.chunks.result_polling``):
it never asks a runner's future for a result with a timeout, since distributed's timed
``result`` races its own timeout (dask/distributed#8514: ``UnboundLocalError`` when the
chunk finishes as the timeout fires), and it still polls while the chunk runs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest

from flows.chunks import result_polling


class RacyFuture:
    """A future whose timed ``result`` fails as distributed's does when the task finishes
    as its timeout fires; it finishes after ``polls_before_done`` polls."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.callbacks: list[Callable[[Any], None]] = []
        self.finished = False
        self.timed_calls = 0

    def add_done_callback(self, fn: Callable[[Any], None]) -> None:
        if self.finished:
            fn(self)
        else:
            self.callbacks.append(fn)

    def finish(self) -> None:
        self.finished = True
        for fn in self.callbacks:
            fn(self)

    def result(self, timeout: float | None = None) -> Any:
        if timeout is not None:
            self.timed_calls += 1
            raise UnboundLocalError("cannot access local variable 'result'")
        if not self.finished:
            raise AssertionError("result() asked for before the future was done")
        return self.value


def test_a_chunk_that_ends_as_a_poll_times_out_still_gives_its_result():
    future = RacyFuture("rows")
    polls = []

    def poll() -> None:
        polls.append(1)
        if len(polls) == 3:
            future.finish()

    assert result_polling(future, poll, every=0.001) == "rows"
    assert len(polls) == 3  # polled while running, not after
    assert future.timed_calls == 0


def test_a_finished_chunk_is_returned_without_polling():
    future = RacyFuture(42)
    future.finish()
    polls: list[int] = []
    assert result_polling(future, lambda: polls.append(1), every=10.0) == 42
    assert polls == []


def test_a_chunk_finished_in_a_worker_thread_wakes_the_wait_and_its_error_is_raised():
    future: Future[int] = Future()
    timer = threading.Timer(0.05, lambda: future.set_exception(ValueError("chunk failed")))
    polls: list[int] = []
    timer.start()
    with pytest.raises(ValueError, match="chunk failed"):
        result_polling(future, lambda: polls.append(1), every=0.01)
    timer.join()
    assert polls  # the writer was polled while the chunk ran
