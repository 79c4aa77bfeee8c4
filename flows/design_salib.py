"""The sweep designs made for a sensitivity analysis (issue 15), drawn by SALib on the unit
hypercube, one coordinate per swept key (:mod:`flows.design` maps each to a value with
``Axis.at``, as for ``lhs`` and ``sobol``):

- ``saltelli``: Saltelli's scheme for Sobol' indices (SALib ``sample.sobol``, first and
  total order only). ``points`` is the base sample size ``N``, a power of 2; the design has
  ``N * (D + 2)`` points for ``D`` keys, in blocks of ``D + 2`` (``A``, ``A`` with key ``j``
  from ``B`` for each ``j``, ``B``), which ``SALib.analyze.sobol`` reads back in that order.
- ``morris``: ``points`` trajectories of Morris's one-at-a-time design on a 4-level grid
  (SALib ``sample.morris``); ``N * (D + 1)`` points.

Both are seeded by the sweep's seed (``numpy.random.default_rng(seed)``, as ``lhs`` and
``sobol`` are), so the analysis can make the same design again from the run's record.

References
----------
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index. Computer Physics Communications 181(2), 259-270.
Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
Technometrics 33(2), 161-174.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.sensitivity import MORRIS_LEVELS

SALIB_DESIGNS = ("saltelli", "morris")


def unit_problem(dimensions: int) -> dict[str, Any]:
    """SALib's problem: ``dimensions`` inputs, each on [0, 1]."""
    return {
        "num_vars": dimensions,
        "names": [f"x{i}" for i in range(dimensions)],
        "bounds": [[0.0, 1.0]] * dimensions,
    }


def design_size(design: str, points: int, dimensions: int) -> int:
    """Points of a ``saltelli`` (``N * (D + 2)``) or ``morris`` (``N * (D + 1)``) design."""
    return points * (dimensions + (2 if design == "saltelli" else 1))


def points_problem(design: str, points: int | None, dimensions: int) -> str | None:
    """What is wrong with ``points`` for a SALib design of ``dimensions`` keys, or None."""
    if dimensions < 1:
        return f"a {design} design needs at least one swept key"
    if points is None or points < 1:
        return f"{design} needs points >= 1"
    if design == "saltelli" and points & (points - 1):
        return (
            "a saltelli design's base size N must be a power of 2 (e.g. 32, 64, 128); "
            "it makes N * (keys + 2) points"
        )
    if design == "morris" and points < 2:
        return "a morris design needs at least 2 trajectories"
    return None


def unit_design(design: str, points: int, dimensions: int, *, seed: int) -> NDArray[np.float64]:
    """The design on the unit hypercube, ``(design_size(...), dimensions)``, in SALib's order."""
    problem = unit_problem(dimensions)
    rng = np.random.default_rng(seed)
    if design == "saltelli":
        from SALib.sample import sobol  # pandas underneath: only for these designs

        unit = sobol.sample(problem, points, calc_second_order=False, scramble=True, seed=rng)
    else:
        from SALib.sample import morris

        unit = morris.sample(problem, points, num_levels=MORRIS_LEVELS, seed=rng)
    return np.asarray(unit, dtype=np.float64)
