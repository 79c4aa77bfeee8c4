"""The run report's remand section (issue 13 item 6): present for a remand run, with the
views' numbers in words and tables; absent for a run without one."""

from __future__ import annotations

import html as html_text

import duckdb

from flows.requests import RunRequest

SCENARIO = """
regime = "vp-unilateral"
[remand]
states = "papers_2020"
resume = "2021-01-16"
appoint_alternate.R = 0.5
g_same = 1.0
[rules]
legislative_act_form = "resolution"
"""


def test_m14_the_report_says_which_slates_are_counted(tmp_path, prefect_harness):
    from flows.run import run
    from reports.render import write_run_report

    path = tmp_path / "remand.toml"
    path.write_text(SCENARIO)
    db = tmp_path / "w.duckdb"
    summary = run(RunRequest(scenario_path=str(path), draws=4000, seed=5, db=str(db)))
    written = write_run_report(db, summary["run_id"], tmp_path / "out")
    markdown = next(p for p in written if p.suffix == ".md").read_text()
    html = html_text.unescape(next(p for p in written if p.suffix == ".html").read_text())
    con = duckdb.connect(str(db), read_only=True)
    try:
        p_az, low, high = con.execute(
            "select p, ci_low, ci_high from slate_probabilities where run_id = ?"
            " and state = 'AZ' and slate = 'alternate'",
            [summary["run_id"]],
        ).fetchone()
    finally:
        con.close()
    assert 0.4 < p_az < 0.6  # appoint_alternate.R = 0.5, AZ can convene by 16 January
    assert summary["slates"]["AZ"]["alternate"] == p_az
    sentence = (
        f"AZ's alternate slate is counted in {p_az:.1%} of the draws "
        f"(95% interval {low:.1%}-{high:.1%})."
    )
    for text in (markdown, html):
        assert "Sent back to the states, and competing slates" in text
        assert sentence in text
        assert "NV: the original slate is counted in every draw." in text  # not in time (M4)
        assert "Every draw has a President-elect by noon on 20 January." in text
    assert f"| AZ | {1 - p_az:.4f}" in markdown  # the original's share, from the view
    assert html.count("<svg") >= 1


def test_m14_a_report_without_a_remand_has_no_remand_section(report_run):
    from reports.render import write_run_report

    db, summary, folder = report_run
    written = write_run_report(db, summary["run_id"], folder / "plain")
    for path in written:
        assert "Sent back to the states" not in path.read_text()


def test_m14_the_sweep_report_plots_slates_against_a_remand_key(tmp_path, prefect_harness):
    """Issue 13 item 6: the sweep report charts, thresholds and tabulates each slate
    state's P(alternate counted) against remand.appoint_alternate.R, from the view."""
    from flows.requests import SweepRequest
    from flows.sweep import sweep
    from reports.render import write_sweep_report

    path = tmp_path / "remand.toml"
    path.write_text(SCENARIO)
    db = tmp_path / "w.duckdb"
    result = sweep(
        SweepRequest(
            scenario_path=str(path),
            draws=2000,
            seed=9,
            db=str(db),
            vary=("remand.appoint_alternate.R=0,0.25,0.75,1",),
        )
    )
    written = write_sweep_report(db, result["run_id"], tmp_path / "out")
    html = html_text.unescape(next(p for p in written if p.suffix == ".html").read_text())
    markdown = next(p for p in written if p.suffix == ".md").read_text()
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select point, p from slate_probabilities where run_id = ? and state = 'AZ'"
            " and slate = 'alternate' order by point",
            [result["run_id"]],
        ).fetchall()
        (crossing,) = con.execute(
            "select crossing from sweep_threshold(?, 'remand.appoint_alternate.R', 'slate',"
            " 'AZ:alternate', 0.5)",
            [result["run_id"]],
        ).fetchone()
    finally:
        con.close()
    assert rows[0][1] == 0.0  # M5: q_R = 0
    assert rows[-1][1] == 1.0  # q_R = 1
    caption = "P(the alternate slate is counted) in each state against remand.appoint_alternate.R"
    assert caption in html
    assert "NV counts the alternate slate" not in html  # never counted: not in time (M4)
    for text in (html, markdown):
        assert "AZ counts the alternate slate" in text
        assert f"{crossing:.4g}" in text
        for _, p in rows:
            assert f"{p:.4f}" in text
    assert "| AZ alternate |" in markdown
