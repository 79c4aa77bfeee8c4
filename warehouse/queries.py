"""Named read queries over the warehouse views (what the CLI summary and reports read)."""

from __future__ import annotations

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


def read_summary(con: duckdb.DuckDBPyConnection, run_id: str, point: int = 0) -> dict[str, Any]:
    """Return the ``countlab run --json`` object of a completed run (one point of it).

    ``{"run_id", "draws", "seed", "outcomes": {label: {p, se, ci_low, ci_high}},
    "winners": {candidate: {p, se}}, "objections": {state: {p_raised, p_sustained, se}}}``,
    each object carrying ``"exact"`` where the run stored exact probabilities.
    """
    run = read_run(con, run_id)
    if run["status"] != "completed":
        raise CountlabError(f"run {run_id!r} is {run['status']}, not completed")
    exact: dict[tuple[str, str], float] = {
        (q, k): p
        for q, k, p in con.execute(
            "select quantity, key, p from exact_probabilities where run_id = ? and point = ?",
            [run_id, point],
        ).fetchall()
    }
    outcomes_exact = any(quantity == "outcome" for quantity, _ in exact)
    outcomes = {}
    for label, p, se, lo, hi in con.execute(
        "select label, p, se, ci_low, ci_high from outcome_probabilities "
        "where run_id = ? and point = ? order by outcome, candidate",
        [run_id, point],
    ).fetchall():
        outcomes[label] = {"p": p, "se": se, "ci_low": lo, "ci_high": hi}
        if outcomes_exact:
            outcomes[label]["exact"] = exact.get(("outcome", label), 0.0)
    winners = {}
    for candidate, p, se in con.execute(
        "select candidate, p, se from winner_probabilities where run_id = ? and point = ? "
        "order by candidate",
        [run_id, point],
    ).fetchall():
        winners[candidate] = {"p": p, "se": se}
        if ("winner", candidate) in exact:
            winners[candidate]["exact"] = exact[("winner", candidate)]
    objections = {}
    for state, p_raised, p_sustained, se, *votes in con.execute(
        "select state, p_raised, p_sustained, se, mean_house_yes, mean_house_no, "
        "mean_senate_yes, mean_senate_no from objection_probabilities "
        "where run_id = ? and point = ?",
        [run_id, point],
    ).fetchall():
        objections[state] = {
            "p_raised": p_raised,
            "p_sustained": p_sustained,
            "se": se,
            "mean_votes": dict(
                zip(("house_yes", "house_no", "senate_yes", "senate_no"), votes, strict=True)
            ),
        }
        if ("p_sustained", state) in exact:
            objections[state]["exact"] = exact[("p_sustained", state)]
            objections[state]["exact_p_raised"] = exact[("p_raised", state)]
    states = con.execute(
        "select objection_states from sweep_points where run_id = ? and point = ?",
        [run_id, point],
    ).fetchone()
    ordered = {s: objections[s] for s in (states[0] if states else []) if s in objections}
    return {
        "run_id": run_id,
        "draws": run["draws"],
        "seed": run["seed"],
        "outcomes": outcomes,
        "winners": winners,
        "objections": ordered,
    }
