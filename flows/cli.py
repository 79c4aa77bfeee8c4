"""The ``countlab`` command line: parse arguments, call the domain or a flow, print.

User mistakes (:class:`models.errors.CountlabError`) become one line on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.table import Column, Table

from flows.checks import check_folder, check_prefect_api, writing_to
from flows.console import with_progress
from flows.launch import configure_prefect, launch
from flows.plans import Plan, plan_resume, plan_run, plan_sweep
from flows.requests import DEFAULT_CHUNK_DRAWS, RunRequest, SweepRequest
from flows.sessions import load_session, shipped_sessions
from flows.signals import (
    Interrupted,
    die_with_parent,
    exit_code,
    forget_child,
    interruptible,
    interruption,
    received,
    stopped_line,
    track_child,
)
from flows.usage import NO_ARGS_HELP, USAGE_ERRORS, check_repeated, usage_line
from models.deterministic_count import count_session, describe_count
from models.errors import CountlabError, OptionError
from models.outcomes import outcome_kind
from models.rules import GROUNDS, REGIMES, SWITCHES, Rules, rules_with
from models.session import Session
from models.states import STATE_INDEX
from models.tally import Rejection
from warehouse.adhoc import SQL_TIMEOUT_S, json_rows
from warehouse.store import (
    DEFAULT_DB,
    check_warehouse_file,
    connect,
    connect_read_only,
    query_rows,
)

app = typer.Typer(
    name="countlab",
    help="Monte Carlo scenario lab for the count of electoral votes in the joint session.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# Piped output (files, tests, CI logs) is not cut to 80 columns.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)


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


def _print_count(result: dict[str, Any]) -> None:
    out.print(
        f"[bold]Joint session of {result['session']}[/bold]  regime {result['regime']}, "
        f"denominator {result['denominator']}"
    )
    if result["rejected"]:
        rejected = ", ".join(
            f"{r['state']}{'@' + r['candidate'] if r['candidate'] else ''} ({r['ground']})"
            for r in result["rejected"]
        )
        out.print(f"Votes rejected: {rejected}")
    out.print(
        f"Whole number of electors: {result['whole_number']} (appointed "
        f"{result['appointed']}); majority needed: {result['majority_needed']}"
    )
    table = Table("candidate", "electoral votes", "vice president", "electoral votes")
    pres = list(result["totals"].items())
    vps = list(result["vice_president"]["totals"].items())
    for i in range(max(len(pres), len(vps))):
        p = pres[i] if i < len(pres) else ("", "")
        v = vps[i] if i < len(vps) else ("", "")
        table.add_row(p[0], str(p[1]), v[0], str(v[1]))
    out.print(table)
    contingent = result["contingent"]
    if contingent and contingent.get("house"):
        house = contingent["house"]
        votes = ", ".join(f"{k} {n}" for k, n in house["state_votes"].items())
        out.print(
            f"House by state delegation (12th Amendment): {votes}, divided "
            f"{house['divided']}; {house['needed']} states needed; quorum "
            f"{'met' if house['quorum'] else 'NOT met'} -> {house['winner'] or 'no choice'}"
        )
    if contingent and contingent.get("senate"):
        senate = contingent["senate"]
        votes = ", ".join(f"{k} {n}" for k, n in senate["votes"].items())
        out.print(
            f"Senate for Vice President: {votes}; {senate['needed']} of "
            f"{senate['whole_number']} needed -> {senate['winner'] or 'no choice'}"
        )
    winner = result["winner"]
    how = outcome_kind(result["outcome"])
    out.print(
        f"[bold]President: {winner or 'no choice'}[/bold]"
        + (f" (elected by the {'electors' if how == 'electors' else 'House'})" if winner else "")
        + f"; Vice President: {result['vice_president']['winner'] or 'no choice'}; "
        f"acting President on 20 January: {result['acting_president']}"
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
        "--sampler", help="grouped (binomial counts) or members (one uniform per member)."
    ),
]


def execute_run(plan: Plan, *, what: str) -> dict[str, Any]:
    """Start the flow of a ``run`` or ``sweep`` plan (``flows.run.run`` or
    ``flows.sweep.sweep``) with progress for its draws: the one place commands start flows.
    Prefect is configured here, before its first import (its settings are read then)."""
    configure_prefect()
    if what == "sweep":
        from flows.sweep import sweep_flow as flow
    else:
        from flows.run import run_flow as flow
    return with_progress(
        lambda progress: launch(flow, plan, progress), total=plan.total_draws, what=what
    )


@app.command()
def tally(
    session: Annotated[
        str, typer.Option(help="Shipped session date or a session directory.")
    ] = "2021-01-06",
    reject: Annotated[
        list[str],
        typer.Option(
            help="States whose votes are rejected: AZ,PA or AZ:not_lawfully_certified or "
            "NE@biden (repeatable: the lists add up)."
        ),
    ] = [],  # noqa: B006
    regime: Annotated[
        str | None, typer.Option(help=f"One of {', '.join(REGIMES)}; default: the session's.")
    ] = None,
    denominator: Annotated[
        str | None, typer.Option(help="appointed, counted or statutory; default: the regime's.")
    ] = None,
    ground: Annotated[
        str | None, typer.Option(help="Ground of every rejection: " + " or ".join(GROUNDS) + ".")
    ] = None,
    rule: Annotated[
        list[str],
        typer.Option(help="Override a rule switch, KEY=VALUE (repeatable; see `countlab rules`)."),
    ] = [],  # noqa: B006
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Count one session deterministically, with the given states' votes rejected."""
    if ground is not None and ground not in GROUNDS:
        raise CountlabError(f"--ground {ground!r}: expected {' or '.join(GROUNDS)}")
    rejections = [r for text in reject if text.strip() for r in parse_rejections(text)]
    loaded = load_session(session)
    if ground is not None:
        rule = [*rule, f"objection_ground={ground}"]
    rules = resolve_rules(loaded, regime, denominator, rule)
    result = describe_count(loaded, rules, rejections, count_session(loaded, rules, rejections))
    if as_json:
        print(json.dumps(result))
    else:
        _print_count(result)


