"""Hostile-user figures for the reliability closing note (issue 11): kills and signals.

Runs real ``countlab`` processes against one Prefect server it starts, and prints JSON:

- ``kills``: sweeps with objections in a random order, SIGKILLed (the process group) after
  3-5 stored chunks, resumed, and compared view by view with an uninterrupted sweep;
- ``signals``: runs and sweeps stopped by SIGINT, SIGTERM or SIGHUP, counted clean when the
  exit status is 128 + signal within 8 s, stderr holds one non-progress line and no
  traceback, the run is recorded ``interrupted`` and no process of its group is left.

Usage: ``python scripts/reliability_campaign.py [--kills 15] [--signals 15] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

STATES = ("AZ", "PA", "GA", "MI", "NV", "WI")
VIEWS = ("draws", "objection_votes", "outcome_probabilities", "objection_probabilities")
BLOCK = 32768


def scenario(objections: dict[str, float]) -> str:
    lines = "\n".join(f"{s} = {p}" for s, p in objections.items())
    return (
        'session = "2021-01-06"\nregime = "eca1887"\n[objections]\n'
        f"{lines}\n[votes]\nhouse.R = 0.95\nhouse.D = 0.05\nsenate.R = 0.9\n"
        "correlation = 0.3\nabsent = 0.02\n"
    )


def countlab(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from flows.cli import main; main()", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
        text=True,
        start_new_session=True,
    )


def until_chunks(process: subprocess.Popen[str], n: int) -> bool:
    assert process.stderr is not None
    seen = 0
    for line in process.stderr:
        seen += "draws stored" in line
        if seen == n:
            return True
    return False


def group_gone(pgid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def views(db: Path, run_id: str) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            v: con.execute(
                f"select * exclude (run_id) from {v} where run_id = ? order by all", [run_id]
            ).fetchall()
            for v in VIEWS
        }
    finally:
        con.close()


def one_kill(folder: Path, rng: random.Random, env: dict[str, str]) -> dict[str, object]:
    states = rng.sample(STATES, rng.randint(2, 6))
    path = folder / "s.toml"
    path.write_text(scenario({s: rng.choice((0.0, 0.3, 0.5, 1.0)) for s in states}))
    options = ["--draws", str(2 * BLOCK), "--seed", str(rng.randrange(2**31))]
    options += ["--chunk-draws", "1", "--vary", "votes.senate.D=0:0.3:4", "--workers", "1"]
    killed, clean = folder / "killed.duckdb", folder / "clean.duckdb"
    kill_at = rng.randint(3, 5)
    process = countlab(["sweep", str(path), *options, "--db", str(killed)], env)
    reached = until_chunks(process, kill_at)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    con = duckdb.connect(str(killed), read_only=True)
    (run_id,) = con.execute("select run_id from runs").fetchone()
    (kept,) = con.execute("select count(*) from stored_chunks").fetchone()
    con.close()
    cli = [sys.executable, "-c", "from flows.cli import main; main()"]
    resumed = subprocess.run(
        [*cli, "sweep", "--resume", run_id, "--db", str(killed), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    fresh = subprocess.run(
        [*cli, "sweep", str(path), *options, "--db", str(clean), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    same = (
        resumed.returncode == 0
        and fresh.returncode == 0
        and views(killed, run_id) == views(clean, json.loads(fresh.stdout)["run_id"])
    )
    con = duckdb.connect(str(killed), read_only=True)
    (stored,) = con.execute("select count(*) from stored_chunks").fetchone()
    con.close()
    return {
        "order": states,
        "kill_at": kill_at,
        "reached": reached,
        "kept": kept,
        "identical": same,
        "chunks_after": stored,
    }


def one_signal(folder: Path, rng: random.Random, env: dict[str, str]) -> dict[str, object]:
    sig = rng.choice((signal.SIGINT, signal.SIGTERM, signal.SIGHUP))
    kind = rng.choice(("run", "sweep"))
    runner = rng.choice(("threads", "processes"))
    path = folder / "s.toml"
    path.write_text(scenario({"AZ": 1.0, "PA": 0.5}))
    db = folder / f"sig-{time.monotonic_ns()}.duckdb"
    args = [kind, str(path), "--seed", "3", "--chunk-draws", "1", "--runner", runner]
    if kind == "sweep":
        args += ["--draws", str(20 * BLOCK), "--vary", "votes.senate.D=0:0.3:4"]
    else:
        args += ["--draws", str(100 * BLOCK)]
    process = countlab([*args, "--db", str(db)], env)
    until_chunks(process, rng.randint(1, 4))
    sent = time.monotonic()
    process.send_signal(sig)
    assert process.stderr is not None
    rest = process.stderr.read()
    code = process.wait(timeout=60)
    seconds = time.monotonic() - sent
    lines = [x for x in rest.splitlines() if x.strip() and "draws stored" not in x]
    con = duckdb.connect(str(db), read_only=True)
    (status,) = con.execute("select status from runs").fetchone()
    con.close()
    clean = (
        code == 128 + sig
        and seconds < 8
        and len(lines) == 1
        and "Traceback" not in rest
        and status == "interrupted"
    )
    return {
        "signal": signal.Signals(sig).name,
        "kind": kind,
        "runner": runner,
        "exit": code,
        "seconds": round(seconds, 2),
        "lines": len(lines),
        "status": status,
        "orphans": not group_gone(process.pid),
        "clean": clean,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=15)
    parser.add_argument("--signals", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PREFECT_API_URL=server.api_url, COUNTLAB_PROGRESS_SECONDS="0")
    kills, signals = [], []
    try:
        for _ in range(options.kills):
            with tempfile.TemporaryDirectory() as folder:
                kills.append(one_kill(Path(folder), rng, env))
        for _ in range(options.signals):
            with tempfile.TemporaryDirectory() as folder:
                signals.append(one_signal(Path(folder), rng, env))
    finally:
        server.stop()
    print(
        json.dumps(
            {
                "kills": len(kills),
                "resumes_identical": sum(bool(k["identical"]) for k in kills),
                "signals": len(signals),
                "signals_clean": sum(bool(s["clean"]) for s in signals),
                "orphans": sum(bool(s["orphans"]) for s in signals),
                "detail": {"kills": kills, "signals": signals},
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
