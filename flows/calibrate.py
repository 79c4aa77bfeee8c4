"""``countlab calibrate``: fit the vote model to recorded roll calls, check it against them,
and write a scenario ``countlab run`` accepts (issue 14 item 2).

Stages: read the roll calls (a session's ``recorded_votes.csv`` or the user's file, checked by
:mod:`flows.rollcalls`), lay them out per chamber (polars), fit each chamber
(:func:`models.calibration.fit`), score the fit against the record
(:func:`models.predictive.chamber_checks`), then write the scenario and its members file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from flows.files import read_utf8
from flows.rollcalls import (
    chamber_arrays,
    load_recorded_votes,
    member_table,
    read_roll_calls,
    select_roll_calls,
)
from flows.scenario_members import MEMBER_COLUMNS
from flows.sessions import load_session
from models.calibration import MODELS, Fit, fit
from models.errors import CountlabError, OptionError
from models.predictive import chamber_checks
from models.rollcall_data import NOT_VOTING, RollCallArrays
from models.roster import CAUCUSES, CHAMBERS
from models.session import Session
from models.states import STATE_INDEX

DEFAULT_MODEL = "members"
CALIBRATED_DRAWS = 200_000
"""``[run] draws`` of a calibrated scenario."""


@dataclass(frozen=True, slots=True)
class CalibrateRequest:
    """What ``countlab calibrate`` was asked: ``votes`` a comma list of states, a CSV path,
    or None (every recorded roll call of the session)."""

    session: str
    votes: str | None = None
    model: str = DEFAULT_MODEL
    out: str | None = None
    command: str = ""  # the command line, recorded in the scenario


@dataclass(frozen=True, slots=True)
class Calibration:
    """The fits of one session's roll calls, per chamber that voted."""

    session: Session
    states: tuple[str, ...]
    model: str
    fits: dict[str, Fit]
    arrays: dict[str, RollCallArrays]

    @property
    def log_likelihood(self) -> float:
        return sum(f.log_likelihood for f in self.fits.values())

    @property
    def aic(self) -> float:
        return sum(f.aic for f in self.fits.values())

    @property
    def absent(self) -> tuple[float, float]:
        """The share of sworn members' votes not cast on the fitted roll calls, and its se."""
        votes = np.concatenate([a.votes.ravel() for a in self.arrays.values()])
        p = float(np.mean(votes == NOT_VOTING))
        return p, math.sqrt(p * (1.0 - p) / votes.size)


def roll_call_frame(session: Session, name: str, votes: str | None) -> pl.DataFrame:
    """The checked roll calls ``--votes`` names: a CSV file, a comma list of the session's
    recorded objections, or (None) all of them."""
    if votes is not None and (votes.endswith(".csv") or Path(votes).is_file()):
        path = Path(votes)
        missing = OptionError("votes", votes, "file not found")
        text = read_utf8(path, source=str(path), missing=missing)
        return read_roll_calls(text, source=str(path), session=session)
    frame = load_recorded_votes(name, session=session)
    if votes is None:
        return frame
    states = tuple(s.strip().upper() for s in votes.split(","))
    for state in states:
        if state not in STATE_INDEX:
            raise OptionError("votes", votes, f"unknown state code {state!r}")
    return select_roll_calls(frame, states, source="--votes")


def calibrate_session(request: CalibrateRequest) -> Calibration:
    """Fit every chamber that voted on the selected roll calls."""
    if request.model not in MODELS:
        raise OptionError("model", request.model, "expected " + " or ".join(MODELS))
    session = load_session(request.session)
    table = member_table(roll_call_frame(session, request.session, request.votes), session)
    arrays: dict[str, RollCallArrays] = {}
    for chamber in CHAMBERS:
        if (table["chamber"] == chamber).any():
            try:
                arrays[chamber] = chamber_arrays(table, chamber)
            except CountlabError:
                continue  # the chamber did not vote on these roll calls
    if not arrays:
        raise CountlabError(f"session {request.session}: no roll call to fit")
    states = tuple(
        sorted({s for a in arrays.values() for s in a.states}, key=STATE_INDEX.__getitem__)
    )
    fits = {c: fit(a, model=request.model, chamber=c) for c, a in arrays.items()}
    return Calibration(session, states, request.model, fits, arrays)


def _number(value: float | None) -> float | None:
    """A JSON number: None for a missing or infinite value (JSON has no infinity)."""
    return None if value is None or not math.isfinite(value) else float(value)


