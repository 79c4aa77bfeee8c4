"""Backtests in the warehouse: stored whole in one transaction, read back, binned for
calibration; a version-4 warehouse upgraded in place."""

from __future__ import annotations

import fcntl
import json
import os

import duckdb
import numpy as np
import pytest

from models.errors import CountlabError
from tests.warehouse.test_slates import plain_draws, store_run
from warehouse import backtests
from warehouse.backtests import (
    BACKTEST_TABLES,
    CHAMBER_COLUMNS,
    BacktestRecord,
    is_backtest,
    new_backtest_id,
    read_backtest,
    store_backtest,
)
from warehouse.lease import lease_path
from warehouse.schema import SCHEMA_VERSION
from warehouse.store import connect

ROLL_CALLS = {"house": ("PA", "GA"), "senate": ("PA",)}


def synthetic_record(
    backtest_id: str = "b0a7e5700001", *, n_house: int = 12, n_senate: int = 6, draws: int = 2000
) -> BacktestRecord:
    """A backtest as flows/backtest.py would record it, its numbers consistent: members'
    probabilities and votes, each chamber's yeas drawn from them, scores from both."""
    rng = np.random.default_rng(14)
    members, chambers, predictive = [], {}, {}
    for chamber, n in (("house", n_house), ("senate", n_senate)):
        p = rng.beta(0.5, 0.5, size=n)
        rows = [
            (f"{chamber[0].upper()}{i:06d}", st, float(p[i]))
            for i in range(n)
            for st in ROLL_CALLS[chamber]
        ]
        p_rows = np.array([pi for _, _, pi in rows])
        votes = rng.random(p_rows.size) < p_rows
        base = 0.5 + 0.6 * (p_rows - 0.5)
        members += [
            {
                "bioguide_id": b,
                "chamber": chamber,
                "objection_state": st,
                "p_yea": pi,
                "baseline_p_yea": float(bi),
                "vote": "yea" if v else "nay",
            }
            for (b, st, pi), bi, v in zip(rows, base, votes, strict=True)
        ]
        yeas = (rng.random((draws, p_rows.size)) < p_rows).sum(axis=1)
        values, counts = np.unique(yeas, return_counts=True)
        predictive[chamber] = [(int(y), int(c)) for y, c in zip(values, counts, strict=True)]
        observed = int(votes.sum())

        def scores(q: np.ndarray, votes: np.ndarray = votes) -> tuple[float, float]:
            return float(np.mean((q - votes) ** 2)), float(
                np.mean(np.log(np.where(votes, q, 1 - q)))
            )

        brier, log_score = scores(p_rows)
        baseline_brier, baseline_log_score = scores(base)
        chambers[chamber] = {
            "observed_yea": observed,
            "observed_nay": int(votes.size - observed),
            "predicted_mean": float(yeas.mean()),
            "interval_lo": int(np.quantile(yeas, 0.05)),
            "interval_hi": int(np.quantile(yeas, 0.95)),
            "pit": float(np.mean(yeas < observed) + 0.5 * np.mean(yeas == observed)),
            "brier": brier,
            "log_score": log_score,
            "baseline_brier": baseline_brier,
            "baseline_log_score": baseline_log_score,
        }
    result = {
        "backtest_id": backtest_id,
        "fit": "2021-01-06:AZ",
        "predict": "2021-01-06:PA,GA",
        "chambers": chambers,
    }
    return BacktestRecord(
        backtest_id=backtest_id,
        fit="2021-01-06:AZ",
        predict="2021-01-06:PA,GA",
        model="members",
        draws=draws,
        seed=2021,
        result=result,
        chambers=chambers,
        members=members,
        predictive=predictive,
    )


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        t: con.execute(f"select * from {t} order by all").fetchall()
        for t in (*BACKTEST_TABLES, "runs", "stored_draws")
    }


