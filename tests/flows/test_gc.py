"""``countlab gc``: the rows runs that did not complete left behind, removed (issue 11, 2)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import pytest

from models.sampling import BLOCK_DRAWS
from tests.flows.cli_helpers import run_cli
from tests.flows.test_resume import scenario_text

pytestmark = pytest.mark.usefixtures("prefect_harness")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_counts(db: Path) -> tuple[int, int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select (select count(*) from stored_chunks), (select count(*) from stored_draws),"
            " (select count(*) from stored_objection_votes)"
        ).fetchone()
    finally:
        con.close()


def test_gc_removes_a_failed_sweeps_rows_and_the_sweep_still_resumes(tmp_path, monkeypatch, capsys):
    import flows.chunks as simulate_module

    path = tmp_path / "s.toml"
    path.write_text(scenario_text({"PA": 0.5, "AZ": 1.0}))
    db = tmp_path / "w.duckdb"
    args = ["sweep", str(path), "--draws", str(2 * BLOCK_DRAWS), "--seed", "9"]
    args += ["--chunk-draws", "1", "--vary", "votes.senate.D=0,0.2", "--workers", "1"]
    real = simulate_module.simulate
    calls = {"n": 0}

    def flaky(*a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker lost")
        return real(*a, **k)

    monkeypatch.setattr(simulate_module, "simulate", flaky)
    with pytest.raises(RuntimeError, match="worker lost"):  # not a user mistake: raised
        run_cli(monkeypatch, capsys, *args, "--db", str(db))
    monkeypatch.setattr(simulate_module, "simulate", real)
    kept = stored_counts(db)
    assert kept[0] == 2  # two chunks committed before the failure, kept to resume
    con = duckdb.connect(str(db), read_only=True)
    (run_id,) = con.execute("select run_id from runs where status = 'failed'").fetchone()
    con.close()

    before = digest(db)
    code, out, err = run_cli(monkeypatch, capsys, "gc", "--db", str(db), "--dry-run")
    assert code == 0, err
    assert digest(db) == before  # a dry run changes nothing
    assert f"{run_id} (sweep, failed): would remove 2 chunks, {kept[1]:,} draws" in out
    assert re.search(r"would remove the rows of 1 run that", out)

    code, out, err = run_cli(monkeypatch, capsys, "gc", "--db", str(db))
    assert code == 0, err
    assert f"removed the rows of 1 run that did not complete ({kept[1]:,} draws" in out
    assert stored_counts(db) == (0, 0, 0)
    code, out, err = run_cli(monkeypatch, capsys, "gc", "--db", str(db))
    assert "removed the rows of 0 runs" in out  # nothing left

    code, out, err = run_cli(monkeypatch, capsys, "sweep", "--resume", run_id, "--db", str(db))
    assert code == 0, err  # collected, the sweep resumes: every chunk computed again
    assert stored_counts(db)[0] == 4


def test_gc_of_a_missing_warehouse_is_one_line(tmp_path, monkeypatch, capsys):
    db = tmp_path / "none.duckdb"
    code, _, err = run_cli(monkeypatch, capsys, "gc", "--db", str(db), "--dry-run")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert not db.exists()
