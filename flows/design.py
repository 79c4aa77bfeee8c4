"""Sweep definitions: which scenario keys vary, over which values, and the points they make.

A sweep varies dotted scenario keys (``votes.senate.R``, ``votes.correlation``, ``regime``,
``denominator``, ``session``, ``objections.GA``, ``rules.sustain_rule``, ...). Each key gets
an axis:

- a list of values: ``0,0.1,0.2`` or ``eca1887,ecra2022`` (TOML: an array);
- a range ``start:stop:count``: ``count`` evenly spaced numbers, both ends included.

The design makes points from the axes: ``grid`` (the default) is the full factorial, the
first key varying slowest; ``lhs`` (Latin hypercube) and ``sobol`` draw ``points`` points
from the box of the axes (a range is the interval ``[start, stop]``; a list is a set of
choices, picked uniformly) with ``scipy.stats.qmc``, seeded by the sweep's seed;
``saltelli`` and ``morris`` are the designs of a sensitivity analysis, drawn by SALib from
the same box (:mod:`flows.design_salib`: ``points`` is then Saltelli's base size or the
number of Morris trajectories, and the design has more points than that).

Point ``i`` simulates with its own seed, :func:`point_seed` of the sweep seed and ``i``:
adding points at the end of a sweep never changes the points already there, and
``countlab run`` with a point's scenario and seed repeats that point bit for bit.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from flows.design_salib import SALIB_DESIGNS, design_size, points_problem, unit_design
from flows.requests import SweepRequest
from flows.scenario import ScenarioConfig, ScenarioFile, _first_error
from models.errors import CountlabError, InputError, OptionError

DESIGNS = ("grid", "lhs", "sobol", *SALIB_DESIGNS)
MAX_POINTS = 100_000
"""A guard against a typo turning a sweep into millions of points (a design's total)."""

Value = float | int | str | bool
UNSWEPT = ("run", "sweep")
"""Tables of a scenario file whose keys change nothing in a point: they cannot vary."""


def _tidy(value: float) -> float:
    """12 significant digits: 0.2, not 0.19999999999999998, from a range's arithmetic."""
    return float(f"{value:.12g}")


@dataclass(frozen=True, slots=True)
class Axis:
    """The values one key takes: a list, or a numeric range ``[start, stop]`` in ``count``."""

    key: str
    values: tuple[Value, ...] = ()
    start: float | None = None
    stop: float | None = None
    count: int | None = None

    @property
    def is_range(self) -> bool:
        return self.start is not None

    @property
    def size(self) -> int:
        """Values in a grid: the list's length or the range's count (0: a range without)."""
        return (self.count or 0) if self.is_range else len(self.values)

    def grid_values(self) -> tuple[Value, ...]:
        """The axis's values in a grid: the list, or ``count`` points spanning the range."""
        if not self.is_range:
            return self.values
        assert self.start is not None
        assert self.stop is not None
        assert self.count is not None
        return tuple(_tidy(v) for v in np.linspace(self.start, self.stop, self.count))

    def at(self, u: float) -> Value:
        """The value at ``u`` in [0, 1]: a point of the range, or one of the listed values."""
        if self.is_range:
            assert self.start is not None
            assert self.stop is not None
            return _tidy(self.start + u * (self.stop - self.start))
        return self.values[min(int(u * len(self.values)), len(self.values) - 1)]

    def describe(self) -> str | list[Value]:
        if self.is_range:
            return f"{self.start}:{self.stop}:{self.count}"
        return list(self.values)


@dataclass(frozen=True, slots=True)
class SweepSpec:
    """A sweep: its design, its axes (in order) and, for a sampled design, how many points
    (``saltelli``: the base size N; ``morris``: the trajectories)."""

    axes: tuple[Axis, ...]
    design: str = "grid"
    points: int | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "design": self.design,
                "points": self.points,
                "vary": {a.key: a.describe() for a in self.axes},  # in the axes' order
            },
        )


def parse_value(text: str) -> Value:
    """A command-line value: an integer, a number, ``true``/``false``, or else a string."""
    text = text.strip()
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _range(key: str, text: str, source: str) -> Axis:
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise InputError(source, key, text, "expected start:stop:count or a list a,b,c")
    try:
        start, stop = float(parts[0]), float(parts[1])
        count = int(parts[2]) if len(parts) == 3 else None
    except ValueError:
        raise InputError(
            source, key, text, "a range is start:stop:count, with numbers and a whole count"
        ) from None
    if not (math.isfinite(start) and math.isfinite(stop)):
        raise InputError(source, key, text, "range ends must be finite numbers")
    if count is not None and count < 1:
        raise InputError(source, key, text, "a range needs a count of at least 1")
    if count is not None and count > MAX_POINTS:
        raise InputError(source, key, text, f"a range has at most {MAX_POINTS:,} values")
    return Axis(key=key, start=start, stop=stop, count=count)


