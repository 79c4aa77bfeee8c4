"""What a flow run shows in Prefect (``flows.flowruns``, ``flows.artifacts``): parameters
that describe the request, names, tags, artifacts that never fail a run, and retries of
transient task failures only. The end-to-end view through a real server is in
``test_prefect_runs.py``."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import duckdb
import pytest

from flows.requests import RunRequest, SweepRequest
from models.errors import CountlabError, OptionError
from models.sampling import BLOCK_DRAWS

SCENARIO = """
session = "2021-01-06"
regime = "eca1887"
[objections]
AZ = 1.0
PA = 0.6
[votes]
house.R = 0.95
house.D = 0.05
senate.R = 0.9
senate.D = 0.1
correlation = 0.3
absent = 0.02
[sweep.vary]
"votes.senate.D" = "0:0.2:3"
regime = ["eca1887", "ecra2022"]
"""
DRAWS = BLOCK_DRAWS + 500  # two blocks: two chunks of one block each below


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "my-scenario.toml"
    path.write_text(SCENARIO)
    return path


def run_request(scenario: Path, tmp_path: Path, **options: object) -> RunRequest:
    return RunRequest(
        scenario_path=str(scenario),
        draws=options.pop("draws", DRAWS),  # type: ignore[arg-type]
        seed=5,
        db=str(tmp_path / "w.duckdb"),
        **options,  # type: ignore[arg-type]
    )


def stored_rows(db: Path, run_id: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select * exclude (run_id) from objection_votes where run_id = ? order by all",
            [run_id],
        ).fetchall()
    finally:
        con.close()


# --- names, tags and parameters (no Prefect) ---------------------------------------------


def test_a_run_is_named_and_tagged_after_its_id_scenario_session_and_regime(scenario, tmp_path):
    from flows.flowruns import flow_run_tags, flow_run_title
    from flows.plans import named, plan_run

    plan = named(plan_run(run_request(scenario, tmp_path)), "5957f1af6504")
    assert flow_run_title(plan) == "run 5957f1af6504 · my-scenario"
    assert flow_run_tags(plan) == ["countlab", "run", "session:2021-01-06", "regime:eca1887"]
    assert flow_run_tags(plan, scheduled=True)[-1] == "scheduled"


def test_a_sweep_is_named_with_its_points_and_tagged_with_every_regime(scenario, tmp_path):
    from flows.flowruns import flow_run_tags, flow_run_title
    from flows.plans import named, plan_sweep

    request = SweepRequest(scenario_path=str(scenario), draws=10, seed=1, db=str(tmp_path / "w"))
    plan = named(plan_sweep(request), "926a0ed301b8")
    assert flow_run_title(plan) == "sweep 926a0ed301b8 · my-scenario (6 points)"
    assert flow_run_tags(plan) == [
        "countlab",
        "sweep",
        "session:2021-01-06",
        "regime:eca1887",
        "regime:ecra2022",
    ]


def test_the_parameters_describe_the_request_and_plan_the_same_run(scenario, tmp_path):
    from flows.flowruns import RunParameters, flow_parameters, plan_of
    from flows.plans import named, plan_run

    plan = named(plan_run(run_request(scenario, tmp_path, sampler="members")), "abc123")
    parameters = flow_parameters(plan)
    assert isinstance(parameters, RunParameters)
    assert (parameters.run_id, parameters.scenario) == ("abc123", "my-scenario")
    assert (parameters.draws, parameters.seed, parameters.sampler) == (DRAWS, 5, "members")
    assert parameters.scenario_hash == plan.record.scenario_hash
    # plain JSON, as the Prefect API stores them, and back
    again = RunParameters.model_validate(json.loads(parameters.model_dump_json()))
    replanned = plan_of(again)
    assert replanned.record == plan.record
    assert [p.seed for p in replanned.points] == [p.seed for p in plan.points]


def test_a_sweeps_parameters_carry_its_axes_and_plan_the_same_points(scenario, tmp_path):
    from flows.flowruns import SweepParameters, flow_parameters, plan_of
    from flows.plans import named, plan_sweep

    request = SweepRequest(
        scenario_path=str(scenario),
        draws=10,
        seed=1,
        db=str(tmp_path / "w"),
        vary=("votes.house.D=0.05,0.5",),
    )
    plan = named(plan_sweep(request), "926a0ed301b8")
    parameters = flow_parameters(plan)
    assert isinstance(parameters, SweepParameters)
    assert parameters.vary == [
        "votes.senate.D=0.0:0.2:3",
        "regime=eca1887,ecra2022",
        "votes.house.D=0.05,0.5",
    ]
    assert (parameters.design, parameters.points, parameters.resume) == ("grid", None, False)
    replanned = plan_of(SweepParameters.model_validate(parameters.model_dump(mode="json")))
    assert replanned.rows == plan.rows
    assert replanned.record == plan.record


def test_a_changed_file_is_refused_when_its_hash_is_given(scenario, tmp_path):
    from flows.flowruns import flow_parameters, plan_of
    from flows.plans import named, plan_run

    parameters = flow_parameters(named(plan_run(run_request(scenario, tmp_path)), "abc123"))
    scenario.write_text(SCENARIO.replace("PA = 0.6", "PA = 0.7"))
    with pytest.raises(OptionError) as error:
        plan_of(parameters)
    assert str(error.value).startswith(f"scenario_hash {parameters.scenario_hash}: ")
    assert "the file changed" in str(error.value)
    assert len(str(error.value).splitlines()) == 1
    assert plan_of(parameters.model_copy(update={"scenario_hash": None})).record.run_id == "abc123"


def test_the_flows_parameter_schema_is_a_typed_form():
    from prefect.utilities.callables import parameter_schema

    from flows.run import run_flow
    from flows.sweep import sweep_flow

    for flow, model in ((run_flow, "RunParameters"), (sweep_flow, "SweepParameters")):
        schema = parameter_schema(flow.fn).model_dump()
        fields = schema["definitions"][model]["properties"]
        assert fields["draws"]["type"] == "integer"
        assert fields["seed"]["type"] == "integer"
        assert {"type": "string"} in fields["scenario_path"]["anyOf"]
        assert fields["sampler"]["description"] == "One of compiled, grouped, members."
    assert schema["definitions"]["SweepParameters"]["properties"]["vary"]["type"] == "array"


def test_artifact_keys_are_lowercase_letters_digits_and_dashes(scenario, tmp_path):
    from flows.artifacts import artifact_key
    from flows.plans import named, plan_run

    plan = named(plan_run(run_request(scenario, tmp_path)), "5957F1AF_6504")
    assert artifact_key(plan) == "countlab-run-5957f1af-6504"
    assert artifact_key(plan, "outcomes") == "countlab-run-5957f1af-6504-outcomes"


def test_the_progress_artifact_follows_the_draws_and_a_refusal_stops_it(
    scenario, tmp_path, monkeypatch
):
    import prefect.artifacts

    from flows import artifacts
    from flows.plans import named, plan_run

    shares: list[float] = []
    warnings: list[str] = []
    monkeypatch.setattr(
        prefect.artifacts, "create_progress_artifact", lambda *a, **k: uuid.UUID(int=1)
    )
    monkeypatch.setattr(
        prefect.artifacts, "update_progress_artifact", lambda _id, share: shares.append(share)
    )
    monkeypatch.setattr(artifacts, "warn", warnings.append)
    plan = named(plan_run(run_request(scenario, tmp_path, draws=1000)), "abc")
    told: list[int] = []
    progress = artifacts.track_progress(plan, told.append, every=0.0)
    for n in (250, 250, 500):
        progress(n)
    assert told == [250, 250, 500]
    assert shares == [25.0, 50.0, 100.0]

    def refuse(*args: object) -> None:
        raise RuntimeError("422 Unprocessable Entity")

    monkeypatch.setattr(prefect.artifacts, "update_progress_artifact", refuse)
    progress = artifacts.track_progress(plan, None, every=0.0)
    progress(100)
    progress(100)  # not asked again once refused
    assert len(warnings) == 1
    assert "countlab-run-abc-progress" in warnings[0]
    assert "422 Unprocessable Entity" in warnings[0]


def test_transient_errors_are_retried_and_user_mistakes_are_not():
    from concurrent.futures.process import BrokenProcessPool

    from flows.chunks import is_transient

    class KilledWorker(Exception):  # distributed.scheduler.KilledWorker, by name
        pass

    for error in (
        ConnectionResetError("worker lost"),
        TimeoutError("the warehouse busy"),
        OSError(11, "Resource temporarily unavailable"),
        BrokenProcessPool("a process died"),
        KilledWorker("tcp://w:1"),
    ):
        assert is_transient(error), error
    for error in (
        CountlabError("draws 0: expected a positive number"),
        OptionError("seed", "-1", "expected a non-negative integer"),
        FileNotFoundError("session.toml"),
        PermissionError("w.duckdb"),
        RuntimeError("a bug"),
        ValueError("a bug"),
    ):
        assert not is_transient(error), error


# --- flows under the test harness --------------------------------------------------------


@pytest.mark.usefixtures("prefect_harness")
def test_a_flow_run_from_its_parameters_alone_stores_the_same_rows(scenario, tmp_path):
    from flows.flowruns import flow_parameters
    from flows.plans import named, plan_run
    from flows.run import run, run_flow

    reference = run(run_request(scenario, tmp_path))
    other_db = tmp_path / "other.duckdb"
    plan = named(plan_run(run_request(scenario, tmp_path)), "fromparams01")
    parameters = flow_parameters(plan).model_copy(update={"db": str(other_db)})
    handed = run_flow(parameters)  # no plan handed over: planned from the parameters
    summary = handed.value  # the flow hands its summary back without Prefect walking it
    assert summary["run_id"] == "fromparams01"
    assert stored_rows(other_db, "fromparams01") == stored_rows(
        tmp_path / "w.duckdb", reference["run_id"]
    )
    con = duckdb.connect(str(other_db), read_only=True)
    try:
        row = con.execute("select scenario_name, prefect_flow_run_id from runs").fetchone()
    finally:
        con.close()
    assert row is not None
    assert row[0] == "my-scenario"
    assert len(row[1]) == 36  # the flow run's id
    with pytest.raises(CountlabError, match="is in the warehouse already"):
        run_flow(parameters)  # the same run id again


@pytest.mark.usefixtures("prefect_harness")
def test_a_refused_artifact_never_fails_the_run(scenario, tmp_path, monkeypatch):
    import prefect.artifacts

    from flows import artifacts
    from flows.run import run

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the API refused it")

    for name in ("create_table_artifact", "create_markdown_artifact", "create_progress_artifact"):
        monkeypatch.setattr(prefect.artifacts, name, refuse)
    warnings: list[str] = []
    monkeypatch.setattr(artifacts, "warn", warnings.append)
    summary = run(run_request(scenario, tmp_path, draws=2000))
    assert summary["draws"] == 2000
    assert len(warnings) == 4  # two tables, the Markdown, the progress
    assert all("the API refused it" in w for w in warnings)


@pytest.mark.usefixtures("prefect_harness")
def test_the_markdown_artifact_names_the_run_its_sql_and_its_report(
    scenario, tmp_path, monkeypatch
):
    import prefect.artifacts

    from flows.run import run

    real = prefect.artifacts.create_markdown_artifact
    texts: list[str] = []

    def keep(markdown: str, **kwargs: object) -> object:
        texts.append(markdown)
        return real(markdown, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(prefect.artifacts, "create_markdown_artifact", keep)
    folder = tmp_path / "reports"
    summary = run(run_request(scenario, tmp_path, draws=2000, report=str(folder)))
    run_id = summary["run_id"]
    (text,) = texts
    assert f"# countlab run `{run_id}`" in text
    assert f"select * from outcome_probabilities where run_id = '{run_id}'" in text
    assert summary["report"] == [
        str(folder / f"report-{run_id}.html"),
        str(folder / f"report-{run_id}.md"),
    ]
    for path in summary["report"]:
        assert Path(path).is_file()
        assert f"`{path}`" in text


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize(
    ("error", "retried"),
    [(ConnectionResetError("worker lost"), True), (CountlabError("a user's mistake"), False)],
)
def test_a_transient_chunk_failure_is_retried_with_the_same_rows(
    scenario, tmp_path, monkeypatch, error, retried
):
    import flows.chunks
    from flows.run import run

    reference = run(run_request(scenario, tmp_path, chunk_draws=BLOCK_DRAWS, workers=1))
    real = flows.chunks.simulate
    calls = {"n": 0}

    def flaky(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:  # the second chunk's first try
            raise error
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(flows.chunks, "simulate", flaky)
    monkeypatch.setattr(flows.chunks.simulate_chunks, "retry_delay_seconds", 0)
    request = run_request(scenario, tmp_path, chunk_draws=BLOCK_DRAWS, workers=1)
    if not retried:
        with pytest.raises(CountlabError, match="a user's mistake"):
            run(request)
        assert calls["n"] == 2  # tried once
        return
    summary = run(request)
    assert calls["n"] == 3  # the second chunk ran twice
    db = tmp_path / "w.duckdb"
    assert stored_rows(db, summary["run_id"]) == stored_rows(db, reference["run_id"])


def test_countlab_server_tells_its_ui_the_port_it_listens_on(monkeypatch):
    """Prefect's UI asks the API at PREFECT_SERVER_API_PORT (default 4200), not at --port."""
    from flows import launch

    seen: dict[str, object] = {}

    class Exited:
        pid = 0

        def wait(self, timeout: float | None = None) -> int:
            return 0

    def popen(command: list[str], **kwargs: object) -> Exited:
        seen.update(command=command, env=kwargs["env"])
        return Exited()

    monkeypatch.setattr(launch.subprocess, "Popen", popen)
    monkeypatch.setattr(launch, "track_child", lambda pid: None)
    monkeypatch.setattr(launch, "forget_child", lambda pid: None)
    assert launch.run_prefect_server(4321) == 0
    assert seen["command"][-2:] == ["--port", "4321"]  # type: ignore[index]
    env = seen["env"]
    assert isinstance(env, dict)
    assert (env["PREFECT_SERVER_API_HOST"], env["PREFECT_SERVER_API_PORT"]) == ("127.0.0.1", "4321")


