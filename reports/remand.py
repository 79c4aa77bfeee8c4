"""The run report's remand section (issue 13 item 6; remand.md M5-M13): for each state
remanded or with two returns, the probability that each slate is counted and each answer
given, with their 95% intervals (from the views ``slate_probabilities`` and
``remand_answers``), the deadline outcome, a chart, and sentences a journalist can quote.
"""

from __future__ import annotations

from typing import Any

import duckdb

from models.slates import SLATES
from reports import charts
from warehouse.queries import query_frame


def _share(p: float) -> str:
    return f"{p:.1%}"


def _in_words(state: str, slates: dict[str, tuple[float, float, float]]) -> str:
    """One state's counted slate in a sentence a journalist can quote."""
    for slate in SLATES:
        if slates[slate][0] == 1.0:
            counted = "no slate" if slate == "none" else f"the {slate} slate"
            return f"{state}: {counted} is counted in every draw."
    p, low, high = slates["alternate"]
    text = (
        f"{state}'s alternate slate is counted in {_share(p)} of the draws (95% interval "
        f"{_share(low)}-{_share(high)})"
    )
    if slates["none"][0] > 0:
        text += f", and none of its votes in {_share(slates['none'][0])}"
    return text + "."


def remand_section(
    con: duckdb.DuckDBPyConnection, run_id: str, point: int
) -> dict[str, Any] | None:
    """The section's rows, sentences and chart; None when the point has no remand or
    competing returns."""
    where = [run_id, point]
    slates = query_frame(
        con,
        "select state, slate, p, ci_low, ci_high from slate_probabilities"
        " where run_id = ? and point = ?",
        where,
    )
    if slates.is_empty():
        return None
    by_state: dict[str, dict[str, tuple[float, float, float]]] = {}
    for state, slate, p, low, high in slates.iter_rows():
        by_state.setdefault(state, {})[slate] = (p, low, high)
    answers = query_frame(
        con,
        "select state, answer, p, ci_low, ci_high from remand_answers"
        " where run_id = ? and point = ? and p > 0 order by state, p desc",
        where,
    )
    acting = query_frame(
        con,
        "select acting_president, count(*) as n from draws where run_id = ? and point = ?"
        " group by all order by n desc",
        where,
    )
    total = int(acting["n"].sum())
    no_president = sum(int(n) for who, n in acting.iter_rows() if who != "none") / total
    states = sorted(by_state)
    rows = [
        {
            "state": state,
            **{
                slate: f"{by_state[state][slate][0]:.4f} "
                f"({by_state[state][slate][1]:.4f}-{by_state[state][slate][2]:.4f})"
                for slate in SLATES
            },
        }
        for state in states
    ]
    sentences = [_in_words(state, by_state[state]) for state in states]
    sentences.append(
        "Every draw has a President-elect by noon on 20 January."
        if no_president == 0
        else f"At noon on 20 January there is no President-elect in {_share(no_president)} "
        "of the draws (the count unfinished, or the House deadlocked), and an acting "
        "President serves (20th Amendment; remand.md M13)."
    )
    chart = charts.probability_bars(
        "Probability each state's alternate slate is counted",
        states,
        [by_state[s]["alternate"][0] for s in states],
        [by_state[s]["alternate"][1] for s in states],
        [by_state[s]["alternate"][2] for s in states],
    )
    return {
        "rows": rows,
        "answers": [
            {"state": state, "answer": answer, "p": f"{p:.4f} ({low:.4f}-{high:.4f})"}
            for state, answer, p, low, high in answers.iter_rows()
        ],
        "sentences": sentences,
        "acting": [{"who": who, "draws": int(n)} for who, n in acting.iter_rows()],
        "chart": chart,
    }
