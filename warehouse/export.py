"""``countlab export``: a completed run's views as Parquet or CSV files a collaborator can
open, one file per view (DuckDB ``COPY``), with a ``manifest.json`` of the run's provenance
and each file's row count (issue 16 item 4).

The files are written into a staging folder inside the destination and moved into place
only once every one is complete, the manifest last: a failed export leaves no partial file
and never replaces an existing one (without ``force`` an existing file is an error before
anything is written). The connection is read-only and may write files under the staging
folder only."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from models.errors import CountlabError
from warehouse.backtests import countlab_version
from warehouse.queries import read_run
from warehouse.store import connect_read_only

EXPORTS: dict[str, tuple[str, str]] = {
    "points": ("completed_points", "point"),
    "draws": ("draws", "point, draw"),
    "objections": ("objection_votes", "point, draw, state"),
    "outcomes": ("outcome_probabilities", "all"),
    "winners": ("winner_probabilities", "all"),
    "sustained": ("objection_probabilities", "all"),
    "slates": ("slate_probabilities", "all"),
    "remand": ("remand_answers", "all"),
    "exact": ("exact_probabilities", "all"),
    "pivotal": ("pivotal_objections", "all"),
    "conditional": ("conditional_probabilities", "all"),
}
"""``--what`` name -> (the view or table exported, its order): one file per name."""

FORMATS = {"parquet": "(format parquet, compression zstd)", "csv": "(format csv, header true)"}
MANIFEST = "manifest.json"
HIDDEN_COLUMNS = ("run_key",)
"""Storage keys no collaborator needs (``completed_points`` has one)."""


def parse_what(text: str | None) -> tuple[str, ...] | None:
    """``--what``: comma-separated names of :data:`EXPORTS` in order (None: every one the
    warehouse has)."""
    if text is None:
        return None
    names = [part.strip() for part in text.split(",")]
    for name in names:
        if name not in EXPORTS:
            raise CountlabError(
                f"--what {text!r}: unknown view {name!r}; expected {', '.join(EXPORTS)}"
            )
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise CountlabError(f"--what {text!r}: {twice!r} given twice; name each view once")
    return tuple(names)


def file_names(what: tuple[str, ...], fmt: str) -> list[str]:
    """The files an export writes into the destination, the manifest last."""
    return [f"{name}.{fmt}" for name in what] + [MANIFEST]


def _existing_views(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select view_name from duckdb_views() where not internal"
        " union all select table_name from duckdb_tables()"
    ).fetchall()
    return {row[0] for row in rows}


def _columns(con: duckdb.DuckDBPyConnection, view: str) -> str:
    names = [row[0] for row in con.execute(f"describe {view}").fetchall()]
    return ", ".join(f'"{n}"' for n in names if n not in HIDDEN_COLUMNS)


def _provenance(run: dict[str, Any]) -> dict[str, Any]:
    def stamp(value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime) else value

    return {
        "run_id": run["run_id"],
        "kind": run["kind"],
        "scenario": json.loads(run["scenario"]),
        "scenario_hash": run["scenario_hash"],
        "session": run["session"],
        "regime": run["regime"],
        "seed": run["seed"],
        "draws": run["draws"],
        "points": run["points"],
        "sweep": json.loads(run["sweep"]) if run["sweep"] else None,
        "sampler": run["sampler"],
        "countlab_version": run["countlab_version"],
        "started_at": stamp(run["started_at"]),
        "finished_at": stamp(run["finished_at"]),
    }


def export_run(
    db: str | Path, run_id: str, *, what: tuple[str, ...] | None, fmt: str, out: Path, force: bool
) -> dict[str, Any]:
    """Write ``run_id``'s views ``what`` (None: all that the warehouse has) as ``fmt`` files
    into ``out`` (made if missing) and return the manifest written beside them."""
    if fmt not in FORMATS:
        raise CountlabError(f"--format {fmt!r}: expected {' or '.join(FORMATS)}")
    if out.exists() and not out.is_dir():
        raise CountlabError(f"--out {out}: a file, not a folder")
    targets = [out / name for name in file_names(what or tuple(EXPORTS), fmt)]
    clash = next((t for t in targets if t.exists()), None)
    if clash is not None and not force:
        raise CountlabError(f"--out {out}: {clash.name} exists; pass --force to overwrite it")
    made = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".countlab-export-", dir=out))
    try:
        manifest = _write_files(
            db,
            run_id,
            what=what or tuple(EXPORTS),
            explicit=what is not None,
            fmt=fmt,
            staging=staging,
        )
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        for name in [entry["file"] for entry in manifest["files"]] + [MANIFEST]:
            (staging / name).replace(out / name)
    except BaseException:
        if made:  # nothing was exported: leave no folder behind either
            shutil.rmtree(out, ignore_errors=True)
        raise
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(staging)
    return manifest


def _write_files(
    db: str | Path, run_id: str, *, what: tuple[str, ...], explicit: bool, fmt: str, staging: Path
) -> dict[str, Any]:
    con = connect_read_only(db, writable=staging)
    try:
        run = read_run(con, run_id)
        if run["status"] != "completed":
            raise CountlabError(
                f"run {run_id!r} is {run['status']}, not completed: nothing to export"
            )
        present = _existing_views(con)
        files = []
        for name in what:
            view, order = EXPORTS[name]
            if view not in present and not explicit:
                continue
            if view not in present:
                raise CountlabError(
                    f"--what {name}: this warehouse has no {view} (made by an older countlab)"
                )
            path = str((staging / f"{name}.{fmt}").absolute()).replace("'", "''")
            row = con.execute(
                f"copy (select {_columns(con, view)} from {view} where run_id = ? "
                f"order by {order}) to '{path}' {FORMATS[fmt]}",
                [run_id],
            ).fetchone()
            files.append(
                {
                    "what": name,
                    "view": view,
                    "file": f"{name}.{fmt}",
                    "rows": int(row[0]) if row else 0,
                }
            )
    finally:
        con.close()
    return {
        **_provenance(run),
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "exported_by": f"countlab {countlab_version()}",
        "format": fmt,
        "files": files,
    }
