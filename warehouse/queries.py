"""Named read queries over the warehouse views (what the CLI summaries and reports read).

Each query's result is a polars frame (DuckDB's ``.pl()``): the summaries are joined,
ordered and grouped there, then turned into the JSON shapes ``countlab run --json`` and
``countlab sweep --json`` print.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import duckdb
import polars as pl

from models.errors import CountlabError
from models.slates import SLATES

VOTES = ("house_yes", "house_no", "senate_yes", "senate_no")
"""The mean votes of an objection, in the order of its ``mean_votes`` object."""


def query_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> pl.DataFrame:
    """The result of a read query as a polars frame."""
    frame: pl.DataFrame = con.sql(sql, params=list(params)).pl()
    return frame


def read_run(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """Return the ``runs`` row of ``run_id`` as a dict."""
    frame = query_frame(con, "select * from runs where run_id = ?", [run_id])
    if frame.is_empty():
        raise CountlabError(f"run {run_id!r}: no such run in the warehouse")
    return frame.row(0, named=True)


def _completed(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    run = read_run(con, run_id)
    if run["status"] != "completed":
        raise CountlabError(f"run {run_id!r} is {run['status']}, not completed")
    return run


def _entry(row: dict[str, Any], fields: Sequence[str], *optional: str) -> dict[str, Any]:
    """``fields`` of ``row``, then each of ``optional`` that is not null."""
    entry = {field: row[field] for field in fields}
    entry.update((field, row[field]) for field in optional if row[field] is not None)
    return entry


def _exact(exact: pl.DataFrame, quantity: str, key: str, name: str = "exact") -> pl.DataFrame:
    """The exact probabilities of one quantity: columns ``point``, ``key``, ``name``."""
    return exact.filter(pl.col("quantity") == quantity).select(
        "point", pl.col("key").alias(key), pl.col("p").alias(name)
    )


def _outcomes(con: duckdb.DuckDBPyConnection, run_id: str, exact: pl.DataFrame) -> pl.DataFrame:
    """Outcome probabilities with ``exact`` (and ``approx``, the member model's stated
    approximation): 0 for an outcome the oracle did not list, null at a point without."""
    frame = query_frame(
        con,
        "select point, label, p, se, ci_low, ci_high from outcome_probabilities "
        "where run_id = ? order by point, outcome, candidate",
        [run_id],
    )
    for quantity, name in (("outcome", "exact"), ("outcome_approx", "approx")):
        known = _exact(exact, quantity, "label", name)
        frame = frame.join(known, on=["point", "label"], how="left", maintain_order="left")
        frame = frame.with_columns(
            pl.when(pl.col("point").is_in(known["point"].implode()))
            .then(pl.col(name).fill_null(0.0))
            .alias(name)
        )
    return frame


def _winners(con: duckdb.DuckDBPyConnection, run_id: str, exact: pl.DataFrame) -> pl.DataFrame:
    return (
        query_frame(
            con,
            "select point, candidate, p, se from winner_probabilities where run_id = ? "
            "order by point, candidate",
            [run_id],
        )
        .join(
            _exact(exact, "winner", "candidate"),
            on=["point", "candidate"],
            how="left",
            maintain_order="left",
        )
        .join(
            _exact(exact, "winner_approx", "candidate", "approx"),
            on=["point", "candidate"],
            how="left",
            maintain_order="left",
        )
    )


def _objection_order(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """Each point's objection states (``point``, ``state``) in their order (``order``)."""
    return (
        query_frame(
            con,
            "select point, objection_states as state from sweep_points where run_id = ?",
            [run_id],
        )
        .explode("state")
        .with_row_index("order")
    )


