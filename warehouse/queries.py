"""Named read queries over the warehouse views (what the CLI summaries and reports read)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import duckdb

from models.errors import CountlabError


def read_run(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Return the ``runs`` row of ``run_id`` as a dict."""
    cursor = con.execute("select * from runs where run_id = ?", [run_id])
    row = cursor.fetchone()
    if row is None:
        raise CountlabError(f"run {run_id!r}: no such run in the warehouse")
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def _completed(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    run = read_run(con, run_id)
    if run["status"] != "completed":
        raise CountlabError(f"run {run_id!r} is {run['status']}, not completed")
    return run


def point_summaries(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[int, dict[str, Any]]:
    """``{point: {"outcomes", "winners", "objections"}}`` of a completed run, each shaped as
    in ``countlab run --json`` (one query per view for all points)."""
    exact: dict[tuple[int, str, str], float] = {
        (point, q, k): p
        for point, q, k, p in con.execute(
            "select point, quantity, key, p from exact_probabilities where run_id = ?", [run_id]
        ).fetchall()
    }
    exact_outcomes = {point for point, quantity, _ in exact if quantity == "outcome"}
    points: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"outcomes": {}, "winners": {}, "objections": {}}
    )
    for point, label, p, se, lo, hi in con.execute(
        "select point, label, p, se, ci_low, ci_high from outcome_probabilities "
        "where run_id = ? order by point, outcome, candidate",
        [run_id],
    ).fetchall():
        entry = {"p": p, "se": se, "ci_low": lo, "ci_high": hi}
        if point in exact_outcomes:
            entry["exact"] = exact.get((point, "outcome", label), 0.0)
        points[point]["outcomes"][label] = entry
    for point, candidate, p, se in con.execute(
        "select point, candidate, p, se from winner_probabilities where run_id = ? "
        "order by point, candidate",
        [run_id],
    ).fetchall():
        entry = {"p": p, "se": se}
        if (point, "winner", candidate) in exact:
            entry["exact"] = exact[(point, "winner", candidate)]
        points[point]["winners"][candidate] = entry
    order = dict(
        con.execute(
            "select point, objection_states from sweep_points where run_id = ?", [run_id]
        ).fetchall()
    )
    objections: dict[int, dict[str, Any]] = defaultdict(dict)
    for point, state, p_raised, p_sustained, se, *votes in con.execute(
        "select point, state, p_raised, p_sustained, se, mean_house_yes, mean_house_no, "
        "mean_senate_yes, mean_senate_no from objection_probabilities where run_id = ?",
        [run_id],
    ).fetchall():
        entry = {
            "p_raised": p_raised,
            "p_sustained": p_sustained,
            "se": se,
            "mean_votes": dict(
                zip(("house_yes", "house_no", "senate_yes", "senate_no"), votes, strict=True)
            ),
        }
        if (point, "p_sustained", state) in exact:
            entry["exact"] = exact[(point, "p_sustained", state)]
            entry["exact_p_raised"] = exact[(point, "p_raised", state)]
        objections[point][state] = entry
    for point, states in order.items():
        found = objections.get(point, {})
        points[point]["objections"] = {s: found[s] for s in states if s in found}
    return dict(points)


def read_summary(con: duckdb.DuckDBPyConnection, run_id: str, point: int = 0) -> dict[str, Any]:
    """Return the ``countlab run --json`` object of a completed run (one point of it).

    ``{"run_id", "draws", "seed", "outcomes": {label: {p, se, ci_low, ci_high}},
    "winners": {candidate: {p, se}}, "objections": {state: {p_raised, p_sustained, se}}}``,
    each object carrying ``"exact"`` where the run stored exact probabilities.
    """
    run = _completed(con, run_id)
    summary = point_summaries(con, run_id).get(
        point, {"outcomes": {}, "winners": {}, "objections": {}}
    )
    return {"run_id": run_id, "draws": run["draws"], "seed": run["seed"], **summary}


def _typed(text: str, is_number: bool) -> Any:
    """A parameter value back in its type (``sweep_points.params`` holds text)."""
    if is_number or text in ("true", "false"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def read_sweep(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Return the ``countlab sweep --json`` object of a completed sweep (or run).

    ``{"run_id", "draws", "seed", "points": [{"point", "seed", "params": {KEY: value},
    "outcomes": {...}, "winners": {...}, "objections": {...}}]}``, shaped per point as in
    ``countlab run --json``.
    """
    run = _completed(con, run_id)
    summaries = point_summaries(con, run_id)
    points = []
    for point, params, numbers, seed in con.execute(
        "select point, params, param_values, seed from sweep_points where run_id = ? "
        "order by point",
        [run_id],
    ).fetchall():
        points.append(
            {
                "point": point,
                "seed": seed,
                "params": {k: _typed(v, k in numbers) for k, v in params.items()},
                **summaries.get(point, {"outcomes": {}, "winners": {}, "objections": {}}),
            }
        )
    return {"run_id": run_id, "draws": run["draws"], "seed": run["seed"], "points": points}
