"""The commands that fit the vote model to recorded roll calls (issue 14): ``countlab
calibrate`` and ``countlab backtest``. Registered on the CLI's app by :mod:`flows.cli`."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from flows import options as opt
from flows.backtest import DEFAULT_DRAWS, DEFAULT_SEED, backtest, backtest_record, parse_spec
from flows.calibrate import (
    DEFAULT_MODEL,
    CalibrateRequest,
    calibrate_session,
    calibration_json,
    write_calibrated,
)
from warehouse.backtests import new_backtest_id, store_backtest
from warehouse.store import DEFAULT_DB

out = Console(highlight=False, soft_wrap=True)


def _estimate(entry: dict[str, float | None]) -> str:
    estimate, se = entry["estimate"], entry["se"]
    text = "inf" if estimate is None else f"{estimate:.4g}"
    return text + ("" if se is None else f" ± {se:.2g}")


def print_calibration(result: dict[str, Any], notes: list[str]) -> None:
    """The fit in words and tables: parameters, then the checks against the record."""
    out.print(
        f"[bold]{result['session']}[/]: the {result['model']} model fit to the roll calls on "
        f"{', '.join(result['votes'])}: log L {result['log_likelihood']:.3f}, "
        f"AIC {result['aic']:.3f}"
    )
    table = Table("parameter", "estimate ± se")
    for name, entry in result["parameters"].items():
        table.add_row(name, _estimate(entry))
    out.print(table)
    checks = Table("chamber", "roll call", "yeas", "90% predictive", "inside")
    for chamber, check in result["checks"].items():
        if check is None:
            continue
        rows = [
            (state, str(y), f"{lo}-{hi}", lo <= y <= hi)
            for state, y, (lo, hi) in zip(
                result["votes"], check["yea_observed"], check["yea_interval_90"], strict=False
            )
        ]
        lo, hi = check["agreement_interval_90"]
        agree = check["agreement_observed"]
        rows.append(("same vote on all", str(agree), f"{lo}-{hi}", lo <= agree <= hi))
        for state, observed, interval, inside in rows:
            checks.add_row(chamber, state, observed, interval, "yes" if inside else "[red]no[/]")
    out.print(checks)
    for note in notes:
        out.print(f"note: {note}")
    if result["scenario"]:
        out.print(f"Wrote {result['scenario']}; run it with: countlab run {result['scenario']}")


def calibrate(
    session: opt.CalibrateSessionOption,
    votes: opt.CalibrateVotesOption = None,
    model: opt.ModelOption = DEFAULT_MODEL,
    out_path: opt.CalibrateOutOption = None,
    as_json: opt.TallyAsJsonOption = False,
) -> None:
    """Fit the vote model to a session's recorded roll calls (or a roll-call CSV) by maximum
    likelihood, check it against them, and write a scenario that countlab run accepts."""
    command = shlex.join(["countlab", "calibrate", *sys.argv[2:]])
    request = CalibrateRequest(session=session, votes=votes, model=model, command=command)
    result = calibrate_session(request)
    written: list[Path] = []
    if out_path is not None:
        written = write_calibrated(result, out_path, command=command)
    summary = calibration_json(result, str(written[0]) if written else None)
    if as_json:
        print(json.dumps(summary))
    else:
        notes = [note for fitted in result.fits.values() for note in fitted.notes]
        print_calibration(summary, notes)


def print_backtest(summary: dict[str, Any]) -> None:
    """Each chamber's prediction beside the record, and the scores beside the baseline's."""
    out.print(
        f"[bold]{summary['fit']} -> {summary['predict']}[/]: the {summary['model']} model, "
        "scored against the group model fit on the same roll calls (baseline)"
    )
    table = Table("chamber", "yeas-nays", "predicted (90%)", "PIT", "Brier (base)", "log (base)")
    for chamber, c in summary["chambers"].items():
        if c is None:
            continue
        lo, hi = c["interval_90"]
        table.add_row(
            chamber,
            f"{c['observed_yea']}-{c['observed_nay']}",
            f"{c['predicted_mean']:.1f} ({lo}-{hi})",
            f"{c['pit']:.3f}",
            f"{c['brier']:.3f} ({c['baseline_brier']:.3f})",
            f"{c['log_score']:.3f} ({c['baseline_log_score']:.3f})",
        )
    out.print(table)


def backtest_command(
    fit: opt.BacktestFitOption,
    predict: opt.BacktestPredictOption,
    model: opt.ModelOption = DEFAULT_MODEL,
    draws: opt.BacktestDrawsOption = DEFAULT_DRAWS,
    seed: opt.BacktestSeedOption = DEFAULT_SEED,
    db: opt.DbOption = Path(DEFAULT_DB),
    as_json: opt.TallyAsJsonOption = False,
) -> None:
    """Fit the vote model on some roll calls, predict others, and score the prediction
    member by member against the group model (Brier and log scores, PIT); stored in the
    warehouse (countlab report BACKTEST_ID shows it)."""
    result = backtest(
        parse_spec(fit, "fit"), parse_spec(predict, "predict"), model=model, draws=draws, seed=seed
    )
    backtest_id = new_backtest_id()
    store_backtest(db, backtest_record(result, backtest_id, draws=draws, seed=seed))
    stored = (
        f"Stored in {db} as backtest {backtest_id}; e.g. countlab report {backtest_id} --db {db}"
    )
    if as_json:
        print(json.dumps(result.summary))
        print(stored, file=sys.stderr)
    else:
        print_backtest(result.summary)
        out.print(stored)


def register(app: Any) -> None:
    """Add ``calibrate`` and ``backtest`` to the CLI's typer ``app``."""
    app.command()(calibrate)
    app.command("backtest")(backtest_command)
