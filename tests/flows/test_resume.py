"""A killed sweep, resumed, stores exactly what an uninterrupted sweep stores: every view,
bit for bit, whatever the order of the objections in the file (issue 11, finding 1)."""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from models.sampling import BLOCK_DRAWS
from tests.flows.cli_helpers import run_cli

pytestmark = pytest.mark.usefixtures("prefect_harness")

STATES = ("AZ", "PA", "GA", "MI", "NV", "WI")

VIEWS = (
    "draws",
    "objection_votes",
    "outcome_probabilities",
    "winner_probabilities",
    "objection_probabilities",
    "sweep_outcome_probabilities",
    "sweep_objection_probabilities",
    "sweep_probabilities",
)


def scenario_text(objections: dict[str, float]) -> str:
    lines = "\n".join(f"{state} = {p}" for state, p in objections.items())
    return f"""
session = "2021-01-06"
regime = "eca1887"
[objections]
{lines}
[votes]
house.R = 0.95
house.D = 0.05
senate.R = 0.9
senate.D = 0.0
correlation = 0.3
absent = 0.02
"""


def view_rows(db: Path, run_id: str) -> dict[str, list[tuple]]:
    """Every view's rows of a run (run id left out), in a fixed order; and its points."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {
            view: con.execute(
                f"select * exclude (run_id) from {view} where run_id = ? order by all", [run_id]
            ).fetchall()
            for view in VIEWS
        }
        out["sweep_points"] = con.execute(
            "select * exclude (run_id, run_key) from sweep_points where run_id = ? order by point",
            [run_id],
        ).fetchall()
        return out
    finally:
        con.close()


def api_env() -> dict[str, str]:
    """The environment of a ``countlab`` child: the test harness's Prefect API, so that the
    child starts no temporary server of its own."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    env["COUNTLAB_PROGRESS_SECONDS"] = "0"  # a progress line per chunk: the kill counts them
    return env


