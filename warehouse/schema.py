"""The warehouse schema: ``sql/*.sql`` applied in file-name order, with a version number."""

from __future__ import annotations

from importlib import resources

import duckdb

from models.errors import CountlabError

SCHEMA_VERSION = 1
"""Bump when a table changes shape; views and macros are re-created on every write."""


def sql_files() -> list[tuple[str, str]]:
    """Return ``(name, text)`` of the schema's SQL files, in order."""
    folder = resources.files("warehouse") / "sql"
    return [
        (p.name, p.read_text(encoding="utf-8"))
        for p in sorted(folder.iterdir(), key=lambda p: p.name)
        if p.name.endswith(".sql")
    ]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create or update the schema in ``con``'s database (idempotent)."""
    con.execute(
        "create table if not exists schema_version (version integer not null, "
        "applied_at timestamptz not null default current_timestamp)"
    )
    row = con.execute("select max(version) from schema_version").fetchone()
    found = row[0] if row else None
    if found is not None and found > SCHEMA_VERSION:
        raise CountlabError(
            f"warehouse schema version {found} is newer than this countlab's "
            f"({SCHEMA_VERSION}); upgrade countlab"
        )
    for _, text in sql_files():
        con.execute(text)
    if found != SCHEMA_VERSION:
        con.execute("insert into schema_version (version) values (?)", [SCHEMA_VERSION])
