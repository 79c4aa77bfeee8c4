"""What the CLI shows: progress while a flow runs (a progress bar on a terminal, else
progress lines, also in the flow run's Prefect log) and the tables its commands print.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Column, Table

from flows.sessions import load_session, shipped_sessions
from models.outcomes import outcome_kind
from models.remand import remand_allowed
from models.rules import REGIMES, SWITCHES
from models.switches import as_text
from warehouse.gc import Garbage
from warehouse.queries import read_flips
from warehouse.store import connect_read_only

PROGRESS_SECONDS = 5.0
"""Seconds between progress lines when stderr is no terminal (``COUNTLAB_PROGRESS_SECONDS``)."""


def progress_lines(total: int, *, what: str) -> Callable[[int], None]:
    """Progress as log lines on stderr (no terminal: cron, CI, a log file) and in the Prefect
    flow run's log: the first chunk, then at most one line every ``PROGRESS_SECONDS``
    (``COUNTLAB_PROGRESS_SECONDS`` sets it; 0 gives a line per chunk), and the last. The rate
    is counted from the first chunk stored, so start-up (Prefect, the first task) is not in it.
    """
    interval = float(os.environ.get("COUNTLAB_PROGRESS_SECONDS", PROGRESS_SECONDS))
    done = 0
    last = -math.inf
    first: tuple[float, int] | None = None  # (when, draws) at the first chunk

    def report(n: int) -> None:
        nonlocal done, last, first
        done += n
        now = time.monotonic()
        if first is None:
            first = (now, done)
        if now - last < interval and done < total:
            return
        last = now
        line = f"countlab {what}: {done:,}/{total:,} draws stored"
        if now > first[0]:
            line += f" ({(done - first[1]) / (now - first[0]):,.0f} draws/s)"
        print(line, file=sys.stderr, flush=True)
        flow_log(line)

    return report


def flow_log(line: str) -> None:
    """``line`` in the current Prefect flow run's log (shown in its UI), if there is one."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    with contextlib.suppress(MissingContextError):
        get_run_logger().info(line)


def with_progress(
    start: Callable[[Callable[[int], None]], dict[str, Any]], *, total: int, what: str
) -> dict[str, Any]:
    """``start(progress)`` with a progress bar of ``total`` draws on a terminal, else
    progress lines (``what``: run or sweep)."""
    if not sys.stderr.isatty():
        return start(progress_lines(total, what=what))
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} draws"),
        TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task_id = bar.add_task("draws", total=total)
        return start(lambda n: bar.advance(task_id, n))


# Piped output (files, tests, CI logs) is not cut to 80 columns.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def print_count(result: dict[str, Any]) -> None:
    """Print one deterministic count (``countlab tally``)."""
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
    print_slates(result)
    if not result["count_complete_before_deadline"]:
        out.print("[bold]The count is not complete by noon on 20 January[/bold]: no totals")
    else:
        out.print(
            f"Whole number of electors: {result['whole_number']} (appointed "
            f"{result['appointed']}); majority needed: {result['majority_needed']}"
        )
    table = Table("candidate", "electoral votes", "vice president", "electoral votes")
    pres = list((result["totals"] or {}).items())
    vps = list((result["vice_president"]["totals"] or {}).items())
    for i in range(max(len(pres), len(vps))):
        p = pres[i] if i < len(pres) else ("", "")
        v = vps[i] if i < len(vps) else ("", "")
        table.add_row(p[0], str(p[1]), v[0], str(v[1]))
    if pres:
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


def print_slates(result: dict[str, Any]) -> None:
    """The remand and the competing slates of a count, in words (remand.md M14)."""
    remand = result["remand"]
    if remand is not None:
        when = (
            f"lawfully; the count resumes on {remand['resume']}"
            if remand["lawful"]
            else "without lawful power: the count goes on"
        )
        out.print(f"Remand ({remand['trigger']}) of {', '.join(remand['states'])}, {when}")
        if remand["answers"]:
            answers = ", ".join(f"{s} {a}" for s, a in remand["answers"].items())
            out.print(f"Legislatures' answers: {answers}")
    if result["counted_slate"]:
        slates = ", ".join(f"{s} {slate}" for s, slate in result["counted_slate"].items())
        out.print(f"Slates counted: {slates}")
    for note in result["legal_notes"]:
        out.print(f"  note: {note}")


def print_sessions() -> None:
    """The shipped sessions (``countlab sessions``)."""
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


