"""Runs a Prefect user can see and share (issue 16): ``countlab run`` and ``countlab sweep``
against a real ``prefect server start``, checked through the Prefect API (names, tags, task
runs, artifacts, the warehouse's ``prefect_flow_run_id``), ``countlab runs``, and the flow
run's page in the Prefect UI in headless Chromium.

One server for the module; every command and the Prefect client run in their own process
(``tests.flows.prefect_server``), so the test process's Prefect settings never change.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from models.sampling import DEFAULT_SAMPLER
from tests.flows.prefect_server import prefect_env, prefect_server, recorded_flow_runs
from tests.flows.test_report_browser import ARTIFACTS, CHROMIUM, chromium

pytestmark = pytest.mark.slow

SCENARIO = """
session = "2021-01-06"
regime = "eca1887"
[objections]
AZ = 1.0
PA = 0.5
[votes]
house.R = 0.95
house.D = 0.05
senate.R = 0.9
senate.D = 0.1
correlation = 0.3
absent = 0.02
"""
RUN_DRAWS = 40_000  # two chunks of 32,768 draws at most: 0+32768 and 32768+7232
CHUNK_DRAWS = 32_768
SWEEP_DRAWS = 2_000
DOCS = Path(__file__).parents[2] / "docs"


def countlab(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from flows.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Any:
    """A Prefect server, and a run and a sweep stored through it by the CLI."""
    folder = tmp_path_factory.mktemp("prefect-runs")
    with prefect_server(folder, not_up=pytest.skip, timeout=180.0) as url:
        home = folder / "client-home"
        home.mkdir()
        env = prefect_env(home, PREFECT_API_URL=url)
        scenario = folder / "contested.toml"
        scenario.write_text(SCENARIO)
        db = folder / "w.duckdb"
        common = ("--db", str(db), "--seed", "11", "--json")
        run = countlab(
            "run",
            str(scenario),
            "--draws",
            str(RUN_DRAWS),
            "--chunk-draws",
            str(CHUNK_DRAWS),
            *common,
            env=env,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        sweep = countlab(
            "sweep",
            str(scenario),
            "--draws",
            str(SWEEP_DRAWS),
            "--vary",
            "votes.senate.D=0.1,0.3",
            *common,
            env=env,
        )
        assert sweep.returncode == 0, sweep.stderr[-3000:]
        flow_runs = recorded_flow_runs(env, folder, task_runs=4)
        yield {
            "url": url,
            "env": env,
            "db": db,
            "folder": folder,
            "run": json.loads(run.stdout),
            "sweep": json.loads(sweep.stdout),
            "flow_runs": flow_runs,
        }


def stored_flow_run_ids(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select run_id, prefect_flow_run_id from runs").fetchall()
    finally:
        con.close()
    return dict(rows)


def test_flow_runs_are_named_tagged_recorded_and_joined_to_the_warehouse(served):
    run_id, sweep_id = served["run"]["run_id"], served["sweep"]["run_id"]
    by_name = {r["name"]: r for r in served["flow_runs"]}
    assert set(by_name) == {
        f"run {run_id} · contested",
        f"sweep {sweep_id} · contested (2 points)",
    }
    run, sweep = (
        by_name[f"run {run_id} · contested"],
        by_name[f"sweep {sweep_id} · contested (2 points)"],
    )
    for flow_run, kind in ((run, "run"), (sweep, "sweep")):
        assert flow_run["state"] == "COMPLETED"
        assert {"countlab", kind, "session:2021-01-06", "regime:eca1887"} <= set(flow_run["tags"])
        assert "scheduled" not in flow_run["tags"]
    # task runs recorded: a chunk per task run, named as before
    assert run["task_runs"] == [
        f"point 0 draws 0+{CHUNK_DRAWS}",
        f"point 0 draws {CHUNK_DRAWS}+{RUN_DRAWS - CHUNK_DRAWS}",
    ]
    assert sweep["task_runs"] == [f"point {p} draws 0+{SWEEP_DRAWS}" for p in (0, 1)]
    # the parameters describe the request
    parameters = run["parameters"]["parameters"]
    assert parameters["run_id"] == run_id
    assert (parameters["draws"], parameters["seed"], parameters["sampler"]) == (
        RUN_DRAWS,
        11,
        DEFAULT_SAMPLER,
    )
    assert parameters["scenario_path"].endswith("contested.toml")
    assert len(parameters["scenario_hash"]) == 64
    assert sweep["parameters"]["parameters"]["vary"] == ["votes.senate.D=0.1,0.3"]
    assert sweep["parameters"]["parameters"]["design"] == "grid"
    # the warehouse names the flow run that wrote each
    assert stored_flow_run_ids(served["db"]) == {run_id: run["id"], sweep_id: sweep["id"]}


def test_each_flow_run_has_its_tables_markdown_and_progress(served):
    for kind, summary in (("run", served["run"]), ("sweep", served["sweep"])):
        run_id = summary["run_id"]
        (flow_run,) = [r for r in served["flow_runs"] if run_id in r["name"]]
        artifacts = {a["key"]: a for a in flow_run["artifacts"]}
        key = f"countlab-{kind}-{run_id}"
        assert set(artifacts) == {key, f"{key}-outcomes", f"{key}-objections", f"{key}-progress"}
        markdown = artifacts[key]
        assert markdown["type"] == "markdown"
        assert f"`{run_id}`" in markdown["data"]
        assert f"run_id = '{run_id}'" in markdown["data"]
        outcomes = json.loads(artifacts[f"{key}-outcomes"]["data"])
        assert artifacts[f"{key}-outcomes"]["type"] == "table"
        points = summary["points"] if kind == "sweep" else [summary]
        assert len(outcomes) == sum(len(p["outcomes"]) for p in points)
        first = outcomes[0]
        assert first["p"] == pytest.approx(points[0]["outcomes"][first["outcome"]]["p"], abs=1e-6)
        objections = json.loads(artifacts[f"{key}-objections"]["data"])
        assert {row["state"] for row in objections} == {"AZ", "PA"}
        assert artifacts[f"{key}-progress"]["type"] == "progress"
        assert float(artifacts[f"{key}-progress"]["data"]) == 100.0


def test_countlab_runs_lists_both_with_their_ui_pages(served):
    result = countlab("runs", "--db", str(served["db"]), "--json", env=served["env"])
    assert result.returncode == 0, result.stderr
    listed = {r["run_id"]: r for r in json.loads(result.stdout)}
    ui = served["url"].removesuffix("/api")
    ids = stored_flow_run_ids(served["db"])
    assert set(listed) == set(ids)
    for run_id, flow_run_id in ids.items():
        entry = listed[run_id]
        assert entry["prefect_flow_run_id"] == flow_run_id
        assert entry["ui_url"] == f"{ui}/runs/flow-run/{flow_run_id}"
        assert entry["status"] == "completed"
        assert entry["scenario_name"] == "contested"
    table = countlab("runs", "--db", str(served["db"]), env=served["env"])
    assert table.returncode == 0, table.stderr
    for run_id, flow_run_id in ids.items():
        assert f"{run_id}: {ui}/runs/flow-run/{flow_run_id}" in table.stdout
    # no server answering: the ids, no links
    alone = {**served["env"], "PREFECT_API_URL": "http://127.0.0.1:9/api"}
    offline = countlab("runs", "--db", str(served["db"]), "--json", env=alone)
    assert offline.returncode == 0, offline.stderr
    assert all(r["ui_url"] is None for r in json.loads(offline.stdout))


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_the_flow_run_page_shows_its_artifacts_in_the_prefect_ui(served, tmp_path):
    from matplotlib.image import imread

    run_id = served["run"]["run_id"]
    flow_run_id = stored_flow_run_ids(served["db"])[run_id]
    # Prefect's newer UI (/v2) opens the tab the URL names; its classic UI always opens Logs.
    page = f"{served['url'].removesuffix('/api')}/v2/runs/flow-run/{flow_run_id}?tab=Artifacts"
    render = ("--window-size=1400,1800", "--virtual-time-budget=15000")
    dom = chromium(*render, "--dump-dom", page, home=tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f"run {run_id} · contested" in dom.stdout  # the page is the flow run's
    for what in ("", "-outcomes", "-objections", "-progress"):
        assert f"countlab-run-{run_id}{what}" in dom.stdout  # its artifacts are listed
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "prefect-flow-run.png"
    result = chromium(
        *render, "--hide-scrollbars", f"--screenshot={shot}", page, home=tmp_path / "p"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    image = imread(shot)
    assert image.shape[:2] == (1800, 1400)
    assert image[..., :3].std() > 0.05  # drawn, not a blank page
    # the Markdown artifact's own page: its text, the SQL to query the run
    (flow_run,) = [r for r in served["flow_runs"] if r["id"] == flow_run_id]
    (markdown,) = [a for a in flow_run["artifacts"] if a["type"] == "markdown"]
    page = f"{served['url'].removesuffix('/api')}/v2/artifacts/artifact/{markdown['id']}"
    render = ("--window-size=1400,900", "--virtual-time-budget=15000")
    dom = chromium(*render, "--dump-dom", page, home=tmp_path / "profile-dom-artifact")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f"countlab run {run_id}" in dom.stdout.replace("<code>", "").replace("</code>", "")
    assert "outcome_probabilities" in dom.stdout
    artifact_shot = ARTIFACTS / "prefect-artifact.png"
    result = chromium(
        *render, "--hide-scrollbars", f"--screenshot={artifact_shot}", page, home=tmp_path / "q"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert imread(artifact_shot)[..., :3].std() > 0.05
    if os.environ.get("COUNTLAB_UPDATE_DOCS"):  # the README's screenshots
        shutil.copyfile(shot, DOCS / "prefect-flow-run.png")
        shutil.copyfile(artifact_shot, DOCS / "prefect-artifact.png")
