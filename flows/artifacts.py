"""The artifacts a run or sweep leaves on its Prefect flow run (scheduled ones too).

- ``countlab-KIND-ID-outcomes`` and ``countlab-KIND-ID-objections``: tables of the outcome
  probabilities and of each objection's (a sweep: per point, with its parameters);
- ``countlab-KIND-ID``: Markdown with the warehouse run id, the SQL to query it and the
  report's path when one was written;
- ``countlab-KIND-ID-progress``: the share of draws stored, updated as chunks land.

An artifact never fails a run: if the Prefect API refuses one, a warning goes to the flow
run's log and the run goes on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from flows.flowruns import scenario_name, warn
from flows.plans import Plan

if TYPE_CHECKING:
    from flows.chunks import ProgressHook

PROGRESS_ARTIFACT_S = 2.0
"""Seconds between updates of the progress artifact (and one when the last chunk lands)."""

OUTCOME_FIELDS = ("p", "se", "ci_low", "ci_high", "exact")
OBJECTION_FIELDS = ("p_raised", "p_sustained", "se", "ci_low", "ci_high", "exact")

T = TypeVar("T")


def artifact_key(plan: Plan, what: str = "") -> str:
    """``countlab-KIND-ID[-WHAT]``: lowercase letters, digits and dashes, as Prefect asks."""
    key = "-".join(part for part in ("countlab", plan.kind, plan.record.run_id, what) if part)
    return re.sub(r"[^a-z0-9-]+", "-", key.lower())


def safely(what: str, call: Callable[[], T]) -> T | None:
    """``call()``, or None and a warning if the Prefect API refuses it."""
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 (an artifact never fails a run)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        warn(
            f"countlab: the Prefect artifact {what} was not created ({type(exc).__name__}: {reason})"
        )
        return None


def _points(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """A run's one point, or a sweep's points, each with its ``params``."""
    return summary.get("points") or [{"point": 0, "params": {}, **summary}]


def _rounded(entry: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {
        field: round(entry[field], 6) if isinstance(entry[field], float) else entry[field]
        for field in fields
        if field in entry
    }


def _rows(
    summary: dict[str, Any], part: str, name: str, fields: Iterable[str]
) -> list[dict[str, Any]]:
    sweep = "points" in summary
    rows = []
    for point in _points(summary):
        where = {"point": point["point"], **point["params"]} if sweep else {}
        for key, entry in point.get(part, {}).items():
            rows.append({**where, name: key, **_rounded(entry, fields)})
    return rows


def outcome_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The outcome probabilities of a run or sweep summary, one row per (point and) label."""
    return _rows(summary, "outcomes", "outcome", OUTCOME_FIELDS)


def objection_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each objection's probabilities, one row per (point and) state."""
    return _rows(summary, "objections", "state", OBJECTION_FIELDS)


def run_markdown(plan: Plan, *, report: Iterable[Path] = ()) -> str:
    """The run's Markdown: its id, what it ran, the SQL to query it, its report."""
    record, run_id = plan.record, plan.record.run_id
    db = str(Path(plan.request.db).absolute())
    view = "outcome_probabilities" if plan.kind == "run" else "sweep_outcome_probabilities"
    points = f", {len(plan.points)} points" if plan.kind == "sweep" else ""
    lines = [
        f"# countlab {plan.kind} `{run_id}`",
        "",
        (
            f"Scenario **{scenario_name(plan)}** (`{plan.request.scenario_path or 'resumed'}`, "
            f"hash `{record.scenario_hash[:12]}`), session {record.session}, regime "
            f"{record.regime}: {record.draws:,} draws{' per point' if points else ''}{points}, "
            f"seed {record.seed}, sampler {record.sampler}."
        ),
        "",
        f"Stored in the warehouse `{db}` as run id `{run_id}`. Query it:",
        "",
        "```",
        f"countlab sql --db {db} \\",
        f"    \"select * from {view} where run_id = '{run_id}'\"",
        "```",
        "",
    ]
    written = [str(path) for path in report]
    if written:
        lines += ["Report: " + ", ".join(f"`{path}`" for path in written), ""]
    else:
        lines += [f"Report: `countlab report {run_id} --db {db}` writes one.", ""]
    return "\n".join(lines)


def record_artifacts(plan: Plan, summary: dict[str, Any], *, report: Iterable[Path] = ()) -> None:
    """Leave the outcome and objection tables and the Markdown on the current flow run."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    about = f"countlab {plan.kind} {plan.record.run_id}"
    tables = {"outcomes": outcome_rows(summary), "objections": objection_rows(summary)}
    for what, rows in tables.items():
        key = artifact_key(plan, what)
        safely(key, partial(create_table_artifact, rows, key=key, description=f"{about}: {what}"))
    key = artifact_key(plan)
    markdown = run_markdown(plan, report=report)
    safely(key, partial(create_markdown_artifact, markdown, key=key, description=about))


def track_progress(
    plan: Plan, progress: ProgressHook | None = None, *, every: float = PROGRESS_ARTIFACT_S
) -> ProgressHook:
    """``progress`` that also keeps the flow run's progress artifact (percent of draws
    stored) up to date, at most every ``every`` seconds and once at the end."""
    from prefect.artifacts import create_progress_artifact, update_progress_artifact

    total = max(1, plan.total_draws)
    key = artifact_key(plan, "progress")
    description = f"countlab {plan.kind} {plan.record.run_id}: draws stored"
    created = safely(key, partial(create_progress_artifact, 0.0, key=key, description=description))
    artifact = created if isinstance(created, UUID) else None
    done = 0
    last = time.monotonic()
    live = artifact is not None

    def report(n: int) -> None:
        nonlocal done, last, live
        if progress is not None:
            progress(n)
        done += n
        now = time.monotonic()
        if artifact is None or not live or (now - last < every and done < total):
            return
        last = now
        share = min(100.0, 100.0 * done / total)

        def update() -> bool:
            update_progress_artifact(artifact, share)
            return True

        live = safely(key, update) is not None

    return report