def kill_after(args: list[str], chunks: int) -> None:
    """Start ``countlab ARGS`` in its own process group, SIGKILL the group once ``chunks``
    chunks are stored."""
    process = subprocess.Popen(
        [sys.executable, "-c", "from flows.cli import main; main()", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=api_env(),
        text=True,
        start_new_session=True,
    )
    assert process.stderr is not None
    stored = 0
    for line in process.stderr:
        if "draws stored" in line:
            stored += 1
            if stored == chunks:
                os.killpg(process.pid, signal.SIGKILL)
                break
    process.wait(timeout=60)
    process.stderr.close()
    assert stored == chunks, "the sweep ended before it could be killed"


def killed_then_resumed_equals_uninterrupted(
    tmp_path: Path,
    monkeypatch,
    capsys,
    objections: dict[str, float],
    *,
    kill_at: int,
    seed: int,
    case: str = "",
) -> None:
    """Kill a sweep of ``objections`` after ``kill_at`` chunks, resume it, and compare every
    view with an uninterrupted sweep's (``case`` says how to repeat a random case)."""
    case = f"{case} objections {objections}, killed after {kill_at} chunks"
    path = tmp_path / "sweep.toml"
    path.write_text(scenario_text(objections))
    options = ["--draws", str(2 * BLOCK_DRAWS), "--seed", str(seed), "--chunk-draws", "1"]
    options += ["--vary", "votes.senate.D=0:0.3:4", "--workers", "1"]
    killed_db = tmp_path / "killed.duckdb"
    kill_after(["sweep", str(path), *options, "--db", str(killed_db)], kill_at)
    con = duckdb.connect(str(killed_db), read_only=True)
    run_id, status = con.execute("select run_id, status from runs").fetchone()
    kept, last_stored = con.execute("select count(*), max(stored_at) from stored_chunks").fetchone()
    assert con.execute("select count(*) from draws").fetchone() == (0,)  # invisible
    con.close()
    assert status == "running"  # as the dead process left it
    assert kill_at <= kept < 8, case

    code, out, err = run_cli(
        monkeypatch, capsys, "sweep", "--resume", run_id, "--db", str(killed_db), "--json"
    )
    assert code == 0, f"{err} {case}"
    resumed = json.loads(out)
    clean_db = tmp_path / "clean.duckdb"
    code, out, err = run_cli(
        monkeypatch, capsys, "sweep", str(path), *options, "--db", str(clean_db), "--json"
    )
    assert code == 0, err
    clean = json.loads(out)

    con = duckdb.connect(str(killed_db), read_only=True)
    chunks = con.execute("select count(*), count(distinct (point, first_draw)) from stored_chunks")
    assert chunks.fetchone() == (8, 8)  # 4 points x 2 chunks, none twice
    before = "select count(*) from stored_chunks where stored_at <= ?"
    assert con.execute(before, [last_stored]).fetchone() == (kept,)  # none recomputed
    assert con.execute("select status from runs").fetchone() == ("completed",)
    con.close()
    got, want = view_rows(killed_db, run_id), view_rows(clean_db, clean["run_id"])
    for view in (*VIEWS, "sweep_points"):
        assert got[view] == want[view], f"{view} differs: {case}"
    assert [p["objections"] for p in resumed["points"]] == [
        p["objections"] for p in clean["points"]
    ]
    assert list(resumed["points"][0]["objections"]) == list(objections)  # the file's order


def test_resume_of_a_sweep_with_objections_out_of_order_is_bit_identical(
    tmp_path, monkeypatch, capsys
):
    """The shipped examples' order (AZ, PA, GA, ...), with probabilities that tell the
    states apart: a state decoded under another's name changes the views."""
    objections = {"AZ": 1.0, "PA": 0.2, "GA": 1.0, "MI": 0.5, "NV": 0.0}
    killed_then_resumed_equals_uninterrupted(
        tmp_path, monkeypatch, capsys, objections, kill_at=3, seed=21
    )


def test_resume_randomized_order_and_kill_point(tmp_path, monkeypatch, capsys):
    """Random objections in a random order, killed after 3 to 5 stored chunks; the case is
    drawn afresh each run from ``COUNTLAB_RESUME_SEED`` (printed on failure to repeat it)."""
    case_seed = int(os.environ.get("COUNTLAB_RESUME_SEED", secrets.randbits(32)))
    rng = random.Random(case_seed)
    states = rng.sample(STATES, rng.randint(2, len(STATES)))
    objections = {state: rng.choice((0.0, 0.3, 0.5, 1.0)) for state in states}
    kill_at = rng.randint(3, 5)
    killed_then_resumed_equals_uninterrupted(
        tmp_path,
        monkeypatch,
        capsys,
        objections,
        kill_at=kill_at,
        seed=rng.randrange(2**31),
        case=f"COUNTLAB_RESUME_SEED={case_seed}",
    )


def test_the_stored_scenario_keeps_the_order_of_the_objections():
    from flows.scenario import parse_scenario, stored_scenario

    config = parse_scenario(scenario_text({"PA": 0.5, "AZ": 1.0}), source="s.toml")
    stored = json.loads(config.canonical_json())
    assert list(stored["objections"]) == ["PA", "AZ"]
    assert list(stored) == sorted(stored)  # every other key sorted, as before
    again = stored_scenario(config.canonical_json(), ["PA", "AZ"], source="run r")
    assert list(again.objections) == ["PA", "AZ"]
    # a warehouse written before the fix stored them sorted: the recorded order wins
    legacy = json.dumps({**stored, "objections": {"AZ": 1.0, "PA": 0.5}}, sort_keys=True)
    assert list(stored_scenario(legacy, ["PA", "AZ"], source="run r").objections) == ["PA", "AZ"]
    sorted_config = parse_scenario(scenario_text({"AZ": 1.0, "PA": 0.5}), source="s.toml")
    assert sorted_config.canonical_json() == json.dumps(
        sorted_config.model_dump(
            mode="json",
            exclude={
                "remand": True,
                "returns": True,
                "calibrated": True,
                "votes": {"members", "member_correlation", "shift", "objection_shift"},
            },
        ),
        sort_keys=True,
        separators=(",", ":"),
    )  # files in alphabetical order keep their hash (absent remand, returns, member keys)
