"""What the run and sweep flows share: the chunk task, starting a planned run under the
writer lease, and storing every missing chunk of it (:func:`execute`).

A chunk task covers whole random-stream blocks (``models.sampling.BLOCK_DRAWS``), so the
rows are the same bit for bit whatever the chunk size, worker count or task runner. The flow
alone writes: one transaction per chunk, and a last one that makes the run visible
(``warehouse.writer``).
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import BrokenExecutor
from typing import Any, Generic, TypeVar

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.plans import Plan, PointPlan, named
from flows.signals import describe_stop, received
from models.behaviour import Scenario
from models.engine import simulate
from models.errors import CountlabError
from models.oracle import Exact, exact_probabilities
from models.sampling import block_ranges, block_rng, plan_chunks
from warehouse.frames import ChunkFacts, exact_table
from warehouse.lease import run_id_for
from warehouse.store import begin_run, complete_run, fail_run, reopen_run, stored_chunk_starts
from warehouse.writer import Writer

LOST_WORKER_ERRORS = ("KilledWorker", "CommClosedError", "StreamClosedError")
"""Dask's errors for a worker or connection lost (named: prefect-dask is optional)."""

PERMANENT_OS_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
)
"""Operating-system errors that running again would only repeat."""

TASK_RETRIES = 2
TASK_RETRY_DELAY_S = 1.0


T = TypeVar("T")


class Handed(Generic[T]):
    """A task's argument that Prefect hands over as it is. Prefect walks a task's arguments
    (dataclasses, lists, dicts: a scenario is some 5,000 objects) for futures to wait on, at
    submit and again at run, about 80 ms a task; it does not walk this. Not Prefect's
    ``quote``: the Dask runner hands that to the task as a bare tuple."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value


def is_transient(error: BaseException) -> bool:
    """Whether a task's failure may pass when it runs again: an operating-system or network
    error (a resource busy, a connection reset or timed out; not a missing file or a
    permission), a broken worker pool or a lost Dask worker; never a user's mistake
    (:class:`CountlabError`) nor a bug."""
    if isinstance(error, (CountlabError, *PERMANENT_OS_ERRORS)):
        return False
    if isinstance(error, OSError | BrokenExecutor):
        return True
    return any(kind.__name__ in LOST_WORKER_ERRORS for kind in type(error).__mro__)


def retry_if_transient(task: Any, task_run: Any, state: Any) -> bool:
    """The chunk tasks' ``retry_condition_fn``: retry a failed state's transient error only.
    A chunk's rows depend on its seed and draws alone, so a retry stores the same rows."""
    error = state.data
    if not isinstance(error, BaseException):
        with contextlib.suppress(Exception):
            error = state.result(raise_on_failure=False)
    return isinstance(error, BaseException) and is_transient(error)


@task(
    cache_policy=NO_CACHE,
    task_run_name="point {point} draws {first_draw}+{n_draws}",
    retries=TASK_RETRIES,
    retry_delay_seconds=TASK_RETRY_DELAY_S,
    retry_condition_fn=retry_if_transient,
)
def simulate_chunk(
    handed: Handed[Scenario],
    *,
    run_key: int,
    point: int,
    seed: int,
    first_draw: int,
    n_draws: int,
    sampler: str,
) -> dict[str, pa.Table]:
    """Simulate draws ``[first_draw, first_draw + n_draws)`` of one point; return its rows."""
    scenario = handed.value
    facts = ChunkFacts(
        run_key=run_key, point=point, n_candidates=len(scenario.session.candidate_keys)
    )
    for block, start, stop in block_ranges(first_draw, n_draws):
        draws = simulate(
            scenario, n_draws=stop - start, rng=block_rng(seed, block), sampler=sampler
        )
        facts.add(draws, first_draw=start)
    return facts.tables()


@task(
    cache_policy=NO_CACHE,
    retries=TASK_RETRIES,
    retry_delay_seconds=TASK_RETRY_DELAY_S,
    retry_condition_fn=retry_if_transient,
)
def compute_exact(handed: Handed[Scenario]) -> Exact:
    """Exact probabilities from the oracle (``--exact``)."""
    return exact_probabilities(handed.value)


ProgressHook = Callable[[int], None]


def release_result(future: Any) -> None:
    """Drop Prefect's reference to a task's return value once the flow holds it.

    Prefect keeps every finished task's state, and with it the return value (measured: RSS
    grew by about one chunk's rows per chunk, 1.1 GB for 3 million draws, against a flat
    0.6 GB when the rows left by another path). The flow stores the rows and drops them.
    """
    state = future.state
    if state is not None:
        state.data = None


