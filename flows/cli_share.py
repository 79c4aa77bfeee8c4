"""The commands that share a warehouse's runs (issue 16): ``countlab export`` (a run's views
as Parquet or CSV files with a manifest). Registered on the CLI's app by :mod:`flows.cli`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from flows import options as opt
from flows.checks import check_folder, writing_to
from warehouse.export import EXPORTS, export_run, parse_what
from warehouse.store import DEFAULT_DB

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


def register(app: Any) -> None:
    """Add ``export`` to the CLI's typer ``app``."""
    app.command()(export)