@pytest.mark.usefixtures("prefect_harness")
def test_a_resumed_sweep_keeps_its_id_and_names_its_new_flow_run(scenario, tmp_path, monkeypatch):
    import flows.chunks
    from flows import flowruns
    from flows.sweep import sweep

    real = flows.chunks.simulate
    calls = {"n": 0}

    def fails_once(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("a bug, not retried")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(flows.chunks, "simulate", fails_once)
    db = tmp_path / "w.duckdb"
    request = SweepRequest(scenario_path=str(scenario), draws=500, seed=2, db=str(db), workers=1)
    with pytest.raises(RuntimeError, match="a bug"):
        sweep(request)
    con = duckdb.connect(str(db), read_only=True)
    (run_id, first_flow_run), *_ = con.execute(
        "select run_id, prefect_flow_run_id from runs"
    ).fetchall()
    con.close()
    titles: list[str] = []
    real_title = flowruns.flow_run_title

    def title(plan: object) -> str:
        titles.append(real_title(plan))  # type: ignore[arg-type]
        return titles[-1]

    monkeypatch.setattr(flowruns, "flow_run_title", title)
    summary = sweep(
        SweepRequest(scenario_path=None, draws=None, seed=None, db=str(db), resume=run_id)
    )
    assert summary["run_id"] == run_id
    assert titles == [f"sweep {run_id} · my-scenario (6 points, resumed)"]
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute("select status, prefect_flow_run_id from runs").fetchone()
    con.close()
    assert row is not None
    assert row[0] == "completed"
    assert len(first_flow_run) == len(row[1]) == 36
    assert row[1] != first_flow_run  # the flow run that finished it