def _objections(con: duckdb.DuckDBPyConnection, run_id: str, exact: pl.DataFrame) -> pl.DataFrame:
    """Objection probabilities in each point's order of objections, with ``mean_votes`` as
    a struct and, where the run stored them, ``exact`` and ``exact_p_raised``."""
    order = _objection_order(con, run_id)
    found = query_frame(
        con,
        "select point, state, p_raised, p_sustained, se, "
        + ", ".join(f"mean_{v}" for v in VOTES)
        + " from objection_probabilities where run_id = ?",
        [run_id],
    ).with_columns(pl.struct(*(pl.col(f"mean_{v}").alias(v) for v in VOTES)).alias("mean_votes"))
    exact_sustained = _exact(exact, "p_sustained", "state").join(
        _exact(exact, "p_raised", "state", "exact_p_raised"), on=["point", "state"], how="left"
    )
    return (
        order.join(found, on=["point", "state"], how="inner")
        .join(exact_sustained, on=["point", "state"], how="left")
        .sort("order")
    )


def _empty() -> dict[str, Any]:
    """A point's summary before any row of it is read."""
    return {
        "outcomes": {},
        "winners": {},
        "objections": {},
        "slates": {},
        "pivotal": {},
        "conditional": {},
    }


def _drivers(
    con: duckdb.DuckDBPyConnection, run_id: str, points: dict[int, dict[str, Any]]
) -> None:
    """Fill in each point's ``pivotal`` (``{state: p}``, from ``pivotal_objections``; null
    for a run stored before schema 6) and ``conditional`` (``{state: {label: p}}``, from
    ``conditional_probabilities``: every label of the point's ``outcomes``, in their order;
    null where the state is never sustained), states in the point's order of objections."""
    where = [run_id]
    order = _objection_order(con, run_id)
    pivotal = query_frame(
        con, "select point, state, p from pivotal_objections where run_id = ?", where
    )
    given = query_frame(
        con,
        "select point, given as state, key, p from conditional_probabilities "
        "where run_id = ? and quantity = 'outcome'",
        where,
    )
    conditional = {(point, state, key): p for point, state, key, p in given.iter_rows()}
    rows = order.join(pivotal, on=["point", "state"], how="left").sort("order")
    for point, state, p in rows.select("point", "state", "p").iter_rows():
        summary = points[point]
        summary["pivotal"][state] = p
        summary["conditional"][state] = {
            label: conditional.get((point, state, label)) for label in summary["outcomes"]
        }


def _slates(
    con: duckdb.DuckDBPyConnection, run_id: str, exact: pl.DataFrame
) -> dict[int, dict[str, Any]]:
    """``{point: {state: {slate: p, ..., "se": {slate: se, ...}}}}`` (remand.md M15), slates
    in :data:`models.slates.SLATES` order, with ``"exact": {slate: p, ...}`` where the run
    stored exact slate probabilities; no entry for a point without slate states."""
    exact_slates = {(point, key): p for point, key, p in _exact(exact, "slate", "key").iter_rows()}
    found: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in query_frame(
        con,
        "select point, state, slate, p, se from slate_probabilities where run_id = ? "
        "order by point, state",
        [run_id],
    ).iter_rows(named=True):
        entry = found[row["point"]].setdefault(row["state"], {"se": {}})
        entry[row["slate"]] = row["p"]
        entry["se"][row["slate"]] = row["se"]
    out: dict[int, dict[str, Any]] = {}
    for point, states in found.items():
        out[point] = {}
        for state, entry in states.items():
            shaped = {
                **{slate: entry[slate] for slate in SLATES},
                "se": {slate: entry["se"][slate] for slate in SLATES},
            }
            if (point, f"{state}:{SLATES[0]}") in exact_slates:
                shaped["exact"] = {s: exact_slates[(point, f"{state}:{s}")] for s in SLATES}
            out[point][state] = shaped
    return out


