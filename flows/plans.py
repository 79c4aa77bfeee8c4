"""The config stage: a request resolved into a :class:`Plan`, checked whole before anything
is written or started.

The scenario file is read once (:func:`flows.scenario.read_scenario_file`), every point's
scenario is validated and built once, and the flow receives the plan: it never reads the
file. A new sweep and a resumed one meet here: :func:`plan_sweep` builds the points from the
file and the request, :func:`plan_resume` from the warehouse's own record, and the flow runs
either plan the same way. Draws, seed and sampler get their values here, from the request,
else the file's ``[run]`` table, else the defaults of :mod:`flows.requests`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path

import duckdb

from flows.design import (
    apply_params,
    count_points,
    design_points,
    params_numbers,
    params_text,
    point_seed,
    sweep_spec,
)
from flows.limits import check_size, estimate
from flows.requests import DEFAULT_DRAWS, RunRequest, SweepRequest, check_request, check_sampler
from flows.scenario import (
    ScenarioConfig,
    ScenarioFile,
    read_scenario_file,
    resolve_seed,
    stored_scenario,
    to_scenario,
)
from models.behaviour import Scenario
from models.errors import CountlabError, OptionError
from models.sampling import BLOCK_DRAWS
from warehouse.queries import read_run
from warehouse.records import PointRecord, RunRecord, read_points, stored_record
from warehouse.store import connect_read_only


@dataclass(frozen=True, slots=True, eq=False)
class PointPlan:
    """One point to simulate: its scenario and its own seed."""

    point: int
    scenario: Scenario
    seed: int


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """Everything a run or sweep will do, checked: what the flow receives.

    ``record`` is the ``runs`` row (its ``run_id`` is given when the flow names the run) and
    ``rows`` the ``sweep_points`` rows to insert; a resumed sweep (``resume``: its run id)
    inserts nothing and reopens its row.
    """

    request: RunRequest | SweepRequest
    record: RunRecord
    points: tuple[PointPlan, ...]
    rows: tuple[PointRecord, ...]
    resume: str | None = None

    @property
    def kind(self) -> str:
        return self.record.kind

    @property
    def draws(self) -> int:
        """Draws per point."""
        return self.record.draws

    @property
    def total_draws(self) -> int:
        return self.record.draws * len(self.points)

    @property
    def exact(self) -> bool:
        return isinstance(self.request, RunRequest) and self.request.exact


def plan_run(request: RunRequest, *, force: bool = False) -> Plan:
    """Plan ``countlab run``: read and validate the file, resolve draws, seed and sampler,
    check the size (``force``: past the soft limits)."""
    check_request(request)
    found = read_scenario_file(Path(request.scenario_path))
    config = found.config
    draws = request.draws if request.draws is not None else (config.run.draws or DEFAULT_DRAWS)
    size = estimate(draws, objections=len(config.objections))
    if request.draws is not None:
        check_size(size, request.db, force=force, what=str(draws), field="draws")
    else:
        check_size(size, request.db, force=force, what=f"{found.source}: [run] draws = {draws}")
    scenario = to_scenario(config, base=found.base, source=found.source)
    seed = resolve_seed(request.seed, config)
    record = run_record(
        config,
        scenario,
        kind="run",
        seed=seed,
        draws=draws,
        points=1,
        sampler=check_sampler(request.sampler or config.run.sampler),
        base_dir=found.base,
        chunk_draws=request.chunk_draws,
        scenario_name=Path(request.scenario_path).stem,
    )
    row = point_record(config, scenario, point=0, seed=seed, draws=draws)
    return Plan(request, record, (PointPlan(0, scenario, seed),), (row,))


def plan_sweep(request: SweepRequest, *, force: bool = False) -> Plan:
    """Plan a new sweep: read and validate the file and the sweep, check its size before
    any point is built, then build and validate every point's scenario."""
    check_request(request)
    if request.resume is not None:
        raise CountlabError("a new sweep has no resume run id: see plan_resume")
    if request.scenario_path is None:
        raise OptionError("scenario_path", None, "missing: a new sweep needs a scenario file")
    found = read_scenario_file(Path(request.scenario_path))
    config = found.config
    spec = sweep_spec(request, found)
    draws = request.draws or config.run.draws or DEFAULT_DRAWS
    keys = tuple(axis.key for axis in spec.axes)
    check_sweep_size(request, found, draws, count_points(spec), spec_keys=keys, force=force)
    seed = resolve_seed(request.seed, config)
    points, rows = [], []
    for point, params in enumerate(design_points(spec, seed=seed)):
        point_config = apply_params(config, params, source=found.source)
        scenario = to_scenario(
            point_config, base=found.base, source=f"{found.source} (point {point})"
        )
        own_seed = point_seed(seed, point)
        points.append(PointPlan(point, scenario, own_seed))
        rows.append(
            point_record(
                point_config,
                scenario,
                point=point,
                seed=own_seed,
                draws=draws,
                params=params_text(params),
                param_values=params_numbers(params),
            )
        )
    record = run_record(
        config,
        to_scenario(config, base=found.base, source=found.source),
        kind="sweep",
        seed=seed,
        draws=draws,
        points=len(points),
        sampler=check_sampler(request.sampler or config.run.sampler),
        base_dir=found.base,
        chunk_draws=request.chunk_draws,
        sweep_json=spec.to_json(),
        scenario_name=Path(request.scenario_path).stem,
    )
    return Plan(request, record, tuple(points), tuple(rows))


