"""What the run and sweep flows share: the chunk task, starting a planned run under the
writer lease, and storing every missing chunk of it (:func:`execute`).

A chunk covers whole random-stream blocks (``models.sampling.BLOCK_DRAWS``), so the rows are
the same bit for bit whatever the chunk size, worker count or task runner; a task simulates
one chunk, or several small ones (:func:`group_chunks`). The flow alone writes: one
transaction per task's chunks, and a last one that makes the run visible
(``warehouse.writer``).
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor
from typing import Any, NamedTuple

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.handed import Handed
from flows.plans import Plan, PointPlan, named
from flows.signals import describe_stop, received
from models.behaviour import Scenario
from models.engine import simulate
from models.errors import CountlabError
from models.oracle import Exact, exact_probabilities
from models.sampling import block_ranges, block_rng, chunk_size, plan_chunks
from warehouse.frames import ChunkFacts, exact_table
from warehouse.lease import run_id_for
from warehouse.store import (
    ChunkEntry,
    begin_run,
    complete_run,
    fail_run,
    reopen_run,
    stored_chunk_starts,
)
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


class ChunkWork(NamedTuple):
    """One chunk to simulate: draws ``[first_draw, first_draw + n_draws)`` of a point."""

    point: PointPlan
    first_draw: int
    n_draws: int


TASKS_PER_WORKER = 4
"""How many tasks, at least, small chunks are grouped into per worker (see
:func:`group_chunks`)."""


def group_chunks(
    todo: Sequence[ChunkWork], *, chunk_draws: int, workers: int
) -> list[tuple[ChunkWork, ...]]:
    """Group consecutive chunks into tasks, in order, so that small ones share a task.

    A task takes chunks while their draws fit a budget: the chunk size, or less when that
    leaves fewer than :data:`TASKS_PER_WORKER` tasks per worker (``ceil(draws / tasks)``).
    A chunk above the budget is a task alone, so a run's chunks (each the chunk size) stay
    one a task; 500 sweep points of 2,000 draws become a few dozen tasks, not 500, each
    one Prefect task run and one transaction (about 25 ms each in a flow).
    """
    if not todo:
        return []
    n_tasks = min(len(todo), TASKS_PER_WORKER * max(1, workers))
    total = sum(work.n_draws for work in todo)
    budget = min(chunk_size(chunk_draws), -(-total // n_tasks))
    groups: list[tuple[ChunkWork, ...]] = []
    group: list[ChunkWork] = []
    for work in todo:
        if group and sum(w.n_draws for w in group) + work.n_draws > budget:
            groups.append(tuple(group))
            group = []
        group.append(work)
    groups.append(tuple(group))
    return groups


def task_label(group: Sequence[ChunkWork]) -> str:
    """A task run's name: ``point 3 draws 0+2000``, ``points 3-9 draws 0+2000`` (the same
    draws of each point) or ``points 3-9, 14000 draws``."""
    first, last = group[0], group[-1]
    if len(group) == 1:
        return f"point {first.point.point} draws {first.first_draw}+{first.n_draws}"
    points = f"points {first.point.point}-{last.point.point}"
    if all((w.first_draw, w.n_draws) == (first.first_draw, first.n_draws) for w in group):
        return f"{points} draws {first.first_draw}+{first.n_draws}"
    return f"{points}, {sum(w.n_draws for w in group)} draws"


@task(
    cache_policy=NO_CACHE,
    task_run_name="{label}",
    retries=TASK_RETRIES,
    retry_delay_seconds=TASK_RETRY_DELAY_S,
    retry_condition_fn=retry_if_transient,
)
def simulate_chunks(
    handed: Handed[tuple[ChunkWork, ...]], *, run_key: int, sampler: str, label: str
) -> dict[str, pa.Table]:
    """Simulate a task's chunks (:func:`group_chunks`); return their rows, in order.
    ``label`` names the task run."""
    facts = ChunkFacts(run_key=run_key)
    for work in handed.value:
        scenario, point = work.point.scenario, work.point.point
        n_candidates = len(scenario.session.candidate_keys)
        for block, start, stop in block_ranges(work.first_draw, work.n_draws):
            rng = block_rng(work.point.seed, block)
            draws = simulate(scenario, n_draws=stop - start, rng=rng, sampler=sampler)
            facts.add(draws, point=point, first_draw=start, n_candidates=n_candidates)
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
    """Simulate every chunk of every point not yet stored, and store each task's as it comes.

    Chunks run as tasks (small ones grouped, :func:`group_chunks`); only this (flow) thread
    writes, one transaction per task, in (point, draw) order (``warehouse.writer``: buffered
    while readers have the file, and ``progress`` told once committed). A bounded window of
    tasks in flight keeps memory flat: results are dropped as soon as they are stored.
    Chunks already in ``stored_chunks`` (a resumed run) are skipped, and their draws
    reported at once.
    """
    stored = stored_chunk_starts(writer.con, run_key)
    todo: list[ChunkWork] = []
    for point in plan.points:
        for first, n in plan_chunks(plan.draws, plan.record.chunk_draws):
            if (point.point, first) in stored:
                if progress is not None:
                    progress(n)
            else:
                todo.append(ChunkWork(point, first, n))
    groups = group_chunks(todo, chunk_draws=plan.record.chunk_draws, workers=plan.request.workers)

    def submit(index: int) -> Any:
        group = groups[index]
        return simulate_chunks.submit(
            Handed(group), run_key=run_key, sampler=plan.record.sampler, label=task_label(group)
        )

    window = 2 * max(1, plan.request.workers)
    pending = deque(submit(i) for i in range(min(window, len(groups))))
    for index, group in enumerate(groups):
        future = pending.popleft()
        facts = result_polling(future, writer.poll)
        release_result(future)
        if index + window < len(groups):
            pending.append(submit(index + window))
        entries = tuple(ChunkEntry(w.point.point, w.first_draw, w.n_draws) for w in group)
        writer.store(run_key=run_key, chunks=entries, facts=facts, on_stored=progress)
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
