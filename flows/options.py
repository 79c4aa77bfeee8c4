"""The command line's shared options and the parsers of its option values: rejections
(``--reject``), rule overrides (``--rule``) and the rules they select."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from models.errors import CountlabError
from models.rules import GROUNDS, REGIMES, SWITCHES, Rules, rules_with
from models.session import Session
from models.states import STATE_INDEX
from models.tally import Rejection


def parse_rejections(text: str) -> list[Rejection]:
    """Parse ``--reject``: comma-separated ``ST``, ``ST:ground``, ``ST@candidate[:ground]``."""
    rejections = []
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            raise CountlabError(f"--reject {text!r}: empty item; expected e.g. AZ,PA")
        target, _, ground = item.partition(":")
        state, _, candidate = target.partition("@")
        if state.strip().upper() not in STATE_INDEX:
            raise CountlabError(f"--reject {item!r}: unknown state code {state.strip()!r}")
        if "@" in target and not candidate.strip():
            raise CountlabError(f"--reject {item!r}: expected a candidate after '@', e.g. NE@biden")
        if ground and ground not in GROUNDS:
            raise CountlabError(
                f"--reject {item!r}: ground {ground!r}: expected {' or '.join(GROUNDS)}"
            )
        rejections.append(
            Rejection(
                state=state.strip().upper(),
                candidate=candidate.strip().lower() or None,
                ground=ground or None,
            )
        )
    return rejections


def parse_rule_overrides(items: list[str]) -> dict[str, str]:
    """Parse repeated ``--rule KEY=VALUE`` options: each KEY a switch, given once."""
    overrides: dict[str, str] = {}
    for item in items:
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not key or not value:
            raise CountlabError(
                f"--rule {item!r}: expected KEY=VALUE, e.g. delegation_rule=majority_of_delegation"
            )
        if key not in SWITCHES:
            hint = " (the regime is --regime)" if key == "regime" else ""
            raise CountlabError(
                f"--rule {item!r}: {key!r} is not a switch{hint}; see `countlab rules`"
            )
        if key in overrides:
            raise CountlabError(f"--rule {item!r}: switch {key!r} given twice")
        overrides[key] = value
    return overrides


def resolve_rules(
    session: Session, regime: str | None, denominator: str | None, rule: list[str]
) -> Rules:
    """Return the session's default regime (or ``regime``) with user overrides applied."""
    overrides = parse_rule_overrides(rule)
    if regime is not None and regime not in REGIMES:
        raise CountlabError(f"--regime {regime!r}: expected one of {', '.join(REGIMES)}")
    if denominator is not None and "denominator" in overrides:
        raise CountlabError("--denominator and --rule denominator=...: give one")
    return rules_with(
        regime, overrides, default_regime=session.default_regime, denominator=denominator
    )


# Options shared by run, sweep, serve, report and sql: one declaration each.
DbOption = Annotated[Path, typer.Option("--db", help="DuckDB warehouse file.")]
ChunkDrawsOption = Annotated[
    int,
    typer.Option(
        "--chunk-draws", help="Draws per task (a hint: rounded up to whole random-stream blocks)."
    ),
]
WorkersOption = Annotated[int, typer.Option("--workers", help="Tasks run in parallel.")]
RunnerOption = Annotated[
    str, typer.Option("--runner", help="Prefect task runner: threads, processes or dask.")
]
AddressOption = Annotated[
    str | None,
    typer.Option("--address", help="--runner dask: an existing Dask scheduler, tcp://HOST:PORT."),
]
ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Run past the size limits (10^9 draws, the free disk space)."),
]
SamplerOption = Annotated[
    str | None,
    typer.Option(
        "--sampler",
        help="compiled (default: the grouped law, numba kernels), grouped (binomial counts, "
        "numpy) or members (one uniform per member, numpy).",
    ),
]

