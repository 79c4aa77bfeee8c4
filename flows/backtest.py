"""``countlab backtest``: fit the vote model on some roll calls, predict others, and score the
prediction against what members did (issue 14 item 3).

A prediction within a session uses each member's fitted probability (a roll call the fit did
not see is an average objection). Across sessions the model transfers through the ideal
points: a member's probability comes from their caucus and DW-NOMINATE score. The caucuses
are matched by side, not by name: the *challengers* are the caucus opposed to the candidate
whose electoral votes the objection contests (2021: Republicans against Biden's; 2005:
Democrats against Bush's), so when the sides are swapped the caucuses swap and the first
dimension is mirrored (its conservative end is the Republican challengers' end).

The predictive distribution of each chamber's yeas is drawn with countlab's own vote sampler
(:func:`models.sampling.sample_votes_thresholds`) over the members who voted, ``--draws``
draws from the block streams of ``--seed``; Brier and log scores are member-level means.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from flows.calibrate import roll_call_frame
from flows.rollcalls import chamber_arrays, member_table
from flows.sessions import load_session
from models.calibration import MODELS, Fit, fit
from models.errors import CountlabError, OptionError
from models.members import sample_member_effects
from models.predictive import predict
from models.rollcall_data import NOT_VOTING, RollCallArrays
from models.roster import CAUCUSES, CHAMBERS
from models.sampling import BLOCK_DRAWS, block_ranges, block_rng, sample_votes_thresholds
from models.scores import brier_score, count_interval, log_score, mid_pit
from models.session import Session
from models.states import STATE_INDEX
from warehouse.backtests import BacktestRecord

DEFAULT_DRAWS = 100_000
DEFAULT_SEED = 20210106


@dataclass(frozen=True, slots=True)
class RollCallSpec:
    """``DATE:STATES`` of ``--fit`` / ``--predict``: a session and its recorded objections
    (None: every one)."""

    session: str
    states: tuple[str, ...] | None

    @property
    def text(self) -> str:
        return self.session + ("" if self.states is None else ":" + ",".join(self.states))


def parse_spec(text: str, option: str) -> RollCallSpec:
    """Parse ``2021-01-06:AZ,PA`` (or a session alone); one line naming the option."""
    session, _, states = text.partition(":")
    if not session:
        raise OptionError(option, text, "expected DATE:STATES, e.g. 2021-01-06:AZ")
    if not states:
        return RollCallSpec(session, None)
    codes = tuple(s.strip().upper() for s in states.split(","))
    for code in codes:
        if code not in STATE_INDEX:
            raise OptionError(option, text, f"unknown state code {code!r}")
    return RollCallSpec(session, codes)


def _tables(spec: RollCallSpec) -> tuple[Session, dict[str, RollCallArrays]]:
    session = load_session(spec.session)
    votes = None if spec.states is None else ",".join(spec.states)
    table = member_table(roll_call_frame(session, spec.session, votes), session)
    arrays = {}
    for chamber in CHAMBERS:
        try:
            arrays[chamber] = chamber_arrays(table, chamber)
        except CountlabError:
            continue  # no roll call in that chamber
    return session, arrays


def challenger_caucus(session: Session, states: tuple[str, ...]) -> int:
    """The caucus (index into CAUCUSES) opposed to the candidate whose electoral votes the
    objections contest: the state's plurality candidate; a CountlabError when that candidate
    is in neither caucus or the states disagree."""
    found = set()
    for state in states:
        row = session.certificates.votes[STATE_INDEX[state]]
        winner = session.candidates[int(np.argmax(row))]
        if winner.caucus is None:
            raise CountlabError(
                f"{session.date} {state}: its votes were for {winner.name}, of no caucus: "
                "the model cannot be transferred by side"
            )
        found.add(1 - CAUCUSES.index(winner.caucus))
    if len(found) != 1:
        raise CountlabError(f"{session.date}: the objections to {states} contest both sides")
    return found.pop()


def _transferred(arrays: RollCallArrays, swap: bool) -> RollCallArrays:
    """The arrays with caucuses swapped and the first dimension mirrored, when ``swap``."""
    if not swap:
        return arrays
    return dataclasses.replace(arrays, caucus=1 - arrays.caucus, ideal=-arrays.ideal)


def _predictive(
    p_yea: NDArray[np.float64],
    fitted: Fit,
    *,
    draws: int,
    seed: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Histogram ``(yeas, draws)`` of the total yeas of ``(n, K)`` members' votes under the
    fitted model (their member correlation shared across the K roll calls), drawn with the
    engine's sampler; NaN entries (members who did not vote there) draw nothing."""
    cast = ~np.isnan(p_yea)
    counts: list[NDArray[np.int64]] = []
    tau = float(np.clip(fitted.member_correlation, 0.0, 1.0))
    for block, start, stop in block_ranges(0, draws):
        rng = block_rng(seed, block)
        n = stop - start
        threshold = np.where(cast, ndtri(np.where(cast, p_yea, 0.5)), -np.inf)
        effects = sample_member_effects(n, p_yea.shape[0], rng=rng) if tau > 0 else None
        yeas, _ = sample_votes_thresholds(
            threshold,
            np.zeros(p_yea.shape[0], dtype=np.int64),
            np.zeros((n, 1)),
            effects,
            correlation=0.0,
            member_correlation=tau,
            p_absent=0.0,
            rng=rng,
        )
        counts.append(yeas.sum(axis=1))
    values, weights = np.unique(np.concatenate(counts), return_counts=True)
    return values.astype(np.int64), weights.astype(np.int64)