def point_summaries(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[int, dict[str, Any]]:
    """``{point: {"outcomes", "winners", "objections", "slates", "pivotal",
    "conditional"}}`` of a completed run, each shaped as in ``countlab run --json`` (one
    query per view for all points)."""
    exact = query_frame(
        con, "select point, quantity, key, p from exact_probabilities where run_id = ?", [run_id]
    ).unique(subset=["point", "quantity", "key"], keep="last", maintain_order=True)
    points: dict[int, dict[str, Any]] = defaultdict(_empty)
    for row in _outcomes(con, run_id, exact).iter_rows(named=True):
        entry = _entry(row, ("p", "se", "ci_low", "ci_high"), "exact", "approx")
        points[row["point"]]["outcomes"][row["label"]] = entry
    for row in _winners(con, run_id, exact).iter_rows(named=True):
        entry = _entry(row, ("p", "se"), "exact", "approx")
        points[row["point"]]["winners"][row["candidate"]] = entry
    for row in _objections(con, run_id, exact).iter_rows(named=True):
        entry = _entry(
            row, ("p_raised", "p_sustained", "se", "mean_votes"), "exact", "exact_p_raised"
        )
        points[row["point"]]["objections"][row["state"]] = entry
    for point, slates in _slates(con, run_id, exact).items():
        points[point]["slates"] = slates
    _drivers(con, run_id, points)
    return dict(points)


def read_summary(con: duckdb.DuckDBPyConnection, run_id: str, point: int = 0) -> dict[str, Any]:
    """Return the ``countlab run --json`` object of a completed run (one point of it).

    ``{"run_id", "draws", "seed", "outcomes": {label: {p, se, ci_low, ci_high}},
    "winners": {candidate: {p, se}}, "objections": {state: {p_raised, p_sustained, se}},
    "slates": {state: {original, alternate, none, "se": {...}}}, "pivotal": {state: p},
    "conditional": {state: {label: p}}}``, each object carrying ``"exact"`` where the run
    stored exact probabilities; ``slates`` is ``{}`` without a remand or competing returns.
    ``pivotal`` is the share of draws in which flipping the objection's sustained state
    changes the outcome label (null for a run stored before schema 6); ``conditional`` the
    probability of each label given the objection sustained (null where it never is).
    """
    run = _completed(con, run_id)
    summary = point_summaries(con, run_id).get(point, _empty())
    return {"run_id": run_id, "draws": run["draws"], "seed": run["seed"], **summary}


def read_flips(
    con: duckdb.DuckDBPyConnection, run_id: str, point: int = 0
) -> dict[str, dict[str, Any]]:
    """``{state: {"direction", "from_label", "to_label", "p"}}``: what flipping each
    objection most often does when it changes the outcome label (``pivotal_transitions``;
    ``direction`` 'sustain' or 'overrule', ``p`` a share of all draws). No entry for an
    objection whose flip never changes it, nor for a run stored before schema 6."""
    rows = changed_transitions(
        con,
        run_id,
        point,
        columns="state, direction, from_label, to_label, p",
        order="state, n desc, direction, from_label, to_label",
    )
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        found.setdefault(row.pop("state"), row)
    return found


def changed_transitions(
    con: duckdb.DuckDBPyConnection, run_id: str, point: int, *, columns: str, order: str
) -> list[dict[str, Any]]:
    """The ``pivotal_transitions`` of a point that change the outcome label (``columns``,
    ordered by ``order``). Read only when ``pivotal_objections`` counts some draw whose label
    a flip changes: the transitions join every objection row to its draw (940 MiB and 3.8 s
    for 10 M draws), the counts do not (0.6 s), and with none there is no row to read."""
    where = [run_id, point]
    (pivotal,) = con.execute(
        "select count(*) from pivotal_objections where run_id = ? and point = ? and n > 0", where
    ).fetchall()[0]
    if not pivotal:
        return []
    sql = f"select {columns} from pivotal_transitions where run_id = ? and point = ? and changed"
    return query_frame(con, f"{sql} order by {order}", where).to_dicts()


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
    "outcomes": {...}, "winners": {...}, "objections": {...}, "slates": {...}, "pivotal": {...},
    "conditional": {...}}]}``, shaped per point as in ``countlab run --json``.
    """
    run = _completed(con, run_id)
    summaries = point_summaries(con, run_id)
    points = [
        {
            "point": row["point"],
            "seed": row["seed"],
            "params": {k: _typed(v, k in row["param_values"]) for k, v in row["params"].items()},
            **summaries.get(row["point"], _empty()),
        }
        for row in query_frame(
            con,
            "select point, params, param_values, seed from sweep_points where run_id = ? "
            "order by point",
            [run_id],
        ).iter_rows(named=True)
    ]
    return {"run_id": run_id, "draws": run["draws"], "seed": run["seed"], "points": points}
