"""``countlab export`` (issue 16 item 4): a run's views as files a collaborator can open,
with row counts equal to the views', a manifest of provenance, and no overwrite unasked."""

from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest

from tests.flows.cli_helpers import run_cli
from warehouse.export import EXPORTS

SCENARIO = """
session = "2021-01-06"
denominator = "appointed"
[objections]
AZ = 1.0
PA = 1.0
GA = 0.5
[votes]
house.R = 0.95
senate.R = 0.9
senate.D = 0.05
correlation = 0.5
"""


@pytest.fixture(scope="module")
def exported_run(tmp_path_factory, prefect_harness):
    folder = tmp_path_factory.mktemp("export")
    scenario = folder / "contested.toml"
    scenario.write_text(SCENARIO)
    db = folder / "w.duckdb"
    from flows.requests import RunRequest
    from flows.run import run

    summary = run(RunRequest(scenario_path=str(scenario), draws=10_000, seed=7, db=str(db)))
    return db, summary["run_id"]


def view_rows(db, view: str, run_id: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"select count(*) from {view} where run_id = ?", [run_id]).fetchone()[0]
    finally:
        con.close()


def test_parquet_files_hold_the_views_rows_with_a_manifest(
    exported_run, tmp_path, monkeypatch, capsys
):
    db, run_id = exported_run
    out = tmp_path / "shared"
    code, _, stderr = run_cli(
        monkeypatch,
        capsys,
        "export",
        run_id,
        "--format",
        "parquet",
        "--out",
        str(out),
        "--db",
        str(db),
    )
    assert code == 0, stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run_id"] == run_id
    assert manifest["draws"] == 10000
    assert manifest["seed"] == 7
    assert manifest["scenario"]["objections"] == {"AZ": 1.0, "PA": 1.0, "GA": 0.5}
    assert len(manifest["scenario_hash"]) == 64
    assert manifest["format"] == "parquet"
    written = {entry["what"]: entry for entry in manifest["files"]}
    assert {"draws", "objections", "outcomes", "sustained", "points"} <= set(written)
    for name, entry in written.items():
        frame = pl.read_parquet(out / entry["file"])
        assert entry["view"] == EXPORTS[name][0]
        assert frame.height == entry["rows"] == view_rows(db, entry["view"], run_id), name
        assert "run_key" not in frame.columns
    assert written["draws"]["rows"] == 10000
    assert written["objections"]["rows"] == 30000
    draws = pl.read_parquet(out / "draws.parquet")
    assert draws["draw"].to_list() == list(range(10000))
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [entry["file"] for entry in manifest["files"]] + ["manifest.json"]
    )


def test_csv_of_chosen_views_and_no_overwrite_without_force(
    exported_run, tmp_path, monkeypatch, capsys
):
    db, run_id = exported_run
    out = tmp_path / "csv"
    args = (
        "export",
        run_id,
        "--what",
        "outcomes,sustained",
        "--format",
        "csv",
        "--out",
        str(out),
        "--db",
        str(db),
    )
    code, _, stderr = run_cli(monkeypatch, capsys, *args)
    assert code == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "outcomes.csv",
        "sustained.csv",
    ]
    outcomes = pl.read_csv(out / "outcomes.csv")
    assert outcomes.height == view_rows(db, "outcome_probabilities", run_id)
    assert outcomes["p"].sum() == pytest.approx(1.0)
    before = (out / "outcomes.csv").read_bytes()
    (out / "outcomes.csv").write_text("edited by a collaborator")
    code, _, stderr = run_cli(monkeypatch, capsys, *args)
    assert code == 2
    assert "outcomes.csv exists; pass --force" in stderr
    assert (out / "outcomes.csv").read_text() == "edited by a collaborator"
    code, _, stderr = run_cli(monkeypatch, capsys, *args, "--force")
    assert code == 0, stderr
    assert (out / "outcomes.csv").read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--what", "draws,bogus"), "--what 'draws,bogus': unknown view 'bogus'"),
        (("--what", "draws,draws"), "'draws' given twice"),
        (("--format", "xlsx"), "--format 'xlsx': expected parquet or csv"),
    ],
)
def test_a_bad_option_is_one_line_and_writes_nothing(
    exported_run, tmp_path, monkeypatch, capsys, args, message
):
    db, run_id = exported_run
    out = tmp_path / "never"
    code, _, stderr = run_cli(
        monkeypatch, capsys, "export", run_id, "--out", str(out), "--db", str(db), *args
    )
    assert code == 2
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_an_unknown_run_leaves_no_folder(exported_run, tmp_path, monkeypatch, capsys):
    db, _ = exported_run
    out = tmp_path / "never"
    code, _, stderr = run_cli(
        monkeypatch, capsys, "export", "nosuchrun", "--out", str(out), "--db", str(db)
    )
    assert code == 2
    assert "no such run" in stderr
    assert not out.exists()


def test_the_readme_snippet_opens_an_export_with_polars(
    exported_run, tmp_path, monkeypatch, capsys
):
    from tests.flows.test_readme_python import readme_snippet

    db, run_id = exported_run
    code, _, stderr = run_cli(
        monkeypatch, capsys, "export", run_id, "--out", str(tmp_path / "shared"), "--db", str(db)
    )
    assert code == 0, stderr
    monkeypatch.chdir(tmp_path)
    snippet = readme_snippet("`countlab export`: files a collaborator can open")
    namespace: dict[str, object] = {}
    exec(compile(snippet, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["manifest"]["run_id"] == run_id
    assert namespace["draws"].height == 10_000
    assert set(namespace["outcomes"]["label"]) >= {"electors:biden", "no_choice"}
    assert f"{run_id} 7 10000 draws" in capsys.readouterr().out
