"""A backtest's report (issue 14): how well a vote model fit on some roll calls predicted
others, from the warehouse only (``backtests``, ``backtest_chambers``, ``backtest_members``,
``backtest_predictive`` and the ``backtest_calibration`` view), read as polars frames
(DuckDB's ``.pl()``).

The page has a headline (what was fit, what predicted, which model), a few sentences a
journalist can quote, a table per chamber (the record, the predictive mean and 90% interval,
the PIT, and the members' Brier and log scores beside the baseline's) with a chart of the
predictive distribution of its yeas (the record marked), and a calibration plot with its
table (members' predicted probability of yea against the share that voted yea, by bin, for
the model and the baseline).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from models.errors import CountlabError
from models.roster import CHAMBERS
from reports import charts
from reports.pages import FORMATS, check_formats, write_pages
from warehouse.queries import query_frame
from warehouse.store import connect_read_only

CHAMBER_NAMES = {"house": "House", "senate": "Senate"}
SERIES = ("model", "baseline")
"""The ``model`` column of ``backtest_calibration``."""


def backtest_report_data(con: duckdb.DuckDBPyConnection, backtest_id: str) -> dict[str, Any]:
    """The backtest's row, its chambers (in :data:`models.roster.CHAMBERS` order), each
    chamber's predicted roll calls, predictive histogram and calibration bins."""
    header = query_frame(
        con,
        "select backtest_id, created_at, fit, predict, model, draws, seed, countlab_version"
        " from backtests where backtest_id = ?",
        [backtest_id],
    )
    if header.is_empty():
        raise CountlabError(f"backtest {backtest_id!r}: no such backtest in the warehouse")
    chambers = query_frame(
        con,
        "select * exclude (backtest_id) from backtest_chambers where backtest_id = ?"
        " order by list_position(?, chamber)",
        [backtest_id, list(CHAMBERS)],
    )
    roll_calls = (
        query_frame(
            con,
            "select chamber, objection_state, count(*) as members from backtest_members"
            " where backtest_id = ? group by all order by objection_state",
            [backtest_id],
        )
        .group_by("chamber", maintain_order=True)
        .agg("objection_state")
    )
    predictive = (
        query_frame(
            con,
            "select chamber, yeas, draws from backtest_predictive where backtest_id = ?"
            " order by chamber, yeas",
            [backtest_id],
        )
        .group_by("chamber", maintain_order=True)
        .agg("yeas", "draws")
    )
    calibration = query_frame(
        con,
        "select chamber, model, bin, p_low, p_high, mean_p_yea, observed_yea_share, n"
        " from backtest_calibration where backtest_id = ?"
        " order by list_position(?, chamber), list_position(?, model), bin",
        [backtest_id, list(CHAMBERS), list(SERIES)],
    )
    return {
        "backtest": header.row(0, named=True),
        "chambers": chambers.to_dicts(),
        "roll_calls": {c: list(states) for c, states in roll_calls.iter_rows()},
        "predictive": {c: list(zip(yeas, n, strict=True)) for c, yeas, n in predictive.iter_rows()},
        "calibration": calibration,
    }


