"""The exact law of a remand's counted slates (remand.md M15), for the oracle.

The tally depends on a remand only through each state's counted slate. Where the Houses
decide no slate (no two-return state whose slate their votes can change), the slates are independent across
states given the common shock, so their law is a mixture of products: with probability
``1 - rho`` every legislature answers on its own; with probability ``rho`` every Republican
legislature gives one shared answer (M5). This module enumerates that law over the
``3^S`` slate vectors; :func:`models.oracle.exact_probabilities` counts each one. Where the
Houses vote, their votes share members (and the draw's shocks) across states and with the
objections: no product applies, and :func:`slate_law` returns None.
"""

from __future__ import annotations

import itertools
from typing import Final

import numpy as np
from numpy.typing import NDArray

from models.remand import ANSWERS
from models.remand_model import CONTROL_D, CONTROL_R, RemandModel
from models.slates import SLATES

MAX_EXACT_SLATE_STATES: Final = 8
"""The oracle enumerates 3^S slate vectors (6,561 at most); beyond this, None."""

NO_ACTION: Final = ANSWERS.index("no_action")


def answer_probabilities(model: RemandModel) -> NDArray[np.float64]:
    """``(S, 4)`` each legislature's own law over :data:`models.remand.ANSWERS` (M5)."""
    p = model.probabilities
    by_r = np.array([p.q_r, p.d_r, 0.0, 1.0 - p.q_r - p.d_r])
    by_d = np.array([0.0, 0.0, p.r_d, 1.0 - p.r_d])
    other = np.eye(len(ANSWERS))[NO_ACTION]
    rows = np.where(
        (model.control == CONTROL_R)[:, None],
        by_r[None, :],
        np.where((model.control == CONTROL_D)[:, None], by_d[None, :], other[None, :]),
    )
    return np.asarray(rows, dtype=np.float64)


def signed_probability(model: RemandModel) -> NDArray[np.float64]:
    """``(S,)`` P(the governor signs the act or certifies the alternate) (M6, M7)."""
    p = model.probabilities
    signs = np.where(model.same_party, p.g_same, 0.0)
    return 1.0 - (1.0 - signs) * (1.0 - p.p_governor_certifies_alternate)


def slate_probabilities(model: RemandModel, answers: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(S, 3)`` each state's law over :data:`models.slates.SLATES` given its answer law
    ``answers`` ``(S, 4)``, the Houses deciding nothing (the table's first vote cells)."""
    signed = signed_probability(model)
    rows = np.arange(model.n_states)
    law = np.zeros((model.n_states, len(SLATES)))
    for answer in range(len(ANSWERS)):
        for is_signed, weight in ((0, 1.0 - signed), (1, signed)):
            slate = model.table[rows, answer, is_signed, 0, 0].astype(np.int64)
            np.add.at(law, (rows, slate), answers[:, answer] * weight)
    return law


def houses_decide(model: RemandModel) -> bool:
    """Whether the Houses' votes can change some state's counted slate: a state they vote
    on whose table differs across their decisions (a safe-harbor state's does not)."""
    first = model.table[:, :, :, :1, :1]
    return bool((model.houses & (model.table != first).any(axis=(1, 2, 3, 4))).any())


def slate_law(model: RemandModel) -> tuple[NDArray[np.int64], NDArray[np.float64]] | None:
    """The law of the counted slates: ``(V, S)`` slate vectors (indices into SLATES) with
    positive probability and their ``(V,)`` probabilities; None where the Houses may
    decide a slate or there are more than :data:`MAX_EXACT_SLATE_STATES` states."""
    if houses_decide(model) or model.n_states > MAX_EXACT_SLATE_STATES:
        return None
    own = answer_probabilities(model)
    rho = model.probabilities.rho
    components = [(1.0 - rho, slate_probabilities(model, own))]
    is_r = model.control == CONTROL_R
    if rho > 0 and is_r.any():
        shared_law = own[np.flatnonzero(is_r)[0]]  # every R legislature's law is the same
        for answer, weight in enumerate(shared_law):
            if weight > 0:
                shared = own.copy()
                shared[is_r] = np.eye(len(ANSWERS))[answer]
                components.append((rho * weight, slate_probabilities(model, shared)))
    vectors = np.array(
        list(itertools.product(range(len(SLATES)), repeat=model.n_states)), dtype=np.int64
    ).reshape(-1, model.n_states)
    columns = np.arange(model.n_states)[None, :]
    p = sum(w * np.prod(law[columns, vectors], axis=1) for w, law in components)
    probabilities = np.asarray(p, dtype=np.float64).reshape(-1)
    keep = probabilities > 0
    return vectors[keep], probabilities[keep]
