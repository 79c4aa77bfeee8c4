"""Pivotal objections and conditional probabilities in the warehouse (issue 15): the views
``pivotal_objections``, ``pivotal_transitions`` and ``conditional_probabilities`` against
a recount of the stored draws and a hand-written query, ``pivotal`` and ``conditional``
in ``countlab run --json``, and runs stored before schema 6."""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from flows.scenario import to_scenario, validate_scenario
from models.behaviour import Scenario
from models.engine import simulate
from models.outcomes import code_label
from models.sampling import block_rng
from models.slates import ORIGINAL
from models.states import STATE_INDEX
from models.tally import tally
from reports.render import write_run_report
from tests.warehouse.test_store import point, record
from warehouse.frames import ChunkFacts
from warehouse.queries import changed_transitions, read_flips, read_summary
from warehouse.schema import SCHEMA_VERSION
from warehouse.store import ChunkEntry, begin_run, complete_run, connect, store_chunks

VOTES = {
    "house": {"R": 0.95, "D": 0.4},
    "senate": {"R": 0.9, "D": 0.45},
    "correlation": 0.4,
    "absent": 0.02,
}
SCENARIOS: dict[str, dict[str, Any]] = {
    # NV is never raised, so never sustained: its conditional probabilities are null
    "plain": {"objections": {"AZ": 1.0, "PA": 1.0, "GA": 0.6, "NV": 0.0}, "votes": VOTES},
    # Wisconsin's two returns, decided by the Houses draw by draw (eca1887, M8)
    "returns": {
        "objections": {"AZ": 1.0, "GA": 0.7, "WI": 0.8, "NV": 0.0},
        "returns": {"WI": "alternate+legislature", "PA": "alternate+legislature"},
        "votes": VOTES,
    },
}
BLOCKS = (1200, 800)
"""Draws of each stored chunk (blocks 0 and 1 of the seed)."""


@functools.cache
def scenario(name: str) -> Scenario:
    config = validate_scenario({"session": "2021-01-06", **SCENARIOS[name]}, source="s.toml")
    return to_scenario(config, base=Path(), source="s.toml")


def store_run(con: duckdb.DuckDBPyConnection, name: str, run_id: str) -> None:
    sc = scenario(name)
    n = sum(BLOCKS)
    keys = sc.session.candidate_keys
    run = dataclasses.replace(record(run_id, n), candidates=keys, objection_states=sc.states)
    at = dataclasses.replace(
        point(n),
        candidates=keys,
        vp_candidates=sc.session.vp_keys,
        objection_states=sc.states,
        slate_states=sc.slate_states,
    )
    run_key = begin_run(con, run, [at])
    first = 0
    for block, size in enumerate(BLOCKS):
        facts = ChunkFacts(run_key=run_key)
        draws = simulate(sc, n_draws=size, rng=block_rng(5, block))
        facts.add(draws, point=0, first_draw=first, n_candidates=len(keys))
        store_chunks(
            con, run_key=run_key, chunks=[ChunkEntry(0, first, size)], facts=facts.tables()
        )
        first += size
    complete_run(con, run_id)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("pivotal") / "w.duckdb"
    con = connect(db)
    for name in SCENARIOS:
        store_run(con, name, name)
    con.close()
    return db


@pytest.fixture
def con(warehouse):
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def stored_counts(con, run_id: str, sc: Scenario) -> dict[str, Any]:
    """The draws as the views give them back: sustained ``(D, K)``, labels, counted slates
    ``(D, n_states)``."""
    n = sum(BLOCKS)
    sustained = np.zeros((n, sc.n_objections), bool)
    for draw, state, is_sustained in con.execute(
        "select draw, state, sustained from objection_votes where run_id = ?", [run_id]
    ).fetchall():
        sustained[draw, sc.states.index(state)] = is_sustained
    labels = [""] * n
    for draw, outcome, winner in con.execute(
        "select draw, outcome, winner from draws where run_id = ?", [run_id]
    ).fetchall():
        labels[draw] = f"{outcome}:{winner}" if winner else outcome
    slates = None
    if sc.slate_states:
        slates = np.full((n, len(STATE_INDEX)), ORIGINAL, np.int64)
        for draw, codes, states in con.execute(
            "select d.draw, d.counted_slates, p.slate_states from stored_draws as d"
            " join completed_points as p using (run_key, point) where p.run_id = ?",
            [run_id],
        ).fetchall():
            for state, code in zip(states, codes, strict=True):
                slates[draw, STATE_INDEX[state]] = code
    return {"sustained": sustained, "labels": labels, "slates": slates}


