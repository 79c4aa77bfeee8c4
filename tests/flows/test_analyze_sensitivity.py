"""``countlab analyze sensitivity`` end to end: a small saltelli and a small morris sweep of a
contested count, analysed through the CLI as a user would; the stored rows, the report's
section, and the one-line errors that leave the warehouse as it was."""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from tests.flows.cli_helpers import run_cli

# The House sustains for certain (about 267 of 433 vote to), so P(AZ sustained) is the
# Senate's: votes.senate.D drives it, votes.house.D barely moves it, and
# contingent.defection (the contingent election's defection rate) cannot touch it.
SCENARIO = """
session = "2021-01-06"
regime = "eca1887"
[objections]
AZ = 1.0
PA = 1.0
[votes]
house.R = 0.95
house.D = 0.3
senate.R = 0.95
senate.D = 0.0
correlation = 0.3
absent = 0.0
[contingent]
defection = 0.0
"""
VARY = (
    "--vary",
    "votes.senate.D=0:0.2",
    "--vary",
    "votes.house.D=0.3:0.4",
    "--vary",
    "contingent.defection=0:0.5",
)
DRAWS = "1000"


def cli(*args: str) -> tuple[int, str, str]:
    """``countlab ARGS`` in-process (for module fixtures, which have no capsys)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    with (
        pytest.MonkeyPatch.context() as patch,
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        patch.setattr(sys, "argv", ["countlab", *args])
        try:
            main()
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, stdout.getvalue(), stderr.getvalue()


def sweep(folder: Path, db: Path, *args: str) -> str:
    scenario = folder / "contested.toml"
    scenario.write_text(SCENARIO)
    code, out, err = cli(
        "sweep", str(scenario), *VARY, "--draws", DRAWS, "--db", str(db), "--json", *args
    )
    assert code == 0, err
    return str(json.loads(out)["run_id"])


@pytest.fixture(scope="module")
def saltelli(tmp_path_factory, prefect_harness):
    folder = tmp_path_factory.mktemp("saltelli")
    db = folder / "w.duckdb"
    return db, sweep(folder, db, "--design", "saltelli", "--points", "32", "--seed", "1")


@pytest.fixture(scope="module")
def morris(tmp_path_factory, prefect_harness):
    folder = tmp_path_factory.mktemp("morris")
    db = folder / "w.duckdb"
    return db, sweep(folder, db, "--design", "morris", "--points", "8", "--seed", "1")


def analyze(db: Path, run_id: str, *args: str) -> tuple[int, str, str]:
    return cli("analyze", "sensitivity", run_id, "--db", str(db), *args)


def stored(db: Path, run_id: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select method, target, key, points, s1, st, noise_floor, mu_star "
            "from sensitivity_indices where run_id = ? order by all",
            [run_id],
        ).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_the_driving_key_dominates_and_the_key_without_effect_is_within_noise(saltelli):
    db, run_id = saltelli
    code, out, err = analyze(db, run_id, "--sustained", "AZ", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) >= {"run_id", "target", "method", "points", "noise_floor", "indices"}
    assert (result["run_id"], result["target"], result["method"]) == (run_id, "AZ", "sobol")
    assert result["points"] == 32 * (3 + 2)
    assert 0 < result["noise_floor"] < 0.1  # 1,000 draws per point
    by_key = {entry["key"]: entry for entry in result["indices"]}
    assert list(by_key) == ["votes.senate.D", "votes.house.D", "contingent.defection"]
    for entry in by_key.values():
        assert {"key", "S1", "S1_conf", "ST", "ST_conf", "S1_raw", "ST_raw"} <= set(entry)
    senate, house, defection = by_key.values()
    assert senate["S1"] > 0.6
    assert senate["S1"] > 5 * max(house["S1"], defection["S1"], house["ST"], defection["ST"])
    assert senate["distinguishable"] is True
    # no effect: its corrected total index's interval includes 0; uncorrected, the Monte
    # Carlo noise alone would have made it look like an effect
    assert defection["ST"] - defection["ST_conf"] <= 0 <= defection["ST"] + defection["ST_conf"]
    assert defection["distinguishable"] is False
    assert defection["ST_raw"] - defection["ST_conf"] * (1 - result["noise_floor"]) > 0
    assert "Stored in" in err


@pytest.mark.slow
def test_indices_are_stored_replaced_on_a_rerun_and_the_same_bit_for_bit(saltelli):
    db, run_id = saltelli
    code, first, err = analyze(db, run_id, "--json")
    assert code == 0, err
    rows = stored(db, run_id)
    code, again, err = analyze(db, run_id, "--json")
    assert code == 0, err
    assert again == first
    assert stored(db, run_id) == rows
    result = json.loads(first)
    assert (result["target"], result["noise_floor"]) == ("all", None)
    # electors:biden is 1 at every point here: its indices are null, with a note
    targets = {entry["target"] for entry in result["indices"]}
    assert targets == {"electors:biden", "AZ", "PA"}
    assert len(rows) == len(result["indices"]) == 3 * 3
    assert any("does not vary" in note for note in result["notes"])
    for entry in result["indices"]:
        row = next(r for r in rows if r[1] == entry["target"] and r[2] == entry["key"])
        assert row[0] == "sobol"
        assert row[3] == 160
        assert (row[4], row[5], row[6]) == (entry["S1"], entry["ST"], entry["noise_floor"])
    one = json.loads(analyze(db, run_id, "--sustained", "AZ", "--json")[1])["indices"]
    assert [e["ST"] for e in one] == [e["ST"] for e in result["indices"] if e["target"] == "AZ"]


@pytest.mark.slow
def test_the_table_sorts_keys_by_total_index_and_the_report_shows_what_matters(saltelli):
    db, run_id = saltelli
    code, out, err = analyze(db, run_id, "--outcome", "electors:biden")
    assert code == 0, err
    assert "no indices" in out
    code, out, err = analyze(db, run_id, "--sustained", "PA")
    assert code == 0, err
    assert out.index("votes.senate.D") < out.index("contingent.defection")
    assert "noise floor" in out
    assert f"Stored in {db}" in out
    report = db.parent / "report"
    code, out, err = cli("report", run_id, "--db", str(db), "--out", str(report))
    assert code == 0, err
    html = (report / f"report-{run_id}.html").read_text()
    order = [html.index(f'<section id="{s}">') for s in ("thresholds", "sensitivity", "points")]
    assert order == sorted(order)
    assert "What matters most" in html
    assert "P(PA sustained): Sobol&#39; indices" in html
    assert "A sampled design (saltelli)" in html
    assert "<details>" in html  # 160 points: the table of every point is folded
    markdown = (report / f"report-{run_id}.md").read_text()
    assert "## What matters most" in markdown
    charts = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    assert sum("sensitivity-" in chart for chart in charts) == 2  # AZ and PA (biden: none)
    for chart in charts:
        assert (report / chart).read_text().startswith("<svg")


@pytest.mark.slow
def test_morris_ranks_the_driving_key_above_the_key_without_effect(morris):
    db, run_id = morris
    code, out, err = analyze(db, run_id, "--sustained", "AZ", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["method"], result["points"]) == ("morris", 8 * (3 + 1))
    by_key = {entry["key"]: entry for entry in result["indices"]}
    senate, defection = by_key["votes.senate.D"], by_key["contingent.defection"]
    assert set(senate) == {"key", "S1", "S1_conf", "ST", "ST_conf", "mu", "mu_star",
                           "mu_star_conf", "sigma"}  # fmt: skip
    assert senate["S1"] is None
    assert (
        senate["mu_star"] - senate["mu_star_conf"]
        > defection["mu_star"] + defection["mu_star_conf"]
    )
    assert defection["mu_star"] < 3 * result["mu_star_noise"]
    assert {r[0] for r in stored(db, run_id)} == {"morris"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "sobol"], ("--method sobol: run {run} is a morris sweep; sweep with "
         "--design saltelli")),
        (["--method", "fast"], "--method 'fast': expected sobol or morris"),
        (["--outcome", "no_choice", "--sustained", "AZ"], ("--outcome and --sustained name two "
         "targets: give one, or neither for all")),
        (["--outcome", "electors:nobody"], ("--outcome 'electors:nobody': no such outcome in run "
         "{run}; expected one of electors:biden, electors:trump, house:biden, house:trump, "
         "no_choice")),
        (["--sustained", "GA"], "--sustained 'GA': not objected to in run {run}; AZ, PA"),
    ],
)  # fmt: skip
def test_bad_analyses_are_one_line_and_store_nothing(morris, args, message):
    db, run_id = morris
    before = stored(db, run_id)
    code, out, err = analyze(db, run_id, *args)
    assert code == 2
    assert err.strip() == f"countlab: error: {message.format(run=run_id)}"
    assert out == ""
    assert stored(db, run_id) == before


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_only_a_completed_saltelli_or_morris_sweep_with_its_own_points_is_analysed(
    tmp_path, monkeypatch, capsys, morris
):
    db = tmp_path / "w.duckdb"
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO)
    run = ["--draws", "200", "--seed", "2", "--db", str(db), "--json"]
    code, out, err = run_cli(monkeypatch, capsys, "run", str(scenario), *run)
    assert code == 0, err
    single = json.loads(out)["run_id"]
    code, out, err = run_cli(
        monkeypatch, capsys, "sweep", str(scenario), *VARY, "--design", "lhs", "--points", "4",
        *run,
    )  # fmt: skip
    assert code == 0, err
    lhs = json.loads(out)["run_id"]
    for run_id, message in (
        (single, f"run {single}: a single run, not a sweep; analyse a sweep made with --design"),
        (lhs, f"run {lhs}: a lhs sweep has no sensitivity design; sweep with --design saltelli"),
        ("nope", "run 'nope': no such run in the warehouse"),
    ):
        code, _, err = run_cli(
            monkeypatch, capsys, "analyze", "sensitivity", run_id, "--db", str(db)
        )
        assert code == 2
        assert err.startswith(f"countlab: error: {message}"), err
        assert len(err.strip().splitlines()) == 1
    # a sweep whose stored points are not its design's (another seed recorded)
    morris_db, morris_run = morris
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(morris_db.read_bytes())
    con = duckdb.connect(str(copy))
    con.execute("update runs set seed = seed + 1 where run_id = ?", [morris_run])
    con.close()
    code, _, err = run_cli(
        monkeypatch, capsys, "analyze", "sensitivity", morris_run, "--db", str(copy)
    )
    assert code == 2
    assert "as its morris design and seed make it; it cannot be analysed" in err
    assert len(err.strip().splitlines()) == 1
    assert stored(copy, morris_run) == stored(morris_db, morris_run)


def test_a_saltelli_sweep_needs_a_power_of_two(tmp_path, monkeypatch, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO)
    db = tmp_path / "w.duckdb"
    code, _, err = run_cli(
        monkeypatch, capsys, "sweep", str(scenario), *VARY, "--design", "saltelli",
        "--points", "48", "--draws", "10", "--db", str(db),
    )  # fmt: skip
    assert code == 2
    assert err.startswith("countlab: error: --points 48: a saltelli design's base size N must")
    assert len(err.strip().splitlines()) == 1
    assert not db.exists()
