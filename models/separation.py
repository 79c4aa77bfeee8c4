"""Separation of a caucus's votes by ideal point, which leaves its slope without an MLE.

In the members model a caucus's marginal index is ``a + b x_i``. Along ``a = -b x0``, ``b ->
+inf``, a member with ``x_i > x0`` votes yea on every roll call with probability -> 1 and one
below ``x0`` nay on every roll call, whatever sigma. So if every voter above some ``x0`` voted
yea on every roll call they voted on and every one below nay on every one (members exactly
at ``x0``, any way), each member's likelihood rises along that ray and the slope's estimate
runs off to ``+inf`` (likewise ``-inf`` with yea below): complete separation, or
quasi-complete when members tie at ``x0`` (Albert and Anderson 1984). The rule is exact for
this ray; the fit reports a slope that still runs away (through the objection effects, with
another caucus) in its notes.

References
----------
Albert, A. and Anderson, J. A. (1984). On the existence of maximum likelihood estimates in
logistic regression models. Biometrika 71(1), 1-10.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def separation_note(caucus: str, x: NDArray[np.float64], signs: NDArray[np.float64]) -> str | None:
    """Return the note for a caucus whose votes ideal points separate, None if they do not.

    ``x`` ``(m,)`` ideal points and ``signs`` ``(m, K)`` votes (+1, -1, 0) of its voters.
    """
    voted = signs != 0
    all_yea = ((signs > 0) | ~voted).all(axis=1)
    all_nay = ((signs < 0) | ~voted).all(axis=1)
    if all_yea.all() or all_nay.all():
        return None  # unanimous: fixed before the fit
    for sense, yea_side in ((+1, "above"), (-1, "below")):
        # yea above x0 (sense +1): every voter not all-yea at or below every one not all-nay
        lower, upper = (~all_yea, ~all_nay) if sense > 0 else (~all_nay, ~all_yea)
        top, bottom = float(x[lower].max()), float(x[upper].min())
        if top <= bottom:
            quasi = top == bottom
            kind = "quasi-complete" if quasi else "complete"
            x0 = top if quasi else (top + bottom) / 2.0
            nay_side = "below" if yea_side == "above" else "above"
            return (
                f"caucus {caucus}: its votes are separated by ideal point ({kind}: every "
                f"voter {yea_side} {x0:.4g} voted yea on every roll call, every one "
                f"{nay_side} it nay{', those at it either way' if quasi else ''}), so the "
                f"ideal_point slope runs off to {'+' if sense > 0 else '-'}inf: not "
                "identified, omitted (the caucus is fit by its intercept alone)"
            )
    return None