def labels_of(sc: Scenario, sustained: np.ndarray, slates: np.ndarray | None) -> list[str]:
    counted = tally(
        sc.session,
        sc.rules,
        sustained,
        sc.targets,
        slates=slates,
        alternate_for=None if sc.remand is None else sc.remand.alternate_for,
        complete=None if sc.remand is None else np.full(len(sustained), sc.remand.complete),
    )
    keys = sc.session.candidate_keys
    return [
        code_label(int(o), int(w), keys)
        for o, w in zip(counted.outcome, counted.president, strict=True)
    ]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_pivotal_objections_agree_with_a_recount_of_the_stored_draws(con, name):
    sc = scenario(name)
    stored = stored_counts(con, name, sc)
    assert labels_of(sc, stored["sustained"], stored["slates"]) == stored["labels"]
    view = {
        row[0]: row[1:]
        for row in con.execute(
            "select state, draws, n, n_if_sustained, n_if_overruled, p, se, ci_low, ci_high"
            " from pivotal_objections where run_id = ?",
            [name],
        ).fetchall()
    }
    transitions = {
        (state, direction, before, after): n
        for state, direction, before, after, n in con.execute(
            "select state, direction, from_label, to_label, n from pivotal_transitions"
            " where run_id = ?",
            [name],
        ).fetchall()
    }
    expected_transitions: Counter[tuple[str, str, str, str]] = Counter()
    total = 0
    for k, state in enumerate(sc.states):
        flipped = stored["sustained"].copy()
        flipped[:, k] = ~flipped[:, k]
        after = labels_of(sc, flipped, stored["slates"])
        changed = [a != b for a, b in zip(after, stored["labels"], strict=True)]
        was = stored["sustained"][:, k]
        n = sum(changed)
        n_sustain = sum(c and not w for c, w in zip(changed, was, strict=True))
        draws, got_n, got_sustain, got_overrule, p, se, low, high = view[state]
        assert (draws, got_n, got_sustain, got_overrule) == (
            len(after),
            n,
            n_sustain,
            n - n_sustain,
        ), state
        assert p == pytest.approx(n / draws)
        assert se == pytest.approx(np.sqrt(p * (1 - p) / draws))
        assert low - 1e-12 <= p <= high + 1e-12  # Wilson bounds, to rounding
        for w, before, now in zip(was, stored["labels"], after, strict=True):
            expected_transitions[(state, "overrule" if w else "sustain", before, now)] += 1
        total += n
    assert transitions == dict(expected_transitions)
    assert total > 0
    if name == "plain":
        assert view["NV"][1] > 0  # never sustained, yet sustaining it would matter


HAND_OUTCOMES = """
with
labelled as (
    select run_id, point, draw, coalesce(outcome || ':' || winner, outcome) as label
    from draws
),

given as (
    select run_id, point, state, count(*) filter (where sustained) as given_draws
    from objection_votes
    group by all
)

select g.state, l.label, g.given_draws, count(v.draw) as n
from given as g
cross join (select distinct label from labelled) as l
left join objection_votes as v
    on v.run_id = g.run_id and v.state = g.state and v.sustained
    and exists (
        select 1 from labelled as x
        where x.run_id = v.run_id and x.draw = v.draw and x.label = l.label
    )
where g.run_id = ?
group by all
"""

