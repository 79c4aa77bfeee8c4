"""``countlab backtest`` (issue 14 item 3): exact JSON keys, the record it scores against,
scores computed as stated, the member model beating the group model in the listed
backtests, reproducibility by seed, and one-line errors."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pytest

from flows.backtest import backtest, parse_spec
from tests.flows.cli_helpers import run_cli

CHAMBER_KEYS = [
    "observed_yea",
    "observed_nay",
    "predicted_mean",
    "interval_90",
    "pit",
    "brier",
    "log_score",
    "baseline_brier",
    "baseline_log_score",
]
LISTED = [
    ("2021-01-06:AZ", "2021-01-06:PA"),
    ("2021-01-06:PA", "2021-01-06:AZ"),
    ("2021-01-06", "2005-01-06"),
]
"""The backtests issue 14 lists: AZ -> PA, PA -> AZ, and 2021 -> 2005 (through the ideal
points: the model transfers by side, the 2005 objectors being the Democrats)."""


def run(fit: str, predict: str, model: str = "members", **kw):
    return backtest(parse_spec(fit, "fit"), parse_spec(predict, "predict"), model=model, **kw)


def test_backtest_json_has_exactly_the_issue_keys(monkeypatch, capsys, tmp_path):
    db = tmp_path / "w.duckdb"
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "backtest",
        "--fit",
        "2021-01-06:AZ",
        "--predict",
        "2021-01-06:PA",
        "--draws",
        "20000",
        "--db",
        str(db),
        "--json",
    )
    assert code == 0, err
    result = json.loads(out)
    backtest_id = err.split("as backtest ")[1].split(";")[0]
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = json.loads(
            con.execute(
                "select result from backtests where backtest_id = ?", [backtest_id]
            ).fetchone()[0]
        )
        n_members = con.execute(
            "select count(*) from backtest_members where backtest_id = ?", [backtest_id]
        ).fetchone()[0]
    finally:
        con.close()
    assert stored == result  # one transaction: the --json object, its members, its draws
    assert n_members == len(result["members"])
    assert list(result) == ["fit", "predict", "model", "chambers", "members"]
    assert (result["fit"], result["predict"], result["model"]) == (
        "2021-01-06:AZ",
        "2021-01-06:PA",
        "members",
    )
    house, senate = result["chambers"]["house"], result["chambers"]["senate"]
    assert list(house) == CHAMBER_KEYS
    assert (house["observed_yea"], house["observed_nay"]) == (138, 282)  # the record
    assert (senate["observed_yea"], senate["observed_nay"]) == (7, 92)
    assert {tuple(m) for m in result["members"]} == {("bioguide_id", "chamber", "p_yea", "vote")}
    assert len(result["members"]) == 138 + 282 + 7 + 92


def test_scores_are_member_level_means_as_stated():
    result = run("2021-01-06:AZ", "2021-01-06:PA", draws=5000)
    for chamber in ("house", "senate"):
        rows = [m for m in result.members if m["chamber"] == chamber]
        p = np.array([m["p_yea"] for m in rows])
        y = np.array([m["vote"] == "yea" for m in rows])
        q = np.array([m["baseline_p_yea"] for m in rows])
        entry = result.summary["chambers"][chamber]
        assert entry["brier"] == pytest.approx(np.mean((p - y) ** 2))
        assert entry["baseline_brier"] == pytest.approx(np.mean((q - y) ** 2))
        clipped = np.clip(p, 1e-12, 1 - 1e-12)
        assert entry["log_score"] == pytest.approx(
            np.mean(np.where(y, np.log(clipped), np.log1p(-clipped)))
        )
        assert len(set(q[~np.isclose(q, 0)].round(12))) == 1  # the group model: one p per caucus
        counts, draws = zip(*result.predictive[chamber], strict=True)
        assert sum(draws) == 5000
        # the predictive mean is the members' expected yeas, within 4 standard errors
        mean = np.average(counts, weights=draws)
        sd = np.sqrt(np.average((np.array(counts) - mean) ** 2, weights=draws))
        assert abs(mean - p.sum()) < 4 * sd / np.sqrt(5000)


@pytest.mark.parametrize(("fit", "predict"), LISTED)
def test_the_member_model_beats_the_group_model_in_every_listed_backtest(fit, predict):
    """Issue 14's done-when: the member-level Brier score of the member model is below the
    group model's (fit on the same roll calls) in every chamber of every listed backtest."""
    result = run(fit, predict, draws=2000)
    scored = [c for c in result.summary["chambers"].values() if c is not None]
    assert scored
    for entry in scored:
        assert entry["brier"] < entry["baseline_brier"]
        assert entry["log_score"] > entry["baseline_log_score"]


def test_the_2021_model_transfers_to_2005_by_side():
    """2005's objectors were Democrats (against Bush's Ohio electors): the 2021 challengers'
    fit is applied to 2005's Democrats, mirrored; only the Senate has member-level votes."""
    result = run("2021-01-06", "2005-01-06", draws=2000)
    assert result.summary["chambers"]["house"] is None
    senate = result.summary["chambers"]["senate"]
    assert (senate["observed_yea"], senate["observed_nay"]) == (1, 74)
    boxer = next(m for m in result.members if m["bioguide_id"] == "B000711")
    assert boxer["vote"] == "yea"
    republicans = [m["p_yea"] for m in result.members if m["baseline_p_yea"] == 0.0]
    assert republicans  # the 2005 Republicans take the 2021 Democrats' place (p = 0)


def test_same_seed_same_backtest_and_the_draws_matter():
    a = run("2021-01-06:AZ", "2021-01-06:PA", draws=3000, seed=5)
    b = run("2021-01-06:AZ", "2021-01-06:PA", draws=3000, seed=5)
    c = run("2021-01-06:AZ", "2021-01-06:PA", draws=3000, seed=6)
    assert a.summary == b.summary
    assert a.predictive == b.predictive
    assert a.predictive != c.predictive


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fit", "2021-01-06:AZ", "--predict", "2021-01-06:AZ"], "predicts roll calls it was"),
        (["--fit", "2021-01-06:XX", "--predict", "2021-01-06:AZ"], "--fit 2021-01-06:XX"),
        (["--fit", "2021-01-06:AZ", "--predict", "2021-01-06:GA"], "GA"),
        (["--fit", "2021-01-06:AZ", "--predict", "2025-01-06"], "recorded_votes"),
        (["--fit", "2021-01-06:AZ", "--predict", "2021-01-06:PA", "--model", "x"], "--model x"),
        (["--fit", ":AZ", "--predict", "2021-01-06:PA"], "--fit :AZ: expected DATE:STATES"),
        (["--fit", "2021-01-06:AZ", "--predict", "2021-01-06:PA", "--draws", "0"], "--draws 0"),
    ],
)
def test_backtest_errors_are_one_line(monkeypatch, capsys, tmp_path, args, message):
    db = tmp_path / "w.duckdb"
    code, out, err = run_cli(monkeypatch, capsys, "backtest", *args, "--db", str(db))
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not db.exists()  # a mistake stores nothing
