"""``countlab bench`` in quick mode: it runs and reports every key. Never a timed test."""

from __future__ import annotations

import json
import math

import pytest

from benchmarks.bench import KEYS, format_table, run_bench

pytestmark = pytest.mark.slow

REQUIRED_KEYS = {
    "draws_per_s_core",
    "draws_per_s_core_calibrated",
    "calibrated / core",
    "draws_per_s_end_to_end",
    "rng_floor_draws_per_s",
    "first_answer_s",
    "first_answer_s_no_server",
    "core / rng_floor",
    "end_to_end / rng_floor",
    "two_core_speedup",
    "naive_speedup",
    "reader_throughput_ratio",
    "reader_wait_s_max",
    "peak_rss_mb",
}
NONE_IN_QUICK_MODE = {"first_answer_s"}  # quick mode starts no Prefect server


def test_quick_bench_reports_exactly_the_required_keys():
    messages: list[str] = []
    result = run_bench(quick=True, log=messages.append)
    assert set(result) == REQUIRED_KEYS
    assert tuple(result) == KEYS
    for key, value in result.items():
        if key in NONE_IN_QUICK_MODE:
            assert value is None
            continue
        assert isinstance(value, float), key
        assert math.isfinite(value), key
        assert value > 0, key
    assert result["core / rng_floor"] == pytest.approx(
        result["draws_per_s_core"] / result["rng_floor_draws_per_s"]
    )
    assert json.loads(json.dumps(result)) == result
    table = format_table(result, quick=True)
    for key in KEYS:
        assert key in table
    assert messages[-1].endswith("done")
