"""The pivotal re-tally (models/pivotal.py, issue 15): every draw counted again with one
objection's sustained state flipped, against a plain recount of each draw, with the
draws' own results unchanged bit for bit."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np
import pytest

import models.engine
import models.pivotal
from flows.scenario import to_scenario, validate_scenario
from models.behaviour import Scenario
from models.contingent import NO_ONE
from models.engine import Draws, simulate
from models.pivotal import draw_patterns, flip, tally_flips
from models.sampling import block_rng
from models.tally import ballot_list, tally
from tests.models.draws_digest import (
    BLOCK,
    RECORDED,
    SAMPLERS,
    SCENARIOS,
    digest,
    run,
    scenario,
)

N_DRAWS = 4000


@functools.cache
def without_defections(name: str) -> Scenario:
    """The digest's scenario ``name`` with ``p_defect = 0``: the re-tally is a recount."""
    return dataclasses.replace(scenario(name), p_defect=0.0)


def recount(scenario: Scenario, draws: Draws, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Every draw tallied again, one draw at a time, with objection ``k`` flipped."""
    counted = draws.tally
    alternate_for = None if scenario.remand is None else scenario.remand.alternate_for
    outcome = np.empty(draws.n_draws, np.int64)
    president = np.empty(draws.n_draws, np.int64)
    for d in range(draws.n_draws):
        flipped = draws.sustained[d : d + 1].copy()
        flipped[0, k] = not flipped[0, k]
        one = tally(
            scenario.session,
            scenario.rules,
            flipped,
            scenario.targets,
            slates=None if counted.slates is None else counted.slates[d : d + 1],
            alternate_for=alternate_for,
            complete=None if counted.complete is None else counted.complete[d : d + 1],
        )
        outcome[d], president[d] = one.outcome[0], one.president[0]
    return outcome, president


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("sampler", SAMPLERS)
def test_flipped_outcomes_are_a_recount_with_one_objection_reversed(name, sampler):
    sc = without_defections(name)
    draws = simulate(sc, n_draws=N_DRAWS // 4, rng=block_rng(3, 0), sampler=sampler)
    assert draws.flipped_outcome.shape == draws.flipped_president.shape == draws.raised.shape
    assert draws.flipped_outcome.dtype == draws.flipped_president.dtype == np.int64
    changed = 0
    for k in range(sc.n_objections):
        outcome, president = recount(sc, draws, k)
        np.testing.assert_array_equal(draws.flipped_outcome[:, k], outcome)
        np.testing.assert_array_equal(draws.flipped_president[:, k], president)
        changed += int(
            ((outcome != draws.tally.outcome) | (president != draws.tally.president)).sum()
        )
    assert changed > 0  # the scenarios have pivotal objections


def test_a_flip_reverses_one_objection_of_each_row_and_only_it():
    sustained = np.array([[True, False, True], [False, False, False]])
    flipped = flip(sustained, np.array([1, 2]))
    np.testing.assert_array_equal(flipped, [[True, True, True], [False, False, True]])
    np.testing.assert_array_equal(flip(flipped, np.array([1, 2])), sustained)


def test_each_distinct_count_is_tallied_once_per_objection(monkeypatch):
    sc = without_defections("returns")
    draws = simulate(sc, n_draws=N_DRAWS, rng=block_rng(3, 0))
    assert draws.tally.slates is not None
    first, pattern = draw_patterns(draws.sustained, draws.tally.slates, draws.tally.complete)
    inputs = np.hstack([draws.sustained, draws.tally.slates])
    assert first.size == np.unique(inputs, axis=0).shape[0] < N_DRAWS // 10
    np.testing.assert_array_equal(inputs[first][pattern], inputs)  # same pattern, same input
    rows: list[int] = []
    real = models.pivotal.tally

    def counting(*args, **kwargs):
        rows.append(args[2].shape[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(models.pivotal, "tally", counting)
    again = tally_flips(
        sc.session,
        sc.rules,
        draws.sustained,
        sc.targets,
        draws.tally,
        slates=draws.tally.slates,
        alternate_for=sc.remand.alternate_for if sc.remand else None,
        complete=draws.tally.complete,
    )
    assert rows == [first.size * sc.n_objections]
    np.testing.assert_array_equal(again[0], draws.flipped_outcome)
    np.testing.assert_array_equal(again[1], draws.flipped_president)


def test_no_objection_gives_empty_flips():
    config = validate_scenario(
        {"session": "2021-01-06", "objections": {}, "contingent": {"defection": 0.05}},
        source="s.toml",
    )
    sc = to_scenario(config, base=Path(), source="s.toml")
    draws = simulate(sc, n_draws=50, rng=block_rng(1, 0))
    assert draws.flipped_outcome.shape == draws.flipped_president.shape == (50, 0)


@pytest.mark.parametrize("name", ["defections", "returns"])
def test_with_defections_a_flip_keeps_the_draws_own_house_ballot_or_draws_a_fresh_one(name):
    sc = scenario(name)
    draws = run(name, "grouped")
    counted = draws.tally
    plain = without_defections(name)
    cast = sc.session.certificates.votes.sum(axis=0)
    own_house = np.zeros(draws.n_draws, bool)
    own_house[counted.contingent_draws] = True
    own_list = ballot_list(counted.totals, cast, rules=sc.rules, highest=3)
    kinds = {"reused": 0, "fresh": 0, "counted": 0}
    for k in range(sc.n_objections):
        flipped = flip(draws.sustained, np.full(draws.n_draws, k))
        deterministic = tally(
            plain.session,
            plain.rules,
            flipped,
            plain.targets,
            slates=counted.slates,
            alternate_for=sc.remand.alternate_for if sc.remand else None,
            complete=counted.complete,
        )
        in_house = np.zeros(draws.n_draws, bool)
        in_house[deterministic.contingent_draws] = True
        same = (
            in_house
            & own_house
            & (ballot_list(deterministic.totals, cast, rules=sc.rules, highest=3) == own_list).all(
                1
            )
        )
        outcome, president = draws.flipped_outcome[:, k], draws.flipped_president[:, k]
        # no contingent election: the count alone decides, defections play no part
        np.testing.assert_array_equal(outcome[~in_house], deterministic.outcome[~in_house])
        np.testing.assert_array_equal(president[~in_house], deterministic.president[~in_house])
        # the same ballot as the draw's own contingent election: the same choice
        np.testing.assert_array_equal(outcome[same], counted.outcome[same])
        np.testing.assert_array_equal(president[same], counted.president[same])
        # a contingent election the draw did not hold: a fresh ballot, House or no one
        fresh = in_house & ~same
        assert set(outcome[fresh].tolist()) <= {1, 2}
        assert ((president[fresh] == NO_ONE) == (outcome[fresh] == 2)).all()
        kinds["reused"] += int(same.sum())
        kinds["fresh"] += int(fresh.sum())
        kinds["counted"] += int((~in_house).sum())
    assert min(kinds.values()) > 0, kinds


def test_fresh_ballots_come_from_a_child_stream_and_repeat_with_the_seed(monkeypatch):
    first = run("remand", "grouped")
    again = run("remand", "grouped")
    np.testing.assert_array_equal(first.flipped_outcome, again.flipped_outcome)
    np.testing.assert_array_equal(first.flipped_president, again.flipped_president)
    streams: list[np.random.Generator] = []
    real = models.engine.defection_sampler

    def recording(p_defect, *, rng):
        streams.append(rng)
        return real(p_defect, rng=rng)

    monkeypatch.setattr(models.engine, "defection_sampler", recording)
    run("remand", "grouped")
    main, flips = (s.bit_generator.seed_seq for s in streams)
    # the block's own stream, then its second child (the remand's is the first)
    assert main.spawn_key == (BLOCK,)
    assert flips.spawn_key == (BLOCK, 1)


@pytest.mark.parametrize("key", sorted(RECORDED))
def test_the_re_tally_leaves_every_other_array_as_it_was(key):
    name, sampler = key.split(":")
    assert digest(run(name, sampler)) == RECORDED[key]
