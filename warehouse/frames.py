"""Convert the engine's arrays to Arrow tables shaped like the warehouse tables."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from models.contingent import NO_ONE
from models.engine import Draws
from models.tally import ACTING_PRESIDENT, OUTCOMES


def _labels(index: NDArray[np.int64], names: tuple[str, ...]) -> pa.Array:
    """Dictionary-decode ``index`` into strings; ``NO_ONE`` becomes null."""
    valid = index != NO_ONE
    indices = pa.array(np.where(valid, index, 0).astype(np.int32), mask=~valid)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(names))).cast(pa.string())


def _map(
    values: NDArray[np.int64], keys: tuple[str, ...], rows: NDArray[np.bool_] | None = None
) -> pa.Array:
    """Return a ``map(varchar, smallint)`` array from ``(n_rows, n_keys)`` values."""
    n_rows, n_keys = values.shape
    offsets = pa.array(np.arange(0, (n_rows + 1) * n_keys, n_keys, dtype=np.int32))
    key_index = np.tile(np.arange(n_keys, dtype=np.int32), n_rows)
    names = pa.DictionaryArray.from_arrays(pa.array(key_index), pa.array(list(keys))).cast(
        pa.string()
    )
    mapped = pa.MapArray.from_arrays(offsets, names, pa.array(values.ravel().astype(np.int16)))
    if rows is None:
        return mapped
    return pa.MapArray.from_arrays(
        offsets, names, pa.array(values.ravel().astype(np.int16)), mask=pa.array(~rows)
    )


def draws_table(
    draws: Draws,
    *,
    run_id: str,
    first_draw: int,
    candidates: tuple[str, ...],
    vp_candidates: tuple[str, ...],
) -> pa.Table:
    """One row per draw (the ``draws`` table)."""
    counted = draws.tally
    n = draws.n_draws
    house_states = np.zeros((n, len(candidates)), dtype=np.int64)
    in_house = np.zeros(n, dtype=np.bool_)
    if counted.house is not None:
        house_states[counted.contingent_draws] = counted.house.state_votes
        in_house[counted.contingent_draws] = True
    return pa.table(
        {
            "run_id": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n, np.int32)), pa.array([run_id])
            ).cast(pa.string()),
            "draw": pa.array(np.arange(first_draw, first_draw + n, dtype=np.int64)),
            "outcome": _labels(counted.outcome, OUTCOMES),
            "winner": _labels(counted.president, candidates),
            "vice_president": _labels(counted.vice_president, vp_candidates),
            "acting_president": _labels(counted.acting_president, ACTING_PRESIDENT),
            "totals": _map(counted.totals, candidates),
            "whole_number": pa.array(counted.whole.astype(np.int16)),
            "majority_needed": pa.array(counted.needed.astype(np.int16)),
            "n_raised": pa.array(draws.raised.sum(axis=1).astype(np.int16)),
            "n_sustained": pa.array(draws.sustained.sum(axis=1).astype(np.int16)),
            "house_states": _map(house_states, candidates, in_house),
        }
    )


def objection_votes_table(
    draws: Draws, *, run_id: str, first_draw: int, states: tuple[str, ...]
) -> pa.Table:
    """One row per draw and objection (the ``objection_votes`` table), draw-major."""
    n, k = draws.raised.shape
    voted = draws.raised.ravel() & draws.voted

    def votes(counts: NDArray[np.int64]) -> pa.Array:
        return pa.array(counts.ravel().astype(np.int16), mask=~voted)

    return pa.table(
        {
            "run_id": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n * k, np.int32)), pa.array([run_id])
            ).cast(pa.string()),
            "draw": pa.array(np.repeat(np.arange(first_draw, first_draw + n, dtype=np.int64), k)),
            "state": pa.DictionaryArray.from_arrays(
                pa.array(np.tile(np.arange(k, dtype=np.int32), n)), pa.array(list(states))
            ).cast(pa.string()),
            "raised": pa.array(draws.raised.ravel()),
            "house_yes": votes(draws.house_yes),
            "house_no": votes(draws.house_no),
            "senate_yes": votes(draws.senate_yes),
            "senate_no": votes(draws.senate_no),
            "sustained": pa.array(draws.sustained.ravel()),
        }
    )
