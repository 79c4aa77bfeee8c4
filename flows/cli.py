"""The ``countlab`` command line: parse arguments, call the domain or a flow, print.

User mistakes (:class:`models.errors.CountlabError`) become one line on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import csv
import json
import signal
import sys
from pathlib import Path
from typing import Any

import click
import typer

from flows import cli_analyze, cli_fit, cli_share
from flows import options as opt
from flows.checks import check_folder, check_prefect_api, writing_to
from flows.console import (
    out,
    print_count,
    print_garbage,
    print_rows,
    print_rules,
    print_sessions,
    print_summary,
    print_sweep,
    with_progress,
)
from flows.launch import configure_prefect, launch, run_prefect_server
from flows.plans import Plan, plan_resume, plan_run, plan_sweep
from flows.remand_options import remand_inputs
from flows.requests import DEFAULT_CHUNK_DRAWS, RunRequest, sweep_request
from flows.sessions import load_session
from flows.signals import (
    Interrupted,
    exit_code,
    interruptible,
    interruption,
    received,
    stopped_line,
)
from flows.temporary_api import api_for_flows
from flows.usage import NO_ARGS_HELP, USAGE_ERRORS, check_repeated, usage_line
from models.deterministic_count import count_session, describe_count
from models.errors import CountlabError, OptionError
from models.rules import GROUNDS
from warehouse.adhoc import SQL_TIMEOUT_S, json_rows
from warehouse.gc import collect_garbage
from warehouse.store import (
    DEFAULT_DB,
    check_warehouse_file,
    connect,
    query_rows,
)

app = typer.Typer(
    name="countlab",
    help="Monte Carlo scenario lab for the count of electoral votes in the joint session.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts say [run] and [sweep]: TOML tables, not markup
    add_completion=False,
)


def execute_run(plan: Plan, *, what: str) -> dict[str, Any]:
    """Start the flow of a ``run`` or ``sweep`` plan (``flows.run.run`` or
    ``flows.sweep.sweep``) with progress for its draws: the one place commands start flows.
    Prefect is configured here, before its first import (its settings are read then)."""
    configure_prefect()
    # No API: Prefect's temporary server starts now, on the other core while this process
    # imports Prefect (its URL is exported first).
    with api_for_flows() as api:
        flow: Any
        if what == "sweep":
            from flows.sweep import sweep_flow as flow
        else:
            from flows.run import run_flow as flow
        if api is not None:
            api.wait()
        return with_progress(
            lambda progress: launch(flow, plan, progress), total=plan.total_draws, what=what
        )


@app.command()
def tally(
    session: opt.TallySessionOption = "2021-01-06",
    reject: opt.RejectOption = [],  # noqa: B006
    regime: opt.RegimeOption = None,
    denominator: opt.DenominatorOption = None,
    ground: opt.GroundOption = None,
    rule: opt.RuleOption = [],  # noqa: B006
    remand: opt.RemandOption = [],  # noqa: B006
    resume: opt.ResumeOption = None,
    answers: opt.AnswersOption = [],  # noqa: B006
    governor_signs: opt.GovernorSignsOption = [],  # noqa: B006
    returns: opt.ReturnsOption = [],  # noqa: B006
    chamber_votes: opt.ChamberVotesOption = [],  # noqa: B006
    as_json: opt.TallyAsJsonOption = False,
) -> None:
    """Count one session deterministically, with the given states' votes rejected, a
    remand's answers and competing returns fixed (remand.md §5)."""
    if ground is not None and ground not in GROUNDS:
        raise CountlabError(f"--ground {ground!r}: expected {' or '.join(GROUNDS)}")
    rejections = [r for text in reject if text.strip() for r in opt.parse_rejections(text)]
    loaded = load_session(session)
    if ground is not None:
        rule = [*rule, f"objection_ground={ground}"]
    rules = opt.resolve_rules(loaded, regime, denominator, rule)
    fixed = remand_inputs(loaded, remand, resume, answers, governor_signs, returns, chamber_votes)
    counted = count_session(loaded, rules, rejections, **fixed)
    result = describe_count(loaded, rules, rejections, counted)
    if as_json:
        print(json.dumps(result))
    else:
        print_count(result)


@app.command()
def sessions() -> None:
    """List the shipped sessions."""
    print_sessions()


@app.command()
def rules() -> None:
    """List the rule switches, their values and each regime's default."""
    print_rules()


@app.command()
def run(
    scenario: opt.RunScenarioArgument,
    draws: opt.RunDrawsOption = None,
    seed: opt.RunSeedOption = None,
    db: opt.DbOption = Path(DEFAULT_DB),
    exact: opt.RunExactOption = False,
    chunk_draws: opt.ChunkDrawsOption = DEFAULT_CHUNK_DRAWS,
    workers: opt.WorkersOption = 2,
    runner: opt.RunnerOption = "threads",
    address: opt.AddressOption = None,
    sampler: opt.SamplerOption = None,
    as_json: opt.RunAsJsonOption = False,
    report_to: opt.RunReportToOption = None,
    force: opt.ForceOption = False,
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
        report=None if report_to is None else str(report_to),
    )
    plan = plan_run(request, force=force)  # the file is read and every mistake found here
    if report_to is not None:
        check_folder(report_to, "--report")  # a folder that cannot be made fails before the run
    check_prefect_api()
    connect(db).close()  # the warehouse opens and has the schema before any flow starts
    summary = execute_run(plan, what="run")  # the flow writes the report (--report)
    if as_json:
        print(json.dumps(summary))
        return
    out.print(
        f"[bold]Run {summary['run_id']}[/bold]: {plan.draws:,} draws, seed {plan.record.seed}, "
        f"scenario {scenario}"
    )
    print_summary(summary, db=db)
    out.print(
        f"Stored in {db} as run {summary['run_id']}; e.g. countlab sql "
        f"\"select * from outcome_probabilities where run_id = '{summary['run_id']}'\""
    )
    for path in summary.get("report", []):
        out.print(f"Report: {path}")


