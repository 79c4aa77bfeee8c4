"""Hypothesis strategies and small builders for countlab's sessions, rules and rejections.

Builders turn arrays into the text of ``session.toml`` and ``electoral_votes.csv`` so that
synthetic sessions go through the same pure parsers as the shipped ones.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from flows.sessions import load_session
from models.certificates import parse_certificates
from models.roster import Roster
from models.rules import GROUNDS, REGIMES, Rules, rules_for
from models.session import Session, build_session, parse_session_header
from models.states import STATE_CODES, STATE_INDEX
from models.tally import Rejection

SHIPPED: tuple[str, ...] = ("1969-01-06", "2005-01-06", "2021-01-06", "2025-01-06")

PROPERTY = settings(
    derandomize=True,
    database=None,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Settings for every property test: reproducible, and quick enough for the whole suite."""


@functools.cache
def shipped(date: str) -> Session:
    """Return a shipped session, loaded once per test run."""
    return load_session(date)


# --- builders -----------------------------------------------------------------------------


def header_toml(
    candidates: Sequence[tuple[str, str]],
    *,
    presiding_caucus: str = "R",
    date: str = "2001-01-06",
) -> str:
    """Return a ``session.toml`` for ``(key, caucus)`` candidates ('' for no caucus).

    Each candidate's running mate is ``<key>-vp``; each caucus's first candidate is its
    nominee.
    """
    lines = [
        f'date = "{date}"',
        "congress = 107",
        f"election_year = {int(date[:4]) - 1}",
        'default_regime = "eca1887"',
        "",
        "[presiding_officer]",
        'name = "Presiding Officer"',
        f'caucus = "{presiding_caucus}"',
        "",
        "[nominees]",
    ]
    for caucus in ("D", "R"):
        first = next((k for k, c in candidates if c == caucus), None)
        if first is not None:
            lines.append(f'{caucus} = {{ president = "{first}", vice_president = "{first}-vp" }}')
    for table, suffix in (("candidates", ""), ("vice_presidential_candidates", "-vp")):
        for key, caucus in candidates:
            lines += ["", f"[[{table}]]", f'key = "{key}{suffix}"', f'caucus = "{caucus}"']
            if not suffix:
                lines.append(f'running_mate = "{key}-vp"')
    return "\n".join(lines) + "\n"


def certificates_csv(
    keys: Sequence[str],
    votes: NDArray[np.int64],  # (n_states, n_candidates)
    blank: NDArray[np.int64] | None = None,  # (n_states,)
) -> str:
    """Return an ``electoral_votes.csv`` with ``electors = votes + blank`` per state."""
    header = ["state", "electors", *keys] + ([] if blank is None else ["blank"])
    rows = [",".join(header)]
    for s, code in enumerate(STATE_CODES):
        n_blank = 0 if blank is None else int(blank[s])
        cells = [code, str(int(votes[s].sum()) + n_blank), *(str(int(v)) for v in votes[s])]
        rows.append(",".join(cells + ([] if blank is None else [str(n_blank)])))
    return "\n".join(rows) + "\n"


@functools.cache
def roster_2021() -> Roster:
    """The 2021 roster; any certificates with 2021's electors per state accept it."""
    return shipped("2021-01-06").roster


def electors_2021() -> NDArray[np.int64]:
    """``(n_states,)`` electors per state for the 2020 apportionment (538 in all)."""
    return shipped("2021-01-06").certificates.electors


def synthetic_session(
    candidates: Sequence[tuple[str, str]],
    votes: NDArray[np.int64],
    blank: NDArray[np.int64] | None = None,
    *,
    presiding_caucus: str = "R",
) -> Session:
    """Build a session from votes per state, with 2021's House and Senate.

    The electors per state (votes plus blanks) must equal 2021's, so that 2021's roster fits
    the seats.
    """
    keys = tuple(k for k, _ in candidates)
    header = parse_session_header(
        header_toml(candidates, presiding_caucus=presiding_caucus), source="synthetic.toml"
    )
    certificates = parse_certificates(
        certificates_csv(keys, votes, blank), source="synthetic.csv", candidates=keys
    )
    return build_session(header, roster_2021(), certificates)


def shipped_text(date: str, name: str) -> str:
    """Return the text of one file of a shipped session."""
    return (resources.files("models") / "data" / "sessions" / date / name).read_text("utf-8")


