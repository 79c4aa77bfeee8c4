"""``countlab report``: a run's report from the warehouse, every section, matching numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from tests.flows.cli_helpers import run_cli

pytestmark = pytest.mark.usefixtures("prefect_harness")

SECTIONS = ("question", "outcomes", "objections", "votes", "totals", "contingent", "convergence")


def test_report_has_every_section_and_the_warehouse_numbers(report_run, monkeypatch, capsys):
    db, summary, folder = report_run
    out = folder / "out"
    code, stdout, err = run_cli(
        monkeypatch, capsys, "report", summary["run_id"], "--db", str(db), "--out", str(out)
    )
    assert code == 0, err
    html_path, md_path = (Path(line) for line in stdout.split())
    assert html_path.suffix == ".html"
    assert md_path.suffix == ".md"
    html = html_path.read_text()
    for section in SECTIONS:
        assert f'<section id="{section}">' in html, section
    assert html.count("<svg") >= 6  # outcomes, objections, House, Senate, totals, convergence
    # self-contained: no scripts, no external resources
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert str(summary["seed"]) in html
    con = duckdb.connect(str(db), read_only=True)
    scenario_hash = con.execute("select scenario_hash from runs").fetchone()[0]
    assert scenario_hash in html
    contingent = 0.0
    for label, p, se in con.execute(
        "select label, p, se from outcome_probabilities where run_id = ?", [summary["run_id"]]
    ).fetchall():
        assert f'<td>{label}</td><td class="num">{p:.4f}</td><td class="num">{se:.4f}</td>' in html
        if not label.startswith("electors:"):
            contingent += p
    for state, p_sustained in con.execute(
        "select state, p_sustained from objection_probabilities where run_id = ?",
        [summary["run_id"]],
    ).fetchall():
        assert f"<td>{state}</td>" in html
        assert f"{p_sustained:.4f}" in html
    con.close()
    assert contingent > 0, "the scenario should produce contingent elections"
    assert f"In {contingent:.2%} of the draws" in html
    markdown = md_path.read_text()
    for heading in (
        "## The question",
        "## How the President is chosen",
        "## Objections",
        "## Contingent election",
        "## Monte Carlo error",
    ):
        assert heading in markdown
    for chart in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown):
        assert (md_path.parent / chart).read_text().startswith("<svg")
    assert json.dumps(summary["seed"]) in markdown


def test_report_formats_and_bad_input(report_run, monkeypatch, capsys, tmp_path):
    db, summary, _ = report_run
    code, stdout, _ = run_cli(
        monkeypatch,
        capsys,
        "report",
        summary["run_id"],
        "--db",
        str(db),
        "--out",
        str(tmp_path),
        "--format",
        "md",
    )
    assert code == 0
    assert [Path(p).suffix for p in stdout.split()] == [".md"]
    for args, message in (
        (["nope"], "no such run"),
        ([summary["run_id"], "--format", "pdf"], "--format 'pdf'"),
        ([summary["run_id"], "--point", "3"], "no point 3"),
    ):
        code, _, err = run_cli(
            monkeypatch, capsys, "report", *args, "--db", str(db), "--out", str(tmp_path / "x")
        )
        assert code == 2
        assert message in err
        assert len(err.strip().splitlines()) == 1


def test_a_sweep_report_has_curves_a_heat_map_thresholds_and_every_point(
    report_run, monkeypatch, capsys
):
    _, _, folder = report_run
    db = folder / "sweep.duckdb"
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "sweep",
        str(folder / "contested.toml"),
        "--draws",
        "4000",
        "--seed",
        "8",
        "--vary",
        "votes.senate.D=0,0.5",
        "--vary",
        "votes.house.D=0,0.3",
        "--db",
        str(db),
        "--json",
    )
    assert code == 0, err
    sweep = json.loads(out)
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "report",
        sweep["run_id"],
        "--db",
        str(db),
        "--out",
        str(folder / "sweep-out"),
    )
    assert code == 0, err
    html_path, md_path = (Path(line) for line in out.split())
    html = html_path.read_text()
    for section in ("question", "curves", "thresholds", "points"):
        assert f'<section id="{section}">' in html
    assert html.count("<svg") >= 2
    assert "<script" not in html
    con = duckdb.connect(str(db), read_only=True)
    for point, p, se in con.execute(
        "select point, p, se from sweep_outcome_probabilities where run_id = ? "
        "and label = 'electors:biden' order by point",
        [sweep["run_id"]],
    ).fetchall():
        assert f"{p:.4f} ± {se:.4f}" in html, point
    crossings = con.execute(
        "select crossing from sweep_threshold(?, 'votes.senate.D', 'sustained', 'AZ', 0.5)",
        [sweep["run_id"]],
    ).fetchall()
    con.close()
    for (crossing,) in crossings:
        assert f"{crossing:.4g}" in html
    assert html.count("<tr>") >= 1 + len(sweep["points"])
    markdown = md_path.read_text()
    assert "## Every point" in markdown
    for chart in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown):
        assert (md_path.parent / chart).read_text().startswith("<svg")


def test_run_report_to_a_folder_that_cannot_exist_fails_before_the_run(
    tmp_path, monkeypatch, capsys
):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    db = tmp_path / "w.duckdb"
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "run",
        "examples/january-2021.toml",
        "--draws",
        "10",
        "--db",
        str(db),
        "--report",
        str(blocker / "reports"),
    )
    assert code == 2
    assert "--report" in err
    assert "cannot create the folder" in err
    assert len(err.strip().splitlines()) == 1
    assert not db.exists()


def test_charts_draw_the_tables_wilson_intervals(report_run):
    """The objection bars and sweep bands use the views' Wilson intervals, not p +- 1.96 se
    (which leaves [0, 1] near the ends and disagrees with the tables there)."""
    from reports.data import run_report_data

    db, summary, _ = report_run
    con = duckdb.connect(str(db), read_only=True)
    try:
        data = run_report_data(con, summary["run_id"])
        want = {
            state: (lo, hi)
            for state, lo, hi in con.execute(
                "select state, ci_low, ci_high from objection_probabilities where run_id = ?",
                [summary["run_id"]],
            ).fetchall()
        }
    finally:
        con.close()
    assert data["objection_intervals"] == want
    assert set(want) == set(summary["objections"])
    for state, (lo, hi) in want.items():
        p = summary["objections"][state]["p_sustained"]
        assert 0.0 <= lo <= p <= hi <= 1.0
