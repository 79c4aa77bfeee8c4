"""Scenario discovery with PRIM, the patient rule induction method: the simplest boxes of the
swept space in which the points of interest concentrate (issue 15).

A box restricts some keys: a numeric key to an interval, a categorical one to a set of its
values. Peeling starts from every point and, step by step, removes the slice that leaves the
densest box: the lowest or highest ``peel_alpha`` share of the points still inside on one
numeric key (ties go together, at least one distinct value) or one value of a categorical
key; ties between slices go to the box with fewer restricted keys, then to the first key.
It stops when every slice would leave less than ``mass_min`` of the points. Pasting then
extends that last box again, a ``paste_alpha`` slice (or one category) at a time, while its
density does not fall. Every step of that trajectory whose density reaches ``min_density``
is made as simple as it can be (each restriction whose removal keeps the density at
``min_density`` or more is dropped), and the chosen box is the simplified step of highest
coverage (ties: fewer restricted keys).
Covering: the chosen box's points are set aside and the search starts again on the rest.

This follows the EMA Workbench's ``prim`` (Kwakkel 2017), with the original objective of
Friedman and Fisher (the density of the new box) rather than the Workbench's default
"lenient" gain per point removed, and with pasting slices counted in points, not taken
from a quantile.

References
----------
Friedman, J. H. and Fisher, N. I. (1999). Bump hunting in high-dimensional data. Statistics
and Computing 9(2), 123-143. Bryant, B. P. and Lempert, R. J. (2010). Thinking inside the
box: a participatory, computer-assisted approach to scenario discovery. Technological
Forecasting and Social Change 77(1), 34-49. Kwakkel, J. H. (2017). The Exploratory Modeling
Workbench. Environmental Modelling & Software 96, 239-250.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

PEEL_ALPHA = 0.05
PASTE_ALPHA = 0.05
MASS_MIN = 0.05

Restriction = tuple[float, float] | tuple[int, ...]
"""A numeric key's ``(lo, hi)`` (the least and greatest value inside the box) or a
categorical key's codes kept, in increasing order."""


@dataclass(frozen=True, slots=True)
class Step:
    """One box of a trajectory; coverage and mass are shares of all the points given."""

    coverage: float  # points of interest inside / all points of interest
    density: float  # points of interest inside / points inside
    mass: float  # points inside / all points
    restrictions: dict[int, Restriction]  # key index -> restriction; unrestricted keys absent

    @property
    def n_restricted(self) -> int:
        return len(self.restrictions)


@dataclass(frozen=True, slots=True)
class Box:
    """One search: its trajectory and the step chosen (None: no step reaches min_density).

    ``steps[0]`` holds every point searched, then come ``n_peeled`` peels, ``n_pasted``
    pastes and, when it differs from the step it came from, the chosen step made simpler
    (:meth:`phase`). ``inside`` marks the chosen box's points (all False without one).
    """

    steps: tuple[Step, ...]
    n_peeled: int
    n_pasted: int
    chosen: int | None
    inside: NDArray[np.bool_]  # (n_points,)

    def phase(self, step: int) -> str:
        """``start``, ``peel``, ``paste`` or ``simplest`` (the chosen step made simpler)."""
        if step == 0:
            return "start"
        if step <= self.n_peeled:
            return "peel"
        return "paste" if step <= self.n_peeled + self.n_pasted else "simplest"


@dataclass(frozen=True, slots=True)
class _Limits:
    """A box's limits: numeric keys' least and greatest value inside, categorical keys' codes."""

    lo: NDArray[np.float64]  # (n_keys,)
    hi: NDArray[np.float64]  # (n_keys,)
    kept: NDArray[np.bool_]  # (n_keys, n_codes)


@dataclass(frozen=True, slots=True)
class _State:
    limits: _Limits
    inside: NDArray[np.bool_]  # (n_points,)
    n_inside: int
    n_interest: int
    n_restricted: int

    @property
    def density(self) -> float:
        return self.n_interest / self.n_inside


