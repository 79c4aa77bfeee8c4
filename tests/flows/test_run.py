"""The ``countlab run`` flow end to end: rows stored, summaries, reproducibility, failures."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from flows.requests import RunRequest
from models.sampling import BLOCK_DRAWS, DEFAULT_SAMPLER
from tests.flows.cli_helpers import run_cli

pytestmark = pytest.mark.usefixtures("prefect_harness")

SCENARIO = """
session = "2021-01-06"
[objections]
AZ = 1.0
PA = 0.8
GA = 0.5
[votes]
house.R = 0.95
house.D = 0.47
senate.R = 0.9
senate.D = 0.1
correlation = 0.3
absent = 0.02
[contingent]
defection = 0.01
"""
N_DRAWS = 2 * BLOCK_DRAWS + 1234  # three blocks, the last one partial


@pytest.fixture
def scenario(tmp_path) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO)
    return path


def run_flow(scenario: Path, db: Path, **options) -> dict:
    from flows.run import run

    return run(
        RunRequest(
            scenario_path=str(scenario),
            draws=options.pop("draws", N_DRAWS),
            seed=options.pop("seed", 7),
            db=str(db),
            **options,
        )
    )


def table_rows(db: Path, run_id: str, table: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = "* exclude (run_id)"
        return con.execute(
            f"select {columns} from {table} where run_id = ? order by all", [run_id]
        ).fetchall()
    finally:
        con.close()


def test_flow_stores_every_draw_and_summarizes(scenario, tmp_path):
    db = tmp_path / "w.duckdb"
    summary = run_flow(scenario, db)
    assert set(summary) == {
        "run_id",
        "draws",
        "seed",
        "outcomes",
        "winners",
        "objections",
        "slates",
        "pivotal",
        "conditional",
    }
    assert summary["draws"] == N_DRAWS
    assert set(summary["objections"]) == {"AZ", "PA", "GA"}
    assert sum(o["p"] for o in summary["outcomes"].values()) == pytest.approx(1.0)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "select count(*), count(distinct draw), min(draw), max(draw) from draws"
    ).fetchone() == (N_DRAWS, N_DRAWS, 0, N_DRAWS - 1)
    assert con.execute("select count(*) from objection_votes").fetchone() == (3 * N_DRAWS,)
    status, sampler, hash_ = con.execute(
        "select status, sampler, scenario_hash from runs"
    ).fetchone()
    assert (status, sampler) == ("completed", DEFAULT_SAMPLER)
    assert len(hash_) == 64
    # every vote taken adds up to no more than the sworn members (431 House, 99 Senate)
    assert con.execute(
        "select count(*) from objection_votes where house_yes + house_no > 431 "
        "or senate_yes + senate_no > 99 or (sustained and not raised)"
    ).fetchone() == (0,)
    con.close()


@pytest.mark.parametrize(
    ("chunk_draws", "workers", "runner"),
    [
        (BLOCK_DRAWS, 1, "threads"),
        (3 * BLOCK_DRAWS, 2, "threads"),
        (1, 2, "threads"),
        (BLOCK_DRAWS, 2, "processes"),
    ],
)
def test_same_seed_same_rows_whatever_the_chunking_and_runner(
    scenario, tmp_path, chunk_draws, workers, runner
):
    reference_db = tmp_path / "ref.duckdb"
    reference = run_flow(scenario, reference_db, chunk_draws=2 * BLOCK_DRAWS, workers=2)
    db = tmp_path / "other.duckdb"
    other = run_flow(scenario, db, chunk_draws=chunk_draws, workers=workers, runner=runner)
    for table in ("draws", "objection_votes"):
        assert table_rows(db, other["run_id"], table) == table_rows(
            reference_db, reference["run_id"], table
        )
    assert {k: v for k, v in other.items() if k != "run_id"} == {
        k: v for k, v in reference.items() if k != "run_id"
    }


def test_a_different_seed_gives_different_draws(scenario, tmp_path):
    db = tmp_path / "w.duckdb"
    first = run_flow(scenario, db, seed=1, draws=5000)
    second = run_flow(scenario, db, seed=2, draws=5000)
    assert table_rows(db, first["run_id"], "objection_votes") != table_rows(
        db, second["run_id"], "objection_votes"
    )


def test_a_failing_chunk_leaves_no_rows_and_a_failed_run(scenario, tmp_path, monkeypatch):
    import flows.chunks as simulate_module

    real = simulate_module.simulate
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(simulate_module, "simulate", flaky)
    db = tmp_path / "w.duckdb"
    with pytest.raises(RuntimeError, match="worker lost"):
        run_flow(scenario, db, chunk_draws=BLOCK_DRAWS, workers=1)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select status, error from runs").fetchone() == ("failed", "worker lost")
    assert con.execute(
        "select (select count(*) from draws) + (select count(*) from objection_votes)"
    ).fetchone() == (0,)
    con.close()


def test_cli_run_json_with_exact(scenario, tmp_path, monkeypatch, capsys):
    db = tmp_path / "w.duckdb"
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "run",
        str(scenario),
        "--draws",
        "20000",
        "--seed",
        "3",
        "--db",
        str(db),
        "--exact",
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["draws"] == 20000
    assert summary["seed"] == 3
    assert set(summary["outcomes"]) == {
        "electors:biden",
        "electors:trump",
        "house:biden",
        "house:trump",
        "no_choice",
    }
    for entry in summary["outcomes"].values():
        assert set(entry) == {"p", "se", "ci_low", "ci_high", "exact"} or "exact" not in entry
        assert entry["ci_low"] <= entry["p"] <= entry["ci_high"]
    for state, entry in summary["objections"].items():
        assert {"p_raised", "p_sustained", "se", "exact"} <= set(entry), state
        assert abs(entry["p_sustained"] - entry["exact"]) <= 4 * max(entry["se"], 1e-4)
    assert "ERROR" not in err
    assert "Traceback" not in err


def test_cli_run_bad_scenario_is_one_line_and_touches_nothing(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('session = "2021-01-06"\n[votes]\nhouse.R = 1.5\n')
    db = tmp_path / "w.duckdb"
    code, _, err = run_cli(monkeypatch, capsys, "run", str(bad), "--db", str(db))
    assert code == 2
    assert "votes.house.R" in err
    assert "1.5" in err
    assert err.count("\n") == 1
    assert not db.exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--sampler", "fast"], "--sampler 'fast'"),
        (["--runner", "cluster"], "--runner 'cluster'"),
        (["--draws", "0"], "--draws 0"),
        (["--seed", "-1"], "--seed -1"),
    ],
)
def test_cli_run_bad_options_are_one_line_and_touch_nothing(
    scenario, tmp_path, monkeypatch, capsys, args, fragment
):
    db = tmp_path / "w.duckdb"
    code, _, err = run_cli(monkeypatch, capsys, "run", str(scenario), "--db", str(db), *args)
    assert code == 2
    assert fragment in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert not db.exists()