def print_rules() -> None:
    """The rule switches, their values and each regime's default (``countlab rules``)."""
    table = Table(Column("switch", no_wrap=True), "values", *REGIMES, "rules.md")
    for name, switch in SWITCHES.items():
        table.add_row(
            name,
            " | ".join(switch.values),
            *(as_text(getattr(r, name)) for r in REGIMES.values()),
            switch.rule if switch.modelled else f"{switch.rule}\nnot modelled yet",
        )
    table.add_row(
        "remand_allowed",
        "derived",
        *(as_text(remand_allowed(r)) for r in REGIMES.values()),
        "remand.md M1, L6, L7",
    )
    out.print(table)


def print_summary(summary: dict[str, Any], *, db: Path | None = None) -> None:
    """A run's summary: outcomes, objections, pivotal objections (what a flip does most
    often is read from ``db`` when given), winners (``countlab run``)."""
    oracle = next(
        (key for key in ("exact", "approx") if any(key in o for o in summary["outcomes"].values())),
        None,
    )  # "approx": the member model's stated approximation (models.member_oracle)
    exact_column = () if oracle is None else ("exact" if oracle == "exact" else "approx.",)
    outcomes = Table(
        "outcome", "P", "± SE", "95% interval", *exact_column, title="How the President is chosen"
    )
    for label, o in summary["outcomes"].items():
        exact = () if oracle is None else (f"{o[oracle]:.4f}",)
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
    if summary["objections"]:
        out.print(objections)
    if any(p is not None for p in summary.get("pivotal", {}).values()):
        print_pivotal(summary["pivotal"], {} if db is None else run_flips(db, summary["run_id"]))
    if summary.get("slates"):
        print_slate_probabilities(summary["slates"])
    winners = ", ".join(f"{c} {w['p']:.4f}" for c, w in summary["winners"].items())
    out.print(f"President chosen by any route: {winners}")


def run_flips(db: Path, run_id: str) -> dict[str, dict[str, Any]]:
    """What flipping each objection of a run most often does (``warehouse.queries``)."""
    con = connect_read_only(db)
    try:
        return read_flips(con, run_id)
    finally:
        con.close()


def print_pivotal(pivotal: dict[str, float | None], flips: dict[str, dict[str, Any]]) -> None:
    """P(pivotal) per objection: the share of draws in which flipping its sustained state
    changes the outcome, and in words what a flip does most often."""
    table = Table("objection", "P(pivotal)", "a flip most often", title="Pivotal objections")
    for state, p in pivotal.items():
        flip = flips.get(state)
        words = (
            ""
            if flip is None
            else f"{'sustaining' if flip['direction'] == 'sustain' else 'overruling'} it: "
            f"{flip['from_label']} becomes {flip['to_label']} ({flip['p']:.2%} of draws)"
        )
        table.add_row(state, "" if p is None else f"{p:.4f}", words)
    out.print(table)


def print_slate_probabilities(slates: dict[str, Any]) -> None:
    """P(each slate counted) per state remanded or with two returns (remand.md M15), with
    the exact values beside when the run has them."""
    with_exact = any("exact" in entry for entry in slates.values())
    names = ("original", "alternate", "none")
    table = Table(
        "state",
        *(f"P({n}) ± SE" for n in names),
        *((f"exact {n}" for n in names) if with_exact else ()),
        title="Slates counted",
    )
    for state, entry in slates.items():
        exact = tuple(f"{entry['exact'][n]:.4f}" for n in names) if with_exact else ()
        table.add_row(state, *(f"{entry[n]:.4f} ± {entry['se'][n]:.4f}" for n in names), *exact)
    out.print(table)


SWEEP_ROWS_SHOWN = 40
"""Points a sweep prints on the terminal; the rest are in the warehouse (a sampled design has
thousands)."""


def print_sweep(result: dict[str, Any]) -> None:
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
    for p in points[:SWEEP_ROWS_SHOWN]:
        table.add_row(
            str(p["point"]),
            *(_cell(p["params"].get(k)) for k in keys),
            *(_probability(p["outcomes"].get(lb)) for lb in labels),
            *(_probability(p["objections"].get(s), "p_sustained") for s in states),
        )
    out.print(table)
    if len(points) > SWEEP_ROWS_SHOWN:
        out.print(
            f"The first {SWEEP_ROWS_SHOWN} of {len(points):,} points; all of them: countlab "
            f'report {result["run_id"]}, --json, or countlab sql "select * from '
            f"sweep_probabilities where run_id = '{result['run_id']}'\""
        )


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def _probability(entry: dict[str, Any] | None, key: str = "p") -> str:
    if entry is None:
        return ""
    return f"{entry[key]:.4f} ± {entry['se']:.4f}"


def print_rows(columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """A query's rows as a table (``countlab sql --format table``)."""
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)


def print_garbage(found: list[Garbage], *, db: Path, dry_run: bool) -> None:
    """What ``countlab gc`` removed (or would remove), one line per run and a total."""
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
