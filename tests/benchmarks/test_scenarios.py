"""The benchmark's files ship in the package and need no checkout (``countlab bench`` from a
wheel; ``scripts/check_wheel.sh`` runs it from one)."""

from __future__ import annotations

from pathlib import Path

import pytest

import benchmarks
from benchmarks.scenarios import CALIBRATED, EXAMPLE, SCENARIO, load_bench_scenario
from flows.sessions import shipped_sessions

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    "name",
    ["january-2021.toml", "january-2021-calibrated.toml", "january-2021-calibrated-members.csv"],
)
def test_the_packaged_examples_are_the_user_facing_ones_byte_for_byte(name):
    # One home for each example: edit it in examples/, then copy it over.
    packaged = EXAMPLE.parent / name
    assert packaged.read_bytes() == (EXAMPLES / name).read_bytes(), (
        f"cp {EXAMPLES / name} {packaged}"
    )


@pytest.mark.parametrize("path", [SCENARIO, EXAMPLE, CALIBRATED], ids=lambda p: p.name)
def test_the_benchmark_scenarios_live_in_the_package_and_name_a_shipped_session(path):
    package = Path(benchmarks.__file__).resolve().parent
    assert path.parent == package
    scenario = load_bench_scenario(path)
    assert scenario.session.date in shipped_sessions()
    assert not (package / scenario.session.date).exists()  # not a directory of the checkout