def check_sweep_size(
    request: SweepRequest,
    found: ScenarioFile,
    draws: int,
    points: int,
    *,
    spec_keys: tuple[str, ...],
    force: bool,
) -> None:
    """The sweep's size (points x draws, objection rows, disk) within :mod:`flows.limits`
    unless ``force``, before any point is built."""
    objections = set(found.config.objections) | {
        key.removeprefix("objections.") for key in spec_keys if key.startswith("objections.")
    }
    size = estimate(draws, points=points, objections=len(objections))
    if request.draws:
        what = f"{request.draws} ({points:,} points)"
        check_size(size, request.db, force=force, what=what, field="draws")
    else:
        what = f"{points:,} points x {draws:,} draws ({found.source} [run] draws)"
        check_size(size, request.db, force=force, what=what)


def plan_resume(request: SweepRequest, *, force: bool = False) -> Plan:
    """Plan the rest of an interrupted sweep from the warehouse's own record: its scenario
    JSON, seeds, draws, chunk size and sampler (the request gives only how to run it and
    the run id, ``resume``). The warehouse is read, not written."""
    check_request(request)
    run_id = request.resume
    if run_id is None or not run_id.strip():
        raise OptionError("resume", repr(run_id or ""), "expected a run id (see the runs table)")
    con = connect_read_only(request.db)
    try:
        return resumed(request, con, run_id, force=force)
    finally:
        con.close()


def resumed(
    request: SweepRequest, con: duckdb.DuckDBPyConnection, run_id: str, *, force: bool
) -> Plan:
    """:func:`plan_resume` on an open connection."""
    run = read_run(con, run_id)
    if run["status"] == "completed":
        raise CountlabError(f"run {run_id!r} is already completed: nothing to resume")
    base = Path(run["base_dir"])
    points = []
    for point, scenario_json, states, seed in read_points(con, run_id):
        source = f"run {run_id} (point {point})"
        config = stored_scenario(scenario_json, states, source=source)
        points.append(PointPlan(point, to_scenario(config, base=base, source=source), seed))
    most = max((len(p.scenario.states) for p in points), default=0)
    found = estimate(run["draws"], points=len(points), objections=most)
    check_size(found, request.db, force=force, what=run_id, field="resume")
    record = stored_record(run)
    return Plan(request, record, tuple(points), (), resume=run_id)


def named(plan: Plan, run_id: str) -> Plan:
    """The plan with its run id (given under the writer lease)."""
    return replace(plan, record=replace(plan.record, run_id=run_id))


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
        slate_states=scenario.slate_states,
    )


def run_record(
    config: ScenarioConfig,
    scenario: Scenario,
    *,
    kind: str,
    seed: int,
    draws: int,
    points: int,
    sampler: str,
    base_dir: Path,
    chunk_draws: int,
    sweep_json: str | None = None,
    scenario_name: str | None = None,
) -> RunRecord:
    """The provenance row of a run or sweep (a sweep: its base scenario), not yet named."""
    rules = scenario.rules
    return RunRecord(
        run_id="",
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
        scenario_name=scenario_name,
    )