class _Search:
    """The points of one search (``remaining`` of ``x``) and the box arithmetic over them."""

    def __init__(
        self,
        x: NDArray[np.float64],
        y: NDArray[np.bool_],
        is_categorical: NDArray[np.bool_],
        remaining: NDArray[np.bool_],
    ) -> None:
        self.x, self.y, self.is_categorical, self.remaining = x, y, is_categorical, remaining
        self.codes = np.where(is_categorical, x, 0).astype(np.int64)  # (n_points, n_keys)
        n_codes = int(self.codes.max()) + 1 if x.size else 1
        self.present = np.zeros((x.shape[1], n_codes), dtype=np.bool_)
        for j in np.flatnonzero(is_categorical):
            self.present[j, np.unique(self.codes[remaining, j])] = True
        rest = x[remaining]
        self.low = np.where(is_categorical, -np.inf, rest.min(axis=0))
        self.high = np.where(is_categorical, np.inf, rest.max(axis=0))
        self.n_total = y.size
        self.n_interest_total = int(y.sum())

    def start(self) -> _State:
        kept = np.ones_like(self.present)
        return self.state(_Limits(self.low.copy(), self.high.copy(), kept))

    def column(self, limits: _Limits, j: int) -> NDArray[np.bool_]:
        """Which points key ``j``'s limits let in: ``(n_points,)``."""
        if self.is_categorical[j]:
            within: NDArray[np.bool_] = limits.kept[j, self.codes[:, j]]
            return within
        between: NDArray[np.bool_] = (self.x[:, j] >= limits.lo[j]) & (self.x[:, j] <= limits.hi[j])
        return between

    def restricted(self, limits: _Limits) -> NDArray[np.bool_]:
        """Which keys the limits restrict, against the points searched: ``(n_keys,)``."""
        numeric = (limits.lo > self.low) | (limits.hi < self.high)
        categorical = (self.present & ~limits.kept).any(axis=1)
        return np.where(self.is_categorical, categorical, numeric)

    def state(self, limits: _Limits, inside: NDArray[np.bool_] | None = None) -> _State:
        if inside is None:
            inside = self.remaining.copy()
            for j in range(self.x.shape[1]):
                inside &= self.column(limits, j)
        return _State(
            limits=limits,
            inside=inside,
            n_inside=int(inside.sum()),
            n_interest=int((inside & self.y).sum()),
            n_restricted=int(self.restricted(limits).sum()),
        )

    def step(self, state: _State) -> Step:
        restrictions: dict[int, Restriction] = {}
        for j in np.flatnonzero(self.restricted(state.limits)):
            if self.is_categorical[j]:
                codes = np.flatnonzero(state.limits.kept[j] & self.present[j])
                restrictions[int(j)] = tuple(int(c) for c in codes)
            else:
                values = self.x[state.inside, j]
                restrictions[int(j)] = (float(values.min()), float(values.max()))
        return Step(
            coverage=state.n_interest / self.n_interest_total if self.n_interest_total else 0.0,
            density=state.density,
            mass=state.n_inside / self.n_total,
            restrictions=restrictions,
        )

    def peels(self, state: _State, alpha: float) -> Iterator[_State]:
        """Every box one peel smaller than ``state``'s, in key order (numeric: lower side,
        then upper side; categorical: each value inside, in code order)."""
        limits = state.limits
        for j in range(self.x.shape[1]):
            if self.is_categorical[j]:
                inside_codes = np.unique(self.codes[state.inside, j])
                for code in inside_codes if inside_codes.size > 1 else ():
                    kept = limits.kept.copy()
                    kept[j, code] = False
                    yield self._narrowed(state, replace(limits, kept=kept), j)
                continue
            values = np.sort(self.x[state.inside, j])
            if values[0] == values[-1]:
                continue
            cut = math.floor((values.size - 1) * alpha)
            above = values[values > values[cut]]
            lo = limits.lo.copy()
            lo[j] = above[0] if above.size else values[-1]
            yield self._narrowed(state, replace(limits, lo=lo), j)
            below = values[values < values[values.size - 1 - cut]]
            hi = limits.hi.copy()
            hi[j] = below[-1] if below.size else values[0]
            yield self._narrowed(state, replace(limits, hi=hi), j)

    def _narrowed(self, state: _State, limits: _Limits, j: int) -> _State:
        return self.state(limits, state.inside & self.column(limits, j))

    def pastes(self, state: _State, alpha: float) -> Iterator[_State]:
        """Every box one paste larger than ``state``'s along a key it restricts, in key
        order: the ``alpha`` share of its size (at least one point; ties go together) of the
        points just outside on one side, or one more category."""
        limits = state.limits
        columns = np.stack([self.column(limits, j) for j in range(self.x.shape[1])], axis=1)
        n_add = max(1, math.floor(alpha * state.n_inside))
        for j in map(int, np.flatnonzero(self.restricted(limits))):
            others = self.remaining & np.delete(columns, j, axis=1).all(axis=1)
            if self.is_categorical[j]:
                for code in np.flatnonzero(self.present[j] & ~limits.kept[j]):
                    kept = limits.kept.copy()
                    kept[j, code] = True
                    yield self._widened(others, replace(limits, kept=kept), j)
                continue
            xj = self.x[:, j]
            outside = np.sort(xj[others & (xj < limits.lo[j])])[::-1]
            if outside.size:
                lo = limits.lo.copy()
                lo[j] = outside[min(n_add, outside.size) - 1]
                yield self._widened(others, replace(limits, lo=lo), j)
            outside = np.sort(xj[others & (xj > limits.hi[j])])
            if outside.size:
                hi = limits.hi.copy()
                hi[j] = outside[min(n_add, outside.size) - 1]
                yield self._widened(others, replace(limits, hi=hi), j)

    def _widened(self, others: NDArray[np.bool_], limits: _Limits, j: int) -> _State:
        return self.state(limits, others & self.column(limits, j))

    def dropped(self, state: _State) -> Iterator[_State]:
        """Every box with one of ``state``'s restrictions removed, in key order."""
        for j in np.flatnonzero(self.restricted(state.limits)):
            lo, hi, kept = state.limits.lo.copy(), state.limits.hi.copy(), state.limits.kept.copy()
            lo[j], hi[j], kept[j] = self.low[j], self.high[j], True
            yield self.state(_Limits(lo, hi, kept))


