"""The ``countlab run`` flow: split the draws into chunks, simulate each as a task, store.

A chunk task covers whole random-stream blocks (``models.sampling.BLOCK_DRAWS``), so the
rows are the same bit for bit whatever the chunk size, worker count or task runner. The flow
alone writes, chunk by chunk in draw order, inside one transaction (``warehouse.store``).
"""

from __future__ import annotations

import os
import uuid
from collections import deque
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyarrow as pa
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
    get_current_settings,
    temporary_settings,
)
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from flows.runner import TASK_RUNNERS, RunRequest, plan_chunks
from flows.scenario import ScenarioConfig, load_scenario, to_scenario
from models.behaviour import Scenario
from models.engine import SAMPLERS, simulate
from models.errors import CountlabError
from models.oracle import Exact, exact_probabilities
from models.sampling import BLOCK_DRAWS, block_ranges, block_rng
from warehouse.frames import draws_table, objection_votes_table
from warehouse.queries import read_summary
from warehouse.store import RunRecord, RunWriter, begin_run, connect


@task(cache_policy=NO_CACHE, task_run_name="draws {first_draw}+{n_draws}")
def simulate_chunk(
    scenario: Scenario, *, run_id: str, seed: int, first_draw: int, n_draws: int, sampler: str
) -> tuple[pa.Table, pa.Table]:
    """Simulate draws ``[first_draw, first_draw + n_draws)``; return both tables' rows."""
    session = scenario.session
    draw_tables, vote_tables = [], []
    for block, start, stop in block_ranges(first_draw, n_draws):
        draws = simulate(
            scenario, n_draws=stop - start, rng=block_rng(seed, block), sampler=sampler
        )
        draw_tables.append(
            draws_table(
                draws,
                run_id=run_id,
                first_draw=start,
                candidates=session.candidate_keys,
                vp_candidates=session.vp_keys,
            )
        )
        vote_tables.append(
            objection_votes_table(draws, run_id=run_id, first_draw=start, states=scenario.states)
        )
    return pa.concat_tables(draw_tables), pa.concat_tables(vote_tables)


@task(cache_policy=NO_CACHE)
def compute_exact(scenario: Scenario) -> Exact:
    """Exact probabilities from the oracle (``--exact``)."""
    return exact_probabilities(scenario)


def exact_table(exact: Exact, scenario: Scenario, run_id: str) -> pa.Table:
    """Rows of ``exact_probabilities`` for a run."""
    rows: list[tuple[str, str, float]] = []
    for state, p_raised, p_sustained in zip(
        scenario.states, exact.p_raised, exact.p_sustained, strict=True
    ):
        rows += [("p_raised", state, float(p_raised)), ("p_sustained", state, float(p_sustained))]
    for label, p in (exact.outcomes or {}).items():
        rows.append(("outcome", label, p))
    for candidate, p in (exact.winners or {}).items():
        rows.append(("winner", candidate, p))
    quantity, key, p = zip(*rows, strict=True) if rows else ((), (), ())
    return pa.table(
        {"run_id": [run_id] * len(rows), "quantity": list(quantity), "key": list(key), "p": list(p)}
    )


def run_record(
    config: ScenarioConfig, scenario: Scenario, request: RunRequest, run_id: str, sampler: str
) -> RunRecord:
    """The provenance row of a run."""
    rules = scenario.rules
    return RunRecord(
        run_id=run_id,
        scenario_json=config.canonical_json(),
        scenario_hash=config.scenario_hash(),
        session=scenario.session.date,
        regime=rules.regime,
        denominator=rules.denominator,
        rules=rules.switches(),
        candidates=scenario.session.candidate_keys,
        objection_states=scenario.states,
        seed=request.seed,
        draws=request.draws,
        block_draws=BLOCK_DRAWS,
        sampler=sampler,
        countlab_version=version("countlab"),
    )


ProgressHook = Callable[[int], None]


@flow(name="countlab-run", log_prints=False, validate_parameters=False)
def run_flow(request: RunRequest, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Simulate a scenario and store every draw; return the run's summary."""
    config, base = load_scenario(Path(request.scenario_path))
    scenario = to_scenario(config, base=base, source=request.scenario_path)
    sampler = request.sampler or config.run.sampler
    if sampler not in SAMPLERS:
        raise CountlabError(f"--sampler {sampler!r}: expected one of {', '.join(SAMPLERS)}")
    run_id = uuid.uuid4().hex[:12]
    con = connect(request.db)
    try:
        begin_run(con, run_record(config, scenario, request, run_id, sampler))
        exact_future = compute_exact.submit(scenario) if request.exact else None
        chunks = plan_chunks(request.draws, request.chunk_draws)

        def submit(index: int) -> Any:
            first, n = chunks[index]
            return simulate_chunk.submit(
                scenario,
                run_id=run_id,
                seed=request.seed,
                first_draw=first,
                n_draws=n,
                sampler=sampler,
            )

        # A bounded window of chunks in flight keeps memory flat in the number of draws:
        # results are written in draw order and dropped as soon as they are stored.
        window = 2 * max(1, request.workers)
        pending = deque(submit(i) for i in range(min(window, len(chunks))))
        with RunWriter(con, run_id) as writer:
            for index, (_, n) in enumerate(chunks):
                draw_rows, vote_rows = pending.popleft().result()
                if index + window < len(chunks):
                    pending.append(submit(index + window))
                writer.append("draws", draw_rows)
                writer.append("objection_votes", vote_rows)
                del draw_rows, vote_rows
                if progress is not None:
                    progress(n)
            if exact_future is not None:
                writer.append(
                    "exact_probabilities", exact_table(exact_future.result(), scenario, run_id)
                )
        return read_summary(con, run_id)
    finally:
        con.close()


def task_runner(request: RunRequest) -> ThreadPoolTaskRunner | ProcessPoolTaskRunner:
    """Return the Prefect task runner ``request.runner`` names, ``request.workers`` wide."""
    if request.runner not in TASK_RUNNERS:
        raise CountlabError(f"--runner {request.runner!r}: expected {' or '.join(TASK_RUNNERS)}")
    workers = max(1, request.workers)
    if request.runner == "processes":
        return ProcessPoolTaskRunner(max_workers=workers)
    return ThreadPoolTaskRunner(max_workers=workers)


def run(request: RunRequest, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Run :func:`run_flow` on the task runner the request names.

    Flow heartbeats are off (they only add a second of waiting at the end of a run). With
    the process runner and no Prefect API configured, one temporary server is started here
    and its URL handed to the worker processes, which would otherwise each start their own.
    """
    flow = run_flow.with_options(task_runner=task_runner(request))
    settings: dict[Any, Any] = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    if request.runner != "processes" or get_current_settings().api.url:
        with temporary_settings(settings):
            return flow(request, progress)
    from prefect.server.api.server import SubprocessASGIServer  # a 5 s import: only here

    server = SubprocessASGIServer()
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url  # inherited by spawned workers
    try:
        with temporary_settings({**settings, PREFECT_API_URL: server.api_url}):
            return flow(request, progress)
    finally:
        del os.environ["PREFECT_API_URL"]
        server.stop()


__all__ = ["RunRequest", "plan_chunks", "run", "run_flow"]
