"""A scenario reaches its chunk task without Prefect walking it (issue 17: the walk, at
submit and at run, cost about 80 ms a task, most of a small sweep point's time)."""

from __future__ import annotations

import pickle

import pytest
from prefect.utilities.collections import visit_collection

from benchmarks.scenarios import load_bench_scenario
from flows.handed import Handed


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


@pytest.mark.usefixtures("prefect_harness")
def test_a_flows_summary_is_handed_back_without_prefect_walking_it(tmp_path, monkeypatch) -> None:
    import prefect.flow_engine

    from flows.requests import SweepRequest
    from flows.sweep import sweep
    from tests.flows.test_task_groups import SCENARIO

    walked: list[int] = []
    real = prefect.flow_engine.resolve_futures_to_states

    def counting(result: object) -> object:
        walked.append(visits(result))
        return real(result)  # type: ignore[arg-type]

    monkeypatch.setattr(prefect.flow_engine, "resolve_futures_to_states", counting)
    path = tmp_path / "sweep.toml"
    path.write_text(SCENARIO)
    request = SweepRequest(scenario_path=str(path), draws=100, seed=1, db=str(tmp_path / "w.db"))
    summary = sweep(request)
    assert len(summary["points"]) == 12  # the caller gets the summary itself
    assert visits(summary) > 1000  # what Prefect would walk
    assert walked == [1]  # the flow ended once and Prefect saw one object