def _densest(candidates: Iterator[_State], *, n_least: float) -> _State | None:
    """The candidate of highest density with at least ``n_least`` points (ties: fewer
    restricted keys, then the first)."""
    best: _State | None = None
    for candidate in candidates:
        if candidate.n_inside < n_least or candidate.n_inside == 0:
            continue
        if best is None or (-candidate.density, candidate.n_restricted) < (
            -best.density,
            best.n_restricted,
        ):
            best = candidate
    return best


def _choose(states: list[_State], *, min_density: float) -> int | None:
    """The state of highest coverage with density >= ``min_density`` (ties: fewer restricted
    keys, then higher density, then the first)."""
    eligible = [i for i, s in enumerate(states) if s.n_interest and s.density >= min_density]
    if not eligible:
        return None
    return min(
        eligible,
        key=lambda i: (-states[i].n_interest, states[i].n_restricted, -states[i].density, i),
    )


def _choose_simplest(
    search: _Search, states: list[_State], *, min_density: float
) -> tuple[int, _State]:
    """Every step of density >= ``min_density`` made as simple as it can be
    (:func:`_simplest`), then the one of highest coverage (ties: fewer restricted keys, then
    higher density, then the first step): a step just past the density line keeps the
    slight restrictions peeling left on the way, while a denser step made simpler may
    cover more with fewer keys. Returns the step's index and its simplest form."""
    candidates = [
        (i, _simplest(search, s, min_density=min_density))
        for i, s in enumerate(states)
        if s.n_interest and s.density >= min_density
    ]
    return min(candidates, key=lambda c: (-c[1].n_interest, c[1].n_restricted, -c[1].density, c[0]))


