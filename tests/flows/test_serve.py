"""``countlab serve`` (``flows.serve``): a sweep served as a Prefect deployment on a cron
schedule, against a real ``prefect server start`` on 127.0.0.1, and bad input.

This module does not use the package's in-process Prefect harness: the server, the serving
process and the Prefect client each run in their own process, pointed at the server by
their environment, so nothing here changes the Prefect settings of the test process.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.design import point_seed
from flows.requests import DEFAULT_CHUNK_DRAWS
from models.errors import CountlabError
from tests.flows.prefect_server import (
    free_port,
    prefect_env,
    recorded_flow_runs,
    start,
    stop,
)
from tests.flows.prefect_server import prefect_server as running_prefect_server

SCENARIO = """
session = "2021-01-06"
regime = "eca1887"
[objections]
AZ = 1.0
PA = 1.0
[votes]
house.R = 0.95
house.D = 0.05
senate.R = 0.9
senate.D = 0.0
correlation = 0.3
absent = 0.02
"""
DRAWS = 2000
CUSTOM_DRAWS = 1500  # a custom run of the deployment: its draws edited
NAME = "test-serve"

SERVE = """
import json
import sys

# A served run starts in a spawned process, which imports this file again: only the main
# process serves.
if __name__ == "__main__":
    from flows.cli import main

    sys.argv = ["countlab", "serve", *json.loads(sys.argv[1])]
    main()
"""

CLIENT = """
import json
import sys
import time

from prefect import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound

name = sys.argv[1]
out = {}
with get_client(sync_client=True) as client:
    deadline = time.monotonic() + 90
    while True:  # until the serving process has registered the deployment
        try:
            deployment = client.read_deployment_by_name(name)
            if not deployment.paused:
                break
        except ObjectNotFound:
            pass
        if time.monotonic() > deadline:
            sys.exit("the deployment was not registered in 90 s")
        time.sleep(0.5)
    out["parameters"] = deployment.parameters
    out["schedules"] = [
        {"cron": s.schedule.cron, "timezone": s.schedule.timezone, "active": s.active}
        for s in deployment.schedules
    ]
    only_this = DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
    deadline = time.monotonic() + 60
    while True:  # until the server's scheduler has made runs from the cron schedule
        scheduled = [
            run.expected_start_time.isoformat()
            for run in client.read_flow_runs(deployment_filter=only_this)
            if run.auto_scheduled
        ]
        if scheduled or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    out["scheduled"] = scheduled
    # the form the UI renders for a custom run: one typed field per parameter
    out["form"] = {
        key: field.get("anyOf", [field])
        for key, field in deployment.parameter_openapi_schema["properties"].items()
    }
run = run_deployment(
    name,
    parameters={"draws": int(sys.argv[2])},  # a custom run: merged into the deployment's
    timeout=150,
    poll_interval=1,
    as_subflow=False,
)
out["id"] = str(run.id)
out["state"] = run.state.type.value if run.state else None
out["message"] = run.state.message if run.state else None
print(json.dumps(out))
"""


PAUSED = """
import sys
from prefect import get_client

with get_client(sync_client=True) as client:
    print(client.read_deployment_by_name(sys.argv[1]).paused)