def test_a_backtest_is_stored_whole_and_read_back(tmp_path):
    db = tmp_path / "w.duckdb"
    record = synthetic_record()
    store_backtest(db, record)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "select backtest_id, fit, predict, model, draws, seed from backtests"
    ).fetchall() == [
        (record.backtest_id, "2021-01-06:AZ", "2021-01-06:PA,GA", "members", 2000, 2021)
    ]
    assert read_backtest(con, record.backtest_id) == record.result
    assert is_backtest(con, record.backtest_id)
    assert not is_backtest(con, "nope")
    columns = ", ".join(CHAMBER_COLUMNS)
    stored = {
        row[0]: dict(zip(CHAMBER_COLUMNS, row[1:], strict=True))
        for row in con.execute(
            f"select chamber, {columns} from backtest_chambers where backtest_id = ?",
            [record.backtest_id],
        ).fetchall()
    }
    assert stored == record.chambers
    members = con.execute(
        "select bioguide_id, chamber, objection_state, p_yea, baseline_p_yea, vote"
        " from backtest_members order by all"
    ).fetchall()
    assert members == sorted(tuple(m.values()) for m in record.members)
    assert len(members) == 12 * 2 + 6
    for chamber, bars in record.predictive.items():
        assert (
            con.execute(
                "select yeas, draws from backtest_predictive where chamber = ? order by yeas",
                [chamber],
            ).fetchall()
            == bars
        )
        assert sum(n for _, n in bars) == record.draws
    con.close()


def test_a_chamber_without_predicted_roll_calls_has_no_row(tmp_path):
    db = tmp_path / "w.duckdb"
    full = synthetic_record()
    record = BacktestRecord(
        **{
            **{f: getattr(full, f) for f in full.__dataclass_fields__},
            "chambers": {"house": full.chambers["house"], "senate": None},
            "members": [m for m in full.members if m["chamber"] == "house"],
            "predictive": {"house": full.predictive["house"]},
        }
    )
    store_backtest(db, record)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select chamber from backtest_chambers").fetchall() == [("house",)]
    con.close()


