"""The warehouse schema: ``sql/*.sql`` applied in file-name order, with a version number.

Tables are created if missing; views and macros are re-created on every write connection.
An older warehouse is upgraded in place, in one transaction, by ``sql/migrations/to_vN.sql``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import duckdb

from models.errors import CountlabError
from models.outcomes import OUTCOMES
from models.remand import ANSWER_CODES
from models.roster import CHAMBERS
from models.slates import SLATES
from models.tally import ACTING_PRESIDENT

SCHEMA_VERSION = 6
"""Bump when a table changes shape, and add ``sql/migrations/to_v{SCHEMA_VERSION}.sql``."""

TABLES_FILE = "000_tables.sql"


def sql_list(values: tuple[str, ...]) -> str:
    """A DuckDB list literal of strings: ``['a', 'b']``."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def render(text: str) -> str:
    """Fill in the code tables the stored rows index into (``models.tally``,
    ``models.slates``, ``models.remand``) and the chamber names (``models.roster``)."""
    codes = {
        "{OUTCOMES}": OUTCOMES,
        "{ACTING_PRESIDENT}": ACTING_PRESIDENT,
        "{SLATES}": SLATES,
        "{ANSWER_CODES}": ANSWER_CODES,
        "{CHAMBERS}": CHAMBERS,
    }
    for name, values in codes.items():
        text = text.replace(name, sql_list(tuple(values)))
    return text


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


DUCKDB_MAGIC = b"DUCK"  # at byte offset 8 of every DuckDB database file
SQLITE_MAGIC = b"SQLite format 3\x00"
NO_EXTENSIONS: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
"""Connection settings: DuckDB never downloads nor loads an extension for a file it opens."""

WRITER_SETTINGS: dict[str, str | bool | int | float | list[str]] = {"memory_limit": "64MB"}
"""A writing connection's DuckDB memory while it stores a run (issue 17): unbounded, its
buffer pool keeps the pages a long run writes (peak RSS of a 6,000,000-draw run: 1,431 MiB);
past the limit DuckDB evicts written pages, at the same speed. Peak RSS of a 10,000,000-draw
run while storing: 859-877 MiB at 256MB, 805-811 at 128MB, 741-752 at 64MB."""

QUERY_MEMORY_LIMIT = "256MB"
"""A writing connection's memory_limit while it runs a query over a whole run or table
(:func:`query_memory`: the run's summary, a schema upgrade). The hash join of
``conditional_probabilities`` puts every draw of the run on its build side (DuckDB estimates
that a boolean filter keeps 20% of the objection votes, more rows than the draws): for
30,000,000 draws it fails at 64MB (OutOfMemoryException: failed to pin block) and passes from
112MB; the summary took 446 MiB and 5.8 s at 256MB. Deleting those rows (a failed run's, gc)
takes 101 MiB and 1.2 s at 64MB."""


@contextlib.contextmanager
def query_memory(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Raise a writing connection's memory_limit to :data:`QUERY_MEMORY_LIMIT` while the
    block runs, then set it back to :data:`WRITER_SETTINGS`', an error included (a read-only
    connection's settings are locked: it has DuckDB's default limit)."""
    con.execute(f"set memory_limit = '{QUERY_MEMORY_LIMIT}'")
    try:
        yield
    finally:
        con.execute(f"set memory_limit = '{WRITER_SETTINGS['memory_limit']}'")


def check_version(found: int | None, where: str) -> None:
    """A one-line error naming ``where`` unless this countlab can use schema ``found``
    (None: a new warehouse) as it is or after its migrations."""
    if found is None or found == SCHEMA_VERSION:
        return
    if found > SCHEMA_VERSION:
        raise CountlabError(
            f"{where}: warehouse schema version {found} is newer than this countlab's "
            f"({SCHEMA_VERSION}); upgrade countlab"
        )
    folder = resources.files("warehouse") / "sql" / "migrations"
    for version in range(max(found, 0) + 1, SCHEMA_VERSION + 1):
        if found < 1 or not (folder / f"to_v{version}.sql").is_file():
            raise CountlabError(
                f"{where}: warehouse schema version {found} cannot be upgraded to "
                f"{SCHEMA_VERSION} (no migration to_v{version}.sql); use another --db"
            )


def check_tables(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """A one-line error if ``con``'s database is not a countlab warehouse: it has tables or
    views but no ``schema_version``, or a schema version this countlab cannot use."""
    names = {
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database()"
            " union all select view_name from duckdb_views()"
            " where not internal and database_name = current_database()"
        ).fetchall()
    }
    if not names:
        return
    if "schema_version" not in names:
        shown = ", ".join(sorted(names)[:3]) + (", ..." if len(names) > 3 else "")
        raise CountlabError(
            f"{where}: not a countlab warehouse (a DuckDB database with {shown} but no "
            "schema_version); use another --db"
        )
    try:
        row = con.execute("select max(version) from schema_version").fetchone()
    except duckdb.Error as exc:
        raise CountlabError(f"{where}: unreadable schema_version ({exc})") from None
    check_version(row[0] if row else None, where)


def check_file(path: str | Path) -> None:
    """Refuse ``path`` unless it is absent (a writer creates it) or a countlab warehouse:
    a directory, an empty file, a SQLite or any other non-DuckDB file (DuckDB would try to
    fetch an extension to read it), another application's DuckDB database, or a schema
    version with no migration. Reads the header, then the catalog read-only; writes
    nothing. A database another process is writing is not inspected (its writer is
    countlab's or DuckDB refuses it later)."""
    file = Path(path)
    if file.is_dir():
        raise CountlabError(f"--db {file}: a directory, not a warehouse file")
    if not file.exists():
        if not file.absolute().parent.is_dir():
            raise CountlabError(f"--db {file}: no folder {file.absolute().parent} to put it in")
        return
    try:
        with file.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise CountlabError(f"--db {file}: cannot read the file ({exc.strerror})") from None
    if head.startswith(SQLITE_MAGIC):
        raise CountlabError(f"--db {file}: a SQLite database, not a DuckDB warehouse")
    if head[8:12] != DUCKDB_MAGIC:
        what = "an empty file" if not head else "not a DuckDB database file"
        raise CountlabError(f"--db {file}: {what}, not a countlab warehouse")
    try:
        con = duckdb.connect(
            str(file), read_only=True, config={**NO_EXTENSIONS, "enable_external_access": False}
        )
    except duckdb.Error as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, duckdb.IOException) and "could not set lock" in message.lower():
            return  # being written right now: the connection that follows says what to do
        raise CountlabError(f"--db {file}: cannot open the warehouse ({message})") from None
    try:
        check_tables(con, str(file))
    finally:
        con.close()


def database_path(con: duckdb.DuckDBPyConnection) -> str:
    """The file of ``con``'s database (for error messages)."""
    row = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return str(row[0]) if row and row[0] else "the warehouse"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create or upgrade the schema in ``con``'s database (idempotent); a one-line error
    naming the file, before anything is written, if it is not a countlab warehouse."""
    check_tables(con, database_path(con))
    con.execute(
        "create table if not exists schema_version (version integer not null, "
        "applied_at timestamptz not null default current_timestamp)"
    )
    row = con.execute("select max(version) from schema_version").fetchone()
    found = row[0] if row else None
    if found is not None and found < SCHEMA_VERSION:
        with query_memory(con):  # an upgrade may copy every stored row (to_v2.sql)
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