def parse_axis(key: str, raw: Any, *, source: str) -> Axis:
    """An axis from ``VALUES`` text (``--vary``) or a TOML value (``[sweep.vary]``)."""
    if key.split(".")[0] in UNSWEPT:
        raise InputError(
            source,
            key,
            None,
            "cannot be varied: a point's draws, seed and sampler are the sweep's own "
            "(--draws, --seed, --sampler)",
        )
    if isinstance(raw, list):
        values = tuple(raw)
    elif isinstance(raw, str) and ":" in raw and "," not in raw:
        return _range(key, raw, source)
    elif isinstance(raw, str):
        values = tuple(parse_value(v) for v in raw.split(","))
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        values = (raw,)
    else:
        raise InputError(source, key, raw, "expected a list of values or start:stop:count")
    if not values or any(v == "" for v in values):
        raise InputError(source, key, raw, "expected at least one value, none empty")
    if any(isinstance(v, dict | list) for v in values):
        raise InputError(source, key, raw, "values must be numbers, strings or booleans")
    if len(set(map(repr, values))) != len(values):
        raise InputError(source, key, raw, "a value is listed twice")
    return Axis(key=key, values=values)


def parse_vary(text: str) -> Axis:
    """``--vary KEY=VALUES``."""
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise OptionError("vary", repr(text), "expected KEY=VALUES, e.g. votes.senate.R=0:0.6:21")
    return parse_axis(key, values, source="vary")


def parse_sweep_table(table: dict[str, Any], *, source: str) -> SweepSpec:
    """The ``[sweep]`` table of a scenario file: ``design``, ``points``, ``[sweep.vary]``."""
    axes, design, points = read_sweep_table(table, source=source)
    return make_spec(axes, design=design, points=points, source=source)


def read_sweep_table(
    table: dict[str, Any], *, source: str
) -> tuple[tuple[Axis, ...], Any, int | None]:
    """The ``[sweep]`` table's axes, design and points, each checked alone (the command
    line may still add axes or change the design and points: :func:`sweep_spec`)."""
    unknown = set(table) - {"design", "points", "vary"}
    if unknown:
        raise InputError(source, f"sweep.{min(unknown)}", None, "unknown key")
    vary = table.get("vary", {})
    if not isinstance(vary, dict):
        raise InputError(source, "sweep.vary", vary, "expected a table of KEY = VALUES")
    axes = tuple(parse_axis(k, v, source=source) for k, v in vary.items())
    design = table.get("design", "grid")
    points = table.get("points")
    if points is not None and (not isinstance(points, int) or isinstance(points, bool)):
        raise InputError(source, "sweep.points", points, "expected a whole number")
    return axes, design, points


def make_spec(axes: tuple[Axis, ...], *, design: Any, points: int | None, source: str) -> SweepSpec:
    """Check a design against its axes."""
    if design not in DESIGNS:
        raise InputError(source, "sweep.design", design, f"expected {', '.join(DESIGNS)}")
    keys = [a.key for a in axes]
    if len(set(keys)) != len(keys):
        twice = next(k for k in keys if keys.count(k) > 1)
        raise InputError(source, twice, None, "key varied twice")
    if design == "grid":
        for axis in axes:
            if axis.is_range and axis.count is None:
                raise InputError(
                    source, axis.key, axis.describe(), "a grid range needs start:stop:count"
                )
        if points is not None:
            raise InputError(
                source, "sweep.points", points, f"a grid has no points: {', '.join(DESIGNS[1:])} do"
            )
    elif design in SALIB_DESIGNS:
        for axis in axes:
            if (axis.is_range and axis.start == axis.stop) or (
                not axis.is_range and len(axis.values) < 2
            ):
                raise InputError(
                    source, axis.key, axis.describe(), f"every key of a {design} design must vary"
                )
        problem = salib_problem(len(axes), design, points)
        if problem is not None:
            raise InputError(source, "sweep.points", points, problem)
    elif points is None or points < 1:
        raise InputError(source, "sweep.points", points, f"{design} needs points >= 1")
    if points is not None and points > MAX_POINTS:
        raise InputError(source, "sweep.points", points, f"at most {MAX_POINTS:,} points")
    return SweepSpec(axes=axes, design=design, points=points)


def salib_problem(dimensions: int, design: str, points: int | None) -> str | None:
    """What keeps ``points`` of a ``saltelli``/``morris`` design of ``dimensions`` keys from
    making a design (the base size, the total past :data:`MAX_POINTS`), or None."""
    problem = points_problem(design, points, dimensions)
    if problem is None and points is not None:
        total = design_size(design, points, dimensions)
        if total > MAX_POINTS:
            return f"{design} makes {total:,} points with {dimensions} keys; at most {MAX_POINTS:,}"
    return problem


