"""``countlab bench`` in quick mode: it runs and reports every key. Never a timed test."""

from __future__ import annotations

import json
import math

import pytest

from benchmarks.bench import KEYS, format_table, run_bench
from benchmarks.scenarios import CALIBRATED, floats_per_draw, load_bench_scenario

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
    "core_calibrated / rng_floor",
    "two_core_speedup",
    "naive_speedup",
    "reader_throughput_ratio",
    "reader_wait_s_max",
    "small_points_ratio",
    "summary_scale_ratio",
    "kernel_compile_s",
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
    # one floor measurement, over each scenario's own floats per draw
    per_draw = floats_per_draw(load_bench_scenario())
    per_draw_calibrated = floats_per_draw(load_bench_scenario(CALIBRATED))
    floor_calibrated = result["rng_floor_draws_per_s"] * per_draw / per_draw_calibrated
    assert result["core_calibrated / rng_floor"] == pytest.approx(
        result["draws_per_s_core_calibrated"] / floor_calibrated
    )
    for key in ("small_points_ratio", "summary_scale_ratio"):
        assert result[key] < 1_000, key  # a ratio of two like measurements, not a rate
    assert any("small points: the sweep" in m for m in messages)
    assert any("built the other runs in" in m for m in messages)
    assert any(m.endswith(" s warm") and "cold" in m for m in messages)  # kernel_compile_s
    assert json.loads(json.dumps(result)) == result
    table = format_table(result, quick=True)
    for key in KEYS:
        assert key in table
    assert messages[-1].endswith("done")
