"""The warehouse schema: ``sql/*.sql`` applied in file-name order, with a version number.

Tables are created if missing; views and macros are re-created on every write connection.
An older warehouse is upgraded in place, in one transaction, by ``sql/migrations/to_vN.sql``.
"""

from __future__ import annotations

from importlib import resources

import duckdb

from models.errors import CountlabError
from models.tally import ACTING_PRESIDENT, OUTCOMES

SCHEMA_VERSION = 2
"""Bump when a table changes shape, and add ``sql/migrations/to_v{SCHEMA_VERSION}.sql``."""

TABLES_FILE = "000_tables.sql"


def sql_list(values: tuple[str, ...]) -> str:
    """A DuckDB list literal of strings: ``['a', 'b']``."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def render(text: str) -> str:
    """Fill in the code tables the stored rows index into (``models.tally``)."""
    return text.replace("{OUTCOMES}", sql_list(OUTCOMES)).replace(
        "{ACTING_PRESIDENT}", sql_list(ACTING_PRESIDENT)
    )


def sql_files() -> list[tuple[str, str]]:
    """Return ``(name, text)`` of the schema's SQL files, in order, rendered."""
    folder = resources.files("warehouse") / "sql"
    return [
        (p.name, render(p.read_text(encoding="utf-8")))
        for p in sorted(folder.iterdir(), key=lambda p: p.name)
        if p.name.endswith(".sql")
    ]


def migration(version: int) -> str:
    """The SQL that upgrades a warehouse from ``version - 1`` to ``version``."""
    folder = resources.files("warehouse") / "sql"
    text = (folder / "migrations" / f"to_v{version}.sql").read_text(encoding="utf-8")
    tables = (folder / TABLES_FILE).read_text(encoding="utf-8")
    return render(text.replace("{TABLES}", tables))


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create or upgrade the schema in ``con``'s database (idempotent)."""
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
    if found is not None and found < SCHEMA_VERSION:
        con.begin()
        try:
            for version in range(found + 1, SCHEMA_VERSION + 1):
                con.execute(migration(version))
                con.execute("insert into schema_version (version) values (?)", [version])
            con.commit()
        except BaseException:
            con.rollback()
            raise
    for _, text in sql_files():
        con.execute(text)
    if found is None:
        con.execute("insert into schema_version (version) values (?)", [SCHEMA_VERSION])