"""


def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "scheduled.toml"
    path.write_text(SCENARIO)
    return path


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[str]:
    """A real ``prefect server start`` on a free port of 127.0.0.1; yields its API URL."""
    with running_prefect_server(
        tmp_path,
        not_up=pytest.fail,
        # The scheduler looks at new deployments every second (default: 5 s).
        PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS="1",
    ) as url:
        yield url


@pytest.mark.slow
def test_a_served_sweep_is_scheduled_and_a_run_stores_the_sweep(tmp_path, prefect_server):
    db = tmp_path / "w.duckdb"
    hour = (datetime.now(UTC).hour + 12) % 24  # never due while the test runs
    cron = f"0 {hour} * * *"
    options = {
        "scenario_path": str(scenario(tmp_path)),
        "db": str(db),
        "cron": cron,
        "name": NAME,
        "draws": DRAWS,
        "vary": ["votes.senate.D=0.1,0.3"],
        "workers": 1,
    }
    client_home = tmp_path / "client-home"
    client_home.mkdir()
    env = prefect_env(
        client_home,
        PREFECT_API_URL=prefect_server,
        PREFECT_RUNNER_POLL_FREQUENCY="1",  # the served process looks for runs every second
    )
    (tmp_path / "serve.py").write_text(SERVE)
    (tmp_path / "client.py").write_text(CLIENT)
    (tmp_path / "paused.py").write_text(PAUSED)
    serve_log = tmp_path / "serve.log"
    arguments = [options["scenario_path"], "--db", str(db), "--cron", cron, "--name", NAME]
    arguments += ["--draws", str(DRAWS), "--vary", "votes.senate.D=0.1,0.3", "--workers", "1"]
    serving = start(
        [sys.executable, str(tmp_path / "serve.py"), json.dumps(arguments)], env, serve_log
    )
    try:
        client = subprocess.run(
            [
                sys.executable,
                str(tmp_path / "client.py"),
                f"countlab-scheduled-sweep/{NAME}",
                str(CUSTOM_DRAWS),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        # Ctrl-C (SIGINT to the serving process alone): stops within seconds, one line,
        # exit 130, the schedule paused.
        serving.send_signal(signal.SIGINT)
        stopped_code = serving.wait(timeout=20)
    finally:
        stop(serving)
    served = serve_log.read_text()
    assert client.returncode == 0, f"{client.stderr[-3000:]}\nserve.log:\n{served[-3000:]}"
    assert stopped_code == 130, served[-3000:]
    assert (
        f"countlab: interrupted: stopped serving countlab-scheduled-sweep/{NAME}; its schedule "
        "is paused (SIGINT)"
    ) in served
    assert "Traceback" not in served
    paused = subprocess.run(
        [sys.executable, str(tmp_path / "paused.py"), f"countlab-scheduled-sweep/{NAME}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert paused.stdout.strip() == "True", paused.stderr[-2000:]
    result = json.loads(client.stdout.strip().splitlines()[-1])

    assert result["schedules"] == [{"cron": cron, "timezone": None, "active": True}]
    assert result["parameters"] == {
        "scenario_path": options["scenario_path"],
        "db": str(db),
        "draws": DRAWS,
        "seed": None,
        "vary": ["votes.senate.D=0.1,0.3"],
        "design": None,
        "points": None,
        "chunk_draws": DEFAULT_CHUNK_DRAWS,
        "workers": 1,
        "sampler": None,
        "runner": "threads",
    }
    assert result["scheduled"], "the server's scheduler made no runs from the cron schedule"
    for when in result["scheduled"]:
        start_time = datetime.fromisoformat(when).astimezone(UTC)
        assert (start_time.hour, start_time.minute) == (hour, 0)
    # the form for a custom run: typed fields (draws a number or none, vary a list of text)
    assert {"type": "integer"} in result["form"]["draws"]
    assert any(f.get("type") == "array" for f in result["form"]["vary"])
    assert result["state"] == "COMPLETED", f"{result}\nserve.log:\n{served[-3000:]}"

    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = con.execute(
            "select run_id, kind, status, points, draws, seed, prefect_flow_run_id from runs"
        ).fetchall()
        assert len(runs) == 1
        run_id, kind, status, points, draws, seed, flow_run_id = runs[0]
        # the custom run's edited draws, the deployment's other parameters
        assert (kind, status, points, draws) == ("sweep", "completed", 2, CUSTOM_DRAWS)
        assert 0 <= seed < 2**63  # a fresh seed: neither --seed nor [run] seed was given
        assert con.execute("select count(*) from draws where run_id = ?", [run_id]).fetchone() == (
            2 * CUSTOM_DRAWS,
        )
        points_of_run = con.execute(
            "select point, param_values['votes.senate.D'], seed from sweep_points "
            "where run_id = ? order by point",
            [run_id],
        ).fetchall()
        assert points_of_run == [(0, 0.1, point_seed(seed, 0)), (1, 0.3, point_seed(seed, 1))]
    finally:
        con.close()

    # Both flow runs, the scheduled one and its countlab-sweep subflow, are named after the
    # sweep and tagged scheduled; the subflow wrote the sweep, its chunks as task runs, and
    # left its artifacts.
    flow_runs = {r["id"]: r for r in recorded_flow_runs(env, tmp_path, task_runs=2)}
    title = f"sweep {run_id} · scheduled (2 points)"
    parent, child = flow_runs[result["id"]], flow_runs[flow_run_id]
    for flow_run in (parent, child):
        assert flow_run["name"] == title
        for tag in ("countlab", "sweep", "scheduled", "session:2021-01-06", "regime:eca1887"):
            assert tag in flow_run["tags"], flow_run
    assert child["parent_task_run_id"]
    assert child["parameters"]["parameters"]["run_id"] == run_id
    assert child["parameters"]["parameters"]["draws"] == CUSTOM_DRAWS
    assert child["task_runs"] == [f"point {p} draws 0+{CUSTOM_DRAWS}" for p in (0, 1)]
    kinds = {(a["key"], a["type"]) for a in child["artifacts"]}
    assert (f"countlab-sweep-{run_id}", "markdown") in kinds
    assert (f"countlab-sweep-{run_id}-outcomes", "table") in kinds


def test_build_deployment_registers_nothing_and_names_the_file(tmp_path, monkeypatch):
    from flows.requests import SweepRequest
    from flows.serve import build_deployment

    monkeypatch.chdir(tmp_path)
    path = scenario(tmp_path)
    request = SweepRequest(
        scenario_path=path.name, draws=None, seed=3, db="w.duckdb", vary=("regime=eca1887",)
    )
    deployment = build_deployment(request, cron="30 5 * * 1-5", timezone="America/New_York")
    assert (deployment.flow_name, deployment.name) == ("countlab-scheduled-sweep", "scheduled")
    assert deployment.entrypoint == "flows.serve.scheduled_sweep"
    (schedule,) = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == (
        "30 5 * * 1-5",
        "America/New_York",
    )
    assert deployment.parameters["scenario_path"] == str(path)
    assert deployment.parameters["db"] == str(tmp_path / "w.duckdb")  # absolute paths
    assert deployment.parameters["seed"] == 3
    assert not (tmp_path / "w.duckdb").exists()


def test_the_deployment_parameters_are_the_sweep_request_fields():
    """One declaration of a sweep's options: the scheduled flow's parameters are the sweep
    request's fields (but ``resume``), with the same defaults."""
    import dataclasses
    import inspect

    from flows.requests import SweepRequest
    from flows.serve import deployment_parameters, scheduled_sweep

    signature = inspect.signature(scheduled_sweep.fn).parameters
    fields = {f.name: f for f in dataclasses.fields(SweepRequest) if f.name != "resume"}
    assert set(signature) == set(fields)
    for name, parameter in signature.items():
        default = fields[name].default
        if default is not dataclasses.MISSING:
            assert parameter.default == (None if default == () else default), name
    request = SweepRequest(scenario_path="s.toml", draws=5, seed=1, db="w.duckdb", vary=("a=1",))
    assert set(deployment_parameters(request)) == set(fields) - {"address"}