# The options of `countlab tally`.
RejectOption = Annotated[
    list[str],
    typer.Option(
        help="States whose votes are rejected: AZ,PA or AZ:not_lawfully_certified or "
        "NE@biden (repeatable: the lists add up)."
    ),
]
RegimeOption = Annotated[
    str | None, typer.Option(help=f"One of {', '.join(REGIMES)}; default: the session's.")
]
DenominatorOption = Annotated[
    str | None, typer.Option(help="appointed, counted or statutory; default: the regime's.")
]
GroundOption = Annotated[
    str | None, typer.Option(help="Ground of every rejection: " + " or ".join(GROUNDS) + ".")
]
RuleOption = Annotated[
    list[str],
    typer.Option(help="Override a rule switch, KEY=VALUE (repeatable; see `countlab rules`)."),
]

# The options of a sweep: `countlab sweep` and `countlab serve`.
PointDrawsOption = Annotated[
    int | None,
    typer.Option(help="Draws per point (default: the file's [run] draws, else 100000)."),
]
SweepSeedOption = Annotated[
    int | None,
    typer.Option(
        help="Sweep seed (default: the file's [run] seed, else a fresh one, recorded); "
        "point i uses a seed derived from it and i."
    ),
]
VaryOption = Annotated[
    list[str] | None,
    typer.Option(
        help="KEY=VALUES: a list a,b,c or a range start:stop:count (repeatable), "
        "e.g. votes.senate.R=0:0.6:21 or regime=eca1887,ecra2022."
    ),
]
DesignOption = Annotated[
    str | None,
    typer.Option(
        help="grid (full factorial, default), lhs or sobol; saltelli or morris for "
        "countlab analyze sensitivity (Sobol' indices, Morris elementary effects)."
    ),
]
PointsOption = Annotated[
    int | None,
    typer.Option(
        help="Points of an lhs or sobol design; saltelli: the base size N, a power of 2 "
        "(N x (keys + 2) points); morris: N trajectories (N x (keys + 1) points)."
    ),
]

# `countlab tally`
TallySessionOption = Annotated[
    str, typer.Option(help="Shipped session date or a session directory.")
]
TallyAsJsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]

# `countlab run`
RunScenarioArgument = Annotated[Path, typer.Argument(help="Scenario file (TOML).")]
RunDrawsOption = Annotated[
    int | None,
    typer.Option(help="Monte Carlo draws (default: the file's [run] draws, else 100000)."),
]
RunSeedOption = Annotated[
    int | None,
    typer.Option(help="Root seed (default: the file's [run] seed, else a fresh one, printed)."),
]
RunExactOption = Annotated[bool, typer.Option("--exact", help="Also compute exact probabilities.")]
RunAsJsonOption = Annotated[
    bool, typer.Option("--json", help="Print the summary as one JSON object.")
]
RunReportToOption = Annotated[
    Path | None,
    typer.Option("--report", help="Then write the run's report (HTML and Markdown) here."),
]

# `countlab sweep`
SweepScenarioArgument = Annotated[
    Path | None, typer.Argument(help="Scenario file (TOML), with or without [sweep].")
]
SweepResumeOption = Annotated[
    str | None,
    typer.Option(help="Finish an interrupted sweep (RUN_ID); stored chunks are kept."),
]
SweepAsJsonOption = Annotated[
    bool, typer.Option("--json", help="Print the sweep's results as one JSON object.")
]

# `countlab serve`
ServeScenarioArgument = Annotated[
    Path, typer.Argument(help="Scenario file (TOML), with or without [sweep].")
]
ServeCronOption = Annotated[
    str, typer.Option(help="Cron schedule, e.g. '0 6 * * *' (UTC unless --timezone).")
]
ServeNameOption = Annotated[
    str | None, typer.Option(help="Deployment name (default: the file's name).")
]
ServeTimezoneOption = Annotated[
    str | None, typer.Option(help="Time zone of the schedule, e.g. America/New_York.")
]

