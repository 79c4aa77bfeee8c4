"""The report's tables, grouped by polars from DuckDB frames, against a reference formulation:
plain Python over the warehouse's rows, one draw at a time."""

from __future__ import annotations

from collections import Counter

import duckdb
import pytest

from reports.data import CONVERGENCE_POINTS, run_report_data

pytestmark = pytest.mark.usefixtures("prefect_harness")


# Contested, with House members defecting: many delegation counts, and some draws where no
# one is chosen; WI raised in half of the draws.
SCENARIO = """
session = "2021-01-06"
denominator = "appointed"
[objections]
AZ = 1.0
GA = 1.0
WI = 0.5
[votes]
house.R = 0.97
house.D = 0.05
senate.R = 0.95
senate.D = 0.45
correlation = 0.5
absent = 0.01
[contingent]
defection = 0.15
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory, prefect_harness):
    """``(run_report_data, draws rows, objection_votes rows)`` of a contested run."""
    from flows.requests import RunRequest
    from flows.run import run

    folder = tmp_path_factory.mktemp("frames")
    (folder / "contested.toml").write_text(SCENARIO)
    db = folder / "w.duckdb"
    summary = run(
        RunRequest(scenario_path=str(folder / "contested.toml"), draws=12_345, seed=4, db=str(db))
    )
    con = duckdb.connect(str(db), read_only=True)
    try:
        data = run_report_data(con, summary["run_id"])
        draws = con.execute(
            "select draw, outcome, winner, acting_president, totals, majority_needed, "
            "house_states from draws where run_id = ? order by draw",
            [summary["run_id"]],
        ).fetchall()
        votes = con.execute(
            "select state, house_yes, senate_yes from objection_votes where run_id = ?",
            [summary["run_id"]],
        ).fetchall()
    finally:
        con.close()
    return data, draws, votes


def _sorted_counts(counter: Counter) -> list[tuple[int, int]]:
    return sorted(counter.items())


def test_vote_distributions_count_each_chamber_s_votes(report):
    data, _, votes = report
    for chamber, column in (("house", 1), ("senate", 2)):
        want: dict[str, Counter] = {}
        for row in votes:
            if row[column] is not None:
                want.setdefault(row[0], Counter())[row[column]] += 1
        got = data["votes"][chamber]
        assert list(got) == sorted(want)
        assert got == {state: _sorted_counts(c) for state, c in want.items()}
        assert all(isinstance(v, int) and isinstance(n, int) for s in got.values() for v, n in s)
    assert set(data["votes"]["senate"]) == {"AZ", "GA", "WI"}


def test_totals_are_each_candidate_s_electoral_votes(report):
    data, draws, _ = report
    candidates = data["candidates"]
    want = {c: Counter(row[4][c] for row in draws) for c in candidates}
    assert data["totals"]["totals"] == {c: _sorted_counts(want[c]) for c in candidates}
    assert data["totals"]["majority_needed"] == _sorted_counts(Counter(row[5] for row in draws))


def test_convergence_is_the_running_share_of_each_outcome(report):
    data, draws, _ = report
    width = -(-len(draws) // CONVERGENCE_POINTS)
    labels = ["no_choice" if o == "no_choice" else f"{o}:{w}" for _, o, w, *_ in draws]
    assert set(data["convergence"]) == set(labels)
    for label, series in data["convergence"].items():
        want, hits = [], 0
        for i, seen_label in enumerate(labels, start=1):
            hits += seen_label == label
            if i % width == 0 or i == len(labels):
                want.append((i, hits / i))
        assert series == want, label
    assert len(series) == CONVERGENCE_POINTS  # 199 bins of 62 draws and one of 7
    assert {"no_choice", "house:trump"} <= set(data["convergence"])


def test_contingent_breakdown_lists_the_commonest_house_counts(report):
    data, draws, _ = report
    candidates = data["candidates"]
    want = Counter(
        (o, w, acting, tuple((states or {}).get(c) for c in candidates))
        for _, o, w, acting, _, _, states in draws
        if o != "electors"
    )
    got = data["contingent"]
    assert len(got) == min(20, len(want)) > 1
    assert [row["draws"] for row in got] == sorted(want.values(), reverse=True)[: len(got)]
    for row in got:
        assert list(row) == ["outcome", "winner", "acting_president", "states", "draws"]
        assert list(row["states"]) == candidates
        key = (
            row["outcome"],
            row["winner"],
            row["acting_president"],
            tuple(row["states"].values()),
        )
        assert want[key] == row["draws"]