@dataclass(frozen=True, slots=True)
class Backtest:
    """A backtest: ``summary`` the ``--json`` object, ``predictive`` each chamber's
    histogram ``[(yeas, draws)]``, ``members`` one row per member and predicted roll call
    (with the objection state and the baseline's probability, for the warehouse)."""

    summary: dict[str, Any]
    predictive: dict[str, list[tuple[int, int]]]
    members: list[dict[str, Any]]


def backtest(
    fit_spec: RollCallSpec,
    predict_spec: RollCallSpec,
    *,
    model: str,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> Backtest:
    """Fit on ``fit_spec``'s roll calls, predict ``predict_spec``'s, score the prediction."""
    if model not in MODELS:
        raise OptionError("model", model, "expected " + " or ".join(MODELS))
    if not 1 <= draws <= 100 * BLOCK_DRAWS:
        raise OptionError("draws", str(draws), f"expected 1 to {100 * BLOCK_DRAWS}")
    fit_session, fit_arrays = _tables(fit_spec)
    predict_session, predict_arrays = _tables(predict_spec)
    fit_states = tuple(sorted({s for a in fit_arrays.values() for s in a.states}))
    predict_states = tuple(sorted({s for a in predict_arrays.values() for s in a.states}))
    overlap = set(fit_states) & set(predict_states)
    if fit_session.date == predict_session.date and overlap:
        raise OptionError(
            "predict", predict_spec.text, f"predicts roll calls it was fit on ({sorted(overlap)})"
        )
    swap = False
    if fit_session.date != predict_session.date:
        swap = challenger_caucus(fit_session, fit_states) != challenger_caucus(
            predict_session, predict_states
        )
    chambers: dict[str, Any] = dict.fromkeys(CHAMBERS)
    members: list[dict[str, Any]] = []
    predictive: dict[str, list[tuple[int, int]]] = {}
    for chamber, target in predict_arrays.items():
        if chamber not in fit_arrays:
            continue  # no roll call of this chamber to fit on
        fitted = fit(fit_arrays[chamber], model=model, chamber=chamber)
        baseline = fit(fit_arrays[chamber], model="group", chamber=chamber)
        seen = _transferred(target, swap)
        p_model = predict(fitted, target.states, arrays=seen)
        p_base = predict(baseline, target.states, arrays=seen)
        cast = target.votes != NOT_VOTING
        yea = target.votes == 1
        values, weights = _predictive(
            np.where(cast, p_model, np.nan), fitted, draws=draws, seed=seed
        )
        observed = int(yea.sum())
        lo, hi = count_interval(values, weights)
        chambers[chamber] = {
            "observed_yea": observed,
            "observed_nay": int((cast & ~yea).sum()),
            "predicted_mean": float(np.sum(values * weights) / weights.sum()),
            "interval_90": [lo, hi],
            "pit": mid_pit(values, weights, observed),
            "brier": brier_score(p_model[cast], yea[cast]),
            "log_score": log_score(p_model[cast], yea[cast]),
            "baseline_brier": brier_score(p_base[cast], yea[cast]),
            "baseline_log_score": log_score(p_base[cast], yea[cast]),
        }
        predictive[chamber] = list(zip(values.tolist(), weights.tolist(), strict=True))
        for i, k in zip(*np.nonzero(cast), strict=True):
            members.append(
                {
                    "bioguide_id": target.bioguide_ids[i],
                    "chamber": chamber,
                    "objection_state": target.states[k],
                    "p_yea": float(p_model[i, k]),
                    "baseline_p_yea": float(p_base[i, k]),
                    "vote": "yea" if yea[i, k] else "nay",
                }
            )
    if not any(chambers.values()):
        raise OptionError("predict", predict_spec.text, "no chamber voted on both sides")
    summary = {
        "fit": fit_spec.text,
        "predict": predict_spec.text,
        "model": model,
        "chambers": chambers,
        "members": [
            {key: m[key] for key in ("bioguide_id", "chamber", "p_yea", "vote")} for m in members
        ],
    }
    return Backtest(summary, predictive, members)


def backtest_record(result: Backtest, backtest_id: str, *, draws: int, seed: int) -> BacktestRecord:
    """What the warehouse stores of a backtest (``warehouse.backtests``)."""
    chambers: dict[str, dict[str, float | int] | None] = {}
    for chamber, entry in result.summary["chambers"].items():
        if entry is None:
            chambers[chamber] = None
            continue
        values = {k: v for k, v in entry.items() if k != "interval_90"}
        values["interval_lo"], values["interval_hi"] = entry["interval_90"]
        chambers[chamber] = values
    return BacktestRecord(
        backtest_id=backtest_id,
        fit=result.summary["fit"],
        predict=result.summary["predict"],
        model=result.summary["model"],
        draws=draws,
        seed=seed,
        result=result.summary,
        chambers=chambers,
        members=result.members,
        predictive=result.predictive,
    )