def listed(items: list[str]) -> str:
    """``['PA']`` -> 'PA'; ``['AZ', 'PA', 'GA']`` -> 'AZ, PA and GA'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def split_votes(votes: str) -> tuple[str, list[str]]:
    """``'2021-01-06:PA,GA'`` -> ``('2021-01-06', ['PA', 'GA'])``; no colon: no states."""
    session, _, states = votes.partition(":")
    return session, [s.strip() for s in states.split(",") if s.strip()]


def votes_in_words(votes: str) -> str:
    """``'2021-01-06:AZ,PA'`` -> 'the 2021-01-06 votes on AZ and PA'."""
    session, states = split_votes(votes)
    return f"the {session} votes" + (f" on {listed(states)}" if states else "")


def chamber_states(predict: str, found: list[str]) -> list[str]:
    """The states whose roll calls a chamber was scored on (its members' rows), in the order
    ``predict`` lists them; the predicted states when no member row says."""
    _, listed_states = split_votes(predict)
    if not found:
        return listed_states
    return [s for s in listed_states if s in found] + sorted(set(found) - set(listed_states))


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def chamber_sentences(backtest: dict[str, Any], row: dict[str, Any], states: list[str]) -> str:
    """What a chamber's row says, in words a journalist can quote."""
    name = CHAMBER_NAMES.get(row["chamber"], row["chamber"])
    fit_session, _ = split_votes(backtest["fit"])
    predict_session, _ = split_votes(backtest["predict"])
    on = listed(states) if states else "the predicted roll calls"
    if predict_session != fit_session:
        on = f"the {predict_session} votes on {on}"
    in_all = " in all" if len(states) > 1 else ""
    observed, lo, hi = row["observed_yea"], row["interval_lo"], row["interval_hi"]
    text = (
        f"Fit on {votes_in_words(backtest['fit'])}, the {backtest['model']} model put the "
        f"{name}'s yeas on {on} at {round(row['predicted_mean'])}{in_all} (90% interval "
        f"{lo}-{hi}); the {name} cast {observed}."
    )
    if lo <= observed <= hi:
        text += " The record is inside the interval."
    else:
        side, fewer = ("above", "fewer") if observed > hi else ("below", "more")
        text += f" The record is {side} the interval: the model expected {fewer} yeas."
    brier, baseline = row["brier"], row["baseline_brier"]
    if brier is not None and baseline is not None:
        verdict = (
            "better than"
            if brier < baseline
            else "worse than"
            if brier > baseline
            else "as well as"
        )
        text += (
            f" Member by member, its Brier score is {brier:.4f} against the baseline's "
            f"{baseline:.4f} (lower is better): it predicted the {name} members' votes "
            f"{verdict} the baseline."
        )
    return text


def calibration_tables(calibration: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Per chamber, one row per bin with the model's and the baseline's mean predicted
    probability, observed share of yeas and members (``None`` where a series has none)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for (chamber,), bins in calibration.group_by("chamber", maintain_order=True):
        wide = bins.pivot(
            on="model",
            on_columns=list(SERIES),
            index=["bin", "p_low", "p_high"],
            values=["mean_p_yea", "observed_yea_share", "n"],
        ).sort("bin")
        tables[str(chamber)] = wide.to_dicts()
    return tables


def _calibration_panels(
    calibration: pl.DataFrame, model: str
) -> dict[str, dict[str, list[tuple[float, float, int]]]]:
    """``{chamber name: {series name: [(mean p_yea, observed share, n)]}}`` for the plot."""
    panels: dict[str, dict[str, list[tuple[float, float, int]]]] = {}
    for row in calibration.iter_rows(named=True):
        panel = panels.setdefault(CHAMBER_NAMES.get(row["chamber"], row["chamber"]), {})
        label = f"{model} model" if row["model"] == "model" else "baseline"
        panel.setdefault(label, []).append((row["mean_p_yea"], row["observed_yea_share"], row["n"]))
    return panels


def backtest_charts(data: dict[str, Any]) -> dict[str, str]:
    """``{name: SVG}``: each chamber's predictive distribution, then the calibration plot."""
    out = {}
    model = data["backtest"]["model"]
    for row in data["chambers"]:
        chamber = row["chamber"]
        name = CHAMBER_NAMES.get(chamber, chamber)
        out[f"predictive-{chamber}"] = charts.predictive_bars(
            f"{name}: predicted yeas ({model} model) and the record",
            "yeas, summed over the predicted roll calls",
            data["predictive"].get(chamber, []),
            row["observed_yea"],
            (row["interval_lo"], row["interval_hi"]),
            observed_label=f"the {name} cast",
        )
    if not data["calibration"].is_empty():
        out["calibration"] = charts.calibration_plot(
            "Calibration: members' predicted probability of yea against their votes",
            _calibration_panels(data["calibration"], model),
        )
    return out


def backtest_context(data: dict[str, Any], *, db: str) -> dict[str, Any]:
    """What the templates show."""
    backtest = data["backtest"]
    tables = calibration_tables(data["calibration"])
    chambers = []
    for row in data["chambers"]:
        chamber = row["chamber"]
        states = chamber_states(backtest["predict"], data["roll_calls"].get(chamber, []))
        chambers.append(
            {
                "chamber": chamber,
                "name": CHAMBER_NAMES.get(chamber, chamber),
                "roll_calls": listed(states) if states else "",
                "sentences": chamber_sentences(backtest, row, states),
                "observed_yea": row["observed_yea"],
                "observed_nay": row["observed_nay"],
                "predicted_mean": f"{row['predicted_mean']:.1f}",
                "interval": f"{row['interval_lo']}-{row['interval_hi']}",
                "pit": "" if row["pit"] is None else f"{row['pit']:.3f}",
                "scores": [
                    ("Brier score", _score(row["brier"]), _score(row["baseline_brier"])),
                    ("log score", _score(row["log_score"]), _score(row["baseline_log_score"])),
                ],
                "calibration": [
                    {
                        "bins": f"{b['p_low']:.1f}-{b['p_high']:.1f}",
                        **{
                            series: (
                                b[f"n_{series}"],
                                _score(b[f"mean_p_yea_{series}"]),
                                _score(b[f"observed_yea_share_{series}"]),
                            )
                            if b[f"n_{series}"] is not None
                            else ("", "", "")
                            for series in SERIES
                        },
                    }
                    for b in tables.get(chamber, [])
                ],
            }
        )
    created = backtest["created_at"]
    return {
        "headline": f"Backtest of the {backtest['model']} model: fit on {backtest['fit']} → "
        f"predict {backtest['predict']}",
        "backtest_id": backtest["backtest_id"],
        "fit": backtest["fit"],
        "predict": backtest["predict"],
        "model": backtest["model"],
        "draws": backtest["draws"],
        "seed": backtest["seed"],
        "version": backtest["countlab_version"],
        "created": created.strftime("%Y-%m-%d %H:%M UTC") if created else "",
        "chambers": chambers,
        "db": db,
        "written": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def write_backtest_report(
    db: str | Path, backtest_id: str, out: str | Path, formats: tuple[str, ...] = FORMATS
) -> list[Path]:
    """Write ``report-BACKTEST_ID.html`` and/or ``.md`` (its charts in a folder beside it)
    into ``out``, from the warehouse ``db`` only; return the paths written."""
    check_formats(formats)
    con = connect_read_only(db)
    try:
        data = backtest_report_data(con, backtest_id)
    finally:
        con.close()
    context = backtest_context(data, db=str(db))
    return write_pages(
        out, f"report-{backtest_id}", "backtest", context, backtest_charts(data), formats
    )


__all__ = ["backtest_report_data", "write_backtest_report"]
