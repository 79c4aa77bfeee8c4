"""Readers while a run writes, one writer at a time, and ``countlab sql``'s limits and JSON
(issue 11, sections 3 and 4), with real ``countlab`` processes."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from models.sampling import BLOCK_DRAWS
from tests.flows.cli_helpers import run_cli
from tests.flows.test_resume import api_env
from warehouse.lease import lease_path, read_holder
from warehouse.store import query_rows

pytestmark = pytest.mark.usefixtures("prefect_harness")

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "benchmarks" / "scenario.toml"
COUNTLAB = [sys.executable, "-c", "from flows.cli import main; main()"]
SLOW_QUERY = "select sum(a.range * b.range) from range(200000) a, range(200000) b"


def countlab(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> tuple:
    """``countlab ARGS`` as a fresh process: (exit code, stdout, stderr, seconds)."""
    start = time.monotonic()
    done = subprocess.run(
        [*COUNTLAB, *args],
        check=False,
        capture_output=True,
        text=True,
        env=env or api_env(),
        timeout=timeout,
    )
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


class Writing:
    """A ``countlab run`` process, started, and watched until it has stored a chunk."""

    def __init__(self, db: Path, draws: int) -> None:
        self.process = subprocess.Popen(
            [
                *COUNTLAB,
                "run",
                str(SCENARIO),
                "--draws",
                str(draws),
                "--seed",
                "7",
                "--db",
                str(db),
                "--chunk-draws",
                "1",
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**api_env(), "COUNTLAB_PROGRESS_SECONDS": "0"},
            text=True,
            start_new_session=True,
        )
        assert self.process.stderr is not None
        for line in self.process.stderr:
            if "draws stored" in line:
                break
        else:
            raise AssertionError(f"the run stored nothing: {self.process.communicate()}")
        holder = read_holder(db)
        assert holder is not None
        assert holder.pid == self.process.pid
        self.run_id = holder.run_id
        assert self.run_id

    def alive(self) -> bool:
        return self.process.poll() is None

    def finish(self) -> dict:
        out, _ = self.process.communicate(timeout=120)
        assert self.process.returncode == 0
        return json.loads(out)


def completed_draws(db: Path) -> tuple[int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "select (select count(*) from draws), "
            "(select count(*) from runs where status = 'completed')"
        ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])
    finally:
        con.close()


@pytest.fixture(scope="module")
def completed_warehouse(tmp_path_factory, prefect_harness) -> Path:
    """A warehouse holding one completed run of 1,000 draws, built once for the module."""
    from flows.requests import RunRequest
    from flows.run import run

    db = tmp_path_factory.mktemp("readers") / "w.duckdb"
    summary = run(RunRequest(scenario_path=str(SCENARIO), draws=1000, seed=1, db=str(db)))
    assert summary["draws"] == 1000
    return db


@pytest.fixture
def warehouse(completed_warehouse, tmp_path) -> Path:
    """A copy of :func:`completed_warehouse` of the test's own (tests write to it)."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(completed_warehouse, db)
    return db


def test_readers_get_answers_during_a_run_and_a_second_writer_is_refused(
    warehouse, monkeypatch, capsys
):
    db = warehouse
    draws = 100 * BLOCK_DRAWS
    writer = Writing(db, draws=draws)
    _, [(runs_before,)] = query_rows(db, "select count(*) from runs")  # waits its turn
    capsys.readouterr()  # (saying so on stderr)
    code, out, err = run_cli(
        monkeypatch, capsys, "run", str(SCENARIO), "--draws", "1000", "--db", str(db)
    )
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"countlab: error: {db} is being written by run {writer.run_id} ")
    assert f"(PID {writer.process.pid}) since " in err
    assert err.rstrip().endswith("wait for it to finish or stop it")

    no_server = {k: v for k, v in api_env().items() if not k.startswith("PREFECT_API")}
    code, out, err, seconds = countlab(
        "sweep", str(ROOT / "examples" / "senate-defections.toml"), "--db", str(db), env=no_server
    )
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert f"run {writer.run_id} (PID {writer.process.pid})" in err
    assert seconds < 15  # refused before any Prefect server starts

    query = "select count(*) as n from draws"
    code, out, err, seconds = countlab("sql", query, "--db", str(db), "--format", "csv")
    assert writer.alive(), "the run ended before the readers and writers could try it"
    assert code == 0, err
    assert seconds < 10
    assert out == "n\n1000\n"  # the completed run only
    assert err == "" or err.startswith("countlab: waiting for the warehouse: run ")
    assert len(err.splitlines()) <= 1

    for _ in range(3):  # in this process too, back to back
        start = time.monotonic()
        code, out, err = run_cli(
            monkeypatch, capsys, "sql", query, "--db", str(db), "--format", "csv"
        )
        assert code == 0, err
        assert time.monotonic() - start < 10
        assert out in ("n\n1000\n", f"n\n{1000 + draws}\n")  # all of the run or none

    summary = writer.finish()
    assert summary["run_id"] == writer.run_id
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from runs").fetchone() == (runs_before,)
    con.close()
    assert completed_draws(db) == (1000 + draws, 2)
    assert lease_path(db).read_text() == ""  # nobody writes
    assert not [p for p in db.parent.iterdir() if ".read-" in p.name or p.name.endswith(".writing")]


