"""Sensitivity indices of a sweep's target (issue 15): Sobol' indices of a ``saltelli``
design and Morris elementary effects of a ``morris`` design, from the target's value at each
point (a probability estimated from ``draws`` Monte Carlo draws) and that estimate's
variance.

The Monte Carlo noise, as a nugget. Each point is simulated with its own seed, so its
estimate is ``y_i = f(x_i) + e_i`` with independent noise ``e_i`` of mean 0 and variance
``s2_i = p_i (1 - p_i) / draws``. With ``s2`` the mean of the ``s2_i`` and ``V = Var(y)``
across the points (which holds ``s2``; for Sobol' over the design's ``A`` and ``B`` rows,
the denominator SALib divides by), the first-order estimator's numerator
``mean(B (AB_j - A))`` is unbiased (the noise of different points is independent), so
``S1_raw = V_j / V``; Jansen's total-order numerator ``mean((A - AB_j)^2) / 2`` gains the
noise, ``ST_raw = (V_Tj + s2) / V``. With the noise floor ``floor = s2 / V`` (the share of
the target's variance across points that is noise) the indices of ``f`` are

    S1 = S1_raw / (1 - floor),    ST = (ST_raw - floor) / (1 - floor),

and the bootstrap half-widths are scaled by ``1 / (1 - floor)``. A key's effect is
distinguishable from zero when its corrected total index's 95% interval lies above 0,
``ST - ST_conf > 0`` (the same as ``ST_raw - ST_raw_conf > floor``). A target that does not
vary across the points, or whose variation is all noise (``floor >= 1``), has no indices.

References
----------
Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. and Tarantola, S. (2010).
Variance based sensitivity analysis of model output. Design and estimator for the total
sensitivity index. Computer Physics Communications 181(2), 259-270 (the estimators SALib
uses: first order, and Jansen's total order).
Jansen, M. J. W. (1999). Analysis of variance designs for model output. Computer Physics
Communications 117(1-2), 35-43.
Campolongo, F., Cariboni, J. and Saltelli, A. (2007). An effective screening design for
sensitivity analysis of large models. Environmental Modelling & Software 22(10), 1509-1518
(Morris's mu_star).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

METHODS = ("sobol", "morris")
RESAMPLES = 200
"""Bootstrap resamples of the 95% intervals (SALib's default is 100)."""
CONF_LEVEL = 0.95
MORRIS_LEVELS = 4
"""Levels of the Morris grid (0, 1/3, 2/3, 1): SALib's default, and even, as it should be."""
MORRIS_STEP = MORRIS_LEVELS / (2 * (MORRIS_LEVELS - 1))
"""The Morris step on the unit interval (2/3 for 4 levels), as SALib takes it."""
FLAT = float(np.finfo(float).eps)
"""A target whose values across the points span no more than this does not vary (SALib's
own test for a constant output)."""


@dataclass(frozen=True, slots=True)
class KeyIndices:
    """One swept key's indices for one target (None: not computed by the method, or the
    target does not vary).

    Sobol': ``s1``, ``st`` (corrected for the noise floor) and their 95% bootstrap
    half-widths, the uncorrected ``s1_raw``, ``st_raw``, and whether the key's effect is
    distinguishable from zero. Morris: ``mu``, ``mu_star`` (and its half-width), ``sigma``
    of the elementary effects, in units of the target's probability over the key's whole
    range.
    """

    key: str
    s1: float | None = None
    s1_conf: float | None = None
    st: float | None = None
    st_conf: float | None = None
    s1_raw: float | None = None
    st_raw: float | None = None
    distinguishable: bool | None = None
    mu: float | None = None
    mu_star: float | None = None
    mu_star_conf: float | None = None
    sigma: float | None = None


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """One target's analysis: the indices per key (in the design's key order), the noise
    floor (None when the target does not vary) and notes for a reader.

    ``mu_star_noise`` (Morris): the mean absolute elementary effect that the Monte Carlo
    noise alone gives a key with no effect, ``sqrt(2 s2) / step * sqrt(2 / pi)``.
    """

    method: str
    points: int
    noise_floor: float | None
    indices: tuple[KeyIndices, ...]
    notes: tuple[str, ...] = ()
    mu_star_noise: float | None = None

    @property
    def is_flat(self) -> bool:
        """No indices: the target does not vary, or its variation is all noise."""
        return self.noise_floor is None or self.noise_floor >= 1


def noise_floor(values: NDArray[np.float64], variances: NDArray[np.float64]) -> float | None:
    """``mean(variances) / Var(values)``: the share of the variance of ``values`` that is
    noise; None when ``values`` do not vary."""
    if values.size == 0 or float(np.ptp(values)) <= FLAT:
        return None
    return float(np.mean(variances) / np.var(values))


def _flat(
    method: str, y: NDArray[np.float64], floor: float | None, keys: tuple[str, ...]
) -> Sensitivity:
    """No indices: the target does not vary, or all of its variation is noise."""
    if floor is None:
        note = f"the target does not vary across the {y.size} points: no indices"
    else:
        note = (
            f"the target's variation across the points is all Monte Carlo noise "
            f"(noise floor {floor:.3g} >= 1): no indices; simulate more draws per point"
        )
    return Sensitivity(method, y.size, floor, tuple(KeyIndices(k) for k in keys), (note,))


def _quietly(analyze: Any, *args: Any, **kwargs: Any) -> tuple[Any, tuple[str, ...]]:
    """``analyze(...)`` with SALib's constant-output warning (a bootstrap resample in which
    the target did not vary: SALib counts it as zero indices) turned into a note; any other
    warning is raised again."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = analyze(*args, **kwargs)
    notes: list[str] = []
    for w in caught:
        if "Constant values encountered" in str(w.message):
            note = "in some bootstrap resamples the target did not vary (counted as 0)"
            if note not in notes:
                notes.append(note)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result, tuple(notes)


def _problem(keys: tuple[str, ...]) -> dict[str, Any]:
    return {"num_vars": len(keys), "names": list(keys), "bounds": [[0.0, 1.0]] * len(keys)}


def estimate_sobol_indices(
    y: NDArray[np.float64],
    variances: NDArray[np.float64],
    *,
    keys: tuple[str, ...],
    rng: np.random.Generator,
) -> Sensitivity:
    """First-order and total Sobol' indices of a ``saltelli`` design's outputs ``y`` (one
    per point, in the design's order, ``(N * (D + 2),)``), corrected for the noise of
    variance ``variances`` ``(N * (D + 2),)``; bootstrap intervals drawn from ``rng``."""
    step = len(keys) + 2
    if y.size == 0 or y.size % step or variances.shape != y.shape:
        raise ValueError(f"expected N * {step} outputs and as many variances, got {y.size}")
    base = np.concatenate([y[0::step], y[step - 1 :: step]])  # A and B: SALib's denominator
    floor = noise_floor(base, variances)
    if floor is None or floor >= 1:
        return _flat("sobol", y, floor, keys)
    from SALib.analyze import sobol  # pandas underneath: only for an analysis

    found, notes = _quietly(
        sobol.analyze,
        _problem(keys),
        y,
        calc_second_order=False,
        num_resamples=RESAMPLES,
        conf_level=CONF_LEVEL,
        seed=rng,
    )
    scale = 1.0 / (1.0 - floor)
    indices = []
    for j, key in enumerate(keys):
        st = (float(found["ST"][j]) - floor) * scale
        st_conf = float(found["ST_conf"][j]) * scale
        indices.append(
            KeyIndices(
                key,
                s1=float(found["S1"][j]) * scale,
                s1_conf=float(found["S1_conf"][j]) * scale,
                st=st,
                st_conf=st_conf,
                s1_raw=float(found["S1"][j]),
                st_raw=float(found["ST"][j]),
                distinguishable=st - st_conf > 0,
            )
        )
    return Sensitivity("sobol", y.size, floor, tuple(indices), notes)


def estimate_morris_effects(
    unit: NDArray[np.float64],
    y: NDArray[np.float64],
    variances: NDArray[np.float64],
    *,
    keys: tuple[str, ...],
    rng: np.random.Generator,
) -> Sensitivity:
    """Morris's elementary effects of a ``morris`` design ``unit`` ``(N * (D + 1), D)`` on
    the unit hypercube, with outputs ``y`` and their variances ``(N * (D + 1),)``;
    ``mu_star``'s bootstrap interval drawn from ``rng``."""
    if unit.shape != (y.size, len(keys)) or variances.shape != y.shape or y.size == 0:
        raise ValueError(f"expected a design of {y.size} rows x {len(keys)} keys")
    floor = noise_floor(y, variances)
    if floor is None or floor >= 1:
        return _flat("morris", y, floor, keys)
    from SALib.analyze import morris

    found, notes = _quietly(
        morris.analyze,
        _problem(keys),
        unit,
        y,
        num_resamples=RESAMPLES,
        conf_level=CONF_LEVEL,
        num_levels=MORRIS_LEVELS,
        seed=rng,
    )
    indices = tuple(
        KeyIndices(
            key,
            mu=float(found["mu"][j]),
            mu_star=float(found["mu_star"][j]),
            mu_star_conf=float(found["mu_star_conf"][j]),
            sigma=float(found["sigma"][j]),
        )
        for j, key in enumerate(keys)
    )
    noise = float(np.sqrt(2 * np.mean(variances)) / MORRIS_STEP * np.sqrt(2 / np.pi))
    return Sensitivity("morris", y.size, floor, indices, notes, mu_star_noise=noise)


def estimate_sensitivity(
    method: str,
    y: NDArray[np.float64],
    variances: NDArray[np.float64],
    *,
    keys: tuple[str, ...],
    unit: NDArray[np.float64],
    rng: np.random.Generator,
) -> Sensitivity:
    """The analysis of ``method`` (``sobol`` or ``morris``) of one target over a design
    (``unit``: its points on the unit hypercube, ``(n_points, D)``)."""
    if method == "sobol":
        return estimate_sobol_indices(y, variances, keys=keys, rng=rng)
    if method == "morris":
        return estimate_morris_effects(unit, y, variances, keys=keys, rng=rng)
    raise ValueError(f"method {method!r}: expected one of {', '.join(METHODS)}")
