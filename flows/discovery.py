"""``countlab analyze discover``: scenario discovery (PRIM, :mod:`models.discovery`) on a
stored sweep. The points of interest are the sweep's points where the target's probability
(an outcome's, or an objection's P(sustained)) is at least ``level``; the keys are the
swept keys, numeric ones as numbers and the others as categories. Every step of every
box's trajectory is stored in ``discovered_boxes`` (:func:`warehouse.analyses.store_boxes`,
one transaction that replaces the same run, target and level), then printed.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table

from models.discovery import Box, Step, find_boxes, search_box
from models.errors import CountlabError, OptionError
from reports.discovery import restriction_words
from reports.sensitivity import target_title
from warehouse.analyses import store_boxes
from warehouse.queries import read_run, read_sweep
from warehouse.store import connect_read_only

out = Console(highlight=False, soft_wrap=True)

Value = float | int | str | bool
MAX_SHOWN_STEPS = 25
"""A longer trajectory is shown thinned to about this many steps (all are stored)."""


@dataclass(frozen=True, slots=True)
class Key:
    """A swept key: numeric (its values as numbers) or categorical (its values, in order)."""

    name: str
    categories: tuple[Value, ...] | None  # None: numeric
    integral: bool = False  # numeric with whole values only: bounds shown as integers


@dataclass(frozen=True, slots=True)
class Points:
    """A sweep's points as PRIM sees them, and each point's target probability."""

    keys: tuple[Key, ...]
    x: NDArray[np.float64]  # (n_points, n_keys)
    p: NDArray[np.float64]  # (n_points,)
    target: str  # the target, as stored: an outcome label or a state
    what: str  # the target in words: P(electors:biden), P(AZ sustained)


def check_options(*, level: float, min_density: float, max_boxes: int) -> None:
    """Each option in its range, before the warehouse is opened."""
    if not 0.0 <= level <= 1.0:
        raise OptionError("level", f"{level:g}", "expected a probability in [0, 1]")
    if not 0.0 < min_density <= 1.0:
        raise OptionError("min_density", f"{min_density:g}", "expected a share in (0, 1]")
    if max_boxes < 1:
        raise OptionError("max_boxes", str(max_boxes), "expected 1 or more")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _keys(points: list[dict[str, Any]]) -> tuple[Key, ...]:
    names = list(dict.fromkeys(k for p in points for k in p["params"]))
    keys = []
    for name in names:
        values = [p["params"].get(name) for p in points]
        if all(_is_number(v) for v in values):
            keys.append(Key(name, None, integral=all(isinstance(v, int) for v in values)))
        else:
            keys.append(Key(name, tuple(dict.fromkeys(values))))
    return tuple(keys)


def _resolve_target(target: str, points: list[dict[str, Any]], run_id: str) -> tuple[str, str]:
    """``(section, name)``: ``("outcomes", label)`` or ``("objections", state)``."""
    labels = list(dict.fromkeys(lb for p in points for lb in p["outcomes"]))
    states = list(dict.fromkeys(s for p in points for s in p["objections"]))
    if target in labels:
        return "outcomes", target
    if target.upper() in states:
        return "objections", target.upper()
    known = ", ".join(labels + states)
    raise OptionError(
        "target",
        repr(target),
        f"no such outcome or objection in run {run_id}; expected one of {known}",
    )


def read_points(db: str | Path, run_id: str, target: str) -> Points:
    """The sweep's points and target, from a read-only connection."""
    con = connect_read_only(db)
    try:
        run = read_run(con, run_id)
        if run["kind"] != "sweep":
            raise CountlabError(
                f"run {run_id!r} is a run of one point, not a sweep: nothing to discover "
                "(countlab sweep varies keys)"
            )
        sweep = read_sweep(con, run_id)
    finally:
        con.close()
    points = sweep["points"]
    keys = _keys(points)
    if not keys:
        raise CountlabError(f"sweep {run_id!r} varies no key: nothing to discover")
    section, name = _resolve_target(target, points, run_id)
    field = "p" if section == "outcomes" else "p_sustained"
    p = np.array([p[section].get(name, {field: 0.0})[field] for p in points], dtype=np.float64)
    x = np.array(
        [
            [
                float(pt["params"][k.name])
                if k.categories is None
                else k.categories.index(pt["params"].get(k.name))
                for k in keys
            ]
            for pt in points
        ],
        dtype=np.float64,
    ).reshape(len(points), len(keys))
    return Points(keys=keys, x=x, p=p, target=name, what=target_title(name))


def _bound(value: float, key: Key) -> Value:
    return int(value) if key.integral else value


def restrictions(step: Step, keys: tuple[Key, ...]) -> dict[str, list[Value]]:
    """A step's restrictions in the keys' values: ``{KEY: [lo, hi]}`` or ``{KEY: [values]}``."""
    shown: dict[str, list[Value]] = {}
    for j, restriction in sorted(step.restrictions.items()):
        key = keys[j]
        if key.categories is None:
            lo, hi = restriction
            shown[key.name] = [_bound(float(lo), key), _bound(float(hi), key)]
        else:
            shown[key.name] = [key.categories[int(c)] for c in restriction]
    return shown