HAND_PAIRS = """
select a.state, b.state, count(*) as n
from objection_votes as a
inner join objection_votes as b
    on a.run_id = b.run_id and a.point = b.point and a.draw = b.draw and a.state <> b.state
where a.run_id = ? and a.sustained and b.sustained
group by all
"""


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_conditional_probabilities_agree_with_a_hand_written_query(con, name):
    view = {
        (given, quantity, key): (given_draws, n, p, se)
        for given, quantity, key, given_draws, n, p, se in con.execute(
            "select given, quantity, key, given_draws, n, p, se"
            " from conditional_probabilities where run_id = ?",
            [name],
        ).fetchall()
    }
    labels = [
        r[0]
        for r in con.execute("select label from outcome_labels where run_id = ?", [name]).fetchall()
    ]
    states = scenario(name).states
    assert set(view) == {(s, "outcome", lb) for s in states for lb in labels} | {
        (s, "sustained", o) for s in states for o in states if o != s
    }
    hand = {(s, lb): (g, n) for s, lb, g, n in con.execute(HAND_OUTCOMES, [name]).fetchall()}
    given = {s: g for (s, _), (g, _) in hand.items()}
    assert given["NV"] == 0
    for (state, quantity, key), (given_draws, n, p, se) in view.items():
        assert given_draws == given[state]
        if quantity == "outcome":
            expected = hand.get((state, key), (given_draws, 0))[1]
        else:
            pairs = {(a, b): n for a, b, n in con.execute(HAND_PAIRS, [name]).fetchall()}
            expected = pairs.get((state, key), 0)
        assert n == expected, (state, quantity, key)
        if given_draws == 0:
            assert p is None
            assert se is None
        else:
            assert p == pytest.approx(n / given_draws)
    sustained_somewhere = [s for s in states if given[s] > 0]
    for state in sustained_somewhere:  # the outcomes given a sustained objection add up
        total = sum(view[(state, "outcome", lb)][2] for lb in labels)
        assert total == pytest.approx(1.0)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_run_json_has_pivotal_and_conditional_from_the_views(con, name):
    summary = read_summary(con, name)
    pivotal = dict(
        con.execute("select state, p from pivotal_objections where run_id = ?", [name]).fetchall()
    )
    assert list(summary["pivotal"]) == list(scenario(name).states)  # the point's order
    assert summary["pivotal"] == pivotal
    assert list(summary["conditional"]) == list(scenario(name).states)
    for state, by_label in summary["conditional"].items():
        assert list(by_label) == list(summary["outcomes"])  # every label, in their order
        for label, p in by_label.items():
            (expected,) = con.execute(
                "select p from conditional_probabilities where run_id = ? and given = ?"
                " and quantity = 'outcome' and key = ?",
                [name, state, label],
            ).fetchall()[0]
            assert p == expected
    assert set(summary["conditional"]["NV"].values()) == {None}
    flips = read_flips(con, name)
    assert set(flips) <= set(summary["pivotal"])
    assert all(f["from_label"] != f["to_label"] and f["p"] > 0 for f in flips.values())


def make_version_5(db: Path) -> None:
    """Turn a schema-6 warehouse into the schema-5 one it upgrades from: no flipped
    columns, no analysis tables, the old version number."""
    con = connect(db)
    for view in ("objection_votes", "objection_flips"):
        con.execute(f"drop view {view} cascade")
    con.execute("alter table stored_objection_votes drop column flipped_outcome")
    con.execute("alter table stored_objection_votes drop column flipped_winner")
    con.execute("alter table stored_objection_votes drop column changes_outcome")
    con.execute("drop table sensitivity_indices")
    con.execute("drop table discovered_boxes")
    con.execute("delete from schema_version")
    con.execute("insert into schema_version (version) values (5)")
    con.close()