@app.command()
def sweep(
    scenario: opt.SweepScenarioArgument = None,
    draws: opt.PointDrawsOption = None,
    seed: opt.SweepSeedOption = None,
    vary: opt.VaryOption = None,
    design: opt.DesignOption = None,
    points: opt.PointsOption = None,
    db: opt.DbOption = Path(DEFAULT_DB),
    resume: opt.SweepResumeOption = None,
    chunk_draws: opt.ChunkDrawsOption = DEFAULT_CHUNK_DRAWS,
    workers: opt.WorkersOption = 2,
    runner: opt.RunnerOption = "threads",
    address: opt.AddressOption = None,
    sampler: opt.SamplerOption = None,
    as_json: opt.SweepAsJsonOption = False,
    force: opt.ForceOption = False,
) -> None:
    """Simulate a scenario at every point of a sweep, in one Prefect flow and one run."""
    request = sweep_request(locals())
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
    print_sweep(result)
    out.print(
        f'Stored in {db} as run {result["run_id"]}; e.g. countlab sql "select * from '
        f"sweep_outcome_probabilities where run_id = '{result['run_id']}'\""
    )


@app.command()
def serve(
    scenario: opt.ServeScenarioArgument,
    cron: opt.ServeCronOption,
    name: opt.ServeNameOption = None,
    timezone: opt.ServeTimezoneOption = None,
    draws: opt.PointDrawsOption = None,
    seed: opt.SweepSeedOption = None,
    vary: opt.VaryOption = None,
    design: opt.DesignOption = None,
    points: opt.PointsOption = None,
    db: opt.DbOption = Path(DEFAULT_DB),
    chunk_draws: opt.ChunkDrawsOption = DEFAULT_CHUNK_DRAWS,
    workers: opt.WorkersOption = 2,
    runner: opt.RunnerOption = "threads",
    address: opt.AddressOption = None,
    sampler: opt.SamplerOption = None,
    force: opt.ForceOption = False,
) -> None:
    """Serve a sweep as a Prefect deployment on a cron schedule (needs a Prefect server)."""
    configure_prefect()  # before Prefect is imported
    from flows.serve import serve_sweep

    request = sweep_request(locals())
    check_warehouse_file(db)
    serve_sweep(request, cron=cron, name=name, timezone=timezone, force=force)


@app.command()
def report(
    run_id: opt.ReportRunIdArgument,
    db: opt.DbOption = Path(DEFAULT_DB),
    out: opt.ReportOutOption = Path("reports-out"),
    output: opt.ReportOutputOption = "html,md",
    point: opt.ReportPointOption = None,
) -> None:
    """Write the report of a run, a sweep or a backtest: self-contained HTML and Markdown."""
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
    statement: opt.SqlStatementArgument,
    db: opt.DbOption = Path(DEFAULT_DB),
    output: opt.SqlOutputOption = "table",
    timeout: opt.SqlTimeoutOption = SQL_TIMEOUT_S,
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
        print_rows(columns, rows)


@app.command()
def bench(
    quick: opt.BenchQuickOption = False,
    as_json: opt.BenchAsJsonOption = False,
) -> None:
    """Measure the cost of a draw against the cost of its random numbers (benchmarks/)."""
    from benchmarks.bench import format_table, run_bench

    result = run_bench(quick=quick)
    print(json.dumps(result) if as_json else format_table(result, quick=quick))


@app.command()
def server(
    port: opt.ServerPortOption = 4200,
) -> None:
    """Run a local Prefect server (foreground); later runs on this machine use it and show in its UI."""
    configure_prefect(use_local_server=False)
    out.print(
        f"Prefect server on http://127.0.0.1:{port} (UI and API); Ctrl-C stops it. "
        "countlab run uses it automatically on port 4200, or set "
        f"PREFECT_API_URL=http://127.0.0.1:{port}/api"
    )
    sys.exit(run_prefect_server(port))


@app.command()
def gc(
    db: opt.DbOption = Path(DEFAULT_DB),
    dry_run: opt.GcDryRunOption = False,
) -> None:
    """Remove the stored rows of failed and interrupted runs (their runs rows stay)."""
    if not db.is_file():
        raise CountlabError(f"{db}: no warehouse here (nothing to collect)")
    print_garbage(collect_garbage(db, dry_run=dry_run), db=db, dry_run=dry_run)


cli_fit.register(app)
cli_share.register(app)
app.add_typer(cli_analyze.analyze)


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
