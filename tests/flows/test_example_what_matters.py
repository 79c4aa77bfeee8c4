"""``examples/what-matters.toml`` (issue 15 item 5): the sweep the README's "Which
assumption matters most" section runs. Its design is as the README says, and a small copy
of it (base 4, 200 draws a point) runs through sweep and both analyses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from flows.design import count_points, parse_sweep_table
from flows.scenario import read_scenario_file
from tests.flows.cli_helpers import run_cli

EXAMPLE = Path(__file__).parents[2] / "examples" / "what-matters.toml"
README = Path(__file__).parents[2] / "README.md"
KEYS = [
    "votes.house.R",
    "votes.house.D",
    "votes.senate.R",
    "votes.senate.D",
    "votes.correlation",
    "votes.absent",
    "signers.senate.R",
    "contingent.defection",
]


def test_the_example_is_a_saltelli_design_of_the_readme_size():
    found = read_scenario_file(EXAMPLE)
    spec = parse_sweep_table(found.sweep or {}, source=str(EXAMPLE))
    assert spec.design == "saltelli"
    assert [axis.key for axis in spec.axes] == KEYS
    assert count_points(spec) == 256 * (len(KEYS) + 2) == 2560
    section = README.read_text(encoding="utf-8").split("examples/what-matters.toml`\n", 1)[1]
    assert "2,560 points of 1,000 draws" in section.split("###", 1)[0]
    assert "draws = 1000" in EXAMPLE.read_text()
    for key in KEYS:
        assert re.search(rf"`{re.escape(key)}`", section), key


@pytest.mark.slow
def test_a_small_copy_runs_and_the_no_effect_key_is_told_apart(
    tmp_path, monkeypatch, capsys, prefect_harness
):
    db = str(tmp_path / "w.duckdb")
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "sweep",
        str(EXAMPLE),
        "--points",
        "8",
        "--draws",
        "300",
        "--db",
        db,
        "--json",
    )
    assert code == 0, err
    run_id = json.loads(out)["run_id"]
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "analyze",
        "sensitivity",
        run_id,
        "--outcome",
        "electors:biden",
        "--db",
        db,
        "--json",
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["points"] == 80
    by_key = {entry["key"]: entry for entry in result["indices"]}
    assert set(by_key) == set(KEYS)
    # The contingent election cannot change who the electors choose: no total effect.
    assert by_key["contingent.defection"]["ST"] - by_key["contingent.defection"]["ST_conf"] <= 0
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "analyze",
        "discover",
        run_id,
        "--target",
        "electors:biden",
        "--level",
        "0.99",
        "--min-density",
        "0.8",
        "--db",
        db,
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["level"] == 0.99
