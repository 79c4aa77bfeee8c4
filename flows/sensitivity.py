"""``countlab analyze sensitivity``: Sobol' indices (a ``saltelli`` sweep) or Morris
elementary effects (a ``morris`` sweep) of a stored sweep's outcome probabilities and
objections' P(sustained), for every swept key (:mod:`models.sensitivity`).

The warehouse is read first (read-only, as ``countlab report`` reads it); the design is made
again from the run's record (``runs.sweep`` and its seed) and checked against the stored
points; every target is analysed; only then are the indices stored, every target in one
transaction (:func:`warehouse.analyses.store_sensitivity`: a target's rows replace its
earlier ones). A mistake stops the command before anything is written.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table

from flows.design import design_points, params_text, stored_spec
from flows.design_salib import SALIB_DESIGNS, unit_design
from models.errors import CountlabError, OptionError
from models.sensitivity import METHODS, KeyIndices, Sensitivity, estimate_sensitivity
from reports.sensitivity import target_title
from warehouse.analyses import SweepTargets, read_sweep_targets, store_sensitivity
from warehouse.queries import read_run
from warehouse.store import connect_read_only

DESIGN_OF = {"sobol": "saltelli", "morris": "morris"}
"""The sweep design each method analyses."""
ANALYSIS_STREAM = 0x5E45
"""The first spawn key of an analysis's bootstrap stream (a point's stream has one key)."""

out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)


@dataclass(frozen=True, slots=True)
class Study:
    """A sweep ready to analyse: its keys (in the design's order), the design on the unit
    hypercube ``(n_points, n_keys)``, the targets and the run's seed."""

    run_id: str
    method: str
    seed: int
    keys: tuple[str, ...]
    unit: NDArray[np.float64]
    targets: SweepTargets


def read_study(db: str | Path, run_id: str, method: str | None) -> Study:
    """The sweep ``run_id`` of the warehouse ``db``, its design made again and checked."""
    con = connect_read_only(db)
    try:
        run = read_run(con, run_id)
        if run["kind"] != "sweep" or not run["sweep"]:
            raise OptionError(
                None,
                f"run {run_id}",
                "a single run, not a sweep; analyse a sweep made with {0} saltelli or morris",
                others=("design",),
            )
        if run["status"] != "completed":
            raise CountlabError(f"run {run_id!r} is {run['status']}, not completed")
        targets = read_sweep_targets(con, run_id)
    finally:
        con.close()
    spec = stored_spec(run["sweep"])
    if spec.design not in SALIB_DESIGNS:
        raise OptionError(
            None,
            f"run {run_id}",
            f"a {spec.design} sweep has no sensitivity design; sweep with {{0}} saltelli "
            "(Sobol' indices) or morris (elementary effects)",
            others=("design",),
        )
    chosen = method or next(m for m, d in DESIGN_OF.items() if d == spec.design)
    if DESIGN_OF[chosen] != spec.design:
        raise OptionError(
            "method",
            chosen,
            f"run {run_id} is a {spec.design} sweep; sweep with {{0}} {DESIGN_OF[chosen]}",
            others=("design",),
        )
    _check_points(run_id, spec.design, design_points(spec, seed=run["seed"]), targets)
    assert spec.points is not None
    unit = unit_design(spec.design, spec.points, len(spec.axes), seed=run["seed"])
    keys = tuple(axis.key for axis in spec.axes)
    return Study(run_id, chosen, run["seed"], keys, unit, targets)


def _check_points(
    run_id: str, design: str, made: list[dict[str, Any]], targets: SweepTargets
) -> None:
    """The stored points are the design made again, point by point."""
    if len(made) != len(targets.params):
        raise CountlabError(
            f"run {run_id}: {len(targets.params)} points stored, but its {design} design has "
            f"{len(made)}; it cannot be analysed"
        )
    for point, (params, stored) in enumerate(zip(made, targets.params, strict=True)):
        if params_text(params) != stored:
            raise CountlabError(
                f"run {run_id}: point {point} is {json.dumps(stored, sort_keys=True)}, not "
                f"{json.dumps(params_text(params), sort_keys=True)} as its {design} design "
                "and seed make it; it cannot be analysed"
            )


def check_options(outcome: str | None, sustained: str | None, method: str | None) -> None:
    """A method countlab has, and one target option at most."""
    if method is not None and method not in METHODS:
        raise OptionError("method", repr(method), f"expected {' or '.join(METHODS)}")
    check_target_options(outcome, sustained)


def check_target_options(outcome: str | None, sustained: str | None) -> None:
    """One target option at most."""
    if outcome is not None and sustained is not None:
        raise OptionError(
            "outcome",
            None,
            "and {0} name two targets: give one, or neither for all",
            others=("sustained",),
        )


def choose_targets(study: Study, *, outcome: str | None, sustained: str | None) -> list[str]:
    """The targets asked for: one label or state, or (neither) every outcome label that is
    not 0 at every point and every objection's state."""
    check_target_options(outcome, sustained)
    found = study.targets
    if outcome is not None:
        if outcome not in found.outcomes:
            raise OptionError(
                "outcome",
                repr(outcome),
                f"no such outcome in run {study.run_id}; expected one of "
                + ", ".join(found.outcomes),
            )
        return [outcome]
    if sustained is not None:
        if sustained not in found.sustained:
            known = ", ".join(found.sustained) or "none: no objection in this sweep"
            raise OptionError(
                "sustained", repr(sustained), f"not objected to in run {study.run_id}; {known}"
            )
        return [sustained]
    return [label for label, p in found.outcomes.items() if p.any()] + list(found.sustained)


def analyse_target(study: Study, target: str) -> Sensitivity:
    """One target's indices; its bootstrap stream depends on the run's seed, the method and
    the target only (analysing all targets or one gives the same numbers)."""
    found = study.targets
    y = found.outcomes[target] if target in found.outcomes else found.sustained[target]
    variances = y * (1 - y) / found.draws  # a point's binomial Monte Carlo variance
    key = (ANALYSIS_STREAM, METHODS.index(study.method), *target.encode())
    rng = np.random.default_rng(np.random.SeedSequence(study.seed, spawn_key=key))
    return estimate_sensitivity(
        study.method, y, variances, keys=study.keys, unit=study.unit, rng=rng
    )


def stored_rows(result: Sensitivity) -> list[dict[str, Any]]:
    """A target's ``sensitivity_indices`` rows (:data:`warehouse.analyses.SENSITIVITY_COLUMNS`)."""
    return [
        {
            "key": k.key,
            "points": result.points,
            "s1": k.s1,
            "s1_conf": k.s1_conf,
            "st": k.st,
            "st_conf": k.st_conf,
            "noise_floor": result.noise_floor,
            "mu": k.mu,
            "mu_star": k.mu_star,
            "mu_star_conf": k.mu_star_conf,
            "sigma": k.sigma,
        }
        for k in result.indices
    ]


def index_entry(k: KeyIndices, method: str) -> dict[str, Any]:
    """A key's entry in the JSON: S1, S1_conf, ST, ST_conf (null under Morris), then the
    method's own fields."""
    entry: dict[str, Any] = {
        "key": k.key,
        "S1": k.s1,
        "S1_conf": k.s1_conf,
        "ST": k.st,
        "ST_conf": k.st_conf,
    }
    if method == "sobol":
        entry.update(S1_raw=k.s1_raw, ST_raw=k.st_raw, distinguishable=k.distinguishable)
    else:
        entry.update(mu=k.mu, mu_star=k.mu_star, mu_star_conf=k.mu_star_conf, sigma=k.sigma)
    return entry


def result_json(study: Study, results: dict[str, Sensitivity], *, every: bool) -> dict[str, Any]:
    """The one JSON object: a target's indices, or (``every``) all targets' in one list."""
    first = next(iter(results.values()))
    summary: dict[str, Any] = {
        "run_id": study.run_id,
        "target": "all" if every else next(iter(results)),
        "method": study.method,
        "points": first.points,
        "noise_floor": None if every else first.noise_floor,
    }
    if study.method == "morris" and not every:
        summary["mu_star_noise"] = first.mu_star_noise
    indices: list[dict[str, Any]] = []
    notes: list[str] = []
    for target, result in results.items():
        for k in result.indices:
            own: dict[str, Any] = {"target": target, "noise_floor": result.noise_floor}
            if study.method == "morris":
                own["mu_star_noise"] = result.mu_star_noise
            entry = index_entry(k, study.method)
            indices.append({**own, **entry} if every else entry)
        notes += [f"{target_title(target)}: {note}" for note in result.notes]
    return {**summary, "indices": indices, "notes": notes}


def _pm(value: float | None, conf: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" + ("" if conf is None else f" ± {conf:.3f}")


def print_result(study: Study, target: str, result: Sensitivity) -> None:
    """One target's indices as a table, the largest total index (Morris: mu_star) first."""
    title = target_title(target)
    if result.is_flat:
        out.print(f"[bold]{title}[/]: no indices")
        for note in result.notes:
            out.print(f"note: {note}")
        return
    if result.method == "sobol":
        out.print(
            f"[bold]{title}[/]: Sobol' indices, {result.points} points, 95% bootstrap "
            f"intervals; noise floor {result.noise_floor:.3f} (Monte Carlo noise's share of "
            "the variance), removed"
        )
        table = Table("key", "S1", "ST", "S1 raw", "ST raw", "ST > 0")
        for k in sorted(result.indices, key=lambda k: -(k.st or 0.0)):
            table.add_row(
                k.key,
                _pm(k.s1, k.s1_conf),
                _pm(k.st, k.st_conf),
                _pm(k.s1_raw, None),
                _pm(k.st_raw, None),
                "yes" if k.distinguishable else "no: within noise",
            )
    else:
        out.print(
            f"[bold]{title}[/]: Morris elementary effects, {result.points} points (the change "
            f"in probability over a key's whole range); noise alone gives mu* about "
            f"{result.mu_star_noise:.3f}"
        )
        table = Table("key", "mu*", "mu", "sigma")
        for k in sorted(result.indices, key=lambda k: -(k.mu_star or 0.0)):
            table.add_row(
                k.key, _pm(k.mu_star, k.mu_star_conf), _pm(k.mu, None), _pm(k.sigma, None)
            )
    out.print(table)
    for note in result.notes:
        out.print(f"note: {note}")


def sensitivity(
    db: str | Path,
    run_id: str,
    *,
    outcome: str | None,
    sustained: str | None,
    method: str | None,
    as_json: bool,
) -> None:
    """Analyse sweep ``run_id``'s targets (``outcome`` or ``sustained``, else all), store
    the indices in ``db`` and print them (a table, or one JSON object)."""
    check_options(outcome, sustained, method)  # before the warehouse is opened
    study = read_study(db, run_id, method)
    targets = choose_targets(study, outcome=outcome, sustained=sustained)
    results = {target: analyse_target(study, target) for target in targets}
    store_sensitivity(  # one transaction for the whole analysis
        db,
        run_id=run_id,
        method=study.method,
        targets={target: stored_rows(result) for target, result in results.items()},
    )
    stored = (
        f"Stored in {db} (sensitivity_indices, run {run_id}); e.g. countlab report {run_id} "
        f"--db {db}"
    )
    if as_json:
        print(json.dumps(result_json(study, results, every=outcome is None and sustained is None)))
        print(stored, file=sys.stderr)
        return
    for target, result in results.items():
        print_result(study, target, result)
    out.print(stored)
