"""``countlab analyze``: what drives a stored sweep's outcome (issue 15). ``sensitivity``
(Sobol' or Morris indices, :mod:`flows.sensitivity`) and ``discover`` (PRIM boxes,
:mod:`flows.discovery`); both read the warehouse, store their result in it
(:mod:`warehouse.analyses`) and print a table or one JSON object."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows import options as opt
from warehouse.store import DEFAULT_DB

analyze = typer.Typer(
    name="analyze",
    help="What drives a sweep's outcome: sensitivity indices and scenario discovery.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

RunIdArgument = Annotated[str, typer.Argument(help="A sweep's run id (countlab sweep prints it).")]
OutcomeOption = Annotated[
    str | None,
    typer.Option(help="An outcome label: the target is P(LABEL), e.g. electors:biden."),
]
SustainedOption = Annotated[
    str | None, typer.Option(help="A state: the target is P(its objection is sustained).")
]
MethodOption = Annotated[
    str | None,
    typer.Option(
        help="sobol (a saltelli sweep) or morris (a morris sweep); default: the sweep's design's."
    ),
]
TargetOption = Annotated[
    str, typer.Option(help="An outcome label (P(LABEL)) or a state (P(sustained)).")
]
LevelOption = Annotated[
    float, typer.Option(help="Points of interest: the target's probability is at least LEVEL.")
]
MinDensityOption = Annotated[
    float,
    typer.Option(
        help="A box's least share of points of interest (1: every point in it reaches LEVEL)."
    ),
]
MaxBoxesOption = Annotated[int, typer.Option(help="Boxes to find, one after another.")]


@analyze.command("sensitivity")
def sensitivity_command(
    run_id: RunIdArgument,
    outcome: OutcomeOption = None,
    sustained: SustainedOption = None,
    method: MethodOption = None,
    db: opt.DbOption = Path(DEFAULT_DB),
    as_json: opt.TallyAsJsonOption = False,
) -> None:
    """Sobol' indices (first-order S1, total ST, bootstrap 95% intervals, the Monte Carlo
    noise floor) or Morris elementary effects of each outcome's probability and each
    objection's P(sustained), for every swept key; stored in the warehouse."""
    from flows.sensitivity import sensitivity

    sensitivity(db, run_id, outcome=outcome, sustained=sustained, method=method, as_json=as_json)


@analyze.command("discover")
def discover_command(
    run_id: RunIdArgument,
    target: TargetOption,
    level: LevelOption,
    min_density: MinDensityOption = 1.0,
    max_boxes: MaxBoxesOption = 3,
    db: opt.DbOption = Path(DEFAULT_DB),
    as_json: opt.TallyAsJsonOption = False,
) -> None:
    """Scenario discovery (PRIM): the simplest boxes of the swept space in which the
    target's probability is at least LEVEL, with the peeling trajectory; stored in the
    warehouse."""
    from flows.discovery import discover

    discover(
        db,
        run_id,
        target=target,
        level=level,
        min_density=min_density,
        max_boxes=max_boxes,
        as_json=as_json,
    )
