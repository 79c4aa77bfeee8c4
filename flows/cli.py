"""The ``countlab`` command line: parse arguments, call the domain or a flow, print.

User mistakes (:class:`models.errors.CountlabError`) become one line on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from flows.sessions import load_session, shipped_sessions
from models.count import count_session, describe_count
from models.errors import CountlabError
from models.rules import GROUNDS, REGIMES, SWITCHES, Rules, rules_for
from models.session import Session
from models.states import STATE_INDEX
from models.tally import Rejection

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
    """Parse repeated ``--rule KEY=VALUE`` options."""
    overrides = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise CountlabError(
                f"--rule {item!r}: expected KEY=VALUE, e.g. delegation_rule=majority_of_delegation"
            )
        overrides[key.strip()] = value.strip()
    return overrides


def resolve_rules(
    session: Session, regime: str | None, denominator: str | None, rule: list[str]
) -> Rules:
    """Return the session's default regime (or ``regime``) with user overrides applied."""
    overrides: dict[str, str | int | bool] = dict(parse_rule_overrides(rule))
    if denominator is not None:
        overrides["denominator"] = denominator
    return rules_for(regime or session.default_regime, **overrides)


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
    how = result["outcome"].split(":")[0]
    out.print(
        f"[bold]President: {winner or 'no choice'}[/bold]"
        + (f" (elected by the {'electors' if how == 'electors' else 'House'})" if winner else "")
        + f"; Vice President: {result['vice_president']['winner'] or 'no choice'}; "
        f"acting President on 20 January: {result['acting_president']}"
    )


@app.command()
def tally(
    session: Annotated[
        str, typer.Option(help="Shipped session date or a session directory.")
    ] = "2021-01-06",
    reject: Annotated[
        str,
        typer.Option(
            help="States whose votes are rejected: AZ,PA or AZ:not_lawfully_certified or NE@biden."
        ),
    ] = "",
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
    loaded = load_session(session)
    if ground is not None:
        rule = [*rule, f"objection_ground={ground}"]
    rules = resolve_rules(loaded, regime, denominator, rule)
    rejections = parse_rejections(reject) if reject.strip() else []
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
    table = Table("switch", "values", *REGIMES, "rules.md")
    for name, switch in SWITCHES.items():
        table.add_row(
            name,
            " | ".join(switch.values),
            *(str(getattr(r, name)).lower() for r in REGIMES.values()),
            switch.rule,
        )
    out.print(table)


def main() -> None:
    """Entry point of the ``countlab`` console script."""
    try:
        app()
    except CountlabError as error:
        print(f"countlab: error: {error}", file=sys.stderr)
        sys.exit(2)