# --- strategies ---------------------------------------------------------------------------

SYNTHETIC_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("alpha", "D"),
    ("bravo", "R"),
    ("charlie", ""),
    ("delta", ""),
)


@st.composite
def synthetic_sessions(draw: st.DrawFn) -> Session:
    """A session with 2-4 candidates and 2021's electors, winner-take-all with some splits.

    Each state goes to one candidate; up to two of its electors may vote for another
    candidate or leave the ballot blank (faithless and blank electors, E1 and R0.4).
    """
    n = draw(st.integers(2, len(SYNTHETIC_CANDIDATES)))
    electors = electors_2021()
    votes = np.zeros((electors.size, n), dtype=np.int64)
    blank = np.zeros(electors.size, dtype=np.int64)
    for s, size in enumerate(electors):
        winner = draw(st.integers(0, n - 1))
        votes[s, winner] = size
        for _ in range(draw(st.integers(0, 2))):
            target = draw(st.integers(0, n))  # n stands for a blank ballot
            votes[s, winner] -= 1
            if target == n:
                blank[s] += 1
            else:
                votes[s, target] += 1
    presiding = draw(st.sampled_from(("D", "R")))
    return synthetic_session(SYNTHETIC_CANDIDATES[:n], votes, blank, presiding_caucus=presiding)


class Drawn:
    """A drawn session, shown in a failing example by its totals rather than its arrays.

    A plain class: Hypothesis prints a dataclass field by field, arrays and all.
    """

    __slots__ = ("session",)

    def __init__(self, session: Session) -> None:
        self.session = session

    def __repr__(self) -> str:
        s = self.session
        if s.date in SHIPPED:
            return f"shipped({s.date!r})"
        cert = s.certificates
        votes = ", ".join(
            f"{k}={int(v)}" for k, v in zip(s.candidate_keys, cert.votes.sum(0), strict=True)
        )
        return f"synthetic({votes}, blank={int(cert.blank.sum())}, presiding={s.presiding_caucus})"


def sessions() -> st.SearchStrategy[Drawn]:
    """A shipped session or a synthetic one, wrapped for a short repr."""
    return st.one_of(st.sampled_from(SHIPPED).map(shipped), synthetic_sessions()).map(Drawn)


@st.composite
def rule_sets(draw: st.DrawFn, *, substitute: bool = True) -> Rules:
    """Any regime with any denominator, ground and contingent-election switches.

    ``substitute=False`` keeps ``vp_action = exclude``: substituting an alternate slate is
    the one rule under which excluding votes adds votes to someone (C3).
    """
    regime = draw(st.sampled_from(tuple(REGIMES)))
    overrides: dict[str, str | int | bool] = {
        "denominator": draw(st.sampled_from(("appointed", "counted", "statutory"))),
        "objection_ground": draw(st.sampled_from(GROUNDS)),
        "contingent_list": draw(st.sampled_from(("counted", "cast"))),
        "delegation_rule": draw(
            st.sampled_from(("majority_of_votes_cast", "majority_of_delegation"))
        ),
        "senate_whole_number": draw(st.sampled_from(("seats", "sworn"))),
        "senate_contingent_vp_tiebreak": draw(st.booleans()),
    }
    if substitute and regime == "vp-unilateral":
        overrides["vp_action"] = draw(st.sampled_from(("exclude", "substitute")))
    return rules_for(regime, **overrides)


@st.composite
def rejections(draw: st.DrawFn, session: Session, *, max_states: int = 12) -> list[Rejection]:
    """Non-overlapping rejections (E7): whole states, or some candidates' votes in a state (E2).

    Each rejection carries a ground, or None for the rules' default.
    """
    cert = session.certificates
    codes = draw(st.lists(st.sampled_from(STATE_CODES), unique=True, max_size=max_states))
    out: list[Rejection] = []
    for code in codes:
        s = STATE_INDEX[code]
        voted = [k for c, k in enumerate(session.candidate_keys) if cert.votes[s, c] > 0]
        ground = draw(st.sampled_from((None, *GROUNDS)))
        partial = (
            draw(st.lists(st.sampled_from(voted), unique=True, min_size=1))
            if voted and draw(st.booleans())
            else []
        )
        if partial:
            out.extend(Rejection(code, candidate=k, ground=ground) for k in partial)
        else:
            out.append(Rejection(code, ground=ground))
    return out
