"""``countlab report BACKTEST_ID``: a backtest's report from the warehouse, its tables'
numbers, its sentences, a chart per chamber and the calibration plot, self-contained."""

from __future__ import annotations

import html
import re
from pathlib import Path

import duckdb
import pytest

from reports.backtest import chamber_states, listed, votes_in_words, write_backtest_report
from tests.flows.cli_helpers import run_cli
from tests.warehouse.test_backtests import synthetic_record
from warehouse.backtests import store_backtest


@pytest.fixture(scope="module")
def backtest_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("backtest")
    db = folder / "w.duckdb"
    record = synthetic_record(n_house=30, n_senate=10)
    store_backtest(db, record)
    return db, record


def chamber_rows(db: Path, backtest_id: str) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        frame = con.sql(
            "select * from backtest_chambers where backtest_id = ? order by chamber",
            params=[backtest_id],
        ).pl()
    finally:
        con.close()
    return frame.to_dicts()


def expected_numbers(row: dict) -> list[str]:
    """How the page prints a chamber's row."""
    return [
        str(row["observed_yea"]),
        str(row["observed_nay"]),
        f"{row['predicted_mean']:.1f}",
        f"{row['interval_lo']}-{row['interval_hi']}",
        f"{row['pit']:.3f}",
        *(f"{row[k]:.4f}" for k in ("brier", "baseline_brier", "log_score", "baseline_log_score")),
    ]


def expected_sentence(row: dict) -> str:
    name, on = {"house": ("House", "PA and GA at"), "senate": ("Senate", "PA at")}[row["chamber"]]
    in_all = " in all" if row["chamber"] == "house" else ""
    return (
        f"Fit on the 2021-01-06 votes on AZ, the members model put the {name}'s yeas on {on} "
        f"{round(row['predicted_mean'])}{in_all} (90% interval {row['interval_lo']}-"
        f"{row['interval_hi']}); the {name} cast {row['observed_yea']}."
    )


def test_the_report_has_each_chamber_s_numbers_sentences_and_charts(
    backtest_db, monkeypatch, capsys, tmp_path
):
    db, record = backtest_db
    out = tmp_path / "out"
    code, stdout, err = run_cli(
        monkeypatch, capsys, "report", record.backtest_id, "--db", str(db), "--out", str(out)
    )
    assert code == 0, err
    html_path, md_path = (Path(line) for line in stdout.split())
    assert html_path.name == f"report-{record.backtest_id}.html"
    assert md_path.name == f"report-{record.backtest_id}.md"
    page = html_path.read_text()
    text = html.unescape(page)
    markdown = md_path.read_text()
    assert "Backtest of the members model: fit on 2021-01-06:AZ → predict 2021-01-06:PA,GA" in text
    rows = chamber_rows(db, record.backtest_id)
    assert [r["chamber"] for r in rows] == ["house", "senate"]
    for row in rows:
        cells = re.findall(r'<td class="num">([^<]*)</td>', page)
        for number in expected_numbers(row):
            assert number in cells, (row["chamber"], number)
            assert f"| {number} |" in markdown, (row["chamber"], number)
        assert expected_sentence(row) in text
        assert expected_sentence(row) in markdown
    assert "Brier score is" in text
    # a chart per chamber and the calibration plot, inline; no script, nothing fetched
    assert page.count("<svg") == 3
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    for section in ("summary", "chambers", "calibration"):
        assert f'<section id="{section}">' in page
    charts = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    assert [Path(c).name for c in charts] == [
        "predictive-house.svg",
        "predictive-senate.svg",
        "calibration.svg",
    ]
    for chart in charts:
        assert (md_path.parent / chart).read_text().startswith("<svg")
    assert "<script" not in markdown


def test_the_calibration_table_is_the_view_s_bins(backtest_db, tmp_path):
    db, record = backtest_db
    (html_path,) = write_backtest_report(db, record.backtest_id, tmp_path, ("html",))
    cells = re.findall(r'<td class="num">([^<]*)</td>', html_path.read_text())
    con = duckdb.connect(str(db), read_only=True)
    bins = con.sql(
        "select mean_p_yea, observed_yea_share, n from backtest_calibration where backtest_id = ?",
        params=[record.backtest_id],
    ).fetchall()
    con.close()
    assert bins
    for mean_p, share, n in bins:
        assert {f"{mean_p:.4f}", f"{share:.4f}", str(n)} <= set(cells)


def test_a_backtest_report_in_markdown_only_and_its_one_line_errors(
    backtest_db, monkeypatch, capsys, tmp_path
):
    db, record = backtest_db
    code, stdout, _ = run_cli(
        monkeypatch,
        capsys,
        *("report", record.backtest_id, "--db", str(db), "--out", str(tmp_path)),
        *("--format", "md"),
    )
    assert code == 0
    assert [Path(p).suffix for p in stdout.split()] == [".md"]
    for args, message in (
        (["nope"], "run 'nope': no such run"),  # unknown ids: the run error, as before
        ([record.backtest_id, "--point", "1"], "is a backtest, it has no points"),
        ([record.backtest_id, "--format", "pdf"], "--format 'pdf'"),
    ):
        code, _, err = run_cli(
            monkeypatch, capsys, "report", *args, "--db", str(db), "--out", str(tmp_path / "x")
        )
        assert code == 2
        assert message in err
        assert len(err.strip().splitlines()) == 1


def test_the_words_for_the_roll_calls():
    assert listed(["PA"]) == "PA"
    assert listed(["AZ", "PA", "GA"]) == "AZ, PA and GA"
    assert votes_in_words("2021-01-06:AZ,PA") == "the 2021-01-06 votes on AZ and PA"
    assert votes_in_words("2021-01-06") == "the 2021-01-06 votes"
    # a chamber's roll calls in the order predicted, from its members' rows
    assert chamber_states("2021-01-06:PA,GA", ["GA", "PA"]) == ["PA", "GA"]
    assert chamber_states("2021-01-06:PA,GA", ["PA"]) == ["PA"]
    assert chamber_states("2021-01-06:PA,GA", []) == ["PA", "GA"]


def test_the_sentences_say_where_the_record_falls_and_which_scores_better():
    from reports.backtest import chamber_sentences

    backtest = {"fit": "2021-01-06:AZ", "predict": "2005-01-06:OH", "model": "group"}
    row = {
        "chamber": "senate",
        "observed_yea": 1,
        "predicted_mean": 9.6,
        "interval_lo": 4,
        "interval_hi": 15,
        "brier": 0.2,
        "baseline_brier": 0.1,
    }
    text = chamber_sentences(backtest, row, ["OH"])
    assert text.startswith(
        "Fit on the 2021-01-06 votes on AZ, the group model put the Senate's yeas on the "
        "2005-01-06 votes on OH at 10 (90% interval 4-15); the Senate cast 1. The record is "
        "below the interval: the model expected more yeas."
    )
    assert "0.2000 against the baseline's 0.1000" in text
    assert "worse than the baseline" in text
    above = chamber_sentences(backtest, {**row, "observed_yea": 20, "baseline_brier": None}, [])
    assert "above the interval: the model expected fewer yeas." in above
    assert "Brier" not in above
