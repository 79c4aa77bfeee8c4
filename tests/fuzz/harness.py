"""Run one fuzz case in-process and say what happened (no Prefect flow is ever started)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tests.fuzz.cases import Case


class ReachedFlow(BaseException):
    """Raised by the stand-in for flows.cli.execute_run: the input was accepted."""


def build_templates(folder: Path) -> dict[str, Path]:
    """One warehouse file of each kind, to copy into a case's folder."""
    from warehouse.store import connect

    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}
    valid = folder / "valid.duckdb"
    connect(valid).close()
    made["valid"] = valid
    for version in (0, 99):
        path = folder / f"version{version}.duckdb"
        shutil.copy(valid, path)
        con = duckdb.connect(str(path))
        con.execute("update schema_version set version = ?", [version])
        con.close()
        made[f"version{version}"] = path
    foreign = folder / "foreign.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("create table customers (id integer, name varchar)")
    con.execute("insert into customers values (1, 'a')")
    con.close()
    made["foreign"] = foreign
    lite = folder / "sqlite.duckdb"
    sq = sqlite3.connect(lite)
    sq.execute("create table t (x)")
    sq.commit()
    sq.close()
    made["sqlite"] = lite
    raw = {
        "garbage": b"this is not a database\n" * 100,
        "empty": b"",
        "duck-truncated": valid.read_bytes()[:16],
        "text": b"select 1;\n",
        "duck-magic-garbage": bytes(8) + b"DUCK" + bytes(range(256)) * 64,
    }
    import random

    rng = random.Random(5)
    from tests.fuzz.cases_cli import GARBAGE_SIZES

    for n in GARBAGE_SIZES:
        raw[f"random{n}"] = bytes(rng.randrange(256) for _ in range(n))
    for kind, data in raw.items():
        path = folder / f"{kind}.duckdb"
        path.write_bytes(data)
        made[kind] = path
    return made


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the SHA-256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    } | {str(p.relative_to(folder)) + "/": "dir" for p in folder.rglob("*") if p.is_dir()}


@dataclass(frozen=True, slots=True)
class Outcome:
    code: int | None  # None: the flow was reached (input accepted)
    out: str
    err: str
    changed: bool
    escaped: str | None  # an exception that escaped main()

    @property
    def lines(self) -> list[str]:
        return [ln for ln in self.err.splitlines() if ln.strip()]

    def verdict(self, case: Case, tmp: Path) -> str:
        """'clean', or what is wrong: traceback, accepted, exit N, lines N, changed, unnamed."""
        if self.escaped or "Traceback" in self.err + self.out:
            return "traceback"
        if self.code is None or self.code == 0:
            return "accepted"
        if self.code != 2:
            return f"exit {self.code}"
        if len(self.lines) != 1:
            return "multi-line"
        if self.changed:
            return "changed"
        mention = case.mention.replace("{tmp}", str(tmp))
        if mention not in self.lines[0] or not self.lines[0].startswith("countlab: error: "):
            return "unnamed"
        return "clean"


def lay(case: Case, tmp: Path, templates: dict[str, Path]) -> None:
    for name, data in case.files:
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if case.warehouse != "absent":
        shutil.copy(templates[case.warehouse], tmp / "w.duckdb")


def run_case(case: Case, tmp: Path, templates: dict[str, Path], monkeypatch, capsys) -> Outcome:
    """Lay the case's files in ``tmp``, run ``countlab`` on it, compare the folder after."""
    import flows.cli

    lay(case, tmp, templates)
    before = snapshot(tmp)
    args = [a.replace("{db}", str(tmp / "w.duckdb")).replace("{tmp}", str(tmp)) for a in case.args]

    def reached(*_args, **_kwargs):
        raise ReachedFlow

    monkeypatch.setattr(flows.cli, "execute_run", reached)
    if "flows.serve" in sys.modules or any(a == "serve" for a in args):
        import flows.serve

        monkeypatch.setattr(flows.serve, "prefect_api_url", reached)
    for key, value in case.env:
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "argv", ["countlab", *args])
    code: int | None = 0
    escaped = None
    try:
        flows.cli.main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except ReachedFlow:
        code = None
    except Exception as exc:  # a traceback a user would see  # noqa: BLE001
        escaped = f"{type(exc).__name__}: {exc}"
        code = 1
    captured = capsys.readouterr()
    changed = snapshot(tmp) != before
    return Outcome(code, captured.out, captured.err, changed, escaped)