def calibration_json(result: Calibration, scenario: str | None) -> dict[str, Any]:
    """The ``countlab calibrate --json`` object (issue 14 item 2), exactly its keys."""
    parameters: dict[str, dict[str, float | None]] = {}
    for chamber, fitted in result.fits.items():
        for name, (estimate, se) in fitted.parameters.items():
            parameters[name] = {"estimate": _number(estimate), "se": _number(se)}
        if result.model == "members":
            parameters[f"{chamber}.member_correlation"] = {
                "estimate": _number(fitted.member_correlation),
                "se": None,
            }
    absent, absent_se = result.absent
    parameters["absent"] = {"estimate": absent, "se": absent_se}
    members = []
    for chamber, fitted in result.fits.items():
        arrays = result.arrays[chamber]
        for bioguide, caucus, p in zip(
            fitted.bioguide_ids, arrays.caucus, fitted.p_sustain, strict=True
        ):
            members.append(
                {
                    "bioguide_id": bioguide,
                    "chamber": chamber,
                    "caucus": CAUCUSES[int(caucus)],
                    "p_sustain": float(p),
                }
            )
    checks: dict[str, Any] = dict.fromkeys(CHAMBERS)
    for chamber, fitted in result.fits.items():
        checks[chamber] = dict(chamber_checks(fitted, result.arrays[chamber]))
    return {
        "session": result.session.date,
        "votes": list(result.states),
        "model": result.model,
        "parameters": parameters,
        "log_likelihood": result.log_likelihood,
        "aic": result.aic,
        "members": members,
        "checks": checks,
        "scenario": scenario,
    }


def _toml_float(value: float) -> str:
    return repr(float(value))


def scenario_text(result: Calibration, *, members_file: str | None, command: str) -> str:
    """The calibrated scenario (TOML): the fitted roll calls raised for certain, the fitted
    probabilities (per member with the members model), absence rate, member correlations and
    objection strengths; the caucus shock (``correlation``), which one session's roll calls
    cannot identify, stated and set to 0."""
    session = result.session
    absent, _ = result.absent
    lines = [
        f"# Written by `{command}`." if command else "# Written by countlab calibrate.",
        f"# Fit by maximum likelihood ({result.model} model) to the {session.date} roll calls on "
        + ", ".join(result.states)
        + f" ({', '.join(result.fits)}): log L {result.log_likelihood:.3f}, AIC {result.aic:.3f}.",
        "# Fit: each member's probability of sustaining an average objection"
        + (" (the members file)" if members_file else " (per caucus)")
        + ", the absence rate"
        + (", each chamber's member correlation and objection strengths." if members_file else "."),
        "# Not fit: the caucus shock (correlation), which one day's roll calls cannot identify.",
        f'session = "{session.date}"',
        f'regime = "{session.default_regime}"',
        "",
        "[objections]  # raised for certain, as they were",
        *(f"{state} = 1.0" for state in result.states),
        "",
        "[votes]",
    ]
    if members_file is not None:
        lines.append(f'members = "{members_file}"')
    for chamber, fitted in result.fits.items():
        for caucus in CAUCUSES:
            arrays = result.arrays[chamber]
            mine = fitted.p_sustain[arrays.caucus == CAUCUSES.index(caucus)]
            if mine.size:  # the caucus mean: the members file overrides it member by member
                lines.append(f"{chamber}.{caucus} = {_toml_float(float(mine.mean()))}")
    lines += ["correlation = 0.0", f"absent = {_toml_float(absent)}"]
    if result.model == "members":
        for chamber, fitted in result.fits.items():
            tau = min(max(fitted.member_correlation, 0.0), 1.0)
            lines.append(f"member_correlation.{chamber} = {_toml_float(tau)}")
        for chamber, fitted in result.fits.items():
            for state, shift in fitted.objection_shift.items():
                if math.isfinite(shift):
                    lines.append(f"objection_shift.{chamber}.{state} = {_toml_float(shift)}")
    lines += [
        "",
        "[calibrated]  # what the assumptions above were fit to (countlab report says it)",
        f'command = "{command}"',
        f'session = "{session.date}"',
        "votes = [" + ", ".join(f'"{s}"' for s in result.states) + "]",
        f'model = "{result.model}"',
        f"log_likelihood = {_toml_float(result.log_likelihood)}",
        f"aic = {_toml_float(result.aic)}",
        "",
        "[run]",
        f"draws = {CALIBRATED_DRAWS}",
        f"seed = {int(session.date.replace('-', ''))}",
    ]
    return "\n".join(lines) + "\n"


def members_text(result: Calibration) -> str:
    """The members file: :data:`MEMBER_COLUMNS`, one row per fitted member."""
    rows = [",".join(MEMBER_COLUMNS)]
    for chamber, fitted in result.fits.items():
        arrays = result.arrays[chamber]
        for bioguide, caucus, p in zip(
            fitted.bioguide_ids, arrays.caucus, fitted.p_sustain, strict=True
        ):
            rows.append(f"{bioguide},{chamber},{CAUCUSES[int(caucus)]},{_toml_float(p)}")
    return "\n".join(rows) + "\n"


def write_calibrated(result: Calibration, out: Path, *, command: str) -> list[Path]:
    """Write the scenario ``out`` (and, with the members model, ``<stem>-members.csv``
    beside it); returns the paths written."""
    if out.suffix != ".toml":
        raise OptionError("out", str(out), "expected a .toml file name")
    if not out.parent.is_dir():
        raise OptionError("out", str(out), "the folder does not exist")
    written = []
    members_file = None
    if result.model == "members":
        members_path = out.with_name(f"{out.stem}-members.csv")
        members_path.write_text(members_text(result), encoding="utf-8")
        members_file = members_path.name
        written.append(members_path)
    out.write_text(scenario_text(result, members_file=members_file, command=command), "utf-8")
    return [out, *written]
