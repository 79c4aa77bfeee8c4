"""A digest of every array the engine returned before the pivotal re-tally (issue 15), to
hold the stored columns bit for bit: :data:`RECORDED` was computed with the code of commit
9e7e574 (before ``Draws.flipped_*`` existed) and the numpy of ``uv.lock``; its compiled
sampler's entries (issue 17) with the code of commit 8d73315 and the numba of ``uv.lock``
(a change of the kernels that changes a bit of a stored run fails here)."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from flows.scenario import to_scenario, validate_scenario
from models.behaviour import Scenario
from models.engine import Draws, simulate
from models.sampling import SAMPLERS, block_rng

__all__ = ["RECORDED", "SAMPLERS", "digest", "run", "scenario"]

VOTES = {
    "house": {"R": 0.95, "D": 0.4},
    "senate": {"R": 0.9, "D": 0.45},
    "correlation": 0.4,
    "absent": 0.02,
}
SCENARIOS: dict[str, dict[str, Any]] = {
    # contested, with contingent-election defections: the re-tally draws fresh ones
    "defections": {
        "objections": {"AZ": 1.0, "PA": 1.0, "GA": 0.6, "MI": 0.5},
        "votes": VOTES,
        "contingent": {"defection": 0.05},
    },
    # two returns decided by the Houses (eca1887, M8), and defections
    "returns": {
        "objections": {"AZ": 1.0, "GA": 0.7, "PA": 0.8},
        "returns": {"WI": "alternate+legislature", "PA": "alternate+legislature"},
        "votes": VOTES,
        "contingent": {"defection": 0.05},
    },
    # a remand (vp-unilateral, M15): the remand's child stream comes first
    "remand": {
        "regime": "vp-unilateral",
        "objections": {"AZ": 0.5, "PA": 0.5, "GA": 0.3},
        "remand": {
            "states": "papers_2020",
            "resume": "2021-01-16",
            "appoint_alternate": {"R": 0.5},
            "rho": 0.3,
            "g_same": 0.7,
        },
        "contingent": {"defection": 0.05},
    },
}
N_DRAWS = 3000
SEED, BLOCK = 11, 2

RECORDED = {
    "defections:grouped": "11899880b8357508ebfa4c91d796f70c9addf8f324d423d2acd133787e881837",
    "defections:members": "788c3934e8530aeccdfd2b3ccfbdea90325b81055a27376068b5d53681135806",
    "returns:grouped": "d4ffe2c95c39b943184f57dea336591ab29cd6ee4e319c7dc92e79a462aa913b",
    "returns:members": "98be92ca2c949cea67739aa779bc7c4b2806b3bdec55217f2c0e89080e3eefa3",
    "remand:grouped": "abd34c172a4b73228a43d6e7e4c1aceb26f104de4a3aa45876365bd0abaacfc1",
    "remand:members": "abd34c172a4b73228a43d6e7e4c1aceb26f104de4a3aa45876365bd0abaacfc1",
    "defections:compiled": "4e3900e2a950681413c78ce1c3bd6a7e5cd37e3a0ec489b8540d186759faa6ad",
    "returns:compiled": "d9f50edc2aea5779c57c3a956675992be57dcd9acc29792fcdff55c7e7a145ef",
    "remand:compiled": "abd34c172a4b73228a43d6e7e4c1aceb26f104de4a3aa45876365bd0abaacfc1",
}


def scenario(name: str) -> Scenario:
    config = validate_scenario({"session": "2021-01-06", **SCENARIOS[name]}, source="s.toml")
    return to_scenario(config, base=Path(), source="s.toml")


def run(name: str, sampler: str) -> Draws:
    return simulate(scenario(name), n_draws=N_DRAWS, rng=block_rng(SEED, BLOCK), sampler=sampler)


def _update(h: Any, name: str, value: Any) -> None:
    h.update(name.encode())
    if isinstance(value, np.ndarray):
        h.update(str(value.dtype).encode() + str(value.shape).encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            _update(h, f"{name}.{field.name}", getattr(value, field.name))
    else:
        h.update(repr(value).encode())


def digest(draws: Draws) -> str:
    """sha256 of every field of ``draws`` (the tally's, its House ballot's and Senate
    vote's included) but the ``flipped_*`` ones."""
    h = hashlib.sha256()
    for field in dataclasses.fields(draws):
        if not field.name.startswith("flipped_"):
            _update(h, field.name, getattr(draws, field.name))
    return h.hexdigest()
