"""A joint session: who sits in each chamber, the candidates, and the certificates."""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from models.certificates import Certificates
from models.errors import InputError
from models.ideal_points import IdealPoints
from models.roster import CAUCUSES, CHAMBERS, Roster
from models.statehouses import RemandFacts, StateGovernment
from models.states import N_STATES, STATE_CODES, STATE_INDEX

REGIME_NAMES: tuple[str, ...] = ("eca1887", "ecra2022", "vp-unilateral")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person who received electoral votes; ``caucus`` is None outside both caucuses."""

    key: str
    name: str
    party: str
    caucus: str | None
    running_mate: str | None = None  # vice-presidential candidate key (rules.md E9)


@dataclass(frozen=True, slots=True, eq=False)
class Session:
    """A joint session to count electoral votes, with everything the count needs.

    ``governments`` (every state and DC, from ``state_governments.csv``) and
    ``remand_facts`` (the states the sources cover, from ``remand_facts.csv``) are the
    state side (remand.md §4); empty when the session directory has no such file.
    ``ideal_points`` (from ``ideal_points.csv``, every shipped session has it) are the
    members' DW-NOMINATE and Nokken–Poole scores, None when the directory has no such file.
    """

    date: str
    congress: int
    election_year: int
    default_regime: str
    presiding_officer: str
    presiding_caucus: str
    candidates: tuple[Candidate, ...]
    vice_presidential_candidates: tuple[Candidate, ...]
    nominee: dict[str, tuple[str, str]]  # caucus -> (president key, vice-president key)
    roster: Roster
    certificates: Certificates
    governments: dict[str, StateGovernment] = field(default_factory=dict)
    remand_facts: dict[str, RemandFacts] = field(default_factory=dict)
    objected: tuple[str, ...] = ()  # states whose objections went to separate votes (§9.1)
    ideal_points: IdealPoints | None = None

    @property
    def candidate_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.candidates)

    @property
    def vp_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.vice_presidential_candidates)

    def nominee_index(self, office: str) -> NDArray[np.int64]:
        """``(n_caucuses,)`` index of each caucus's nominee for ``office``, -1 if none.

        ``office`` is 'president' (indexes ``candidates``) or 'vice_president'.
        """
        keys = self.candidate_keys if office == "president" else self.vp_keys
        slot = 0 if office == "president" else 1
        return np.array(
            [keys.index(self.nominee[c][slot]) if c in self.nominee else -1 for c in CAUCUSES],
            dtype=np.int64,
        )

    def running_mate_matrix(self) -> NDArray[np.int64]:
        """``(n_candidates, n_vp_candidates)`` 0/1: a presidential vote implies this VP vote."""
        matrix = np.zeros((len(self.candidates), len(self.vice_presidential_candidates)), np.int64)
        for c, cand in enumerate(self.candidates):
            if cand.running_mate is not None:
                matrix[c, self.vp_keys.index(cand.running_mate)] = 1
        return matrix


def parse_roster(text: str, *, source: str, certificates: Certificates) -> Roster:
    """Parse ``members.csv``: ``bioguide_id, name, chamber, state, district, party, caucus, sworn``.

    Checks state codes, chambers, caucuses, duplicate members and that no state has more
    members than seats (House seats = electors - 2; two senators; none for DC).
    """
    reader = csv.DictReader(io.StringIO(text))
    required = ("bioguide_id", "chamber", "state", "caucus", "sworn")
    header = reader.fieldnames or []
    for column in required:
        if column not in header:
            raise InputError(source, column, None, f"missing column (header is {header})")
    ids: list[str] = []
    names: list[str] = []
    parties: list[str] = []
    rows: list[tuple[bool, int, int, int, bool]] = []
    line_of: dict[str, int] = {}
    for row, rec in enumerate(reader, start=2):
        bioguide = (rec["bioguide_id"] or "").strip()
        if not bioguide:
            raise InputError(source, "bioguide_id", bioguide, "member id is empty", row=row)
        if bioguide in line_of:
            raise InputError(
                source,
                "bioguide_id",
                bioguide,
                f"duplicate member (first on line {line_of[bioguide]})",
                row=row,
            )
        line_of[bioguide] = row
        chamber = (rec["chamber"] or "").strip()
        if chamber not in CHAMBERS:
            raise InputError(source, "chamber", chamber, "expected 'house' or 'senate'", row=row)
        state = (rec["state"] or "").strip()
        if state not in STATE_INDEX:
            raise InputError(source, "state", state, "unknown state code", row=row)
        caucus = (rec["caucus"] or "").strip()
        if caucus not in CAUCUSES:
            raise InputError(
                source, "caucus", caucus, f"unknown caucus; expected one of {CAUCUSES}", row=row
            )
        sworn = (rec["sworn"] or "").strip()
        if sworn not in ("0", "1"):
            raise InputError(source, "sworn", sworn, "expected 0 or 1", row=row)
        district_text = (rec.get("district") or "").strip()
        district = -1
        if chamber == "house" and district_text:
            if not district_text.isdigit():
                raise InputError(
                    source, "district", district_text, "expected a whole number", row=row
                )
            district = int(district_text)
        ids.append(bioguide)
        names.append((rec.get("name") or "").strip())
        parties.append((rec.get("party") or "").strip())
        rows.append(
            (
                chamber == "senate",
                STATE_INDEX[state],
                district,
                CAUCUSES.index(caucus),
                sworn == "1",
            )
        )
    is_senator = np.array([r[0] for r in rows], dtype=np.bool_)
    state_idx = np.array([r[1] for r in rows], dtype=np.int64)
    for senate, seats in ((False, certificates.house_seats), (True, certificates.senate_seats)):
        held = np.bincount(state_idx[is_senator == senate], minlength=N_STATES)
        over = np.flatnonzero(held > seats)
        if over.size:
            s = int(over[0])
            chamber = "senate" if senate else "house"
            last = max(
                line_of[ids[i]] for i in np.flatnonzero((state_idx == s) & (is_senator == senate))
            )
            raise InputError(
                source,
                "state",
                STATE_CODES[s],
                f"{int(held[s])} {chamber} members but only {int(seats[s])} seats",
                row=last,
            )
    roster = Roster(
        bioguide_ids=tuple(ids),
        names=tuple(names),
        parties=tuple(parties),
        is_senator=is_senator,
        state=state_idx,
        district=np.array([r[2] for r in rows], dtype=np.int64),
        caucus=np.array([r[3] for r in rows], dtype=np.int64),
        sworn=np.array([r[4] for r in rows], dtype=np.bool_),
    )
    for array in (roster.is_senator, roster.state, roster.district, roster.caucus, roster.sworn):
        array.flags.writeable = False
    return roster


def _field(table: dict[str, object], key: str, kind: type, source: str, where: str = "") -> object:
    name = f"{where}{key}"
    if key not in table:
        raise InputError(source, name, None, "required key is missing")
    value = table[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise InputError(source, name, value, f"expected {kind.__name__}")
    return value


def _candidates(raw: object, source: str, table: str) -> tuple[Candidate, ...]:
    if not isinstance(raw, list) or not raw:
        raise InputError(source, table, raw, "expected a non-empty array of tables")
    out = []
    for i, item in enumerate(raw):
        where = f"{table}[{i}]."
        if not isinstance(item, dict):
            raise InputError(source, f"{table}[{i}]", item, "expected a table")
        key = str(_field(item, "key", str, source, where))
        if not key or key != key.lower() or not key.replace("-", "").isalpha():
            raise InputError(source, f"{where}key", key, "expected a lower-case surname")
        caucus = item.get("caucus") or None
        if caucus is not None and caucus not in CAUCUSES:
            raise InputError(
                source,
                f"{where}caucus",
                caucus,
                f"unknown caucus; expected one of {CAUCUSES} or empty",
            )
        mate = item.get("running_mate")
        out.append(
            Candidate(
                key=key,
                name=str(item.get("name", key)),
                party=str(item.get("party", "")),
                caucus=caucus,
                running_mate=str(mate) if mate is not None else None,
            )
        )
    keys = [c.key for c in out]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise InputError(source, f"{table}.key", min(dup), "candidate listed twice")
    return tuple(out)


@dataclass(frozen=True, slots=True)
class SessionHeader:
    """What ``session.toml`` holds: everything about a session but the two CSV files."""

    date: str
    congress: int
    election_year: int
    default_regime: str
    presiding_officer: str
    presiding_caucus: str
    candidates: tuple[Candidate, ...]
    vice_presidential_candidates: tuple[Candidate, ...]
    nominee: dict[str, tuple[str, str]]
    objected: tuple[str, ...] = ()


def _objected(doc: dict[str, object], source: str) -> tuple[str, ...]:
    """``objected``: the states whose objections went to separate-chamber votes (rules.md
    §9.1; remand.md M2's ``objected`` scope), state codes, each once; () when absent."""
    raw = doc.get("objected", [])
    if not isinstance(raw, list):
        raise InputError(source, "objected", raw, "expected a list of state codes")
    for state in raw:
        if not isinstance(state, str) or state not in STATE_INDEX:
            raise InputError(source, "objected", state, "unknown state code")
        if raw.count(state) > 1:
            raise InputError(source, "objected", state, "state listed twice")
    return tuple(raw)


def parse_session_header(text: str, *, source: str) -> SessionHeader:
    """Parse ``session.toml`` (see models/data/sessions/*/session.toml for the shape)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(source, "toml", None, f"not valid TOML ({exc})") from None
    except RecursionError:
        raise InputError(source, "toml", None, "not valid TOML (nested too deeply)") from None
    date = str(_field(doc, "date", str, source))
    regime = str(_field(doc, "default_regime", str, source))
    if regime not in REGIME_NAMES:
        raise InputError(source, "default_regime", regime, f"expected one of {REGIME_NAMES}")
    officer = _field(doc, "presiding_officer", dict, source)
    assert isinstance(officer, dict)
    officer_caucus = str(_field(officer, "caucus", str, source, "presiding_officer."))
    if officer_caucus not in CAUCUSES:
        raise InputError(
            source,
            "presiding_officer.caucus",
            officer_caucus,
            f"unknown caucus; expected one of {CAUCUSES}",
        )
    candidates = _candidates(doc.get("candidates"), source, "candidates")
    vps = _candidates(
        doc.get("vice_presidential_candidates"), source, "vice_presidential_candidates"
    )
    vp_keys = {c.key for c in vps}
    for i, cand in enumerate(candidates):
        if cand.running_mate is not None and cand.running_mate not in vp_keys:
            raise InputError(
                source,
                f"candidates[{i}].running_mate",
                cand.running_mate,
                f"not a vice-presidential candidate ({sorted(vp_keys)})",
            )
    nominees = doc.get("nominees", {})
    if not isinstance(nominees, dict):
        raise InputError(source, "nominees", nominees, "expected a table")
    nominee: dict[str, tuple[str, str]] = {}
    for caucus, pair in nominees.items():
        if caucus not in CAUCUSES:
            raise InputError(source, "nominees", caucus, f"unknown caucus; expected {CAUCUSES}")
        if not isinstance(pair, dict):
            raise InputError(source, f"nominees.{caucus}", pair, "expected a table")
        pres = str(_field(pair, "president", str, source, f"nominees.{caucus}."))
        vp = str(_field(pair, "vice_president", str, source, f"nominees.{caucus}."))
        if pres not in {c.key for c in candidates}:
            raise InputError(source, f"nominees.{caucus}.president", pres, "not a candidate")
        if vp not in vp_keys:
            raise InputError(
                source, f"nominees.{caucus}.vice_president", vp, "not a vice-presidential candidate"
            )
        nominee[caucus] = (pres, vp)
    return SessionHeader(
        date=date,
        congress=int(_field(doc, "congress", int, source)),  # type: ignore[call-overload]
        election_year=int(_field(doc, "election_year", int, source)),  # type: ignore[call-overload]
        default_regime=regime,
        presiding_officer=str(officer.get("name", "")),
        presiding_caucus=officer_caucus,
        candidates=candidates,
        vice_presidential_candidates=vps,
        nominee=nominee,
        objected=_objected(doc, source),
    )


def build_session(
    header: SessionHeader,
    roster: Roster,
    certificates: Certificates,
    *,
    governments: dict[str, StateGovernment] | None = None,
    remand_facts: dict[str, RemandFacts] | None = None,
    ideal_points: IdealPoints | None = None,
) -> Session:
    """Assemble a session from its parsed parts (the state side empty and the ideal points
    None unless given)."""
    if ideal_points is not None and ideal_points.dim1.shape != (roster.n_members,):
        raise ValueError(
            f"ideal points of shape {ideal_points.dim1.shape} for {roster.n_members} members"
        )
    return Session(
        date=header.date,
        congress=header.congress,
        election_year=header.election_year,
        default_regime=header.default_regime,
        presiding_officer=header.presiding_officer,
        presiding_caucus=header.presiding_caucus,
        candidates=header.candidates,
        vice_presidential_candidates=header.vice_presidential_candidates,
        nominee=header.nominee,
        roster=roster,
        certificates=certificates,
        governments=dict(governments or {}),
        remand_facts=dict(remand_facts or {}),
        objected=header.objected,
        ideal_points=ideal_points,
    )
