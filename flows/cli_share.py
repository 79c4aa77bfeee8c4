"""The commands that share a warehouse's runs (issue 16): ``countlab export`` (a run's views
as Parquet or CSV files with a manifest) and ``countlab runs`` (the warehouse's runs, with
their Prefect flow runs). Registered on the CLI's app by :mod:`flows.cli`."""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Column, Table

from flows import options as opt
from flows.checks import check_folder, writing_to
from flows.console import out
from flows.launch import LOCAL_SERVER, local_server_running
from warehouse.export import EXPORTS, export_run, parse_what
from warehouse.records import read_runs
from warehouse.store import DEFAULT_DB, connect_read_only

ExportRunIdArgument = Annotated[str, typer.Argument(help="A run or sweep id.")]
WhatOption = Annotated[
    str | None,
    typer.Option(help=f"Comma-separated views to write (default all): {', '.join(EXPORTS)}."),
]
ExportFormatOption = Annotated[
    str, typer.Option("--format", help="parquet (default) or csv: one file per view.")
]
ExportOutOption = Annotated[Path, typer.Option("--out", help="Folder to write the files into.")]
ForceOption = Annotated[bool, typer.Option(help="Overwrite files an earlier export left there.")]


def export(
    run_id: ExportRunIdArgument,
    out: ExportOutOption,
    what: WhatOption = None,
    fmt: ExportFormatOption = "parquet",
    db: opt.DbOption = Path(DEFAULT_DB),
    force: ForceOption = False,
) -> None:
    """Write a run's views as Parquet or CSV files, one per view, with a manifest.json of
    the run's provenance (scenario, hash, seed, draws, version) and each file's rows."""
    names = parse_what(what)
    check_folder(out, "--out")
    with writing_to(out, "--out"):
        manifest = export_run(db, run_id, what=names, fmt=fmt, out=out, force=force)
    for entry in manifest["files"]:
        print(f"{out / entry['file']}  ({entry['rows']:,} rows of {entry['view']})")
    print(out / "manifest.json")


def prefect_ui_base() -> str | None:
    """The Prefect server runs would use now (``PREFECT_API_URL``, else ``countlab server``
    on port 4200), as its UI's address, if it answers."""
    api = (os.environ.get("PREFECT_API_URL") or LOCAL_SERVER).rstrip("/")
    if not local_server_running(api, timeout=2.0):
        return None
    return os.environ.get("PREFECT_UI_URL", "").rstrip("/") or api.removesuffix("/api")


def flow_run_links(flow_run_ids: list[str], *, timeout: float = 5.0) -> dict[str, str]:
    """The UI page of each flow run the answering Prefect server knows (``{id: url}``; none
    when no server answers: a temporary server's runs are gone with it)."""
    base = prefect_ui_base()
    if base is None or not flow_run_ids:
        return {}
    api = (os.environ.get("PREFECT_API_URL") or f"{base}/api").rstrip("/")
    known: set[str] = set()
    for start in range(0, len(flow_run_ids), API_PAGE):
        page = flow_run_ids[start : start + API_PAGE]
        body = {"flow_runs": {"id": {"any_": page}}, "limit": len(page)}
        request = urllib.request.Request(
            f"{api}/flow_runs/filter",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                known.update(str(run["id"]) for run in json.load(response))
        except (OSError, ValueError, KeyError, TypeError):
            return {}
    return {i: f"{base}/runs/flow-run/{i}" for i in flow_run_ids if i in known}


API_PAGE = 200
"""Flow runs asked for at a time (the Prefect API's default limit)."""


RunsAsJsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON array.")]


def listed_runs(db: Path) -> list[dict[str, Any]]:
    """The warehouse's runs (``warehouse.records.read_runs``), each with ``ui_url``: its
    flow run's page on the Prefect server that answers, if that server has it."""
    con = connect_read_only(db)
    try:
        runs = read_runs(con)
    finally:
        con.close()
    links = flow_run_links([r["prefect_flow_run_id"] for r in runs if r["prefect_flow_run_id"]])
    return [{**run, "ui_url": links.get(run["prefect_flow_run_id"] or "")} for run in runs]


def _when(value: datetime | None) -> str:
    return value.strftime("%m-%d %H:%M") if value is not None else ""


def runs(
    db: opt.DbOption = Path(DEFAULT_DB),
    as_json: RunsAsJsonOption = False,
) -> None:
    """List the warehouse's runs and sweeps, with their Prefect flow runs (and each one's
    page in the Prefect UI, when a server that has it answers)."""
    listed = listed_runs(db)
    if as_json:
        print(json.dumps(listed, default=lambda value: value.isoformat()))
        return
    columns = ("run id", "kind", "scenario", "draws", "points", "seed", "status")
    table = Table(*(Column(c, no_wrap=True) for c in columns), box=box.SIMPLE_HEAD)
    for name in ("started (UTC)", "finished (UTC)", "Prefect flow run"):
        table.add_column(name, no_wrap=True)
    for run in listed:
        table.add_row(
            run["run_id"],
            run["kind"],
            run["scenario_name"] or "",
            f"{run['draws']:,}",
            str(run["points"]),
            str(run["seed"]),
            run["status"],
            _when(run["started_at"]),
            _when(run["finished_at"]),
            run["prefect_flow_run_id"] or "",
        )
    out.print(table)
    for run in listed:
        if run["ui_url"]:
            out.print(f"{run['run_id']}: {run['ui_url']}")


def register(app: Any) -> None:
    """Add ``export`` and ``runs`` to the CLI's typer ``app``."""
    app.command()(export)
    app.command()(runs)
