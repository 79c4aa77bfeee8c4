"""Scores of probability forecasts against what happened: member-level Brier and log scores,
the predictive interval and the PIT of a count (issue 14's backtests).

References
----------
Brier, G. W. (1950). Verification of forecasts expressed in terms of probability. Monthly
Weather Review 78(1), 1-3. Gneiting, T. and Raftery, A. E. (2007). Strictly proper scoring
rules, prediction, and estimation. JASA 102(477), 359-378.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

LOG_FLOOR = 1e-12
"""Probabilities are clipped to ``[1e-12, 1 - 1e-12]`` in the log score, so that a forecast
of exactly 0 for an event that happened scores ``log(1e-12) = -27.6``, not ``-inf``."""


def brier_score(p_yea: NDArray[np.float64], yea: NDArray[np.bool_]) -> float:
    """Mean of ``(p - y)^2`` over the votes cast: 0 is perfect, 0.25 a coin flip."""
    return float(np.mean((p_yea - yea) ** 2))


def log_score(p_yea: NDArray[np.float64], yea: NDArray[np.bool_]) -> float:
    """Mean log probability of what each member did (higher is better; 0 is perfect)."""
    p = np.clip(p_yea, LOG_FLOOR, 1.0 - LOG_FLOOR)
    return float(np.mean(np.where(yea, np.log(p), np.log1p(-p))))


def count_interval(counts: NDArray[np.int64], weights: NDArray[np.int64]) -> tuple[int, int]:
    """The central 90% interval ``[lo, hi]`` of a count's histogram (values ``counts``, draws
    ``weights``): lo the smallest value with CDF >= 0.05, hi the smallest with CDF >= 0.95."""
    order = np.argsort(counts)
    values, cdf = counts[order], np.cumsum(weights[order]) / weights.sum()
    lo = int(values[np.searchsorted(cdf, 0.05 - 1e-12)])
    hi = int(values[np.searchsorted(cdf, 0.95 - 1e-12)])
    return lo, hi


def mid_pit(counts: NDArray[np.int64], weights: NDArray[np.int64], observed: int) -> float:
    """The mid-PIT of ``observed`` under a count's histogram: ``P(Y < y) + P(Y = y) / 2``
    (uniform on (0, 1) over backtests when the forecasts are calibrated)."""
    total = weights.sum()
    below = weights[counts < observed].sum() / total
    at = weights[counts == observed].sum() / total
    return float(below + at / 2.0)
