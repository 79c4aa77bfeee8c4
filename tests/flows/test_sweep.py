"""``countlab sweep`` end to end: points, seeds, SQL helpers, bad input and resume."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from flows.design import point_seed
from models.sampling import BLOCK_DRAWS
from tests.flows.cli_helpers import run_cli

pytestmark = pytest.mark.usefixtures("prefect_harness")

BASE = """
session = "2021-01-06"
regime = "eca1887"
[objections]
AZ = 1.0
PA = 1.0
[votes]
house.R = 0.95
house.D = 0.05
senate.R = 0.9
senate.D = {senate_d}
correlation = 0.3
absent = 0.02
"""
DRAWS = 3000


def scenario(tmp_path: Path, senate_d: float = 0.0, extra: str = "") -> Path:
    path = tmp_path / f"sweep-{senate_d}.toml"
    path.write_text(BASE.format(senate_d=senate_d) + extra)
    return path


def sweep(monkeypatch, capsys, *args: str) -> dict:
    code, out, err = run_cli(monkeypatch, capsys, "sweep", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def rows(db: Path, run_id: str, point: int, table: str = "draws") -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            f"select * exclude (run_id, point) from {table} where run_id = ? and point = ? "
            "order by all",
            [run_id, point],
        ).fetchall()
    finally:
        con.close()


def test_a_grid_sweep_stores_every_point_in_one_run(tmp_path, monkeypatch, capsys):
    db = tmp_path / "w.duckdb"
    result = sweep(
        monkeypatch,
        capsys,
        str(scenario(tmp_path)),
        "--draws",
        str(DRAWS),
        "--seed",
        "11",
        "--vary",
        "votes.senate.D=0:0.4:3",
        "--vary",
        "regime=eca1887,ecra2022",
        "--db",
        str(db),
    )
    assert set(result) == {"run_id", "draws", "seed", "points"}
    assert [p["point"] for p in result["points"]] == list(range(6))
    assert result["points"][3]["params"] == {"votes.senate.D": 0.2, "regime": "ecra2022"}
    for point in result["points"]:
        assert {
            "point",
            "seed",
            "params",
            "outcomes",
            "winners",
            "objections",
            "slates",
            "pivotal",
            "conditional",
        } == set(point)
        assert set(point["pivotal"]) == set(point["conditional"]) == {"AZ", "PA"}
        assert set(point["objections"]) == {"AZ", "PA"}
        assert sum(o["p"] for o in point["outcomes"].values()) == pytest.approx(1.0)
        assert point["seed"] == point_seed(11, point["point"])
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select kind, points, draws, status from runs").fetchone() == (
        "sweep",
        6,
        DRAWS,
        "completed",
    )
    assert con.execute("select count(*) from draws").fetchone() == (6 * DRAWS,)
    by_regime = con.execute(
        "select params['regime'], count(*) from sweep_points group by 1 order by 1"
    ).fetchall()
    assert by_regime == [("eca1887", 3), ("ecra2022", 3)]
    # the JSON matches the warehouse's views
    p_sql = con.execute(
        "select p from sweep_outcome_probabilities where point = 5 and label = 'electors:biden'"
    ).fetchone()[0]
    assert result["points"][5]["outcomes"]["electors:biden"]["p"] == p_sql
    con.close()


def test_a_point_is_the_run_of_its_scenario_with_its_seed(tmp_path, monkeypatch, capsys):
    db = tmp_path / "w.duckdb"
    result = sweep(
        monkeypatch,
        capsys,
        str(scenario(tmp_path)),
        "--draws",
        str(DRAWS),
        "--seed",
        "5",
        "--vary",
        "votes.senate.D=0.1,0.3",
        "--db",
        str(db),
    )
    point = result["points"][1]
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "run",
        str(scenario(tmp_path, 0.3)),
        "--draws",
        str(DRAWS),
        "--seed",
        str(point["seed"]),
        "--db",
        str(db),
        "--json",
    )
    assert code == 0, err
    single = json.loads(out)
    assert rows(db, single["run_id"], 0) == rows(db, result["run_id"], 1)
    assert rows(db, single["run_id"], 0, "objection_votes") == rows(
        db, result["run_id"], 1, "objection_votes"
    )
    assert single["outcomes"] == point["outcomes"]


def test_adding_points_never_changes_the_existing_ones(tmp_path, monkeypatch, capsys):
    db = tmp_path / "w.duckdb"
    path = str(scenario(tmp_path))
    common = ["--draws", str(DRAWS), "--seed", "9", "--db", str(db)]
    two = sweep(monkeypatch, capsys, path, *common, "--vary", "votes.senate.D=0.1,0.3")
    three = sweep(monkeypatch, capsys, path, *common, "--vary", "votes.senate.D=0.1,0.3,0.5")
    for point in (0, 1):
        assert rows(db, two["run_id"], point) == rows(db, three["run_id"], point)
        assert two["points"][point]["outcomes"] == three["points"][point]["outcomes"]
    assert rows(db, three["run_id"], 2) != rows(db, three["run_id"], 1)


def test_the_sweep_table_of_a_file_and_the_threshold_helper(tmp_path, monkeypatch, capsys):
    db = tmp_path / "w.duckdb"
    path = scenario(
        tmp_path,
        extra='[sweep]\n[sweep.vary]\n"votes.senate.D" = "0:0.6:4"\n[run]\nseed = 3\n',
    )
    result = sweep(monkeypatch, capsys, str(path), "--draws", str(DRAWS), "--db", str(db))
    assert result["seed"] == 3
    sustained = [p["objections"]["AZ"]["p_sustained"] for p in result["points"]]
    assert sustained[0] < sustained[-1]
    level = (sustained[0] + sustained[-1]) / 2
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "sql",
        f"select below, above, crossing from sweep_threshold('{result['run_id']}', "
        f"'votes.senate.D', 'sustained', 'AZ', {level})",
        "--db",
        str(db),
        "--format",
        "json",
    )
    assert code == 0, err
    (found,) = json.loads(out)
    xs = [p["params"]["votes.senate.D"] for p in result["points"]]
    first = next(i for i, p in enumerate(sustained) if p >= level)
    assert found["above"] == pytest.approx(xs[first])
    assert found["below"] == pytest.approx(xs[first - 1])
    assert found["below"] <= found["crossing"] <= found["above"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vary", "votes.senate.D=0:x:3"], "start:stop:count"),
        (["--vary", "votes.senate.D=0,1.5"], "votes.senate.D"),
        (["--vary", "votes.nope=1,2"], "unknown key"),
        (["--vary", "regime=eca1887,nope"], "nope"),
        (["--design", "lhs", "--vary", "votes.senate.D=0:1"], "points"),
        (["--resume", "abc"], "no scenario"),
        (["--address", "tcp://127.0.0.1:1"], "--address is for --runner dask"),
        (["--runner", "cluster"], "--runner 'cluster'"),
    ],
)
def test_bad_sweeps_are_one_line_and_touch_nothing(tmp_path, monkeypatch, capsys, args, message):
    db = tmp_path / "w.duckdb"
    code, _out, err = run_cli(
        monkeypatch,
        capsys,
        "sweep",
        str(scenario(tmp_path)),
        "--seed",
        "1",
        "--draws",
        "10",
        "--db",
        str(db),
        *args,
    )
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not db.exists()


def test_a_local_dask_cluster_and_an_existing_one_give_the_same_rows(tmp_path, monkeypatch, capsys):
    """``--runner dask`` (prefect-dask): a local cluster, and a cluster already running
    (``--address``), store exactly the rows of the default thread runner."""
    from distributed import LocalCluster

    path = str(scenario(tmp_path))
    common = ["--draws", str(BLOCK_DRAWS + 500), "--seed", "4", "--chunk-draws", "1"]
    vary = ["--vary", "votes.senate.D=0.1,0.4"]
    results = {}
    for name, extra in (("threads", []), ("dask", ["--runner", "dask"])):
        db = tmp_path / f"{name}.duckdb"
        results[name] = (
            db,
            sweep(monkeypatch, capsys, path, *common, *vary, "--db", str(db), *extra),
        )
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
    ) as cluster:
        db = tmp_path / "address.duckdb"
        results["address"] = (
            db,
            sweep(
                monkeypatch,
                capsys,
                path,
                *common,
                *vary,
                "--db",
                str(db),
                "--runner",
                "dask",
                "--address",
                cluster.scheduler_address,
            ),
        )
    reference_db, reference = results["threads"]
    for name in ("dask", "address"):
        db, result = results[name]
        for point in (0, 1):
            for table in ("draws", "objection_votes"):
                assert rows(db, result["run_id"], point, table) == rows(
                    reference_db, reference["run_id"], point, table
                ), (name, point, table)
