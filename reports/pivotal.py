"""The run report's section on what drives the outcome (issue 15): how often flipping each
objection's sustained state changes the outcome (``pivotal_objections``), from which
outcome to which (``pivotal_transitions``), in sentences a journalist can quote, and the
outcome's probabilities given each objection sustained beside the overall ones
(``conditional_probabilities``)."""

from __future__ import annotations

from typing import Any

import duckdb

from models.outcomes import in_words
from reports import charts
from warehouse.queries import changed_transitions, query_frame


def share(p: float) -> str:
    """A share of draws as a reader says it: ``24.9%``, ``0.37%``, ``0.0012%``, ``0%``."""
    if p == 0 or p >= 0.01:
        return f"{p:.1%}"
    return f"{100 * p:.2g}%"


def _sentence(row: dict[str, Any]) -> str:
    """One transition in words: what sustaining (or overruling) an objection does."""
    state, verb = row["state"], "sustained" if row["direction"] == "sustain" else "overruled"
    before, after = in_words(row["from_label"]), in_words(row["to_label"])
    where = "not sustained" if row["direction"] == "sustain" else "sustained"
    return (
        f"If {state}'s objection is {verb}, “{before}” becomes “{after}” in "
        f"{share(row['p'])} of the draws ({share(row['p_from'])} of those where it was "
        f"{where} and {before})."
    )


def _pivotal(
    con: duckdb.DuckDBPyConnection, run_id: str, point: int, states: list[str]
) -> dict[str, Any] | None:
    """The P(pivotal) rows and chart, the transitions and their sentences; None for a run
    stored before schema 6 (no flipped outcomes)."""
    where = [run_id, point]
    found = {
        row["state"]: row
        for row in query_frame(
            con,
            "select state, n, p, ci_low, ci_high, p_if_sustained, p_if_overruled"
            " from pivotal_objections where run_id = ? and point = ?",
            where,
        ).iter_rows(named=True)
    }
    if not found or any(row["n"] is None for row in found.values()):
        return None
    transitions = changed_transitions(
        con,
        run_id,
        point,
        columns="state, direction, from_label, to_label, n, p, p_from",
        order="p desc, direction, from_label",
    )
    by_state = {state: [t for t in transitions if t["state"] == state] for state in states}
    sentences = []
    for state in states:
        for direction in ("sustain", "overrule"):
            top = next((t for t in by_state[state] if t["direction"] == direction), None)
            if top is not None:
                sentences.append(_sentence(top))
    rows = [found[state] for state in states]
    return {
        "rows": [
            {
                "state": r["state"],
                "p": f"{r['p']:.4f} ({r['ci_low']:.4f}-{r['ci_high']:.4f})",
                "if_sustained": share(r["p_if_sustained"]),
                "if_overruled": share(r["p_if_overruled"]),
            }
            for r in rows
        ],
        "sentences": sentences,
        "transitions": [
            {
                "state": t["state"],
                "flip": "sustained" if t["direction"] == "sustain" else "overruled",
                "before": in_words(t["from_label"]),
                "after": in_words(t["to_label"]),
                "p": share(t["p"]),
                "p_from": share(t["p_from"]),
            }
            for state in states
            for t in by_state[state]
        ],
        "chart": charts.probability_bars(
            "Probability that flipping each objection changes the outcome",
            states,
            [r["p"] for r in rows],
            [r["ci_low"] for r in rows],
            [r["ci_high"] for r in rows],
        ),
    }


def _conditional(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    point: int,
    states: list[str],
    outcomes: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """P(outcome | each objection sustained) beside P(outcome): one row per outcome label,
    one column per objection; '—' where the objection is never sustained."""
    frame = query_frame(
        con,
        "select given, given_draws, key, p from conditional_probabilities"
        " where run_id = ? and point = ? and quantity = 'outcome'",
        [run_id, point],
    )
    given = {state: n for state, n, _, _ in frame.iter_rows()}
    p = {(state, key): value for state, _, key, value in frame.iter_rows()}
    return {
        "states": states,
        "given_draws": [f"{given.get(state, 0):,}" for state in states],
        "rows": [
            {
                "label": label,
                "p": f"{o['p']:.4f}",
                "given": [
                    "—" if p.get((state, label)) is None else f"{p[(state, label)]:.4f}"
                    for state in states
                ],
            }
            for label, o in outcomes.items()
        ],
        "never": [state for state in states if not given.get(state)],
    }


def pivotal_section(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    point: int,
    states: list[str],
    outcomes: dict[str, dict[str, Any]],
) -> dict[str, Any] | None:
    """The section's data: ``pivotal`` (None for a run stored before schema 6) and
    ``conditional``; None when the point has no objection. ``states``: the point's
    objections in order; ``outcomes``: its outcome probabilities (``countlab run --json``)."""
    if not states:
        return None
    return {
        "pivotal": _pivotal(con, run_id, point, states),
        "conditional": _conditional(con, run_id, point, states, outcomes),
    }