def start_run(writer: Writer, plan: Plan) -> tuple[Plan, int]:
    """Begin the planned run (name it, unless named, and insert its rows) or reopen the sweep
    it resumes, in its flow run (``record.prefect_flow_run_id``); return the named plan and
    its ``run_key``."""
    if plan.resume is not None:
        flow_run_id = plan.record.prefect_flow_run_id
        return plan, reopen_run(writer.con, plan.resume, prefect_flow_run_id=flow_run_id)
    run_id = plan.record.run_id or run_id_for(plan.request.db)
    writer.name_run(run_id)
    plan = named(plan, run_id)
    return plan, begin_run(writer.con, plan.record, list(plan.rows))


def store_points(
    writer: Writer, plan: Plan, *, run_key: int, progress: ProgressHook | None = None
) -> None:
    """Simulate every chunk of every point not yet stored, and store each as it comes.

    Chunks run as tasks; only this (flow) thread writes, one transaction per chunk, in
    (point, draw) order (``warehouse.writer``: buffered while readers have the file, and
    ``progress`` told once committed). A bounded window of chunks in flight keeps memory
    flat: results are dropped as soon as they are stored. Chunks already in
    ``stored_chunks`` (a resumed run) are skipped, and their draws reported at once.
    """
    stored = stored_chunk_starts(writer.con, run_key)
    todo: list[tuple[PointPlan, int, int]] = []
    for point in plan.points:
        for first, n in plan_chunks(plan.draws, plan.record.chunk_draws):
            if (point.point, first) in stored:
                if progress is not None:
                    progress(n)
            else:
                todo.append((point, first, n))

    def submit(index: int) -> Any:
        point, first, n = todo[index]
        return simulate_chunk.submit(
            Handed(point.scenario),
            run_key=run_key,
            point=point.point,
            seed=point.seed,
            first_draw=first,
            n_draws=n,
            sampler=plan.record.sampler,
        )

    window = 2 * max(1, plan.request.workers)
    pending = deque(submit(i) for i in range(min(window, len(todo))))
    for index, (point, first, n) in enumerate(todo):
        future = pending.popleft()
        facts = result_polling(future, writer.poll)
        release_result(future)
        if index + window < len(todo):
            pending.append(submit(index + window))
        writer.store(
            run_key=run_key,
            point=point.point,
            first_draw=first,
            n_draws=n,
            facts=facts,
            on_stored=progress,
        )
        del facts
    writer.flush()


def result_polling(future: Any, poll: Callable[[], None], every: float = 0.1) -> Any:
    """A task's result, calling ``poll()`` every ``every`` seconds while it runs.

    Waits on the future's done callback and asks for the result only once it is done, never
    with a timeout: distributed's timed ``result`` can race its own timeout and raise
    ``UnboundLocalError`` when the task ends as the timeout fires (dask/distributed#8514).
    """
    done = threading.Event()
    future.add_done_callback(lambda _: done.set())
    while not done.wait(every):
        poll()
    return future.result()


def execute(
    writer: Writer,
    plan: Plan,
    *,
    run_key: int,
    keep_rows: bool,
    progress: ProgressHook | None = None,
) -> None:
    """Store every missing chunk of a begun run (``plan``, named), then complete it; on any
    failure (Ctrl-C included) mark it failed, keeping its stored chunks when ``keep_rows``
    (to resume)."""
    run_id = plan.record.run_id
    exact_scenario = plan.points[0].scenario if plan.exact else None
    try:
        exact_future = compute_exact.submit(Handed(exact_scenario)) if exact_scenario else None
        store_points(writer, plan, run_key=run_key, progress=progress)
        exact = None
        if exact_future is not None and exact_scenario is not None:
            exact = exact_table(exact_future.result(), exact_scenario, run_id)
        complete_run(writer.con, run_id, exact)
    except BaseException as error:
        stop = received(error) or error  # DuckDB turns an interruption into its own error
        with contextlib.suppress(Exception):  # the original error matters more
            if keep_rows:
                writer.flush()  # chunks computed before the stop: a resume need not redo them
        writer.discard()
        with contextlib.suppress(Exception):
            done = len(stored_chunk_starts(writer.con, run_key))
            total = len(plan.points) * len(plan_chunks(plan.draws, plan.record.chunk_draws))
            describe_stop(stop, run_id=run_id, done=done, total=total, resumable=keep_rows)
        with contextlib.suppress(Exception):
            fail_run(writer.con, run_id, stop, keep_rows=keep_rows)
        raise