def test_a_version_5_run_reads_with_null_pivotal_values(tmp_path):
    db = tmp_path / "w.duckdb"
    con = connect(db)
    store_run(con, "plain", "old")
    before = con.execute("select * from conditional_probabilities order by all").fetchall()
    summary_before = read_summary(con, "old")
    con.close()
    make_version_5(db)

    con = connect(db)  # the upgrade: the flipped columns are back, null in the old rows
    assert con.execute("select max(version) from schema_version").fetchall() == [(SCHEMA_VERSION,)]
    assert con.execute(
        "select count(*), count(flipped_outcome), count(flipped_winner) from objection_votes"
    ).fetchall() == [(sum(BLOCKS) * 4, 0, 0)]
    rows = con.execute(
        "select state, draws, n, p, se, ci_low, ci_high, n_if_sustained, n_if_overruled,"
        " p_if_sustained, p_if_overruled from pivotal_objections order by state"
    ).fetchall()
    assert [r[:2] for r in rows] == [(s, sum(BLOCKS)) for s in sorted(scenario("plain").states)]
    assert all(value is None for r in rows for value in r[2:])
    assert con.execute("select count(*) from pivotal_transitions").fetchall() == [(0,)]
    assert con.execute("select * from conditional_probabilities order by all").fetchall() == before
    summary = read_summary(con, "old")
    assert summary["pivotal"] == dict.fromkeys(scenario("plain").states)
    assert summary["conditional"] == summary_before["conditional"]
    assert {k: v for k, v in summary.items() if k != "pivotal"} == {
        k: v for k, v in summary_before.items() if k != "pivotal"
    }
    assert read_flips(con, "old") == {}
    # a run stored in part before the upgrade (a sweep resumed across it) is not known either
    store_run(con, "plain", "mixed")
    con.execute(
        "update stored_objection_votes"
        " set flipped_outcome = null, flipped_winner = null, changes_outcome = null"
        " where run_key = (select run_key from runs where run_id = 'mixed') and draw < 10"
    )
    assert con.execute(
        "select count(n) from pivotal_objections where run_id = 'mixed'"
    ).fetchall() == [(0,)]
    con.close()
    (html,) = write_run_report(db, "old", tmp_path / "out", ("html",))
    text = html.read_text()
    assert '<section id="pivotal">' in text
    assert "stored before countlab counted each draw again" in text
    assert "The outcome when an objection is sustained" in text


SETTLED = {"objections": {"AZ": 1.0, "PA": 1.0}, "votes": VOTES}
"""No flip changes a draw's label: without Arizona and Pennsylvania Biden keeps 275 of the
270 needed (rules.md R0.1 and R0.3: a majority of the 538 appointed)."""


class Recording:
    """A connection that keeps the SQL it is given."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.seen = con, []

    def execute(self, sql, params=None):
        self.seen.append(sql)
        return self.con.execute(sql, params)

    def sql(self, sql, params=None):
        self.seen.append(sql)
        return self.con.sql(sql, params=params)


def test_changed_transitions_are_read_only_where_a_flip_changes_a_label(tmp_path, monkeypatch):
    """Issue 17: the transitions (a join of every objection row to its draw) are not queried
    when pivotal_objections counts no draw a flip changes; otherwise the same rows as the
    view's."""
    monkeypatch.setitem(SCENARIOS, "settled", SETTLED)
    con = connect(tmp_path / "w.duckdb")
    store_run(con, "settled", "settled")
    store_run(con, "plain", "plain")
    for run_id, pivotal in (("settled", False), ("plain", True)):
        (changing,) = con.execute(
            "select count(*) from pivotal_objections where run_id = ? and n > 0", [run_id]
        ).fetchall()[0]
        assert (changing > 0) == pivotal, run_id
        recording = Recording(con)
        rows = changed_transitions(
            recording,  # type: ignore[arg-type]
            run_id,
            0,
            columns="state, direction, from_label, to_label, n",
            order="state, direction, from_label, to_label",
        )
        expected = con.execute(
            "select state, direction, from_label, to_label, n from pivotal_transitions"
            " where run_id = ? and changed order by all",
            [run_id],
        ).fetchall()
        assert [tuple(row.values()) for row in rows] == expected
        assert bool(expected) == pivotal
        assert any("pivotal_transitions" in sql for sql in recording.seen) == pivotal
    con.close()
