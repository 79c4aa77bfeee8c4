"""The two remand examples say what the README says they show (issue 13 item 7)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flows.scenario import load_scenario, to_scenario
from models.engine import simulate
from models.outcomes import code_label

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    ("name", "label", "totals"),
    [
        ("send-it-back", "electors:trump", {"biden": 233, "trump": 305}),  # remand.md X4
        ("competing-slates-1887", "electors:biden", None),
    ],
)
def test_m15_the_remand_examples_give_their_documented_outcome(name, label, totals):
    config, base = load_scenario(EXAMPLES / f"{name}.toml")
    scenario = to_scenario(config, base=base, source=name)
    draws = simulate(scenario, n_draws=2_000, rng=np.random.default_rng(1), sampler="grouped")
    keys = scenario.session.candidate_keys
    labels = {
        code_label(int(o), int(p), keys)
        for o, p in zip(draws.tally.outcome, draws.tally.president, strict=True)
    }
    assert labels == {label}
    assert draws.slate_states == tuple(sorted(draws.slate_states))
    if totals is not None:
        for candidate, votes in totals.items():
            assert set(draws.tally.totals[:, keys.index(candidate)]) == {votes}
