"""``countlab calibrate`` (issue 14 item 2): the JSON's exact keys, the record it is checked
against, the scenario it writes (which countlab run accepts), and its one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.scenario import parse_scenario, to_scenario
from tests.flows.cli_helpers import run_cli

KEYS = [
    "session",
    "votes",
    "model",
    "parameters",
    "log_likelihood",
    "aic",
    "members",
    "checks",
    "scenario",
]
CHECK_KEYS = ["yea_observed", "yea_interval_90", "agreement_observed", "agreement_interval_90"]


def calibrate(monkeypatch, capsys, *args: str) -> dict:
    code, out, err = run_cli(monkeypatch, capsys, "calibrate", *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("model", ["group", "members"])
def test_calibrate_json_has_exactly_the_issue_keys(monkeypatch, capsys, model):
    result = calibrate(monkeypatch, capsys, "--session", "2021-01-06", "--model", model)
    assert list(result) == KEYS
    assert result["votes"] == ["AZ", "PA"]
    assert result["model"] == model
    assert result["scenario"] is None
    assert {tuple(sorted(m)) for m in result["members"]} == {
        ("bioguide_id", "caucus", "chamber", "p_sustain")
    }
    assert len(result["members"]) == 431 + 99  # every sworn member of both chambers
    for entry in result["parameters"].values():
        assert list(entry) == ["estimate", "se"]
    house, senate = result["checks"]["house"], result["checks"]["senate"]
    assert list(house) == CHECK_KEYS
    assert house["yea_observed"] == [121, 138]  # the record
    assert senate["yea_observed"] == [6, 7]
    assert house["agreement_observed"] == 401  # 183 Republicans and 218 Democrats
    assert result["log_likelihood"] < 0
    assert result["aic"] > -2 * result["log_likelihood"]  # AIC = 2k - 2 log L, k >= 1


def test_the_group_model_is_the_pooled_share_of_yeas(monkeypatch, capsys):
    result = calibrate(monkeypatch, capsys, "--session", "2021-01-06", "--model", "group")
    estimate = result["parameters"]["house.R.p_sustain"]["estimate"]
    assert estimate == pytest.approx((121 + 138) / (121 + 138 + 83 + 64))
    assert result["parameters"]["house.D.p_sustain"] == {"estimate": 0.0, "se": None}
    lo, hi = result["checks"]["house"]["agreement_interval_90"]
    assert not lo <= 401 <= hi  # the group model cannot hold members' positions


def test_calibrate_writes_a_scenario_countlab_run_accepts(monkeypatch, capsys, tmp_path):
    out = tmp_path / "calibrated.toml"
    result = calibrate(monkeypatch, capsys, "--session", "2021-01-06", "--out", str(out))
    assert result["scenario"] == str(out)
    members = tmp_path / "calibrated-members.csv"
    assert members.read_text().splitlines()[0] == "bioguide_id,chamber,caucus,p_sustain"
    config = parse_scenario(out.read_text(), source=str(out))
    assert config.calibrated is not None
    assert config.calibrated.votes == ["AZ", "PA"]
    scenario = to_scenario(config, base=tmp_path, source=str(out))
    by_member = {m["bioguide_id"]: m["p_sustain"] for m in result["members"]}
    roster = scenario.session.roster
    for i, bioguide in enumerate(roster.bioguide_ids):
        if bioguide in by_member:
            assert scenario.p_sustain[i] == by_member[bioguide]
    db = tmp_path / "w.duckdb"
    code, stdout, err = run_cli(
        monkeypatch, capsys, "run", str(out), "--draws", "2000", "--db", str(db), "--json"
    )
    assert code == 0, err
    from reports.render import write_run_report

    written = write_run_report(db, json.loads(stdout)["run_id"], tmp_path / "report")
    markdown = next(p for p in written if p.suffix == ".md").read_text()
    assert (
        "The vote assumptions were fit by maximum likelihood (members model) to the recorded "
        "roll calls of 2021-01-06 on AZ, PA"
    ) in markdown
    assert "Each member's probability of sustaining from calibrated-members.csv." in markdown


def test_one_roll_call_and_a_users_file(monkeypatch, capsys, tmp_path):
    result = calibrate(monkeypatch, capsys, "--session", "2021-01-06", "--votes", "PA")
    assert result["votes"] == ["PA"]
    assert result["checks"]["house"]["yea_observed"] == [138]
    votes = tmp_path / "votes.csv"
    votes.write_text(
        "objection_state,chamber,bioguide_id,vote\nAZ,house,Y000033,yea\nAZ,house,C001054,nay\n"
    )
    result = calibrate(monkeypatch, capsys, "--session", "2021-01-06", "--votes", str(votes))
    assert result["checks"]["house"]["yea_observed"] == [1]
    assert result["checks"]["senate"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--votes", "AZ,XX"], "--votes AZ,XX: unknown state code 'XX'"),
        (["--votes", "GA"], "GA"),
        (["--votes", "nowhere.csv"], "--votes nowhere.csv: file not found"),
        (["--model", "probit"], "--model probit: expected group or members"),
        (["--out", "x.txt"], "--out x.txt: expected a .toml file name"),
    ],
)
def test_calibrate_errors_are_one_line(monkeypatch, capsys, args, message):
    code, out, err = run_cli(monkeypatch, capsys, "calibrate", "--session", "2021-01-06", *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_calibrate_a_bad_roll_call_file_names_file_line_field_value(monkeypatch, capsys, tmp_path):
    votes = tmp_path / "votes.csv"
    votes.write_text("objection_state,chamber,bioguide_id,vote\nAZ,house,Y000033,maybe\n")
    code, _, err = run_cli(
        monkeypatch, capsys, "calibrate", "--session", "2021-01-06", "--votes", str(votes)
    )
    assert code == 2
    assert f"{votes}, line 2: field 'vote' = 'maybe'" in err
    assert not Path(tmp_path / "calibrated.toml").exists()


def test_run_exact_on_the_calibrated_example_labels_the_approximation(
    monkeypatch, capsys, tmp_path
):
    """Two objections under the member model: --exact gives each objection's probability
    exactly (``exact``) and the outcomes by the stated approximation (``approx``, never
    ``exact``), in the JSON and in the table's column."""
    example = Path(__file__).resolve().parents[2] / "examples" / "january-2021-calibrated.toml"
    db = tmp_path / "w.duckdb"
    args = ["run", str(example), "--draws", "2000", "--db", str(db), "--exact"]
    code, out, err = run_cli(monkeypatch, capsys, *args, "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["outcomes"]["electors:biden"]["approx"] == pytest.approx(1.0, abs=1e-4)
    assert all("exact" not in o for o in summary["outcomes"].values())
    assert all("exact" in o for o in summary["objections"].values())
    code, out, err = run_cli(monkeypatch, capsys, *args)
    assert code == 0, err
    assert "approx." in out