def test_a_failed_last_insert_leaves_the_warehouse_as_it_was(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    con = connect(db)
    store_run(con, "run1", [plain_draws(50)])
    con.close()
    store_backtest(db, synthetic_record("b0a7e5700001"))
    con = duckdb.connect(str(db), read_only=True)
    before = snapshot(con)
    con.close()

    insert = backtests.insert_rows
    written = []

    def failing(con, table, rows):
        if table == BACKTEST_TABLES[-1]:
            raise duckdb.IOException("disk full")
        insert(con, table, rows)
        written.append(table)

    monkeypatch.setattr(backtests, "insert_rows", failing)
    with pytest.raises(duckdb.IOException, match="disk full"):
        store_backtest(db, synthetic_record("b0a7e5700002"))
    assert written == list(BACKTEST_TABLES[:-1])  # three tables had their rows, then none
    con = duckdb.connect(str(db), read_only=True)
    assert snapshot(con) == before
    for table in BACKTEST_TABLES:
        assert con.execute(
            f"select count(*) from {table} where backtest_id = 'b0a7e5700002'"
        ).fetchall() == [(0,)]
    assert not is_backtest(con, "b0a7e5700002")
    con.close()


def test_an_id_already_stored_is_refused_and_nothing_is_added(tmp_path):
    db = tmp_path / "w.duckdb"
    con = connect(db)
    store_run(con, "run1", [plain_draws(10)])
    con.close()
    store_backtest(db, synthetic_record("b0a7e5700001"))
    for taken in ("b0a7e5700001", "run1"):
        with pytest.raises(CountlabError, match=f"backtest '{taken}': the id is already"):
            store_backtest(db, synthetic_record(taken))
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from backtest_members").fetchall() == [(30,)]
    con.close()


def test_a_record_that_cannot_be_stored_is_refused_before_the_file_is_touched(tmp_path):
    db = tmp_path / "w.duckdb"
    good = synthetic_record()
    fields = {f: getattr(good, f) for f in good.__dataclass_fields__}
    house = good.chambers["house"]
    assert house is not None
    for change, message in (
        ({"chambers": {"house": {**house, "extra": 1}}}, "unknown \\['extra'\\]"),
        ({"chambers": {"house": {**house, "observed_yea": None}}}, "observed_yea"),
        ({"chambers": {"assembly": house}}, "chamber 'assembly'"),
        ({"members": [{**good.members[0], "vote": "not_voting"}]}, "vote 'not_voting'"),
        ({"members": [{**good.members[0], "p_yea": 1.5}]}, "p_yea 1.5"),
        ({"chambers": {**good.chambers, "senate": None}}, "'senate' has no chambers row"),
        ({"result": {"x": float("nan")}}, "result: not a JSON object"),
    ):
        with pytest.raises(ValueError, match=message):
            store_backtest(db, BacktestRecord(**{**fields, **change}))
    assert not db.exists()
    assert not lease_path(db).exists()


def test_another_writer_holding_the_lease_is_named_at_once(tmp_path):
    db = tmp_path / "w.duckdb"
    connect(db).close()
    fd = os.open(lease_path(db), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(
            fd,
            json.dumps(
                {"pid": os.getpid(), "run_id": "r1", "kind": "run", "started": "now"}
            ).encode(),
        )
        with pytest.raises(CountlabError, match="is being written by run r1"):
            store_backtest(db, synthetic_record())
    finally:
        os.close(fd)
    store_backtest(db, synthetic_record())


def test_read_backtest_names_an_unknown_id(tmp_path):
    db = tmp_path / "w.duckdb"
    store_backtest(db, synthetic_record())
    con = duckdb.connect(str(db), read_only=True)
    with pytest.raises(CountlabError, match="backtest 'nope': no such backtest"):
        read_backtest(con, "nope")
    con.close()


def test_new_backtest_ids_look_like_run_ids():
    ids = {new_backtest_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 12 and int(i, 16) >= 0 for i in ids)


def test_calibration_bins_each_member_once_for_the_model_and_the_baseline(tmp_path):
    db = tmp_path / "w.duckdb"
    record = synthetic_record(n_house=40, n_senate=20)
    store_backtest(db, record)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "select chamber, model, bin, p_low, p_high, mean_p_yea, observed_yea_share, n"
        " from backtest_calibration where backtest_id = ?",
        [record.backtest_id],
    ).fetchall()
    con.close()
    assert {(c, m) for c, m, *_ in rows} == {
        (c, m) for c in ("house", "senate") for m in ("model", "baseline")
    }
    for chamber, model, b, low, high, mean_p, share, n in rows:
        key = "p_yea" if model == "model" else "baseline_p_yea"
        inside = [
            m for m in record.members if m["chamber"] == chamber and min(int(m[key] * 10), 9) == b
        ]
        assert n == len(inside) > 0
        assert (low, high) == pytest.approx((b / 10, (b + 1) / 10))
        assert low <= mean_p <= high
        assert mean_p == pytest.approx(np.mean([m[key] for m in inside]))
        assert share == pytest.approx(np.mean([m["vote"] == "yea" for m in inside]))
    for chamber in ("house", "senate"):
        for model in ("model", "baseline"):
            total = sum(n for c, m, *_, n in rows if (c, m) == (chamber, model))
            assert total == sum(m["chamber"] == chamber for m in record.members)


def test_a_version_4_warehouse_is_upgraded_in_place_and_keeps_its_rows(tmp_path):
    db = tmp_path / "w.duckdb"
    con = connect(db)
    store_run(con, "old", [plain_draws(300)])
    views = ("runs", "sweep_points", "draws", "objection_votes", "outcome_probabilities")
    before = {v: con.execute(f"select * from {v} order by all").fetchall() for v in views}
    # Make it a version-4 warehouse: no backtest tables nor view, the old version number.
    con.execute("drop view backtest_calibration")
    for table in BACKTEST_TABLES:
        con.execute(f"drop table {table}")
    con.execute("delete from schema_version")
    con.execute("insert into schema_version (version) values (4)")
    con.close()

    # Read-only, a version-4 warehouse has no backtest: is_backtest says so, no error.
    con = duckdb.connect(str(db), read_only=True)
    assert not is_backtest(con, "old")
    with pytest.raises(CountlabError, match="no such backtest"):
        read_backtest(con, "old")
    con.close()

    con = connect(db)
    assert con.execute("select max(version) from schema_version").fetchall() == [(SCHEMA_VERSION,)]
    assert SCHEMA_VERSION >= 5  # later versions upgrade it on the way
    assert {v: con.execute(f"select * from {v} order by all").fetchall() for v in views} == before
    for table in (*BACKTEST_TABLES, "backtest_calibration"):
        assert con.execute(f"select count(*) from {table}").fetchall() == [(0,)]
    con.close()
    record = synthetic_record()
    store_backtest(db, record)
    con = duckdb.connect(str(db), read_only=True)
    assert read_backtest(con, record.backtest_id) == record.result
    con.close()
