"""The benchmark's files ship in the package and need no checkout (``countlab bench`` from a
wheel; ``scripts/check_wheel.sh`` runs it from one)."""

from __future__ import annotations

from pathlib import Path

import pytest

import benchmarks
from benchmarks.scenarios import EXAMPLE, SCENARIO, load_bench_scenario
from flows.sessions import shipped_sessions

USER_FACING_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "january-2021.toml"


def test_the_packaged_example_is_the_user_facing_one_byte_for_byte():
    # One home for the example: edit examples/january-2021.toml, then copy it over.
    assert EXAMPLE.read_bytes() == USER_FACING_EXAMPLE.read_bytes(), (
        f"cp {USER_FACING_EXAMPLE} {EXAMPLE}"
    )


@pytest.mark.parametrize("path", [SCENARIO, EXAMPLE], ids=lambda p: p.name)
def test_the_benchmark_scenarios_live_in_the_package_and_name_a_shipped_session(path):
    package = Path(benchmarks.__file__).resolve().parent
    assert path.parent == package
    scenario = load_bench_scenario(path)
    assert scenario.session.date in shipped_sessions()
    assert not (package / scenario.session.date).exists()  # not a directory of the checkout