SERVE_KEYS = ("cron", "timezone", "name")
"""serve_sweep's own keywords; every other option is a field of the sweep request."""


def serve_call(tmp_path: Path, **changes: object) -> tuple[object, dict[str, object]]:
    """A sweep request and serve_sweep's keywords, with ``changes`` applied."""
    from flows.requests import SweepRequest

    options: dict[str, object] = {
        "db": str(tmp_path / "w.duckdb"),
        "cron": "0 6 * * *",
        "draws": 10,
        "vary": ("votes.senate.D=0.1,0.3",),
        **changes,
    }
    serving = {k: v for k, v in options.items() if k in SERVE_KEYS}
    fields = {k: v for k, v in options.items() if k not in SERVE_KEYS}
    request = SweepRequest(scenario_path=str(scenario(tmp_path)), seed=None, **fields)  # type: ignore[arg-type]
    return request, serving


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cron": "0 6 * *"}, "cron '0 6 * *': expected five fields"),
        ({"cron": "61 6 * * *"}, "cron '61 6 * * *': not a valid cron string"),
        ({"cron": "every day"}, "cron 'every day'"),
        ({"cron": "0 6 * * *", "timezone": "Mars/Olympus"}, "timezone 'Mars/Olympus'"),
        ({"vary": ("votes.senate.D=0:x:3",)}, "start:stop:count"),
        ({"vary": ("votes.nope=1,2",)}, "unknown key"),
        ({"name": "a/b"}, "name 'a/b'"),
        ({"runner": "cluster"}, "runner 'cluster'"),
        ({"draws": 0}, "draws 0"),
    ],
)
def test_bad_input_is_one_line_and_starts_nothing(tmp_path, monkeypatch, changes, message):
    """Below the CLI an error names the option as the deployment's parameter (``cron``);
    the CLI shows it as its flag (``--cron``)."""
    from flows import serve
    from models.errors import OptionError

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("serving started")

    monkeypatch.setattr(serve.scheduled_sweep, "serve", never)
    monkeypatch.setattr(serve, "prefect_api_url", never)
    request, serving = serve_call(tmp_path, **changes)
    with pytest.raises(CountlabError) as error:
        serve.serve_sweep(request, **serving)  # type: ignore[arg-type]
    assert message in str(error.value)
    assert len(str(error.value).splitlines()) == 1
    if isinstance(error.value, OptionError):
        assert not str(error.value).startswith("--")
        assert error.value.as_flag().startswith("--" + message.split()[0])
    assert not (tmp_path / "w.duckdb").exists()


def test_serving_needs_a_prefect_server_that_answers(tmp_path, monkeypatch):
    from flows import serve

    url = f"http://127.0.0.1:{free_port()}/api"  # nothing listens there
    monkeypatch.setenv("PREFECT_API_URL", url)
    request, serving = serve_call(tmp_path)
    with pytest.raises(CountlabError, match=f"no Prefect server answers at {url}"):
        serve.serve_sweep(request, **serving)  # type: ignore[arg-type]
    assert not (tmp_path / "w.duckdb").exists()


def test_the_cli_command_reports_bad_input_in_one_line(tmp_path, monkeypatch, capsys):
    from tests.flows.cli_helpers import run_cli

    db = tmp_path / "w.duckdb"
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "serve",
        str(scenario(tmp_path)),
        "--cron",
        "0 6 * *",
        "--vary",
        "votes.senate.D=0.1,0.3",
        "--db",
        str(db),
    )
    assert code == 2
    assert "--cron '0 6 * *': expected five fields" in err
    assert len(err.strip().splitlines()) == 1
    assert not db.exists()
