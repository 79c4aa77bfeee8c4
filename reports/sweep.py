"""A sweep's report: probabilities against the swept parameters, thresholds, a table of
points; from the warehouse views only (``sweep_probabilities``, ``sweep_threshold``)."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from reports import charts
from reports.data import objection_intervals
from warehouse.queries import query_frame, read_run, read_sweep


def sweep_report_data(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Points, the swept keys (numeric ones first), the labels that vary, thresholds."""
    run = read_run(con, run_id)
    sweep = read_sweep(con, run_id)
    points = sweep["points"]
    intervals = objection_intervals(con, run_id)
    for p in points:  # the tables' Wilson intervals, for the charts' bands
        for state, entry in p["objections"].items():
            entry["ci_low"], entry["ci_high"] = intervals[(p["point"], state)]
    keys = list(dict.fromkeys(k for p in points for k in p["params"]))
    numeric = [
        k
        for k in keys
        if all(
            isinstance(p["params"].get(k), int | float) and not isinstance(p["params"].get(k), bool)
            for p in points
        )
    ]
    labels = [
        label
        for label in dict.fromkeys(lb for p in points for lb in p["outcomes"])
        if any(p["outcomes"][label]["p"] > 0 for p in points)
    ]
    states = list(dict.fromkeys(s for p in points for s in p["objections"]))
    thresholds = []
    if numeric:
        key = numeric[0]
        for quantity, which in [("outcome", lb) for lb in labels] + [
            ("sustained", s) for s in states
        ]:
            crossings = query_frame(
                con,
                "select fixed, below, above, crossing from sweep_threshold(?, ?, ?, ?, 0.5)",
                [run_id, key, quantity, which],
            )
            thresholds += [
                {
                    "what": which if quantity == "outcome" else f"{which} sustained",
                    "key": key,
                    "fixed": ", ".join(f"{k} = {v}" for k, v in row["fixed"].items()) or "all",
                    "below": row["below"],
                    "above": row["above"],
                    "crossing": row["crossing"],
                }
                for row in crossings.iter_rows(named=True)
            ]
    return {
        "run": run,
        "sweep": json.loads(run["sweep"]) if run["sweep"] else {},
        "points": points,
        "keys": keys,
        "numeric": numeric,
        "labels": labels,
        "states": states,
        "thresholds": thresholds,
    }


def _group_name(point: dict[str, Any], key: str, keys: list[str]) -> str:
    others = [f"{k} = {point['params'][k]}" for k in keys if k != key]
    return ", ".join(others)


def sweep_charts(data: dict[str, Any]) -> list[tuple[str, str]]:
    """``[(caption, svg)]``: for the first numeric key, each varying outcome (and each
    objection sustained) against it, one line per combination of the other keys; with two
    numeric keys, a heat map of the outcome that varies most."""
    out: list[tuple[str, str]] = []
    points, keys, numeric = data["points"], data["keys"], data["numeric"]
    if not numeric:
        return out
    key = numeric[0]
    quantities = [("outcomes", lb, "p", lb) for lb in data["labels"]] + [
        ("objections", s, "p_sustained", f"{s} sustained") for s in data["states"]
    ]
    for section, name, field, title in quantities:
        values = [p[section][name][field] for p in points if name in p[section]]
        if not values or max(values) - min(values) < 1e-12:
            continue
        series: dict[str, list[tuple[float, float, float, float]]] = {}
        for p in points:
            if name in p[section]:
                entry = p[section][name]
                series.setdefault(_group_name(p, key, keys) or title, []).append(
                    (float(p["params"][key]), entry[field], entry["ci_low"], entry["ci_high"])
                )
        out.append(
            (
                f"P({title}) against {key}, with 95% bands; dotted: 50%.",
                charts.sweep_lines(f"P({title})", key, series),
            )
        )
    if len(numeric) >= 2 and data["labels"]:
        spread = {
            lb: max(p["outcomes"][lb]["p"] for p in points)
            - min(p["outcomes"][lb]["p"] for p in points)
            for lb in data["labels"]
        }
        label = max(spread, key=spread.__getitem__)
        x_key, y_key = numeric[0], numeric[1]
        cells = [
            (float(p["params"][x_key]), float(p["params"][y_key]), p["outcomes"][label]["p"])
            for p in points
        ]
        out.append(
            (
                (
                    f"P({label}) over {x_key} and {y_key} (other keys pooled when several points "
                    "share a cell: the last one is shown)."
                ),
                charts.heat_map(f"P({label})", x_key, y_key, cells),
            )
        )
    return out
