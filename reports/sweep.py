"""A sweep's report: probabilities against the swept parameters, thresholds, a table of
points; from the warehouse views only (``sweep_probabilities``, ``sweep_threshold``,
``slate_probabilities``). With a remand or competing returns (issue 13 item 6), each slate
state's P(alternate counted) and P(no slate counted) are charted and thresholded like the
outcomes.

A sampled design (``lhs``, ``sobol``, ``saltelli``, ``morris``) with more than one key has no
lines along a key (every point has its own values of the others): its probabilities are
scattered against each key instead, and it has no 50% crossings. The indices of ``countlab
analyze sensitivity``, when stored, make the "What matters most" section
(:mod:`reports.sensitivity`)."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from models.slates import SLATES
from reports import charts, design_charts
from reports.data import objection_intervals
from reports.discovery import discovery_data
from reports.sensitivity import sensitivity_sections
from warehouse.queries import query_frame, read_run, read_sweep


def sweep_report_data(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Points, the swept keys (numeric ones first), the labels that vary, thresholds, and
    the stored sensitivity indices."""
    run = read_run(con, run_id)
    spec = json.loads(run["sweep"]) if run["sweep"] else {}
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
    slate_series = _slate_series(con, run_id, points)
    sampled = spec.get("design", "grid") != "grid" and len(keys) > 1
    thresholds = []
    if numeric and not sampled:
        key = numeric[0]
        for quantity, which in (
            [("outcome", lb) for lb in labels]
            + [("sustained", s) for s in states]
            + [("slate", name) for name in slate_series]
        ):
            crossings = query_frame(
                con,
                "select fixed, below, above, crossing from sweep_threshold(?, ?, ?, ?, 0.5)",
                [run_id, key, quantity, which],
            )
            thresholds += [
                {
                    "what": _threshold_name(quantity, which),
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
        "sweep": spec,
        "sampled": sampled,
        "points": points,
        "keys": keys,
        "numeric": numeric,
        "labels": labels,
        "states": states,
        "slates": slate_series,
        "thresholds": thresholds,
        "sensitivity": sensitivity_sections(con, run_id),
        "discovery": discovery_data(con, run_id, numeric),
    }


def _slate_series(
    con: duckdb.DuckDBPyConnection, run_id: str, points: list[dict[str, Any]]
) -> dict[str, dict[int, tuple[float, float, float]]]:
    """``{"ST:slate": {point: (p, ci_low, ci_high)}}`` for the alternate and no-slate cases
    (the original is their complement), from ``slate_probabilities``; only the series that
    are not 0 at every point."""
    frame = query_frame(
        con,
        "select point, state, slate, p, ci_low, ci_high from slate_probabilities "
        "where run_id = ? and slate <> ? order by state, slate, point",
        [run_id, SLATES[0]],
    )
    series: dict[str, dict[int, tuple[float, float, float]]] = {}
    for point, state, slate, p, low, high in frame.iter_rows():
        series.setdefault(f"{state}:{slate}", {})[point] = (p, low, high)
    known = {p["point"] for p in points}
    return {
        name: {k: v for k, v in by_point.items() if k in known}
        for name, by_point in series.items()
        if any(v[0] > 0 for v in by_point.values())
    }


def _threshold_name(quantity: str, which: str) -> str:
    """What a threshold row is about, in words: an outcome label, 'AZ sustained', 'AZ
    counts the alternate slate'."""
    if quantity == "outcome":
        return which
    if quantity == "sustained":
        return f"{which} sustained"
    return slate_title(which)


def slate_title(name: str) -> str:
    """``'AZ:alternate'`` in words: 'AZ counts the alternate slate'."""
    state, slate = name.split(":")
    return f"{state} counts no slate" if slate == "none" else f"{state} counts the {slate} slate"


def _group_name(point: dict[str, Any], key: str, keys: list[str]) -> str:
    others = [f"{k} = {point['params'][k]}" for k in keys if k != key]
    return ", ".join(others)


def _slate_charts(
    points: list[dict[str, Any]],
    key: str,
    slates: dict[str, dict[int, tuple[float, float, float]]],
) -> list[tuple[str, str]]:
    """With one swept key: one chart per slate (alternate, none), a line per state."""
    out = []
    for slate in SLATES[1:]:
        series: dict[str, list[tuple[float, float, float, float]]] = {}
        for name, by_point in slates.items():
            state, kind = name.split(":")
            values = [v[0] for v in by_point.values()]
            if kind != slate or max(values) - min(values) < 1e-12:
                continue
            series[state] = [
                (float(p["params"][key]), *by_point[p["point"]])
                for p in points
                if p["point"] in by_point
            ]
        if series:
            what = "no slate is counted" if slate == "none" else f"the {slate} slate is counted"
            out.append(
                (
                    f"P({what}) in each state against {key}, with 95% bands; dotted: 50%.",
                    charts.sweep_lines(f"P({what})", key, series),
                )
            )
    return out


def _bands(data: dict[str, Any]) -> list[tuple[str, dict[int, tuple[float, float, float]]]]:
    """Each charted probability: ``(title, {point: (p, ci_low, ci_high)})``, the outcomes,
    the objections sustained and (with more than one key) the slates."""
    quantities = [("outcomes", lb, "p", lb) for lb in data["labels"]] + [
        ("objections", s, "p_sustained", f"{s} sustained") for s in data["states"]
    ]
    bands: list[tuple[str, dict[int, tuple[float, float, float]]]] = [
        (
            title,
            {
                p["point"]: (
                    p[section][name][field],
                    p[section][name]["ci_low"],
                    p[section][name]["ci_high"],
                )
                for p in data["points"]
                if name in p[section]
            },
        )
        for section, name, field, title in quantities
    ]
    if len(data["keys"]) > 1:  # one chart per slate, a line per combination of the other keys
        bands += [(slate_title(name), by_point) for name, by_point in data["slates"].items()]
    return bands


def _spread(by_point: dict[int, tuple[float, float, float]]) -> float:
    values = [v[0] for v in by_point.values()]
    return max(values) - min(values) if values else 0.0


def _varies(by_point: dict[int, tuple[float, float, float]]) -> bool:
    return _spread(by_point) >= 1e-12


def _sampled_charts(data: dict[str, Any]) -> list[tuple[str, str]]:
    """A sampled design's charts: each varying probability against each numeric key, every
    point a dot; with two numeric keys, the outcome that varies most over both."""
    points, numeric = data["points"], data["numeric"]
    out = []
    for title, by_point in _bands(data):
        if not _varies(by_point):
            continue
        shown = [p for p in points if p["point"] in by_point]
        out.append(
            (
                (
                    f"P({title}) at each of the {len(shown)} points against each numeric swept "
                    "key (the other keys vary from dot to dot: the spread at one value is theirs "
                    "and the Monte Carlo noise's); dotted: 50%."
                ),
                design_charts.scatter_panels(
                    f"P({title})",
                    numeric,
                    [[float(p["params"][k]) for p in shown] for k in numeric],
                    [by_point[p["point"]][0] for p in shown],
                ),
            )
        )
    varying = [(title, by_point) for title, by_point in _bands(data) if _varies(by_point)]
    if len(numeric) >= 2 and varying:
        title, by_point = max(varying, key=lambda tb: _spread(tb[1]))
        x_key, y_key = numeric[0], numeric[1]
        cells = [
            (float(p["params"][x_key]), float(p["params"][y_key]), by_point[p["point"]][0])
            for p in points
            if p["point"] in by_point
        ]
        out.append(
            (
                (
                    f"P({title}), the probability that varies most, at each point over {x_key} "
                    f"and {y_key} (the other keys vary from dot to dot)."
                ),
                design_charts.scatter_map(f"P({title})", x_key, y_key, cells),
            )
        )
    return out


def _most_varied(points: list[dict[str, Any]], labels: list[str]) -> str:
    spread = {
        lb: max(p["outcomes"][lb]["p"] for p in points)
        - min(p["outcomes"][lb]["p"] for p in points)
        for lb in labels
    }
    return max(spread, key=spread.__getitem__)


def sweep_charts(data: dict[str, Any]) -> list[tuple[str, str]]:
    """``[(caption, svg)]``: for the first numeric key, each varying outcome (and each
    objection sustained) against it, one line per combination of the other keys; with two
    numeric keys, a heat map of the outcome that varies most. A sampled design with more
    than one key: :func:`_sampled_charts`."""
    out: list[tuple[str, str]] = []
    points, keys, numeric = data["points"], data["keys"], data["numeric"]
    if not numeric:
        return out
    if data["sampled"]:
        return _sampled_charts(data)
    key = numeric[0]
    bands = _bands(data)
    if len(keys) == 1:
        out += _slate_charts(points, key, data["slates"])
    for title, by_point in bands:
        if not _varies(by_point):
            continue
        series: dict[str, list[tuple[float, float, float, float]]] = {}
        for p in points:
            if p["point"] in by_point:
                series.setdefault(_group_name(p, key, keys) or title, []).append(
                    (float(p["params"][key]), *by_point[p["point"]])
                )
        out.append(
            (
                f"P({title}) against {key}, with 95% bands; dotted: 50%.",
                charts.sweep_lines(f"P({title})", key, series),
            )
        )
    if len(numeric) >= 2 and data["labels"]:
        label = _most_varied(points, data["labels"])
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
