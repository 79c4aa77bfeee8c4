"""examples/january-2021-calibrated.toml (issue 14 item 5): written by countlab calibrate
(the file is what the calibration gives today, byte for byte), and run it reproduces the
record: AZ and PA not sustained, mean yeas near 121/138 (House) and 6/7 (Senate)."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np

from flows.calibrate import CalibrateRequest, calibrate_session, members_text, scenario_text
from flows.scenario import load_scenario, to_scenario
from models.engine import simulate
from models.sampling import block_rng

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "january-2021-calibrated.toml"
MEMBERS = EXAMPLE.with_name("january-2021-calibrated-members.csv")
RECORD = {"house": (121, 138), "senate": (6, 7)}
"""Yeas on AZ and PA (rules.md §9.1; recorded_votes.csv)."""


def test_the_example_is_what_countlab_calibrate_writes():
    command = tomllib.loads(EXAMPLE.read_text())["calibrated"]["command"]
    assert command == (
        "countlab calibrate --session 2021-01-06 --out examples/january-2021-calibrated.toml"
    )
    result = calibrate_session(CalibrateRequest(session="2021-01-06"))
    assert EXAMPLE.read_text() == scenario_text(result, members_file=MEMBERS.name, command=command)
    assert MEMBERS.read_text() == members_text(result)


def test_the_calibrated_example_reproduces_the_record():
    config, base = load_scenario(EXAMPLE)
    scenario = to_scenario(config, base=base, source=str(EXAMPLE))
    assert scenario.has_member_model
    n = 20_000
    draws = simulate(scenario, n_draws=n, rng=block_rng(config.run.seed or 0, 0))
    assert not draws.sustained.any()  # AZ and PA fail in every draw, as they did
    for chamber, record in RECORD.items():
        yeas = getattr(draws, f"{chamber}_yes")
        for k, observed in enumerate(record):
            mean, sd = yeas[:, k].mean(), yeas[:, k].std()
            # within the draws' own spread of the record: the fit is checked, not forced
            assert abs(mean - observed) < 1.645 * sd, (chamber, k, mean, observed, sd)
            assert sd / math.sqrt(n) < 0.2
    agree = np.mean(draws.house_yes[:, 0] <= draws.house_yes[:, 1])
    assert agree > 0.5  # PA, the stronger objection, draws at least as many yeas
