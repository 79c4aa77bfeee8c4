"""Everything a run's report shows, read from the warehouse views (no file or model access).

:func:`run_report_data` returns plain dicts and lists: the run and its scenario, the
summary (as ``countlab run --json``), vote and electoral-vote distributions, the contingent
election breakdown and the Monte Carlo convergence of each outcome that occurred. DuckDB
counts draws; the polars frames it returns are grouped, pivoted and summed into those shapes.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import polars as pl

from models.errors import CountlabError
from models.outcomes import outcome_label
from reports.pivotal import pivotal_section
from reports.remand import remand_section
from warehouse.queries import query_frame, read_run, read_summary

CONVERGENCE_POINTS = 200
"""Checkpoints of the running estimate (equal numbers of draws apart)."""


def vote_distributions(
    con: duckdb.DuckDBPyConnection, run_id: str, point: int
) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """``{chamber: {state: [(yes votes, draws)]}}`` over the draws where a vote was taken."""
    joint = query_frame(
        con,
        "select state, house_yes, senate_yes, count(*) as n from objection_votes "
        "where run_id = ? and point = ? and (house_yes is not null or senate_yes is not null) "
        "group by all",
        [run_id, point],
    )
    out: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for chamber in ("house", "senate"):
        by_state = (
            joint.filter(pl.col(f"{chamber}_yes").is_not_null())
            .group_by("state", pl.col(f"{chamber}_yes").alias("yes"))
            .agg(pl.col("n").sum())
            .sort("state", "yes")
            .group_by("state", maintain_order=True)
            .agg("yes", "n")
        )
        out[chamber] = {
            state: list(zip(yes, n, strict=True)) for state, yes, n in by_state.iter_rows()
        }
    return out


def majority_lines(con: duckdb.DuckDBPyConnection, run_id: str, point: int) -> dict[str, float]:
    """Mean yes votes a chamber needed to agree: half of the votes cast, on average."""
    house, senate = query_frame(
        con,
        "select avg((house_yes + house_no) / 2), avg((senate_yes + senate_no) / 2) "
        "from objection_votes where run_id = ? and point = ? and house_yes is not null",
        [run_id, point],
    ).row(0)
    return {} if house is None else {"house": house, "senate": senate}


def _counts(joint: pl.DataFrame, value: pl.Expr) -> list[tuple[int, int]]:
    """``[(value, draws)]`` in order of value, summed over the rest of ``joint``."""
    marginal = joint.group_by(value.alias("v")).agg(pl.col("n").sum()).sort("v")
    return list(marginal.iter_rows())


def totals_distribution(
    con: duckdb.DuckDBPyConnection, run_id: str, point: int, candidates: list[str]
) -> dict[str, Any]:
    """Electoral votes counted per candidate (``[(votes, draws)]``) and the majority needed."""
    joint = query_frame(
        con,
        "select totals, majority_needed, count(*) as n from draws "
        "where run_id = ? and point = ? group by all",
        [run_id, point],
    )
    return {
        "totals": {c: _counts(joint, pl.col("totals").map.get(c)) for c in candidates},
        "majority_needed": _counts(joint, pl.col("majority_needed")),
    }


def contingent_breakdown(
    con: duckdb.DuckDBPyConnection, run_id: str, point: int, candidates: list[str]
) -> list[dict[str, Any]]:
    """Draws decided in the House (or by no one): winner, delegations won, how often."""
    frame = query_frame(
        con,
        "select outcome, winner, acting_president, "
        + ", ".join(f"house_states[?] as s{i}" for i in range(len(candidates)))
        + ", count(*) as draws from draws where run_id = ? and point = ? "
        "and outcome <> 'electors' group by all order by count(*) desc limit 20",
        [*candidates, run_id, point],
    )
    states = pl.struct(*(pl.col(f"s{i}").alias(c) for i, c in enumerate(candidates)))
    return frame.select(
        "outcome", "winner", "acting_president", states.alias("states"), "draws"
    ).to_dicts()


def convergence(
    con: duckdb.DuckDBPyConnection, run_id: str, point: int, labels: list[str], draws: int
) -> dict[str, list[tuple[int, float]]]:
    """``{label: [(draws so far, running estimate)]}`` at up to ``CONVERGENCE_POINTS``
    checkpoints, in draw order."""
    if not labels:
        return {}
    width = max(1, -(-draws // CONVERGENCE_POINTS))
    counts = query_frame(
        con,
        "select draw // ? as bin, outcome, winner, count(*) as n from draws "
        "where run_id = ? and point = ? group by all",
        [width, run_id, point],
    )
    pairs = counts.select("outcome", "winner").unique()
    names = pairs.with_columns(
        label=pl.Series([outcome_label(kind, who) for kind, who in pairs.iter_rows()])
    )
    counts = (
        counts.join(names, on=["outcome", "winner"], nulls_equal=True)
        .group_by("bin", "label")
        .agg(pl.col("n").sum())
    )
    seen = pl.col("seen").cum_sum()
    running = (
        counts.pivot(on="label", on_columns=labels, index="bin", values="n")
        .join(counts.group_by("bin").agg(pl.col("n").sum().alias("seen")), on="bin")
        .sort("bin")
        .select(seen, *(pl.col(label).fill_null(0).cum_sum() / seen for label in labels))
    )
    seen_so_far = running["seen"].to_list()
    return {label: list(zip(seen_so_far, running[label], strict=True)) for label in labels}


def objection_intervals(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> dict[tuple[int, str], tuple[float, float]]:
    """``{(point, state): (ci_low, ci_high)}``: each objection's 95% Wilson interval of
    P(sustained), as ``objection_probabilities`` gives it (charts draw the tables' intervals)."""
    frame = query_frame(
        con,
        "select point, state, ci_low, ci_high from objection_probabilities where run_id = ?",
        [run_id],
    )
    return {(point, state): (lo, hi) for point, state, lo, hi in frame.iter_rows()}


def run_report_data(con: duckdb.DuckDBPyConnection, run_id: str, point: int = 0) -> dict[str, Any]:
    """Everything :mod:`reports.render` needs for one run (one point of a sweep)."""
    run = read_run(con, run_id)
    summary = read_summary(con, run_id, point)
    point_row = query_frame(
        con,
        "select params, scenario, scenario_hash, session, regime, denominator, candidates, "
        "objection_states, seed, draws from sweep_points where run_id = ? and point = ?",
        [run_id, point],
    )
    if point_row.is_empty():
        raise CountlabError(f"run {run_id!r} has no point {point}")
    params, scenario, scenario_hash, session, regime, denominator, candidates, states, seed, n = (
        point_row.row(0)
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
        "remand": remand_section(con, run_id, point),
        "pivotal": pivotal_section(con, run_id, point, list(states), summary["outcomes"]),
    }
