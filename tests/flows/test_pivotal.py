"""Pivotal objections end to end (issue 15): ``countlab run --json`` and its console table,
the flipped columns whatever the chunking and sampler, the run report's section."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from flows.requests import RunRequest
from models.sampling import BLOCK_DRAWS, SAMPLERS
from tests.flows.cli_helpers import run_cli

pytestmark = pytest.mark.usefixtures("prefect_harness")

SCENARIO = """
session = "2021-01-06"
[objections]
AZ = 1.0
PA = 1.0
GA = 0.6
NV = 0.0
[votes]
house.R = 0.95
house.D = 0.4
senate.R = 0.9
senate.D = 0.45
correlation = 0.4
absent = 0.02
[contingent]
defection = 0.05
"""
"""Objections often sustained; NV never raised; defections, so a flipped count that reaches
a contingent election the draw did not hold draws fresh defections."""


@pytest.fixture
def scenario(tmp_path) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO)
    return path


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_run_json_pivotal_and_conditional_are_the_views(scenario, tmp_path, monkeypatch, capsys):
    db = tmp_path / "w.duckdb"
    args = ("run", str(scenario), "--draws", "4000", "--seed", "5", "--db", str(db))
    code, out, err = run_cli(monkeypatch, capsys, *args, "--json")
    assert code == 0, err
    summary = json.loads(out)
    run_id = summary["run_id"]
    pivotal = dict(query(db, "select state, p from pivotal_objections where run_id = ?", [run_id]))
    assert summary["pivotal"] == {s: pivotal[s] for s in ("AZ", "PA", "GA", "NV")}
    assert 0 < summary["pivotal"]["AZ"] < 1
    for state, by_label in summary["conditional"].items():
        assert list(by_label) == list(summary["outcomes"])
        view = dict(
            query(
                db,
                "select key, p from conditional_probabilities where run_id = ? and given = ?"
                " and quantity = 'outcome'",
                [run_id, state],
            )
        )
        assert by_label == view
    assert set(summary["conditional"]["NV"].values()) == {None}  # never sustained
    assert sum(summary["conditional"]["AZ"].values()) == pytest.approx(1.0)

    code, out, err = run_cli(monkeypatch, capsys, *args)
    assert code == 0, err
    assert "Pivotal objections" in out
    top = query(
        db,
        "select state, direction, from_label, to_label from pivotal_transitions"
        " where run_id = (select max_by(run_id, started_at) from runs) and changed"
        " order by n desc limit 1",
    )[0]
    verb = "sustaining" if top[1] == "sustain" else "overruling"
    assert f"{verb} it: {top[2]} becomes {top[3]}" in out


FLIPPED = (
    "select draw, state, sustained, flipped_outcome, flipped_winner from objection_votes"
    " where run_id = ? order by draw, state"
)


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_flipped_columns_are_the_same_whatever_the_chunking(scenario, tmp_path, sampler):
    from flows.run import run

    rows = []
    for chunk_draws in (1, 2 * BLOCK_DRAWS):
        db = tmp_path / f"w{chunk_draws}.duckdb"
        summary = run(
            RunRequest(
                scenario_path=str(scenario),
                draws=BLOCK_DRAWS + 700,  # two blocks: two chunks, or one
                seed=9,
                db=str(db),
                chunk_draws=chunk_draws,
                sampler=sampler,
            )
        )
        rows.append(query(db, FLIPPED, [summary["run_id"]]))
    assert rows[0] == rows[1]
    assert len(rows[0]) == 4 * (BLOCK_DRAWS + 700)
    assert {r[3] for r in rows[0]} >= {"electors", "house"}


def test_report_has_the_pivotal_section_with_the_views_numbers(report_run, monkeypatch, capsys):
    db, summary, folder = report_run
    out = folder / "pivotal-out"
    code, stdout, err = run_cli(
        monkeypatch, capsys, "report", summary["run_id"], "--db", str(db), "--out", str(out)
    )
    assert code == 0, err
    html_path, md_path = (Path(line) for line in stdout.split())
    html, markdown = html_path.read_text(), md_path.read_text()
    assert '<section id="pivotal">' in html
    assert html.index('<section id="objections">') < html.index('<section id="pivotal">')
    assert "## What drives the outcome" in markdown
    for state, p, low, high in query(
        db,
        "select state, p, ci_low, ci_high from pivotal_objections where run_id = ?",
        [summary["run_id"]],
    ):
        cell = f"{p:.4f} ({low:.4f}-{high:.4f})"
        assert f'<td>{state}</td><td class="num">{cell}</td>' in html
        assert f"| {state} | {cell} |" in markdown
    sentences = query(
        db,
        "select state, direction, from_label, to_label from pivotal_transitions"
        " where run_id = ? and changed",
        [summary["run_id"]],
    )
    assert sentences, "the report scenario has pivotal objections"
    state, direction, _, _ = sentences[0]
    verb = "sustained" if direction == "sustain" else "overruled"
    assert f"If {state}&#39;s objection is {verb}" in html
    assert f"If {state}'s objection is {verb}" in markdown
    for given, label, p in query(
        db,
        "select given, key, p from conditional_probabilities where run_id = ?"
        " and quantity = 'outcome' and given = 'AZ'",
        [summary["run_id"]],
    ):
        assert given == "AZ"
        assert f"{p:.4f}" in html, label
