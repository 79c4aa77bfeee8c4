"""remand.md M15 in the warehouse: each draw's counted slates and remand answers, stored as
per-slate-state code lists, decoded by the views ``slate_probabilities`` and
``remand_answers``, and summarized as ``slates`` in ``countlab run --json``."""

from __future__ import annotations

import dataclasses
import functools
import math
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from flows.scenario import load_scenario, to_scenario
from models.behaviour import Scenario
from models.engine import Draws, simulate
from models.remand import ANSWER_CODES
from models.sampling import block_rng
from models.slates import SLATES
from tests.warehouse.test_store import point, record, wilson
from warehouse.frames import ChunkFacts, draws_table
from warehouse.queries import read_summary, read_sweep
from warehouse.schema import SCHEMA_VERSION
from warehouse.store import ChunkEntry, begin_run, complete_run, connect, store_chunks

EXAMPLE = Path(__file__).parents[2] / "examples" / "january-2021.toml"
STATES = ("AZ", "GA", "PA")
"""Slate states of the hand-made draws: AZ and PA remanded, GA with two returns only."""
SLATE_P = {"AZ": (0.5, 0.4, 0.1), "GA": (0.7, 0.3, 0.0), "PA": (0.2, 0.5, 0.3)}
"""GA's legislature never leaves it without a slate: its 'none' row has p = 0."""
ANSWER_P = (0.3, 0.1, 0.2, 0.4, 0.0)
"""Per remanded state, the probability of each of ``ANSWER_CODES`` (never not_in_time)."""


@functools.cache
def scenario() -> Scenario:
    config, base = load_scenario(EXAMPLE)
    return to_scenario(config, base=base, source=str(EXAMPLE))


def plain_draws(n: int, block: int = 0) -> Draws:
    return simulate(scenario(), n_draws=n, rng=block_rng(7, block), sampler="grouped")


def remand_draws(n: int, block: int = 0) -> Draws:
    """Draws of the example with counted slates and remand answers made up by hand."""
    rng = np.random.default_rng(block)
    counted = np.stack([rng.choice(3, size=n, p=SLATE_P[s]) for s in STATES], axis=1)
    answers = np.stack(
        [rng.choice(5, size=n, p=ANSWER_P) if s != "GA" else np.full(n, -1) for s in STATES],
        axis=1,
    )
    return dataclasses.replace(
        plain_draws(n, block),
        slate_states=STATES,
        counted_slate=counted.astype(np.int8),
        remand_answer=answers.astype(np.int8),
    )


def test_draws_table_writes_the_codes_as_lists_and_nulls_without_a_remand():
    draws = remand_draws(500)
    n_candidates = len(scenario().session.candidate_keys)
    table = draws_table(draws, run_key=1, point=0, first_draw=0, n_candidates=n_candidates)
    assert table.schema.field("counted_slates").type == pa.list_(pa.uint8())
    assert table.schema.field("remand_answers").type == pa.list_(pa.int8())
    assert draws.counted_slate is not None
    assert draws.remand_answer is not None
    assert table.column("counted_slates").to_pylist() == draws.counted_slate.tolist()
    assert table.column("remand_answers").to_pylist() == draws.remand_answer.tolist()
    plain = draws_table(plain_draws(50), run_key=1, point=0, first_draw=0, n_candidates=2)
    assert plain.column("counted_slates").null_count == 50
    assert plain.column("remand_answers").null_count == 50
    assert plain.schema.field("counted_slates").type == pa.list_(pa.uint8())


def store_run(con: duckdb.DuckDBPyConnection, run_id: str, blocks: list[Draws]) -> None:
    """One run of ``blocks`` (a chunk each), the point's slate states those of the draws."""
    n = sum(b.n_draws for b in blocks)
    candidates = scenario().session.candidate_keys
    run = dataclasses.replace(record(run_id, n), candidates=candidates)
    at = dataclasses.replace(point(n), candidates=candidates, slate_states=blocks[0].slate_states)
    run_key = begin_run(con, run, [at])
    first = 0
    for block in blocks:
        facts = ChunkFacts(run_key=run_key)
        facts.add(block, point=0, first_draw=first, n_candidates=len(candidates))
        store_chunks(
            con,
            run_key=run_key,
            chunks=[ChunkEntry(0, first, block.n_draws)],
            facts=facts.tables(),
        )
        first += block.n_draws
    complete_run(con, run_id)


@pytest.fixture
def remand_run(tmp_path) -> tuple[duckdb.DuckDBPyConnection, np.ndarray, np.ndarray]:
    blocks = [remand_draws(700, 0), remand_draws(300, 1)]
    con = connect(tmp_path / "w.duckdb")
    store_run(con, "remand", blocks)
    counted = np.concatenate([b.counted_slate for b in blocks if b.counted_slate is not None])
    answers = np.concatenate([b.remand_answer for b in blocks if b.remand_answer is not None])
    return con, counted, answers


def check_row(row: tuple, n: int, draws: int) -> None:
    """``(n, draws, p, se, ci_low, ci_high)`` against numpy's count ``n``."""
    p = n / draws
    low, high = wilson(n, draws)
    assert row == (
        n,
        draws,
        pytest.approx(p),
        pytest.approx(math.sqrt(p * (1 - p) / draws)),
        pytest.approx(low),
        pytest.approx(high),
    )