def box_rows(boxes: tuple[Box, ...], keys: tuple[Key, ...]) -> list[dict[str, Any]]:
    """Every step of every box, as ``discovered_boxes`` rows (boxes from 1, steps from 0)."""
    return [
        {
            "box": b,
            "step": i,
            "chosen": i == box.chosen,
            "coverage": step.coverage,
            "density": step.density,
            "mass": step.mass,
            "n_restricted": step.n_restricted,
            "restrictions": restrictions(step, keys),
        }
        for b, box in enumerate(boxes, start=1)
        for i, step in enumerate(box.steps)
    ]


def summary(
    run_id: str,
    points: Points,
    *,
    level: float,
    min_density: float,
    boxes: tuple[Box, ...],
    trajectory: tuple[Step, ...],
) -> dict[str, Any]:
    """The ``--json`` object: the chosen boxes, and the first search's trajectory."""
    chosen = [box.steps[box.chosen] for box in boxes if box.chosen is not None]
    return {
        "run_id": run_id,
        "target": points.target,
        "level": level,
        "min_density": min_density,
        "boxes": [
            {
                "coverage": s.coverage,
                "density": s.density,
                "mass": s.mass,
                "restrictions": restrictions(s, points.keys),
            }
            for s in chosen
        ],
        "trajectory": [
            {
                "coverage": s.coverage,
                "density": s.density,
                "mass": s.mass,
                "n_restricted": s.n_restricted,
            }
            for s in trajectory
        ],
    }


def discover(
    db: str | Path,
    run_id: str,
    *,
    target: str,
    level: float,
    min_density: float,
    max_boxes: int,
    as_json: bool,
) -> dict[str, Any]:
    """Find, store and print the boxes where the target's probability is at least ``level``;
    return the ``--json`` object."""
    check_options(level=level, min_density=min_density, max_boxes=max_boxes)
    points = read_points(db, run_id, target)
    y = points.p >= level
    is_categorical = np.array([k.categories is not None for k in points.keys], dtype=np.bool_)
    boxes: tuple[Box, ...] = ()
    first: Box | None = None  # the first search, even when it found no box
    if y.any():
        boxes = find_boxes(
            points.x, y, is_categorical=is_categorical, min_density=min_density, max_boxes=max_boxes
        )
        first = boxes[0] if boxes else None
        if first is None:  # no box: the trajectory still says how dense a box can be
            first = search_box(points.x, y, is_categorical=is_categorical, min_density=min_density)
    rows = box_rows(boxes, points.keys)
    store_boxes(db, run_id=run_id, target=points.target, level=level, rows=rows)
    result = summary(
        run_id,
        points,
        level=level,
        min_density=min_density,
        boxes=boxes,
        trajectory=first.steps if first is not None else (),
    )
    stored = (
        f"Stored in {db} (discovered_boxes, {len(rows)} rows); countlab report {run_id} "
        f"--db {db} shows them"
        if rows
        else f"No box to store: {db} holds none for run {run_id}, {points.what} >= {level:g}"
    )
    if as_json:
        print(json.dumps(result))
        print(stored, file=sys.stderr)
    else:
        print_discovery(result, points, first)
        out.print(stored)
    return result


def print_discovery(result: dict[str, Any], points: Points, first: Box | None) -> None:
    """The chosen boxes in words, then the first search's trajectory as a table."""
    n_interest = int((points.p >= result["level"]).sum())
    out.print(
        f"[bold]Sweep {result['run_id']}[/]: {points.what} >= {result['level']:g} at "
        f"{n_interest} of {points.p.size} points; boxes of density >= {result['min_density']:g}"
    )
    if first is None:
        out.print(
            f"No point reaches the level (the highest {points.what} is {points.p.max():.4f}): "
            "nothing to discover"
        )
        return
    numeric = [k.name for k in points.keys if k.categories is None]
    for i, box in enumerate(result["boxes"], start=1):
        out.print(
            f"Box {i}: {restriction_words(box['restrictions'], numeric)}  (coverage "
            f"{box['coverage']:.3f}, density {box['density']:.3f}, mass {box['mass']:.3f})"
        )
    trajectory = result["trajectory"]
    if not result["boxes"]:
        densest = max(s["density"] for s in trajectory)
        out.print(
            f"No box reaches density {result['min_density']:g} (the trajectory's highest is "
            f"{densest:.3f}); a lower --min-density may find one"
        )
    chosen = first.chosen
    shown = _thinned(len(trajectory), chosen)
    table = Table(
        "step",
        "phase",
        "coverage",
        "density",
        "mass",
        "keys restricted",
        title="Trajectory (box 1)",
    )
    for i in shown:
        s = trajectory[i]
        table.add_row(
            str(i),
            first.phase(i) + (" (chosen)" if i == chosen else ""),
            f"{s['coverage']:.3f}",
            f"{s['density']:.3f}",
            f"{s['mass']:.3f}",
            str(s["n_restricted"]),
        )
    out.print(table)


def _thinned(n_steps: int, chosen: int | None) -> list[int]:
    """The steps shown: all, or about :data:`MAX_SHOWN_STEPS` evenly spread with the first,
    the last and the chosen one."""
    if n_steps <= MAX_SHOWN_STEPS:
        return list(range(n_steps))
    spread = np.linspace(0, n_steps - 1, MAX_SHOWN_STEPS).round().astype(int).tolist()
    return sorted({*spread, *(() if chosen is None else (chosen,))})
