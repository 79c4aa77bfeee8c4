"""Everything a run's report shows, read from the warehouse views (no file or model access).

:func:`run_report_data` returns plain dicts and lists: the run and its scenario, the
summary (as ``countlab run --json``), vote and electoral-vote distributions, the contingent
election breakdown and the Monte Carlo convergence of each outcome that occurred.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from warehouse.queries import read_run, read_summary

CONVERGENCE_POINTS = 200
"""Checkpoints of the running estimate (equal numbers of draws apart)."""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    return con.execute(sql, params).fetchall()


def vote_distributions(
    con: duckdb.DuckDBPyConnection, run_id: str, point: int
) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """``{chamber: {state: [(yes votes, draws)]}}`` over the draws where a vote was taken."""
    out: dict[str, dict[str, list[tuple[int, int]]]] = {"house": {}, "senate": {}}
    for chamber, by_state in out.items():
        for state, yes, n in _rows(
            con,
            f"select state, {chamber}_yes, count(*) from objection_votes "
            f"where run_id = ? and point = ? and {chamber}_yes is not null "
            "group by all order by state, 2",
            [run_id, point],
        ):
            by_state.setdefault(state, []).append((int(yes), int(n)))
    return out


def majority_lines(con: duckdb.DuckDBPyConnection, run_id: str, point: int) -> dict[str, float]:
    """Mean yes votes a chamber needed to agree: half of the votes cast, on average."""
    row = con.execute(
        "select avg((house_yes + house_no) / 2), avg((senate_yes + senate_no) / 2) "
        "from objection_votes where run_id = ? and point = ? and house_yes is not null",
        [run_id, point],
    ).fetchone()
    return {"house": row[0], "senate": row[1]} if row and row[0] is not None else {}


def totals_distribution(
    con: duckdb.DuckDBPyConnection, run_id: str, point: int, candidates: list[str]
) -> dict[str, Any]:
    """Electoral votes counted per candidate (``[(votes, draws)]``) and the majority needed."""
    totals = {}
    for candidate in candidates:
        totals[candidate] = [
            (int(v), int(n))
            for v, n in _rows(
                con,
                "select totals[?] as v, count(*) from draws where run_id = ? and point = ? "
                "group by all order by v",
                [candidate, run_id, point],
            )
        ]
    needed = [
        (int(v), int(n))
        for v, n in _rows(
            con,
            "select majority_needed, count(*) from draws where run_id = ? and point = ? "
            "group by all order by 1",
            [run_id, point],
        )
    ]
    return {"totals": totals, "majority_needed": needed}


def contingent_breakdown(
    con: duckdb.DuckDBPyConnection, run_id: str, point: int, candidates: list[str]
) -> list[dict[str, Any]]:
    """Draws decided in the House (or by no one): winner, delegations won, how often."""
    rows = _rows(
        con,
        "select outcome, winner, acting_president, "
        + ", ".join("house_states[?]" for _ in candidates)
        + ", count(*) from draws where run_id = ? and point = ? and outcome <> 'electors' "
        "group by all order by count(*) desc limit 20",
        [*candidates, run_id, point],
    )
    return [
        {
            "outcome": r[0],
            "winner": r[1],
            "acting_president": r[2],
            "states": dict(zip(candidates, r[3 : 3 + len(candidates)], strict=True)),
            "draws": r[-1],
        }
        for r in rows
    ]


def convergence(
    con: duckdb.DuckDBPyConnection, run_id: str, point: int, labels: list[str], draws: int
) -> dict[str, list[tuple[int, float]]]:
    """``{label: [(draws so far, running estimate)]}`` at up to ``CONVERGENCE_POINTS``
    checkpoints, in draw order."""
    width = max(1, -(-draws // CONVERGENCE_POINTS))
    label_sql = "case when outcome = 'no_choice' then 'no_choice' else outcome || ':' || winner end"
    out: dict[str, list[tuple[int, float]]] = {}
    for label in labels:
        rows = _rows(
            con,
            f"select draw // ? as bin, count(*), count_if({label_sql} = ?) from draws "
            "where run_id = ? and point = ? group by 1 order by 1",
            [width, label, run_id, point],
        )
        seen = hits = 0
        series = []
        for _, n, k in rows:
            seen += n
            hits += k
            series.append((seen, hits / seen))
        out[label] = series
    return out


def objection_intervals(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> dict[tuple[int, str], tuple[float, float]]:
    """``{(point, state): (ci_low, ci_high)}``: each objection's 95% Wilson interval of
    P(sustained), as ``objection_probabilities`` gives it (charts draw the tables' intervals)."""
    rows = _rows(
        con,
        "select point, state, ci_low, ci_high from objection_probabilities where run_id = ?",
        [run_id],
    )
    return {(int(point), state): (lo, hi) for point, state, lo, hi in rows}


def run_report_data(con: duckdb.DuckDBPyConnection, run_id: str, point: int = 0) -> dict[str, Any]:
    """Everything :mod:`reports.render` needs for one run (one point of a sweep)."""
    run = read_run(con, run_id)
    summary = read_summary(con, run_id, point)
    point_row = con.execute(
        "select params, scenario, scenario_hash, session, regime, denominator, candidates, "
        "objection_states, seed, draws from sweep_points where run_id = ? and point = ?",
        [run_id, point],
    ).fetchone()
    if point_row is None:
        from models.errors import CountlabError

        raise CountlabError(f"run {run_id!r} has no point {point}")
    params, scenario, scenario_hash, session, regime, denominator, candidates, states, seed, n = (
        point_row
    )
    occurred = [label for label, o in summary["outcomes"].items() if o["p"] > 0]
    return {
        "run": {k: v for k, v in run.items() if k not in ("scenario",)},
        "point": point,
        "params": params,
        "scenario": json.loads(scenario),
        "scenario_hash": scenario_hash,
        "session": session,
        "regime": regime,
        "denominator": denominator,
        "rules": json.loads(run["rules"]) if isinstance(run["rules"], str) else run["rules"],
        "candidates": list(candidates),
        "states": list(states),
        "seed": seed,
        "draws": n,
        "summary": summary,
        "objection_intervals": {
            state: bounds
            for (at, state), bounds in objection_intervals(con, run_id).items()
            if at == point
        },
        "votes": vote_distributions(con, run_id, point),
        "majority_lines": majority_lines(con, run_id, point),
        "totals": totals_distribution(con, run_id, point, list(candidates)),
        "contingent": contingent_breakdown(con, run_id, point, list(candidates)),
        "convergence": convergence(con, run_id, point, occurred, n),
    }
