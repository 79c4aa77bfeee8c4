"""Convert the engine's arrays to Arrow tables shaped like the stored warehouse tables.

Labels are stored as small integer codes (indexes into ``models.outcomes.OUTCOMES``,
``ACTING_PRESIDENT`` and the point's candidates and objection states) and per-candidate
numbers as arrays in candidate order, and each draw's counted slates and remand answers
(remand.md M15) as code arrays in the point's slate-state order; the views decode them.
Integers and booleans only: DuckDB appends them several times faster than strings and maps.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from models.behaviour import Scenario
from models.contingent import NO_ONE
from models.engine import Draws
from models.oracle import Exact


def _codes(index: NDArray[np.int64]) -> pa.Array:
    """``utinyint`` codes; ``NO_ONE`` becomes null."""
    missing = index == NO_ONE
    return pa.array(np.where(missing, 0, index).astype(np.uint8), mask=missing)


def _per_candidate(values: NDArray[np.int64], rows: NDArray[np.bool_] | None = None) -> pa.Array:
    """A ``smallint[]`` array from ``(n_rows, n_candidates)`` values; null where not ``rows``."""
    n_rows, n_keys = values.shape
    offsets = pa.array(np.arange(0, (n_rows + 1) * n_keys, n_keys, dtype=np.int32))
    flat = pa.array(values.ravel().astype(np.int16))
    if rows is None:
        return pa.ListArray.from_arrays(offsets, flat)
    return pa.ListArray.from_arrays(offsets, flat, mask=pa.array(~rows))


def _per_slate_state(
    codes: NDArray[np.int8] | None, n_rows: int, dtype: type[np.integer]
) -> pa.Array:
    """A list array (``utinyint[]``/``tinyint[]`` as ``dtype``) from ``(n_rows,
    n_slate_states)`` codes, without a loop per draw; all null when None (no remand)."""
    kind = pa.list_(pa.from_numpy_dtype(dtype))
    if codes is None:
        return pa.nulls(n_rows, kind)
    n_keys = codes.shape[1]
    offsets = pa.array(np.arange(0, (n_rows + 1) * n_keys, n_keys, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array(codes.ravel().astype(dtype)), type=kind)


def _constant(value: int, n: int, dtype: type[np.integer]) -> pa.Array:
    return pa.array(np.full(n, value, dtype=dtype))


def draws_table(
    draws: Draws, *, run_key: int, point: int, first_draw: int, n_candidates: int
) -> pa.Table:
    """One row per draw (``stored_draws``)."""
    counted = draws.tally
    n = draws.n_draws
    house_states = np.zeros((n, n_candidates), dtype=np.int64)
    in_house = np.zeros(n, dtype=np.bool_)
    if counted.house is not None:
        house_states[counted.contingent_draws] = counted.house.state_votes
        in_house[counted.contingent_draws] = True
    return pa.table(
        {
            "run_key": _constant(run_key, n, np.int32),
            "point": _constant(point, n, np.int32),
            "draw": pa.array(np.arange(first_draw, first_draw + n, dtype=np.int64)),
            "outcome": pa.array(counted.outcome.astype(np.uint8)),
            "winner": _codes(counted.president),
            "vice_president": _codes(counted.vice_president),
            "acting_president": pa.array(counted.acting_president.astype(np.uint8)),
            "totals": _per_candidate(counted.totals),
            "whole_number": pa.array(counted.whole.astype(np.int16)),
            "majority_needed": pa.array(counted.needed.astype(np.int16)),
            "n_raised": pa.array(draws.raised.sum(axis=1).astype(np.int16)),
            "n_sustained": pa.array(draws.sustained.sum(axis=1).astype(np.int16)),
            "house_states": _per_candidate(house_states, in_house),
            "counted_slates": _per_slate_state(draws.counted_slate, n, np.uint8),
            "remand_answers": _per_slate_state(draws.remand_answer, n, np.int8),
        }
    )


def objection_votes_table(draws: Draws, *, run_key: int, point: int, first_draw: int) -> pa.Table:
    """One row per draw and objection (``stored_objection_votes``), draw-major, with the
    draw's outcome and President when that objection's sustained state is flipped."""
    n, k = draws.raised.shape
    voted = draws.raised.ravel() & draws.voted

    def votes(counts: NDArray[np.int64]) -> pa.Array:
        return pa.array(counts.ravel().astype(np.int16), mask=~voted)

    return pa.table(
        {
            "run_key": _constant(run_key, n * k, np.int32),
            "point": _constant(point, n * k, np.int32),
            "draw": pa.array(np.repeat(np.arange(first_draw, first_draw + n, dtype=np.int64), k)),
            "objection": pa.array(np.tile(np.arange(k, dtype=np.uint8), n)),
            "raised": pa.array(draws.raised.ravel()),
            "house_yes": votes(draws.house_yes),
            "house_no": votes(draws.house_no),
            "senate_yes": votes(draws.senate_yes),
            "senate_no": votes(draws.senate_no),
            "sustained": pa.array(draws.sustained.ravel()),
            "flipped_outcome": pa.array(draws.flipped_outcome.ravel().astype(np.uint8)),
            "flipped_winner": _codes(draws.flipped_president.ravel()),
            # the label (outcome, President) differs: stored, so that pivotal_objections
            # counts without joining every objection row to its draw
            "changes_outcome": pa.array(
                (
                    (draws.flipped_outcome != draws.tally.outcome[:, None])
                    | (draws.flipped_president != draws.tally.president[:, None])
                ).ravel()
            ),
        }
    )


def exact_table(exact: Exact, scenario: Scenario, run_id: str, point: int = 0) -> pa.Table:
    """Rows of ``exact_probabilities`` for one point of a run."""
    rows: list[tuple[str, str, float]] = []
    for state, p_raised, p_sustained in zip(
        scenario.states, exact.p_raised, exact.p_sustained, strict=True
    ):
        rows += [("p_raised", state, float(p_raised)), ("p_sustained", state, float(p_sustained))]
    suffix = "_approx" if exact.approximate else ""  # models.member_oracle's approximation
    for label, p in (exact.outcomes or {}).items():
        rows.append(("outcome" + suffix, label, p))
    for candidate, p in (exact.winners or {}).items():
        rows.append(("winner" + suffix, candidate, p))
    for state, by_slate in (exact.slates or {}).items():
        rows += [("slate", f"{state}:{slate}", p) for slate, p in by_slate.items()]
    n = len(rows)
    return pa.table(
        {
            "run_id": [run_id] * n,
            "point": pa.array([point] * n, pa.int32()),
            "quantity": [row[0] for row in rows],
            "key": [row[1] for row in rows],
            "p": pa.array([row[2] for row in rows], pa.float64()),
        }
    )


class ChunkFacts:
    """A task's rows of the fact tables, block by block, for one chunk or several (of one
    or more points): :meth:`add` each block's draws (converted at once, so the draws need
    not be kept), then :meth:`tables` (``{table: Arrow rows}``, what
    ``warehouse.store.store_chunks`` stores)."""

    def __init__(self, *, run_key: int) -> None:
        self.run_key = run_key
        self._draws: list[pa.Table] = []
        self._votes: list[pa.Table] = []

    def add(self, draws: Draws, *, point: int, first_draw: int, n_candidates: int) -> None:
        where = {"run_key": self.run_key, "point": point, "first_draw": first_draw}
        self._draws.append(draws_table(draws, **where, n_candidates=n_candidates))
        self._votes.append(objection_votes_table(draws, **where))

    def tables(self) -> dict[str, pa.Table]:
        return {
            "stored_draws": pa.concat_tables(self._draws),
            "stored_objection_votes": pa.concat_tables(self._votes),
        }
