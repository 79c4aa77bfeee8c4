"""Pivotal objections: every draw re-tallied with one objection's sustained state flipped.

For draw ``d`` and objection ``k`` the flipped count is the draw's own count with
``sustained[d, k]`` negated (a sustained objection overruled, any other one sustained,
raised or not) and everything else as drawn: the other objections, the counted slates of
a remand, whether the count is complete by the deadline. The same tally core
(:func:`models.tally.tally`) scores it. An objection is pivotal in a draw when the flip
changes the outcome label (how the President is chosen, and who: ``models.outcomes``).

Without contingent-election defections a count depends only on its sustained pattern,
slates and ``complete`` flag, so each distinct pattern is tallied once per objection and
the results mapped back to the draws. With defections, a flipped count that reaches the
House with the candidates of the draw's own contingent election on the list takes that
election's choice (the same members facing the same ballot); one that reaches the House
when the draw's count did not, or with another list, is tallied again with ``defections``
(a fresh draw of the defection model; :func:`models.engine.simulate` says which stream).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from models.rules import Rules
from models.session import Session
from models.tally import Defections, Tally, Targets, ballot_list, tally


def flip(sustained: NDArray[np.bool_], objection: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Return ``(N, K)`` rows of ``sustained`` with column ``objection[i]`` of row ``i``
    negated."""
    flipped = sustained.copy()
    rows = np.arange(objection.size)
    flipped[rows, objection] = ~flipped[rows, objection]
    return flipped


def draw_patterns(
    sustained: NDArray[np.bool_],
    slates: NDArray[np.int64] | None,
    complete: NDArray[np.bool_] | None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return the first draw of each distinct count input ``(U,)`` and each draw's pattern
    ``(D,)`` (an index into the first): the sustained bits, the slates that vary, the
    ``complete`` flag, packed into bytes."""
    parts = [np.packbits(sustained, axis=1)]
    if slates is not None:
        varying = (slates != slates[:1]).any(axis=0)
        parts.append(slates[:, varying].astype(np.uint8))
    if complete is not None:
        parts.append(complete.astype(np.uint8)[:, None])
    packed = np.hstack(parts)
    width = -(-packed.shape[1] // 8) * 8
    padded = np.zeros((packed.shape[0], width), dtype=np.uint8)
    padded[:, : packed.shape[1]] = packed
    keys = padded.view(np.uint64)  # (D, width / 8): one or a few integers per draw
    if keys.shape[1] == 1:
        _, first, inverse = np.unique(keys[:, 0], return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return first.astype(np.int64), inverse.reshape(-1).astype(np.int64)


def tally_flips(
    session: Session,
    rules: Rules,
    sustained: NDArray[np.bool_],
    targets: Targets,
    counted: Tally,
    *,
    defections: Defections | None = None,
    slates: NDArray[np.int64] | None = None,
    alternate_for: NDArray[np.int64] | None = None,
    complete: NDArray[np.bool_] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return ``(D, K)`` outcome codes and Presidents (``NO_ONE`` for none) of every draw
    re-tallied with each objection's sustained state flipped.

    ``counted`` is the draws' own tally (``sustained`` ``(D, K)``, ``slates``,
    ``alternate_for`` and ``complete`` as :func:`models.tally.tally` took them);
    ``defections``, the defection model, is read only for the flipped counts that reach a
    contingent election the draw did not hold (see the module's docstring).
    """
    n_draws, k = sustained.shape
    if n_draws == 0 or k == 0:
        empty = np.zeros((n_draws, k), dtype=np.int64)
        return empty, empty.copy()
    first, pattern = draw_patterns(sustained, slates, complete)
    rows = np.repeat(first, k)  # (U * K,): pattern u's draw, once per objection
    objection = np.tile(np.arange(k), first.size)
    flipped = tally(
        session,
        rules,
        flip(sustained[rows], objection),
        targets,
        slates=None if slates is None else slates[rows],
        alternate_for=alternate_for,
        complete=None if complete is None else complete[rows],
    )
    outcome = flipped.outcome.reshape(first.size, k)[pattern]
    president = flipped.president.reshape(first.size, k)[pattern]
    if defections is not None and flipped.contingent_draws.size:
        cast = session.certificates.votes.sum(axis=0)
        in_house = np.zeros(rows.size, dtype=np.bool_)
        in_house[flipped.contingent_draws] = True
        listed = ballot_list(flipped.totals, cast, rules=rules, highest=3)
        own_house = np.zeros(n_draws, dtype=np.bool_)
        own_house[counted.contingent_draws] = True
        own_list = ballot_list(counted.totals, cast, rules=rules, highest=3)
        shape = (first.size, k)
        same_ballot = (
            in_house.reshape(shape)[pattern]
            & own_house[:, None]
            & (listed.reshape(*shape, -1)[pattern] == own_list[:, None, :]).all(axis=2)
        )
        outcome = np.where(same_ballot, counted.outcome[:, None], outcome)
        president = np.where(same_ballot, counted.president[:, None], president)
        draw, which = np.nonzero(in_house.reshape(shape)[pattern] & ~same_ballot)  # draw-major
        if draw.size:
            again = tally(
                session,
                rules,
                flip(sustained[draw], which),
                targets,
                defections=defections,
                slates=None if slates is None else slates[draw],
                alternate_for=alternate_for,
                complete=None if complete is None else complete[draw],
            )
            outcome[draw, which] = again.outcome
            president[draw, which] = again.president
    return outcome, president
