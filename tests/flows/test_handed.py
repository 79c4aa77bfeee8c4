"""A scenario reaches its chunk task without Prefect walking it (issue 17: the walk, at
submit and at run, cost about 80 ms a task, most of a small sweep point's time)."""

from __future__ import annotations

import pickle

from prefect.utilities.collections import visit_collection

from benchmarks.scenarios import load_bench_scenario
from flows.chunks import Handed


def visits(value: object) -> int:
    seen = 0

    def count(item: object) -> object:
        nonlocal seen
        seen += 1
        return item

    visit_collection(value, visit_fn=count, return_data=False)
    return seen


def test_prefect_walks_a_scenario_but_not_a_handed_one() -> None:
    scenario = load_bench_scenario()
    assert visits(scenario) > 1000  # what Prefect does with a bare scenario argument
    assert visits(Handed(scenario)) == 1


def test_a_handed_scenario_survives_pickling_for_process_and_dask_workers() -> None:
    scenario = load_bench_scenario()
    back = pickle.loads(pickle.dumps(Handed(scenario)))
    assert isinstance(back, Handed)
    assert back.value.session.candidate_keys == scenario.session.candidate_keys