def _simplest(search: _Search, state: _State, *, min_density: float) -> _State:
    """``state`` with each restriction dropped that can be, keeping density >= min_density:
    one at a time, the drop keeping the most points of interest first (ties: the denser
    box, then the first key)."""
    while True:
        options = [s for s in search.dropped(state) if s.density >= min_density]
        if not options:
            return state
        state = min(options, key=lambda s: (-s.n_interest, -s.density))


def search_box(
    x: NDArray[np.float64],
    y: NDArray[np.bool_],
    *,
    is_categorical: NDArray[np.bool_],
    min_density: float,
    remaining: NDArray[np.bool_] | None = None,
    peel_alpha: float = PEEL_ALPHA,
    paste_alpha: float = PASTE_ALPHA,
    mass_min: float = MASS_MIN,
) -> Box:
    """Peel, paste and choose one box among the ``remaining`` points (default: all).

    ``x`` is ``(n_points, n_keys)``: numbers, and categorical keys (``is_categorical``,
    ``(n_keys,)``) as integer codes 0, 1, ...; ``y`` ``(n_points,)`` marks the points of
    interest. Coverage and mass are shares of all the points of ``x``, not only those
    remaining.
    """
    _check(x, y, is_categorical)
    search = _Search(
        x, y, is_categorical, np.ones(y.size, np.bool_) if remaining is None else remaining
    )
    state = search.start()
    states = [state]
    n_least = mass_min * y.size
    while (peeled := _densest(search.peels(state, peel_alpha), n_least=n_least)) is not None:
        state = peeled
        states.append(state)
    n_peeled = len(states) - 1
    while (pasted := _densest(search.pastes(state, paste_alpha), n_least=n_least)) is not None:
        if pasted.density < state.density:
            break
        state = pasted
        states.append(state)
    n_pasted = len(states) - 1 - n_peeled
    chosen = _choose(states, min_density=min_density)
    if chosen is None:
        steps = tuple(map(search.step, states))
        return Box(steps, n_peeled, n_pasted, None, np.zeros(y.size, np.bool_))
    chosen, simplest = _choose_simplest(search, states, min_density=min_density)
    if simplest is not states[chosen]:
        states.append(simplest)
        chosen = len(states) - 1
    return Box(tuple(map(search.step, states)), n_peeled, n_pasted, chosen, simplest.inside)


def find_boxes(
    x: NDArray[np.float64],
    y: NDArray[np.bool_],
    *,
    is_categorical: NDArray[np.bool_],
    min_density: float,
    max_boxes: int,
    peel_alpha: float = PEEL_ALPHA,
    paste_alpha: float = PASTE_ALPHA,
    mass_min: float = MASS_MIN,
) -> tuple[Box, ...]:
    """Covering: up to ``max_boxes`` boxes, each found among the points the boxes before it
    left out; it stops early when no point of interest is left or a search finds no box
    (:func:`search_box`)."""
    remaining = np.ones(y.size, np.bool_)
    boxes: list[Box] = []
    while len(boxes) < max_boxes and (y & remaining).any():
        box = search_box(
            x,
            y,
            is_categorical=is_categorical,
            min_density=min_density,
            remaining=remaining,
            peel_alpha=peel_alpha,
            paste_alpha=paste_alpha,
            mass_min=mass_min,
        )
        if box.chosen is None:
            break
        boxes.append(box)
        remaining = remaining & ~box.inside
    return tuple(boxes)


def _check(x: NDArray[np.float64], y: NDArray[np.bool_], is_categorical: NDArray[np.bool_]) -> None:
    if x.ndim != 2 or y.shape != (x.shape[0],) or is_categorical.shape != (x.shape[1],):
        raise ValueError(
            f"PRIM: x {x.shape}, y {y.shape}, is_categorical {is_categorical.shape}: expected "
            "(n_points, n_keys), (n_points,), (n_keys,)"
        )
    codes = x[:, is_categorical]
    if codes.size and ((codes < 0).any() or (codes != np.round(codes)).any()):
        raise ValueError("PRIM: categorical keys must be coded 0, 1, 2, ...")
    if not np.isfinite(x).all():
        raise ValueError("PRIM: x must be finite")
