"""The benchmark's scenario files and seed, shipped inside the package.

``countlab bench`` runs from an installed wheel too, so every file it reads lives in this
package: ``scenario.toml`` (with ``overrides.csv``), ``january-2021.toml`` and
``january-2021-calibrated.toml`` (with its members file), copies of the user-facing examples
that a test keeps byte-identical to them. Both
name a shipped session (``models/data/sessions``), so no checkout is needed. They are files
on disk beside this module (a wheel installs unpacked): ``countlab run`` is given their
paths.
"""

from __future__ import annotations

from pathlib import Path

from flows.scenario import load_scenario, to_scenario
from models.behaviour import Scenario

BENCH_DIR = Path(__file__).resolve().parent
SCENARIO = BENCH_DIR / "scenario.toml"
"""The benchmark scenario: the example with all six states objected to, 50 overrides."""
EXAMPLE = BENCH_DIR / "january-2021.toml"
"""The shipped January 2021 example (a copy of ``examples/january-2021.toml``)."""
CALIBRATED = BENCH_DIR / "january-2021-calibrated.toml"
"""The calibrated January 2021 example (member model; a copy of
``examples/january-2021-calibrated.toml`` and its members file)."""
SEED = 20210106


def load_bench_scenario(path: Path = SCENARIO) -> Scenario:
    """Load a scenario file the way ``countlab run`` does."""
    config, base = load_scenario(path)
    return to_scenario(config, base=base, source=str(path))


def floats_per_draw(scenario: Scenario) -> int:
    """One uniform per sworn member per objection: what a per-member sampler must draw."""
    roster = scenario.session.roster
    return (roster.n_sworn("house") + roster.n_sworn("senate")) * scenario.n_objections