@app.command()
def sessions() -> None:
    """List the shipped sessions."""
    table = Table(
        "session",
        "congress",
        "election",
        "candidates",
        "default regime",
        "House sworn",
        "Senate sworn",
    )
    for date in shipped_sessions():
        s = load_session(date)
        table.add_row(
            date,
            str(s.congress),
            str(s.election_year),
            ", ".join(s.candidate_keys),
            s.default_regime,
            str(s.roster.n_sworn("house")),
            str(s.roster.n_sworn("senate")),
        )
    out.print(table)


@app.command()
def rules() -> None:
    """List the rule switches, their values and each regime's default."""
    table = Table(Column("switch", no_wrap=True), "values", *REGIMES, "rules.md")
    for name, switch in SWITCHES.items():
        table.add_row(
            name,
            " | ".join(switch.values),
            *(str(getattr(r, name)).lower() for r in REGIMES.values()),
            switch.rule if switch.modelled else f"{switch.rule}\nnot modelled yet",
        )
    out.print(table)


def _summary_table(summary: dict[str, Any]) -> None:
    with_exact = any("exact" in o for o in summary["outcomes"].values())
    exact_column = ("exact",) if with_exact else ()
    outcomes = Table(
        "outcome", "P", "± SE", "95% interval", *exact_column, title="How the President is chosen"
    )
    for label, o in summary["outcomes"].items():
        exact = (f"{o['exact']:.4f}",) if with_exact else ()
        outcomes.add_row(
            label,
            f"{o['p']:.4f}",
            f"{o['se']:.4f}",
            f"[{o['ci_low']:.4f}, {o['ci_high']:.4f}]",
            *exact,
        )
    out.print(outcomes)
    with_exact = any("exact" in o for o in summary["objections"].values())
    objections = Table(
        "objection",
        "P(raised)",
        "P(sustained)",
        "± SE",
        *(("exact",) if with_exact else ()),
        "mean House yea-nay",
        "mean Senate yea-nay",
        title="Objections",
    )
    for state, o in summary["objections"].items():
        votes = o["mean_votes"]
        house = (
            ""
            if votes["house_yes"] is None
            else f"{votes['house_yes']:.1f}-{votes['house_no']:.1f}"
        )
        senate = (
            ""
            if votes["senate_yes"] is None
            else f"{votes['senate_yes']:.1f}-{votes['senate_no']:.1f}"
        )
        exact = (f"{o['exact']:.4g}",) if with_exact else ()
        objections.add_row(
            state,
            f"{o['p_raised']:.4f}",
            f"{o['p_sustained']:.4f}",
            f"{o['se']:.4f}",
            *exact,
            house,
            senate,
        )
    out.print(objections)
    winners = ", ".join(f"{c} {w['p']:.4f}" for c, w in summary["winners"].items())
    out.print(f"President chosen by any route: {winners}")


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    draws: Annotated[
        int | None,
        typer.Option(help="Monte Carlo draws (default: the file's [run] draws, else 100000)."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Root seed (default: the file's [run] seed, else a fresh one, printed)."),
    ] = None,
    db: DbOption = Path(DEFAULT_DB),
    exact: Annotated[
        bool, typer.Option("--exact", help="Also compute exact probabilities.")
    ] = False,
    chunk_draws: ChunkDrawsOption = DEFAULT_CHUNK_DRAWS,
    workers: WorkersOption = 2,
    runner: RunnerOption = "threads",
    address: AddressOption = None,
    sampler: SamplerOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as one JSON object.")
    ] = False,
    report_to: Annotated[
        Path | None,
        typer.Option("--report", help="Then write the run's report (HTML and Markdown) here."),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Simulate a scenario with a Prefect flow and store every draw in DuckDB."""
    request = RunRequest(
        scenario_path=str(scenario),
        draws=draws,
        seed=seed,
        db=str(db),
        chunk_draws=chunk_draws,
        workers=workers,
        exact=exact,
        sampler=sampler,
        runner=runner,
        address=address,
    )
    plan = plan_run(request, force=force)  # the file is read and every mistake found here
    if report_to is not None:
        check_folder(report_to, "--report")  # a folder that cannot be made fails before the run
    check_prefect_api()
    connect(db).close()  # the warehouse opens and has the schema before any flow starts
    summary = execute_run(plan, what="run")
    written = []
    if report_to is not None:
        from reports.render import write_run_report

        with writing_to(report_to, "--report"):
            written = write_run_report(db, summary["run_id"], report_to)
    if as_json:
        print(json.dumps({**summary, "report": [str(p) for p in written]} if written else summary))
        return
    out.print(
        f"[bold]Run {summary['run_id']}[/bold]: {plan.draws:,} draws, seed {plan.record.seed}, "
        f"scenario {scenario}"
    )
    _summary_table(summary)
    out.print(
        f"Stored in {db} as run {summary['run_id']}; e.g. countlab sql "
        f"\"select * from outcome_probabilities where run_id = '{summary['run_id']}'\""
    )
    for path in written:
        out.print(f"Report: {path}")


@app.command()
def sweep(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario file (TOML), with or without [sweep].")
    ] = None,
    draws: Annotated[
        int | None,
        typer.Option(help="Draws per point (default: the file's [run] draws, else 100000)."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Sweep seed; point i uses a seed derived from it and i."),
    ] = None,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            help="KEY=VALUES: a list a,b,c or a range start:stop:count (repeatable), "
            "e.g. votes.senate.R=0:0.6:21 or regime=eca1887,ecra2022."
        ),
    ] = None,
    design: Annotated[
        str | None, typer.Option(help="grid (full factorial, default), lhs or sobol.")
    ] = None,
    points: Annotated[int | None, typer.Option(help="Points of an lhs or sobol design.")] = None,
    db: DbOption = Path(DEFAULT_DB),
    resume: Annotated[
        str | None,
        typer.Option(help="Finish an interrupted sweep (RUN_ID); stored chunks are kept."),
    ] = None,
    chunk_draws: ChunkDrawsOption = DEFAULT_CHUNK_DRAWS,
    workers: WorkersOption = 2,
    runner: RunnerOption = "threads",
    address: AddressOption = None,
    sampler: SamplerOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the sweep's results as one JSON object.")
    ] = False,
    force: ForceOption = False,
) -> None:
    """Simulate a scenario at every point of a sweep, in one Prefect flow and one run."""
    request = SweepRequest(
        scenario_path=None if scenario is None else str(scenario),
        draws=draws,
        seed=seed,
        db=str(db),
        vary=tuple(vary or ()),
        design=design,
        points=points,
        chunk_draws=chunk_draws,
        workers=workers,
        sampler=sampler,
        runner=runner,
        address=address,
        resume=resume,
    )
    if resume is not None:
        if scenario is not None or vary or design or points or draws or seed is not None:
            raise CountlabError(
                "--resume RUN_ID takes no scenario, --vary, --design, --points, --draws or "
                "--seed: the sweep's own are used"
            )
        plan = plan_resume(request, force=force)  # read-only: nothing is written yet
    elif scenario is None:
        raise CountlabError("countlab sweep: give a scenario file, or --resume RUN_ID")
    else:
        plan = plan_sweep(request, force=force)  # every point built: every mistake found
    check_prefect_api()
    connect(db).close()
    result = execute_run(plan, what="sweep")
    if as_json:
        print(json.dumps(result))
        return
    _sweep_table(result)
    out.print(
        f'Stored in {db} as run {result["run_id"]}; e.g. countlab sql "select * from '
        f"sweep_outcome_probabilities where run_id = '{result['run_id']}'\""
    )


@app.command()
def serve(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario file (TOML), with or without [sweep].")
    ],
    cron: Annotated[
        str, typer.Option(help="Cron schedule, e.g. '0 6 * * *' (UTC unless --timezone).")
    ],
    name: Annotated[
        str | None, typer.Option(help="Deployment name (default: the file's name).")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Time zone of the schedule, e.g. America/New_York.")
    ] = None,
    draws: Annotated[int | None, typer.Option(help="Draws per point.")] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Sweep seed (default: the file's [run] seed, else fresh per run)."),
    ] = None,
    vary: Annotated[
        list[str] | None, typer.Option(help="KEY=VALUES, as for countlab sweep (repeatable).")
    ] = None,
    design: Annotated[str | None, typer.Option(help="grid, lhs or sobol.")] = None,
    points: Annotated[int | None, typer.Option(help="Points of an lhs or sobol design.")] = None,
    db: DbOption = Path(DEFAULT_DB),
    chunk_draws: ChunkDrawsOption = DEFAULT_CHUNK_DRAWS,
    workers: WorkersOption = 2,
    runner: RunnerOption = "threads",
    address: AddressOption = None,
    sampler: SamplerOption = None,
    force: ForceOption = False,
) -> None:
    """Serve a sweep as a Prefect deployment on a cron schedule (needs a Prefect server)."""
    configure_prefect()  # before Prefect is imported
    from flows.serve import serve_sweep

    request = SweepRequest(
        scenario_path=str(scenario),
        draws=draws,
        seed=seed,
        db=str(db),
        vary=tuple(vary or ()),
        design=design,
        points=points,
        chunk_draws=chunk_draws,
        workers=workers,
        sampler=sampler,
        runner=runner,
        address=address,
    )
    check_warehouse_file(db)
    serve_sweep(request, cron=cron, name=name, timezone=timezone, force=force)


def _sweep_table(result: dict[str, Any]) -> None:
    """Print a sweep: one row per point, its parameters, the outcomes that occur and each
    objection's probability of being sustained."""
    points = result["points"]
    keys = list(dict.fromkeys(k for p in points for k in p["params"]))
    labels = [
        label
        for label in dict.fromkeys(lb for p in points for lb in p["outcomes"])
        if any(p["outcomes"].get(label, {}).get("p", 0) > 0 for p in points)
    ]
    states = list(dict.fromkeys(s for p in points for s in p["objections"]))
    out.print(
        f"[bold]Sweep {result['run_id']}[/bold]: {len(points)} points x "
        f"{result['draws']:,} draws, seed {result['seed']}"
    )
    table = Table("point", *keys, *(f"P({lb})" for lb in labels), *(f"{s} sust." for s in states))
    for p in points:
        table.add_row(
            str(p["point"]),
            *(_cell(p["params"].get(k)) for k in keys),
            *(_probability(p["outcomes"].get(lb)) for lb in labels),
            *(_probability(p["objections"].get(s), "p_sustained") for s in states),
        )
    out.print(table)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def _probability(entry: dict[str, Any] | None, key: str = "p") -> str:
    if entry is None:
        return ""
    return f"{entry[key]:.4f} ± {entry['se']:.4f}"


@app.command()
def report(
    run_id: Annotated[str, typer.Argument(help="A completed run (see the runs table).")],
    db: DbOption = Path(DEFAULT_DB),
    out: Annotated[Path, typer.Option(help="Folder to write the report into.")] = Path(
        "reports-out"
    ),
    output: Annotated[str, typer.Option("--format", help="html, md or html,md.")] = "html,md",
    point: Annotated[
        int | None, typer.Option(help="Report one point of a sweep (default: the whole sweep).")
    ] = None,
) -> None:
    """Write a probability report of a run or a sweep: self-contained HTML and Markdown."""
    from reports.render import write_report

    formats = tuple(f.strip() for f in output.split(",") if f.strip())
    if point is not None and point < 0:
        raise CountlabError(f"--point {point}: expected a point number, 0 or more")
    check_folder(out, "--out")  # before the warehouse is read: nothing is made on a mistake
    with writing_to(out, "--out"):
        paths = write_report(db, run_id, out, formats, point=point)
    for path in paths:
        print(path)


@app.command(context_settings={"ignore_unknown_options": True})
def sql(
    statement: Annotated[str, typer.Argument(help="A read-only SQL query (SELECT or EXPLAIN).")],
    db: DbOption = Path(DEFAULT_DB),
    output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    timeout: Annotated[
        float,
        typer.Option(
            help="Stop the query after this many seconds (Ctrl-C stops it at once).", min=0.001
        ),
    ] = SQL_TIMEOUT_S,
) -> None:
    """Query the warehouse, read-only: tables runs, draws, objection_votes; views *_probabilities.

    One statement per call. While a run or sweep writes, waits up to 10 s for its turn and
    sees completed runs only.
    """
    if output not in ("table", "csv", "json"):
        raise CountlabError(f"--format {output!r}: expected table, csv or json")
    columns, rows = query_rows(db, statement, timeout=timeout)
    if output == "json":
        print(json_rows(columns, rows))
    elif output == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = Table(*columns)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        out.print(table)


@app.command()
def bench(
    quick: Annotated[
        bool, typer.Option("--quick", help="Tiny sizes: proves the benchmark works.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Measure the cost of a draw against the cost of its random numbers (benchmarks/)."""
    from benchmarks.bench import format_table, run_bench

    result = run_bench(quick=quick)
    print(json.dumps(result) if as_json else format_table(result, quick=quick))


@app.command()
def server(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 4200,
) -> None:
    """Run a local Prefect server (foreground); later runs on this machine use it and show in its UI."""
    configure_prefect(use_local_server=False)
    out.print(
        f"Prefect server on http://127.0.0.1:{port} (UI and API); Ctrl-C stops it. "
        "countlab run uses it automatically on port 4200, or set "
        f"PREFECT_API_URL=http://127.0.0.1:{port}/api"
    )
    command = [
        sys.executable,
        "-m",
        "prefect",
        "server",
        "start",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    # The server dies with this process, whatever stops it (SIGKILL included).
    process = subprocess.Popen(command, preexec_fn=die_with_parent)  # noqa: PLW1509 (before any thread)
    track_child(process.pid)
    try:
        sys.exit(process.wait())
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=8)
        except subprocess.TimeoutExpired:
            process.kill()
        raise
    finally:
        forget_child(process.pid)


@app.command()
def gc(
    db: DbOption = Path(DEFAULT_DB),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be removed; remove nothing.")
    ] = False,
) -> None:
    """Remove the stored rows of failed and interrupted runs (their runs rows stay)."""
    from warehouse.gc import collect, garbage
    from warehouse.lease import writer_lease

    if not db.is_file():
        raise CountlabError(f"{db}: no warehouse here (nothing to collect)")
    if dry_run:
        con = connect_read_only(db)
        try:
            found = garbage(con)
        finally:
            con.close()
    else:
        with writer_lease(db, kind="gc"):  # no run writes while rows are deleted
            con = connect(db, kind="gc")
            try:
                found = garbage(con)
                collect(con, found)
            finally:
                con.close()
    verb = "would remove" if dry_run else "removed"
    for g in found:
        print(
            f"{g.run_id} ({g.kind}, {g.status}): {verb} {g.chunks:,} chunks, "
            f"{g.draws:,} draws, {g.vote_rows:,} objection-vote rows"
        )
    draws = sum(g.draws for g in found)
    votes = sum(g.vote_rows for g in found)
    print(
        f"countlab gc: {verb} the rows of {len(found)} run{'' if len(found) == 1 else 's'} "
        "that did not complete "
        f"({draws:,} draws, {votes:,} objection-vote rows) from {db}"
    )


def main() -> None:
    """Entry point of the ``countlab`` console script.

    A user mistake is one line and exit 2; SIGINT, SIGTERM or SIGHUP stop the command with
    one line and exit 128 + the signal (Ctrl-C: 130), the run recorded as interrupted.
    """
    try:
        with interruptible():
            try:
                check_repeated(typer.main.get_command(app), sys.argv[1:])
                # typer turns KeyboardInterrupt (an Interrupted) into a returned 130
                code = app(standalone_mode=False)
                stopped = received()
                if stopped is not None:
                    raise stopped from None
            except BaseException as error:
                stop = received(error.__cause__ or error)
                if stop is None and isinstance(error, KeyboardInterrupt | click.exceptions.Abort):
                    stop = interruption(signal.SIGINT)
                if stop is not None:
                    raise stop from None
                raise
    except OptionError as error:  # an option named as its flag
        print(f"countlab: error: {error.as_flag()}", file=sys.stderr)
        sys.exit(2)
    except CountlabError as error:
        print(f"countlab: error: {error}", file=sys.stderr)
        sys.exit(2)
    except NO_ARGS_HELP as error:
        error.show()  # `countlab` alone, or a group without its command: the help
        sys.exit(error.exit_code)
    except USAGE_ERRORS as error:  # a bad, unknown or missing option
        print(f"countlab: error: {usage_line(error)}", file=sys.stderr)
        sys.exit(2)
    except Interrupted as stop:
        print(f"countlab: {stopped_line(stop)}", file=sys.stderr)
        sys.exit(exit_code(stop))
    if isinstance(code, int) and code:
        sys.exit(code)
