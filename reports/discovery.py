"""The sweep report's "Where the outcome happens": the boxes ``countlab analyze discover``
stored (``discovered_boxes``, :func:`warehouse.analyses.read_boxes`), in words and as
peeling trajectories (coverage against density, the chosen step marked)."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import duckdb

from reports import charts
from reports.sensitivity import target_title
from warehouse.analyses import read_boxes


def _value(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def restriction_words(restrictions: dict[str, list[Any]], numeric: Collection[str]) -> str:
    """``KEY in [lo, hi] and KEY2 in {a, b}`` (``numeric``: the keys given as [lo, hi])."""
    parts = [
        f"{key} in [{values[0]:g}, {values[1]:g}]"
        if key in numeric
        else f"{key} in {{{', '.join(map(_value, values))}}}"
        for key, values in restrictions.items()
    ]
    return " and ".join(parts) or "everywhere (no key restricted)"


def discovery_data(
    con: duckdb.DuckDBPyConnection, run_id: str, numeric: Collection[str]
) -> list[dict[str, Any]]:
    """Each stored analysis of ``run_id`` (by target, then level): ``{"target", "level",
    "what", "boxes": [{"box", "coverage", "density", "mass", "words"}], "steps": {box:
    [(coverage, density, chosen)]}}``; ``[]`` without one."""
    analyses: dict[tuple[str, float], dict[str, Any]] = {}
    for row in read_boxes(con, run_id):
        analysis = analyses.setdefault(
            (row["target"], row["level"]),
            {
                "target": row["target"],
                "level": row["level"],
                "what": target_title(row["target"]),
                "boxes": [],
                "steps": {},
            },
        )
        analysis["steps"].setdefault(row["box"], []).append(
            (row["coverage"], row["density"], row["chosen"])
        )
        if row["chosen"]:
            analysis["boxes"].append(
                {
                    "box": row["box"],
                    "coverage": row["coverage"],
                    "density": row["density"],
                    "mass": row["mass"],
                    "words": restriction_words(row["restrictions"], numeric),
                }
            )
    return list(analyses.values())


def discovery_charts(analyses: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """``[(caption, svg)]``: one trajectory chart per analysis, a line per box."""
    return [
        (
            (
                f"Peeling and pasting trajectory of the boxes where {a['what']} >= "
                f"{a['level']:g}: each step's coverage against its density; the chosen box circled."
            ),
            charts.trajectory_chart(
                f"Boxes where {a['what']} >= {a['level']:g}",
                {f"box {box}": steps for box, steps in a["steps"].items()},
            ),
        )
        for a in analyses
    ]
