"""What the run and sweep flows share: the chunk task, the points to simulate, their
provenance records, and storing every missing chunk of a begun run (:func:`execute`).

A chunk task covers whole random-stream blocks (``models.sampling.BLOCK_DRAWS``), so the
rows are the same bit for bit whatever the chunk size, worker count or task runner. The flow
alone writes: one transaction per chunk, and a last one that makes the run visible
(``warehouse.writer``).
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.scenario import ScenarioConfig
from flows.signals import describe_stop, received
from models.behaviour import Scenario
from models.engine import SAMPLERS, simulate
from models.errors import CountlabError
from models.oracle import Exact, exact_probabilities
from models.sampling import BLOCK_DRAWS, block_ranges, block_rng, plan_chunks
from warehouse.frames import draws_table, exact_table, objection_votes_table
from warehouse.store import PointRecord, RunRecord, complete_run, fail_run, stored_chunk_starts
from warehouse.writer import Writer


@task(
    cache_policy=NO_CACHE,
    task_run_name="point {point} draws {first_draw}+{n_draws}",
)
def simulate_chunk(
    scenario: Scenario,
    *,
    run_key: int,
    point: int,
    seed: int,
    first_draw: int,
    n_draws: int,
    sampler: str,
) -> dict[str, pa.Table]:
    """Simulate draws ``[first_draw, first_draw + n_draws)`` of one point; return its rows."""
    draw_tables, vote_tables = [], []
    for block, start, stop in block_ranges(first_draw, n_draws):
        draws = simulate(
            scenario, n_draws=stop - start, rng=block_rng(seed, block), sampler=sampler
        )
        where = {"run_key": run_key, "point": point, "first_draw": start}
        draw_tables.append(
            draws_table(draws, **where, n_candidates=len(scenario.session.candidate_keys))
        )
        vote_tables.append(objection_votes_table(draws, **where))
    return {
        "stored_draws": pa.concat_tables(draw_tables),
        "stored_objection_votes": pa.concat_tables(vote_tables),
    }


@task(cache_policy=NO_CACHE)
def compute_exact(scenario: Scenario) -> Exact:
    """Exact probabilities from the oracle (``--exact``)."""
    return exact_probabilities(scenario)


@dataclass(frozen=True, slots=True, eq=False)
class PointPlan:
    """One point to simulate: its scenario and its own seed."""

    point: int
    scenario: Scenario
    seed: int


def point_record(
    config: ScenarioConfig,
    scenario: Scenario,
    *,
    point: int,
    seed: int,
    draws: int,
    params: dict[str, str] | None = None,
    param_values: dict[str, float] | None = None,
) -> PointRecord:
    """The ``sweep_points`` row of a point (a plain run: point 0, no parameters)."""
    rules = scenario.rules
    session = scenario.session
    return PointRecord(
        point=point,
        params=params or {},
        param_values=param_values or {},
        scenario_json=config.canonical_json(),
        scenario_hash=config.scenario_hash(),
        session=session.date,
        regime=rules.regime,
        denominator=rules.denominator,
        candidates=session.candidate_keys,
        vp_candidates=session.vp_keys,
        objection_states=scenario.states,
        seed=seed,
        draws=draws,
    )


def run_record(
    config: ScenarioConfig,
    scenario: Scenario,
    *,
    run_id: str,
    kind: str,
    seed: int,
    draws: int,
    points: int,
    sampler: str,
    base_dir: Path,
    chunk_draws: int,
    sweep_json: str | None = None,
) -> RunRecord:
    """The provenance row of a run or sweep (a sweep: its base scenario)."""
    rules = scenario.rules
    return RunRecord(
        run_id=run_id,
        kind=kind,
        scenario_json=config.canonical_json(),
        scenario_hash=config.scenario_hash(),
        session=scenario.session.date,
        regime=rules.regime,
        denominator=rules.denominator,
        rules=rules.switches(),
        candidates=scenario.session.candidate_keys,
        objection_states=scenario.states,
        seed=seed,
        draws=draws,
        points=points,
        sweep_json=sweep_json,
        base_dir=str(base_dir.resolve()),
        chunk_draws=chunk_draws,
        block_draws=BLOCK_DRAWS,
        sampler=sampler,
        countlab_version=version("countlab"),
    )


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


def store_points(
    writer: Writer,
    *,
    run_key: int,
    plans: list[PointPlan],
    draws: int,
    chunk_draws: int,
    sampler: str,
    workers: int,
    progress: ProgressHook | None = None,
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
    for plan in plans:
        for first, n in plan_chunks(draws, chunk_draws):
            if (plan.point, first) in stored:
                if progress is not None:
                    progress(n)
            else:
                todo.append((plan, first, n))

    def submit(index: int) -> Any:
        plan, first, n = todo[index]
        return simulate_chunk.submit(
            plan.scenario,
            run_key=run_key,
            point=plan.point,
            seed=plan.seed,
            first_draw=first,
            n_draws=n,
            sampler=sampler,
        )

    window = 2 * max(1, workers)
    pending = deque(submit(i) for i in range(min(window, len(todo))))
    for index, (plan, first, n) in enumerate(todo):
        future = pending.popleft()
        facts = result_polling(future, writer.poll)
        release_result(future)
        if index + window < len(todo):
            pending.append(submit(index + window))
        writer.store(
            run_key=run_key,
            point=plan.point,
            first_draw=first,
            n_draws=n,
            facts=facts,
            on_stored=progress,
        )
        del facts
    writer.flush()


def result_polling(future: Any, poll: Callable[[], None], every: float = 0.1) -> Any:
    """A task's result, calling ``poll()`` every ``every`` seconds while it runs."""
    while True:
        try:
            return future.result(timeout=every)
        except TimeoutError:
            poll()


def execute(
    writer: Writer,
    *,
    run_id: str,
    run_key: int,
    plans: list[PointPlan],
    draws: int,
    chunk_draws: int,
    sampler: str,
    workers: int,
    keep_rows: bool,
    exact_scenario: Scenario | None = None,
    progress: ProgressHook | None = None,
) -> None:
    """Store every missing chunk of a begun run, then complete it; on any failure (Ctrl-C
    included) mark it failed, keeping its stored chunks when ``keep_rows`` (to resume)."""
    try:
        exact_future = compute_exact.submit(exact_scenario) if exact_scenario else None
        store_points(
            writer,
            run_key=run_key,
            plans=plans,
            draws=draws,
            chunk_draws=chunk_draws,
            sampler=sampler,
            workers=workers,
            progress=progress,
        )
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
            total = len(plans) * len(plan_chunks(draws, chunk_draws))
            describe_stop(stop, run_id=run_id, done=done, total=total, resumable=keep_rows)
        with contextlib.suppress(Exception):
            fail_run(writer.con, run_id, stop, keep_rows=keep_rows)
        raise


def check_sampler(sampler: str) -> str:
    if sampler not in SAMPLERS:
        raise CountlabError(f"--sampler {sampler!r}: expected one of {', '.join(SAMPLERS)}")
    return sampler