def test_slate_probabilities_view_has_every_slate_of_every_state(remand_run):
    con, counted, _ = remand_run
    rows = con.execute(
        "select state, slate, n, draws, p, se, ci_low, ci_high from slate_probabilities"
        " where run_id = 'remand' and point = 0"
    ).fetchall()
    assert sorted((r[0], r[1]) for r in rows) == sorted((s, k) for s in STATES for k in SLATES)
    for state, slate, *numbers in rows:
        n = int((counted[:, STATES.index(state)] == SLATES.index(slate)).sum())
        check_row(tuple(numbers), n, 1000)
    p_by = {(r[0], r[1]): r[4] for r in rows}
    assert p_by["GA", "none"] == 0.0
    for state in STATES:
        assert sum(p_by[state, k] for k in SLATES) == pytest.approx(1.0)


def test_remand_answers_view_lists_every_answer_of_the_remanded_states(remand_run):
    con, _, answers = remand_run
    rows = con.execute(
        "select state, answer, n, draws, p, se, ci_low, ci_high from remand_answers"
        " where run_id = 'remand'"
    ).fetchall()
    assert sorted((r[0], r[1]) for r in rows) == sorted(
        (s, a) for s in ("AZ", "PA") for a in ANSWER_CODES
    )
    for state, answer, *numbers in rows:
        n = int((answers[:, STATES.index(state)] == ANSWER_CODES.index(answer)).sum())
        check_row(tuple(numbers), n, 1000)
    assert {r[4] for r in rows if r[1] == "not_in_time"} == {0.0}


def test_sweep_views_carry_the_points_params(remand_run):
    con, _, _ = remand_run
    assert con.execute(
        "select count(*), count(distinct params) from sweep_slate_probabilities"
        " where run_id = 'remand'"
    ).fetchall()[0] == (len(STATES) * len(SLATES), 1)
    assert con.execute(
        "select count(*) from sweep_remand_answers where run_id = 'remand'"
    ).fetchall()[0] == (2 * len(ANSWER_CODES),)
    assert con.execute(
        "select key, p from sweep_probabilities where run_id = 'remand' and quantity = 'slate'"
        " and key = 'GA:none'"
    ).fetchall() == [("GA:none", 0.0)]


def test_run_json_slates_per_state_with_standard_errors(remand_run):
    con, counted, _ = remand_run
    slates = read_summary(con, "remand")["slates"]
    assert list(slates) == list(STATES)
    for i, state in enumerate(STATES):
        entry = slates[state]
        assert list(entry) == [*SLATES, "se"]
        assert list(entry["se"]) == list(SLATES)
        for code, slate in enumerate(SLATES):
            p = float((counted[:, i] == code).mean())
            assert entry[slate] == pytest.approx(p)
            assert entry["se"][slate] == pytest.approx(math.sqrt(p * (1 - p) / 1000))
    assert read_sweep(con, "remand")["points"][0]["slates"] == slates


def test_a_run_without_remand_stores_nulls_and_has_no_slates(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    store_run(con, "plain", [plain_draws(400)])
    assert con.execute(
        "select count(*), count(counted_slates), count(remand_answers) from stored_draws"
    ).fetchall()[0] == (400, 0, 0)
    assert con.execute("select slate_states from sweep_points").fetchall() == [([],)]
    for view in ("slate_probabilities", "remand_answers"):
        assert con.execute(f"select count(*) from {view}").fetchall()[0] == (0,)
    summary = read_summary(con, "plain")
    assert summary["slates"] == {}
    assert list(summary) == [
        "run_id",
        "draws",
        "seed",
        "outcomes",
        "winners",
        "objections",
        "slates",
        "pivotal",
        "conditional",
    ]


VIEWS = ("runs", "sweep_points", "draws", "objection_votes", "outcome_probabilities")


def rows(con: duckdb.DuckDBPyConnection, view: str) -> list[tuple]:
    """Every row of ``view`` as a version-3 warehouse had it."""
    columns = "* exclude (slate_states)" if view == "sweep_points" else "*"
    return con.execute(f"select {columns} from {view} order by all").fetchall()


def test_a_version_3_warehouse_is_upgraded_in_place_and_keeps_its_rows(tmp_path):
    db = tmp_path / "w.duckdb"
    con = connect(db)
    store_run(con, "old", [plain_draws(300)])
    before = {v: rows(con, v) for v in VIEWS}
    # Make it a version-3 warehouse: no slate columns, the old version number.
    for view in (
        "sweep_remand_answers",
        "sweep_slate_probabilities",
        "remand_answers",
        "slate_probabilities",
        "point_slate_states",
        "completed_points",
    ):
        con.execute(f"drop view {view} cascade")
    con.execute("alter table sweep_points drop column slate_states")
    con.execute("alter table stored_draws drop column counted_slates")
    con.execute("alter table stored_draws drop column remand_answers")
    con.execute("delete from schema_version")
    con.execute("insert into schema_version (version) values (3)")
    con.close()

    con = connect(db)
    assert con.execute("select max(version) from schema_version").fetchall()[0] == (SCHEMA_VERSION,)
    assert {v: rows(con, v) for v in VIEWS} == before
    assert con.execute("select slate_states from sweep_points").fetchall() == [([],)]
    assert con.execute(
        "select count(*), count(counted_slates), count(remand_answers) from stored_draws"
    ).fetchall()[0] == (300, 0, 0)
    assert read_summary(con, "old")["slates"] == {}
    store_run(con, "new", [remand_draws(200)])
    new = con.execute("select count(*) from slate_probabilities where run_id = 'new'")
    assert new.fetchall() == [(len(STATES) * len(SLATES),)]
    con.close()
