"""``countlab analyze discover`` end to end: PRIM boxes of stored sweeps against the
sweep_threshold crossing, their rows in discovered_boxes, the report's section, and bad
input."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from reports.discovery import restriction_words
from reports.sensitivity import target_title
from tests.flows.cli_helpers import run_cli

pytestmark = pytest.mark.usefixtures("prefect_harness")

# The House sustains for certain (every Republican, a fifth of the Democrats); in the Senate
# half the Democrats join, so P(AZ sustained) climbs from 0 to 1 as votes.senate.R does,
# crossing 0.6 between 0.5 and 0.55 (about 0.69 at 0.55: five standard errors clear of 0.6
# at 1,000 draws).
SCENARIO = """
session = "2021-01-06"
regime = "eca1887"
[objections]
AZ = 1.0
[votes]
house.R = 1.0
house.D = 0.2
senate.R = 0.5
senate.D = 0.5
correlation = 0.0
absent = 0.0
"""
KEY = "votes.senate.R"
STEP = 0.05  # the grid's step along KEY (0:1:21)
LEVEL = 0.6


def _sweep(folder: Path, db: Path, draws: int, seed: int, *vary: str) -> str:
    from flows.requests import SweepRequest
    from flows.sweep import sweep

    path = folder / "senate.toml"
    path.write_text(SCENARIO)
    request = SweepRequest(
        scenario_path=str(path), draws=draws, seed=seed, db=str(db), vary=tuple(vary)
    )
    return str(sweep(request)["run_id"])


@pytest.fixture(scope="module")
def swept(tmp_path_factory, prefect_harness):
    """One warehouse: a 21-point sweep of KEY (1,000 draws) and a run of one point."""
    from flows.requests import RunRequest
    from flows.run import run

    folder = tmp_path_factory.mktemp("discover")
    db = folder / "w.duckdb"
    run_id = _sweep(folder, db, 1000, 15, f"{KEY}=0:1:21")
    single = run(
        RunRequest(scenario_path=str(folder / "senate.toml"), draws=1000, seed=1, db=str(db))
    )
    return db, run_id, single["run_id"]


def discover(monkeypatch, capsys, db: Path, *args: str) -> tuple[int, str, str]:
    return run_cli(monkeypatch, capsys, "analyze", "discover", *args, "--db", str(db))


def discovered(monkeypatch, capsys, db: Path, *args: str) -> dict:
    code, out, err = discover(monkeypatch, capsys, db, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def threshold(db: Path, run_id: str, level: float) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select fixed, below, above, crossing from sweep_threshold(?, ?, 'sustained', 'AZ', ?)",
            [run_id, KEY, level],
        ).fetchall()
    finally:
        con.close()


def stored(db: Path, run_id: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select target, level, box, step, chosen, coverage, density, mass, n_restricted, "
            "restrictions from discovered_boxes where run_id = ? order by all",
            [run_id],
        ).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("level", [LEVEL, 0.9])
def test_the_box_starts_where_sweep_threshold_crosses(swept, monkeypatch, capsys, level):
    db, run_id, _ = swept
    result = discovered(monkeypatch, capsys, db, run_id, "--target", "AZ", "--level", str(level))
    assert set(result) == {"run_id", "target", "level", "min_density", "boxes", "trajectory"}
    assert (result["run_id"], result["target"], result["level"]) == (run_id, "AZ", level)
    assert len(result["boxes"]) == 1  # every point over the level is in the first box
    box = result["boxes"][0]
    assert set(box) == {"coverage", "density", "mass", "restrictions"}
    assert (box["coverage"], box["density"]) == (1.0, 1.0)
    assert list(box["restrictions"]) == [KEY]
    lo, hi = box["restrictions"][KEY]
    assert hi == 1.0
    ((fixed, below, above, crossing),) = threshold(db, run_id, level)
    assert fixed == {}
    assert lo == above  # the first grid value at or over the level
    assert below < crossing <= lo <= crossing + STEP
    trajectory = result["trajectory"]
    assert set(trajectory[0]) == {"coverage", "density", "mass", "n_restricted"}
    assert (trajectory[0]["coverage"], trajectory[0]["mass"]) == (1.0, 1.0)
    assert trajectory[0]["n_restricted"] == 0


def test_boxes_are_stored_step_by_step_and_replaced_on_a_second_run(swept, monkeypatch, capsys):
    db, run_id, _ = swept
    args = (run_id, "--target", "AZ", "--level", "0.75")
    code, first, _ = discover(monkeypatch, capsys, db, *args, "--json")
    assert code == 0
    rows = [r for r in stored(db, run_id) if r[1] == 0.75]
    result = json.loads(first)
    assert len(rows) == len(result["trajectory"])  # one box: its every step, from 0
    assert [r[3] for r in rows] == list(range(len(rows)))
    assert [r[2] for r in rows] == [1] * len(rows)
    (chosen,) = [r for r in rows if r[4]]
    assert (chosen[5], chosen[6], chosen[7]) == tuple(
        result["boxes"][0][k] for k in ("coverage", "density", "mass")
    )
    assert json.loads(chosen[9]) == result["boxes"][0]["restrictions"]
    assert [(r[5], r[6], r[7], r[8]) for r in rows] == [
        (s["coverage"], s["density"], s["mass"], s["n_restricted"]) for s in result["trajectory"]
    ]
    others = [r for r in stored(db, run_id) if r[1] != 0.75]
    code, second, _ = discover(monkeypatch, capsys, db, *args, "--json")
    assert code == 0
    assert second == first  # bit for bit
    assert [r for r in stored(db, run_id) if r[1] == 0.75] == rows
    assert [r for r in stored(db, run_id) if r[1] != 0.75] == others


def test_the_readable_output_names_the_box_and_where_it_is_stored(swept, monkeypatch, capsys):
    db, run_id, _ = swept
    code, out, err = discover(monkeypatch, capsys, db, run_id, "--target", "AZ", "--level", "0.6")
    assert code == 0, err
    assert "P(AZ sustained) >= 0.6 at 10 of 21 points" in out
    assert f"Box 1: {KEY} in [0.55, 1]  (coverage 1.000, density 1.000" in out
    assert "Trajectory (box 1)" in out
    assert "(chosen)" in out
    assert f"Stored in {db} (discovered_boxes" in out


def test_a_level_no_point_reaches_says_so_and_finds_no_box(swept, monkeypatch, capsys):
    db, run_id, _ = swept
    result = discovered(
        monkeypatch, capsys, db, run_id, "--target", "house:trump", "--level", "0.5"
    )
    assert (result["boxes"], result["trajectory"]) == ([], [])
    code, out, _ = discover(
        monkeypatch, capsys, db, run_id, "--target", "house:trump", "--level", "0.5"
    )
    assert code == 0
    assert "No point reaches the level" in out
    assert not [r for r in stored(db, run_id) if r[0] == "house:trump"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--target", "GA", "--level", "0.5"), "--target 'GA': no such outcome or objection"),
        (("--target", "AZ", "--level", "1.5"), "--level 1.5: expected a probability in [0, 1]"),
        (("--target", "AZ", "--level", "-0.1"), "--level -0.1: expected a probability in [0, 1]"),
        (("--target", "AZ", "--level", "0.5", "--min-density", "0"), "--min-density 0: expected"),
        (("--target", "AZ", "--level", "0.5", "--max-boxes", "0"), "--max-boxes 0: expected 1"),
    ],
)
def test_bad_options_are_one_line_and_leave_the_warehouse_as_it_was(
    swept, monkeypatch, capsys, args, message
):
    db, run_id, _ = swept
    before = stored(db, run_id)
    code, out, err = discover(monkeypatch, capsys, db, run_id, *args)
    assert code == 2
    assert out == ""
    assert err.startswith(f"countlab: error: {message}")
    assert err.count("\n") == 1
    assert stored(db, run_id) == before
    if "GA" in args:  # the message lists what the run has
        assert "electors:biden" in err
        assert "no_choice" in err
        assert "AZ" in err


def test_an_unknown_run_and_a_run_of_one_point_are_refused(swept, monkeypatch, capsys):
    db, _, single = swept
    code, _, err = discover(
        monkeypatch, capsys, db, "nosuchrun", "--target", "AZ", "--level", "0.5"
    )
    assert code == 2
    assert err == "countlab: error: run 'nosuchrun': no such run in the warehouse\n"
    code, _, err = discover(monkeypatch, capsys, db, single, "--target", "AZ", "--level", "0.5")
    assert code == 2
    assert "not a sweep: nothing to discover" in err
    assert err.count("\n") == 1


def test_a_two_key_grid_restricts_only_the_driving_key_and_the_report_shows_it(
    tmp_path, monkeypatch, capsys
):
    db = tmp_path / "w.duckdb"
    run_id = _sweep(tmp_path, db, 1000, 16, f"{KEY}=0:1:21", "regime=eca1887,ecra2022")
    out = tmp_path / "out"
    code, _, err = run_cli(
        monkeypatch, capsys, "report", run_id, "--db", str(db), "--out", str(out)
    )
    assert code == 0, err
    assert "Where the outcome happens" not in (out / f"report-{run_id}.html").read_text()
    result = discovered(monkeypatch, capsys, db, run_id, "--target", "AZ", "--level", str(LEVEL))
    (box,) = result["boxes"]
    assert list(box["restrictions"]) == [KEY]  # regime does not move P(AZ sustained)
    lo = box["restrictions"][KEY][0]
    crossings = threshold(db, run_id, LEVEL)
    assert {row[0]["regime"] for row in crossings} == {"eca1887", "ecra2022"}
    for _, _, _, crossing in crossings:
        assert abs(lo - crossing) <= STEP
    code, _, err = run_cli(
        monkeypatch, capsys, "report", run_id, "--db", str(db), "--out", str(out)
    )
    assert code == 0, err
    html = (out / f"report-{run_id}.html").read_text()
    section = html.index('<section id="discovery">')
    assert html.index('<section id="thresholds">') < section < html.index('<section id="points">')
    assert "<h2>Where the outcome happens</h2>" in html
    assert f'<td>P(AZ sustained)</td><td class="num">{LEVEL:g}</td>' in html
    assert f"<td>{KEY} in [0.55, 1]</td>" in html
    assert html.count("<svg", section, html.index('<section id="points">')) == 1
    markdown = (out / f"report-{run_id}.md").read_text()
    assert markdown.index("## Where the outcome happens") < markdown.index("## Every point")
    assert f"| P(AZ sustained) | {LEVEL:g} | 1 | 1.000 | 1.000 |" in markdown
    assert (out / f"report-{run_id}-charts" / "discovery-0.svg").is_file()


def test_restrictions_and_targets_in_words():
    words = restriction_words({KEY: [0.55, 1.0], "regime": ["ecra2022"]}, numeric={KEY})
    assert words == f"{KEY} in [0.55, 1] and regime in {{ecra2022}}"
    assert restriction_words({"rules.flag": [True]}, numeric=()) == "rules.flag in {true}"
    assert restriction_words({}, numeric=()) == "everywhere (no key restricted)"
    assert target_title("AZ") == "P(AZ sustained)"
    assert target_title("electors:biden") == "P(electors:biden)"
    assert target_title("no_choice") == "P(no_choice)"


def test_when_no_box_is_dense_enough_the_output_says_how_dense_one_can_be(capsys):
    import numpy as np

    from flows.discovery import Key, Points, print_discovery, summary
    from models.discovery import search_box

    points = Points(
        keys=(Key(KEY, None),),
        x=np.zeros((4, 1)),  # one value: nothing to peel
        p=np.array([0.9, 0.1, 0.8, 0.2]),
        target="AZ",
        what="P(AZ sustained)",
    )
    y = points.p >= 0.5
    first = search_box(points.x, y, is_categorical=np.zeros(1, np.bool_), min_density=1.0)
    assert first.chosen is None
    result = summary("r", points, level=0.5, min_density=1.0, boxes=(), trajectory=first.steps)
    assert result["boxes"] == []
    assert result["trajectory"] == [
        {"coverage": 1.0, "density": 0.5, "mass": 1.0, "n_restricted": 0}
    ]
    print_discovery(result, points, first)
    out = capsys.readouterr().out
    assert "at 2 of 4 points" in out
    assert "No box reaches density 1 (the trajectory's highest is 0.500)" in out