def test_the_lease_dies_with_its_writer(warehouse, monkeypatch, capsys):
    db = warehouse
    writer = Writing(db, draws=200 * BLOCK_DRAWS)
    os.killpg(writer.process.pid, signal.SIGKILL)
    writer.process.communicate(timeout=30)
    assert completed_draws(db) == (1000, 1)  # the dead run is invisible

    code, _, err = run_cli(
        monkeypatch, capsys, "run", str(SCENARIO), "--draws", "1000", "--seed", "2", "--db", str(db)
    )
    assert code == 0, err
    con = duckdb.connect(str(db), read_only=True)
    status = con.execute("select status from runs where run_id = ?", [writer.run_id]).fetchone()
    con.close()
    assert status == ("failed",)
    assert completed_draws(db) == (2000, 2)


def test_sql_stops_at_its_timeout(warehouse, monkeypatch, capsys):
    start = time.monotonic()
    code, out, err = run_cli(
        monkeypatch, capsys, "sql", SLOW_QUERY, "--db", str(warehouse), "--timeout", "0.5"
    )
    assert time.monotonic() - start < 5
    assert (code, out) == (2, "")
    assert err == (
        "countlab: error: sql: the query did not finish within 0.5 s and was stopped "
        "(--timeout SECONDS allows more)\n"
    )


def test_ctrl_c_stops_a_query(warehouse):
    process = subprocess.Popen(
        [*COUNTLAB, "sql", SLOW_QUERY, "--db", str(warehouse), "--timeout", "120"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)  # start-up, then the query runs
    assert process.poll() is None
    start = time.monotonic()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=15)
    assert time.monotonic() - start < 6
    assert process.returncode == 130
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("countlab: interrupted: the query was stopped (SIGINT)"), err


def test_sql_json_is_strict_json(warehouse, monkeypatch, capsys):
    query = (
        "select 'nan'::double as nan, '-inf'::double as inf, map {'a': 1, 'b': 2} as m,"
        " map {1: 'x'} as int_keys, {'x': 1, 'y': [1.5, 'nan'::double]} as s,"
        " date '2021-01-06' as d, timestamptz '2021-01-06 12:00:00+00' as t,"
        " 1.25::decimal(5, 2) as dec, 'ab'::blob as b, null as nothing"
    )
    code, out, err = run_cli(
        monkeypatch, capsys, "sql", query, "--db", str(warehouse), "--format", "json"
    )
    assert code == 0, err
    assert "NaN" not in out
    assert "Infinity" not in out
    assert json.loads(out) == [
        {
            "nan": None,
            "inf": None,
            "m": {"a": 1, "b": 2},
            "int_keys": {"1": "x"},
            "s": {"x": 1, "y": [1.5, None]},
            "d": "2021-01-06",
            "t": "2021-01-06T12:00:00+00:00",
            "dec": 1.25,
            "b": "YWI=",
            "nothing": None,
        }
    ]


def test_sql_prints_duckdb_s_own_values(warehouse, monkeypatch, capsys):
    """Not a polars frame's: one would turn a sum (HUGEINT) into a decimal (1000.0 in JSON)
    and a UUID into text, and cannot hold an INTERVAL at all."""
    query = (
        "select sum(draws) as total, max(finished_at - started_at) as took,"
        " '00000000-0000-0000-0000-000000000001'::uuid as u from runs"
    )
    code, out, err = run_cli(
        monkeypatch, capsys, "sql", query, "--db", str(warehouse), "--format", "json"
    )
    assert code == 0, err
    (row,) = json.loads(out)
    assert type(row["total"]) is int
    assert row["total"] == 1000
    assert row["took"] > 0
    assert row["u"] == "00000000-0000-0000-0000-000000000001"
    code, out, err = run_cli(
        monkeypatch, capsys, "sql", query, "--db", str(warehouse), "--format", "csv"
    )
    assert code == 0, err
    header, line = out.splitlines()
    assert header == "total,took,u"
    assert re.fullmatch(r"1000,0:00:\d\d(\.\d{6})?,00000000-0000-0000-0000-000000000001", line)


@pytest.mark.parametrize("statement", ["select 1; select 2", "select 1; select 2;"])
def test_sql_takes_one_statement(warehouse, monkeypatch, capsys, statement):
    code, out, err = run_cli(monkeypatch, capsys, "sql", statement, "--db", str(warehouse))
    assert (code, out) == (2, "")
    assert err == (
        "countlab: error: sql: 2 statements given; give one per call "
        "(countlab sql prints one result)\n"
    )
    code, out, _ = run_cli(monkeypatch, capsys, "sql", "select 1 as x;", "--db", str(warehouse))
    assert code == 0
    assert "x" in out