def count_points(spec: SweepSpec) -> int:
    """How many points the sweep has, without making them."""
    if not spec.axes:
        return 1
    if spec.design in SALIB_DESIGNS:
        return design_size(spec.design, spec.points or 0, len(spec.axes))
    if spec.design != "grid":
        return spec.points or 0
    return math.prod(axis.size for axis in spec.axes)


def design_points(spec: SweepSpec, *, seed: int) -> list[dict[str, Value]]:
    """The sweep's points, in order: ``[{key: value}]`` (one empty point with no axes)."""
    if not spec.axes:
        return [{}]
    keys = [a.key for a in spec.axes]
    if spec.design == "grid":
        n = count_points(spec)
        if n > MAX_POINTS:
            raise CountlabError(f"sweep: the grid has {n:,} points; at most {MAX_POINTS:,}")
        return [
            dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*(a.grid_values() for a in spec.axes))
        ]
    assert spec.points is not None
    dimensions = len(spec.axes)
    if spec.design in SALIB_DESIGNS:
        return [
            {axis.key: axis.at(float(u)) for axis, u in zip(spec.axes, row, strict=True)}
            for row in unit_design(spec.design, spec.points, dimensions, seed=seed)
        ]
    from scipy.stats import qmc  # a 1 s import: only for sampled designs

    if spec.design == "lhs":
        unit = qmc.LatinHypercube(d=dimensions, rng=np.random.default_rng(seed)).random(spec.points)
    else:
        sampler = qmc.Sobol(d=dimensions, scramble=True, rng=np.random.default_rng(seed))
        unit = sampler.random(spec.points)
    return [
        {axis.key: axis.at(float(u)) for axis, u in zip(spec.axes, row, strict=True)}
        for row in unit
    ]


def point_seed(seed: int, point: int) -> int:
    """Point ``point``'s seed: 63 bits of ``SeedSequence(seed, spawn_key=(point,))``."""
    words = np.random.SeedSequence(seed, spawn_key=(point,)).generate_state(2, dtype=np.uint32)
    return int((int(words[0]) << 31) ^ int(words[1]))


def apply_params(
    config: ScenarioConfig, params: dict[str, Value], *, source: str
) -> ScenarioConfig:
    """The scenario with each dotted key set to its value, validated like a scenario file."""
    raw = config.model_dump(mode="json", exclude_none=True)
    for key, value in params.items():
        parts = key.split(".")
        node = raw
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise InputError(source, key, value, f"{part!r} is not a table")
            node = child
        node[parts[-1]] = value
    try:
        return ScenarioConfig.model_validate(raw)
    except Exception as exc:  # pydantic.ValidationError
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            error = _first_error(exc, source)
            raise CountlabError(f"{error} (sweep point {json.dumps(params)})") from None
        raise


def params_text(params: dict[str, Value]) -> dict[str, str]:
    """Parameter values as text (``sweep_points.params``)."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}


def params_numbers(params: dict[str, Value]) -> dict[str, float]:
    """The numeric parameter values (``sweep_points.param_values``); booleans are 0/1."""
    return {k: float(v) for k, v in params.items() if isinstance(v, int | float | bool)}


def sweep_spec(request: SweepRequest, found: ScenarioFile) -> SweepSpec:
    """The file's ``[sweep]`` table with the request's ``vary``, ``design`` and ``points`` on
    top (a ``vary`` key replaces the file's axis for that key)."""
    if request.design is not None and request.design not in DESIGNS:
        raise OptionError("design", repr(request.design), f"expected {', '.join(DESIGNS)}")
    if request.points is not None and request.points < 1:
        raise OptionError("points", str(request.points), "expected 1 or more")
    file_axes, file_design, file_points = read_sweep_table(found.sweep or {}, source=found.source)
    axes = {axis.key: axis for axis in file_axes}
    given: set[str] = set()
    for text in request.vary:
        axis = parse_vary(text)
        if axis.key in given:
            raise OptionError("vary", f"{axis.key}=...", "key given twice; give its values once")
        given.add(axis.key)
        axes[axis.key] = axis
    design = request.design or file_design
    if request.points is not None and design in SALIB_DESIGNS:
        problem = salib_problem(len(axes), design, request.points)
        if problem is not None:
            raise OptionError("points", str(request.points), problem)
    return make_spec(
        tuple(axes.values()),
        design=design,
        points=request.points if request.points is not None else file_points,
        source=found.source,
    )


def stored_spec(sweep_json: str) -> SweepSpec:
    """The :class:`SweepSpec` a sweep recorded (``runs.sweep``, :meth:`SweepSpec.to_json`)."""
    stored = json.loads(sweep_json)
    axes = []
    for key, described in stored["vary"].items():
        if isinstance(described, str):  # start:stop:count, the count "None" for a sample
            described = described.removesuffix(":None")
        axes.append(parse_axis(key, described, source="runs.sweep"))
    return SweepSpec(axes=tuple(axes), design=stored["design"], points=stored["points"])