# `countlab report`
ReportRunIdArgument = Annotated[
    str, typer.Argument(help="A completed run or sweep (the runs table) or a backtest (backtests).")
]
ReportOutOption = Annotated[Path, typer.Option(help="Folder to write the report into.")]
ReportOutputOption = Annotated[str, typer.Option("--format", help="html, md or html,md.")]
ReportPointOption = Annotated[
    int | None, typer.Option(help="Report one point of a sweep (default: the whole sweep).")
]

# `countlab sql`
SqlStatementArgument = Annotated[
    str, typer.Argument(help="A read-only SQL query (SELECT or EXPLAIN).")
]
SqlOutputOption = Annotated[str, typer.Option("--format", help="table, csv or json.")]
SqlTimeoutOption = Annotated[
    float,
    typer.Option(
        help="Stop the query after this many seconds (Ctrl-C stops it at once).", min=0.001
    ),
]

# `countlab bench`
BenchQuickOption = Annotated[
    bool, typer.Option("--quick", help="Tiny sizes: proves the benchmark works.")
]
BenchAsJsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]

# `countlab server`
ServerPortOption = Annotated[int, typer.Option(help="Port on 127.0.0.1.")]

# `countlab gc`
GcDryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Say what would be removed; remove nothing.")
]

# `countlab tally`: a remand and competing slates (remand.md §5; parsed in flows/remand_options.py)
RemandOption = Annotated[
    list[str],
    typer.Option(
        help="States the presiding officer sends back: AZ,PA, or papers_2020 (the states with "
        "a 14 December paper), or objected (repeatable: the lists add up)."
    ),
]
ResumeOption = Annotated[
    str | None,
    typer.Option(
        help="When the count resumes after a remand: an ISO date, or until_all_answer "
        "(default: the session date plus remand_days)."
    ),
]
AnswersOption = Annotated[
    list[str],
    typer.Option(
        help="ST=ANSWER,...: a remanded legislature's answer, appoint_alternate, "
        "decertify_only, reaffirm or no_action (states not named: no_action; a legislature "
        "that cannot convene in time: not_in_time)."
    ),
]
GovernorSignsOption = Annotated[
    list[str],
    typer.Option(
        "--governor-signs",
        help="ST,...: governors who sign the legislature's act (or certify its slate).",
    ),
]
ReturnsOption = Annotated[
    list[str],
    typer.Option(
        help="ST=alternate+legislature[+executive],...: a second return before the count, "
        "backed by the legislature (and a new executive certificate)."
    ),
]
ChamberVotesOption = Annotated[
    list[str],
    typer.Option(
        "--chamber-votes",
        help="ST=HOUSE:SENATE,...: each House's vote on a two-return state, original, "
        "alternate or neither.",
    ),
]

# `countlab calibrate` and `countlab backtest`
CalibrateSessionOption = Annotated[
    str, typer.Option(help="Shipped session date or a session directory (required).")
]
CalibrateVotesOption = Annotated[
    str | None,
    typer.Option(
        help="The roll calls to fit: AZ,PA (the session's recorded votes on those objections) "
        "or FILE.csv (objection_state, chamber, bioguide_id, vote); default: every recorded one."
    ),
]
ModelOption = Annotated[
    str,
    typer.Option(
        help="members (caucus, ideal point, a persistent member effect and objection "
        "strengths) or group (one probability per caucus, today's model)."
    ),
]
CalibrateOutOption = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Write the calibrated scenario here (and its members file beside it)."
    ),
]
BacktestFitOption = Annotated[
    str, typer.Option("--fit", help="DATE:STATES the model is fit on, e.g. 2021-01-06:AZ.")
]
BacktestPredictOption = Annotated[
    str,
    typer.Option(
        "--predict", help="DATE:STATES it predicts, e.g. 2021-01-06:PA or 2005-01-06 (all)."
    ),
]
BacktestDrawsOption = Annotated[
    int, typer.Option(help="Monte Carlo draws of the predictive distribution of yeas.")
]
BacktestSeedOption = Annotated[int, typer.Option(help="Root seed of those draws.")]
