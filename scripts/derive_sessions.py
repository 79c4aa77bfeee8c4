"""Derive countlab's shipped sessions from the public source files in ``../shared/data``.

Run from the project root::

    python scripts/derive_sessions.py [--shared ../shared/data]

For each session date it writes ``models/data/sessions/<date>/`` with:

* ``session.toml``: facts not in the source files (candidates, nominees, running mates,
  presiding officer, default regime) plus the provenance of the derived files;
* ``members.csv``: the roster (bioguide_id, name, chamber, state, district, party, caucus,
  sworn); the Voteview ids and per-row source columns are dropped;
* ``ideal_points.csv``: each member's DW-NOMINATE and Nokken–Poole scores (bioguide_id,
  chamber, nominate_dim1, nominate_dim2, nokken_poole_dim1, nokken_poole_dim2), one row per
  ``members.csv`` row in the same order, from ``nominate.csv``; values as in the source
  (three decimals), blank where it has none (2025: 69 members; 1969: Speaker McCormack's
  Nokken–Poole); the Voteview id, Congress used, vote count and note are dropped;
* ``electoral_votes.csv``: electors appointed and presidential electoral votes per state;
* ``recorded_votes.csv``: member-level votes on the objections decided that day, if any;
* ``state_governments.csv``: each state's (and DC's) governor party and the control and
  seats of each chamber on the date (remand.md ST3), from ``state_governments.csv``; the
  notes and source columns are dropped, blanks stay blank (2025 seats; Nebraska's house);
* ``remand_facts.csv`` (2021 only): the ST3 facts of the seven states with a 14 December
  alternate paper, from the table :data:`ST3_2021` below (remand.md is prose, not data).

The script checks the derived facts against the verified counts of ``data/README.md`` and
``data/state_governments.md`` (sworn members per chamber and caucus, electoral totals,
one ideal-point row per roster row with its blanks and party means,
governors and legislatures by party; seat counts against control and chamber sizes; the
ST3 table against the derived governments) and fails loudly if they differ. It is the
only place that reads ``../shared``; nothing at run time or in tests does.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, NoReturn

EXPECTED_OBJECTED = {
    "1969-01-06": ["NC"],
    "2005-01-06": ["OH"],
    "2021-01-06": ["AZ", "PA"],
    "2025-01-06": [],
}
"""The objections decided by separate-chamber votes, per data/README.md (objection_votes)."""

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "models" / "data" / "sessions"
sys.path.insert(0, str(ROOT))  # the files' columns and codes: the parsers' own (one home)
from models.ideal_points import IDEAL_POINT_COLUMNS, SCORE_PAIRS
from models.statehouses import CONTROLS, GOVERNMENT_COLUMNS, REMAND_FACT_COLUMNS

# Facts from the public record that the source CSVs do not hold. Candidate keys are
# lower-case surnames; each presidential candidate's electors cast their VP vote for the
# running mate (rules.md E9: VP votes mirror the presidential votes). The 2004 Minnesota
# elector voted for Edwards for both offices, so Edwards is his own running mate.
SESSIONS: dict[str, dict[str, object]] = {
    "2021-01-06": {
        "congress": 117,
        "election_year": 2020,
        "default_regime": "eca1887",
        "presiding_officer": ("Mike Pence", "R"),
        "candidates": [
            ("biden", "Joseph R. Biden Jr.", "Democratic", "D", "harris"),
            ("trump", "Donald J. Trump", "Republican", "R", "pence"),
        ],
        "vice_presidential_candidates": [
            ("harris", "Kamala D. Harris", "Democratic", "D"),
            ("pence", "Michael R. Pence", "Republican", "R"),
        ],
        "nominees": {"D": ("biden", "harris"), "R": ("trump", "pence")},
        "expected": {"biden": 306, "trump": 232},
    },
    "2025-01-06": {
        "congress": 119,
        "election_year": 2024,
        "default_regime": "ecra2022",
        "presiding_officer": ("Kamala Harris", "D"),
        "candidates": [
            ("trump", "Donald J. Trump", "Republican", "R", "vance"),
            ("harris", "Kamala D. Harris", "Democratic", "D", "walz"),
        ],
        "vice_presidential_candidates": [
            ("vance", "JD Vance", "Republican", "R"),
            ("walz", "Tim Walz", "Democratic", "D"),
        ],
        "nominees": {"D": ("harris", "walz"), "R": ("trump", "vance")},
        "expected": {"trump": 312, "harris": 226},
    },
    "2005-01-06": {
        "congress": 109,
        "election_year": 2004,
        "default_regime": "eca1887",
        "presiding_officer": ("Dick Cheney", "R"),
        "candidates": [
            ("bush", "George W. Bush", "Republican", "R", "cheney"),
            ("kerry", "John F. Kerry", "Democratic", "D", "edwards"),
            ("edwards", "John Edwards", "Democratic", "D", "edwards"),
        ],
        "vice_presidential_candidates": [
            ("cheney", "Richard B. Cheney", "Republican", "R"),
            ("edwards", "John Edwards", "Democratic", "D"),
        ],
        "nominees": {"D": ("kerry", "edwards"), "R": ("bush", "cheney")},
        "expected": {"bush": 286, "kerry": 251, "edwards": 1},
    },
    "1969-01-06": {
        "congress": 91,
        "election_year": 1968,
        "default_regime": "eca1887",
        "presiding_officer": ("Hubert H. Humphrey", "D"),
        "candidates": [
            ("nixon", "Richard M. Nixon", "Republican", "R", "agnew"),
            ("humphrey", "Hubert H. Humphrey", "Democratic", "D", "muskie"),
            ("wallace", "George C. Wallace", "American Independent", "", "lemay"),
        ],
        "vice_presidential_candidates": [
            ("agnew", "Spiro T. Agnew", "Republican", "R"),
            ("muskie", "Edmund S. Muskie", "Democratic", "D"),
            ("lemay", "Curtis E. LeMay", "American Independent", ""),
        ],
        "nominees": {"D": ("humphrey", "muskie"), "R": ("nixon", "agnew")},
        "expected": {"nixon": 301, "humphrey": 191, "wallace": 46},
    },
}

# Verified sworn counts from data/README.md: (chamber, caucus) -> members.
EXPECTED_SWORN = {
    "2021-01-06": {
        ("house", "D"): 222,
        ("house", "R"): 209,
        ("senate", "D"): 48,
        ("senate", "R"): 51,
    },
    "2025-01-06": {
        ("house", "D"): 215,
        ("house", "R"): 219,
        ("senate", "D"): 47,
        ("senate", "R"): 52,
    },
    "2005-01-06": {
        ("house", "D"): 202,
        ("house", "R"): 232,
        ("senate", "D"): 45,
        ("senate", "R"): 55,
    },
    "1969-01-06": {
        ("house", "D"): 243,
        ("house", "R"): 192,
        ("senate", "D"): 57,
        ("senate", "R"): 43,
    },
}

# Blank scores per date in data/nominate.csv (data/README.md, "2025 coverage" and "Checks"):
# 69 members of 2025 have none; in 1969 Speaker McCormack has no 91st Nokken-Poole score.
SCORES = IDEAL_POINT_COLUMNS[2:]
EXPECTED_BLANKS = {
    "2021-01-06": dict.fromkeys(SCORES, 0),
    "2025-01-06": dict.fromkeys(SCORES, 69),
    "2005-01-06": dict.fromkeys(SCORES, 0),
    "1969-01-06": {"nominate_dim1": 0, "nominate_dim2": 0, "nokken_poole_dim1": 1,
                   "nokken_poole_dim2": 1},
}  # fmt: skip
IDEAL_POINT_NOTES = {
    "2025-01-06": [
        (
            "69 members new in the 119th Congress or seated in 2024, after the source's cutoff: "
            "no score"
        ),
        (
            "the source has no 119th Congress: each score is the member's latest up to the "
            "118th, in the same chamber but for 7 senators scored as representatives, from an "
            "earlier Congress for 4 members; the 118th's Nokken-Poole rests on part of that "
            "Congress (data/README.md there, '2025 coverage')"
        ),
    ],
    "1969-01-06": ["Speaker McCormack (M000364): no 91st Nokken-Poole estimate in the source"],
}
# Party means of nominate_dim1 over scored members, data/README.md "Checks":
# (chamber, caucus) -> (members scored, mean to three decimals).
EXPECTED_DIM1_MEANS = {
    "1969-01-06": {("house", "D"): (243, -0.307), ("house", "R"): (192, 0.247),
                   ("senate", "D"): (57, -0.288), ("senate", "R"): (43, 0.251)},
    "2005-01-06": {("house", "D"): (202, -0.388), ("house", "R"): (232, 0.421),
                   ("senate", "D"): (45, -0.306), ("senate", "R"): (55, 0.378)},
    "2021-01-06": {("house", "D"): (222, -0.378), ("house", "R"): (211, 0.507),
                   ("senate", "D"): (48, -0.344), ("senate", "R"): (51, 0.524)},
    "2025-01-06": {("house", "D"): (182, -0.394), ("house", "R"): (187, 0.516),
                   ("senate", "D"): (46, -0.361), ("senate", "R"): (49, 0.543)},
}  # fmt: skip

# Governors and legislatures by party per date, as totalled in data/state_governments.md
# (§3: 2021; §4: 2025; §5: 2005 and 1969). A legislature is D or R when one party controls
# every chamber, ``split`` when the chambers differ or one is split; Nebraska (and
# Minnesota in 1969) are nonpartisan. DC has neither.
EXPECTED_GOVERNMENTS: dict[str, dict[str, dict[str, int]]] = {
    "2021-01-06": {
        "governors": {"R": 27, "D": 23},
        "legislatures": {"R": 29, "D": 18, "split": 2, "nonpartisan": 1},
    },
    "2025-01-06": {
        "governors": {"R": 27, "D": 23},
        "legislatures": {"R": 27, "D": 18, "split": 4, "nonpartisan": 1},
    },
    "2005-01-06": {
        "governors": {"R": 26, "D": 24},
        "legislatures": {"R": 20, "D": 19, "split": 10, "nonpartisan": 1},
    },
    "1969-01-06": {
        "governors": {"R": 26, "D": 24},
        "legislatures": {"R": 20, "D": 20, "split": 8, "nonpartisan": 2},
    },
}
# Plausible chamber sizes (seats incl. vacancies): upper chambers 19 (Delaware, 1969) to 67
# (Minnesota); lower chambers 39 (Delaware, 1969) to 400 (New Hampshire).
CHAMBER_SIZES = {"senate": (15, 70), "house": (35, 400)}
# Chambers whose size differs between 2005 and 2021: New York's Senate grew from 62 to 63
# seats in 2012. Every other chamber has the same number of seats on both dates.
RESIZED_2005_2021 = {("NY", "senate")}
# 2025 seat counts are blank in the source (state_governments.md §8: no dated table found).
SEATS_BLANK = {"2025-01-06"}


class St3(NamedTuple):
    """One column of remand.md §4 ST3's table (January 2021) for a state with a 14 December
    alternate paper (P10)."""

    legislature: str  # "legislature (upper / lower)": the majority of both chambers
    governor: str  # "governor" [S60]
    regular_session: str  # "2021 regular session convenes" [S59]
    self_call_rule: str | None  # "special session: self-call": each house's threshold
    majority_meets: str  # "majority meets self-call threshold?": yes, no, governor, n/a, ?
    governor_can_call: bool  # "special session: governor" [S58]
    veto_proof: bool  # "veto-proof majority held?" [S59]
    safe_harbor_met: bool  # "safe harbor met (8 Dec)" [S62]
    alternate_paper: str  # "14 Dec alternate paper": unconditional or conditional
    paper_late: bool  # "late" in that row (E3: MI, WI); not established elsewhere
    act_takes_effect_late: bool = False  # ST6: a special-session law "would not take effect
    # for months" (AZ, no emergency clause assumed [S58 azcentral])


# remand.md §4 ST3, transcribed (the doc is prose): ``majority_meets`` "governor" is PA's
# "yes (R majorities), but the call is the governor's"; "?" is NM's "House not retrieved".
ST3_2021: dict[str, St3] = {
    "AZ": St3("R", "R", "2021-01-11", "2/3", "no", True, False, True, "unconditional", False, True),
    "GA": St3("R", "R", "2021-01-11", "3/5", "no", True, False, True, "unconditional", False),
    "MI": St3("R", "D", "2021-01-13", None, "n/a", True, False, True, "unconditional", True),
    "NM": St3("D", "D", "2021-01-19", "3/5", "?", True, False, True, "conditional", False),
    "NV": St3("D", "D", "2021-02-01", "2/3", "no", True, False, True, "unconditional", False),
    "PA": St3(
        "R", "D", "2021-01-05", "majority", "governor", True, False, True, "conditional", False
    ),
    "WI": St3("R", "D", "2021-01-04", "majority", "yes", True, False, False, "unconditional", True),
}
REMAND_FACTS = {"2021-01-06": ST3_2021}
REMAND_PROVENANCE = [
    (
        "regular_session: ST3 '2021 regular session convenes' [S59]; PA 5 Jan, the first Tuesday "
        "of January, a 'continuing body' [S58 PA]; WI 4 Jan, organisation (Wis. Stat. 13.02 [S58 WI])"
    ),
    (
        "self_call: true only where ST3 says the majority meets the self-call threshold and the "
        "legislature calls itself: WI (extraordinary session, LWV v. Evers [S58 WI]). False for AZ "
        "(2/3 of each house), GA (3/5) and NV (2/3): thresholds not met; MI: no self-call route "
        "[S58 MI]; PA: the majorities meet the petition threshold but the governor must call "
        "[S58 PA]"
    ),
    (
        "self_call NM: false by default, a scenario input. ST3 has the Senate (D 27 of 42 >= 26, "
        "3/5) but not the House count (E6); the NCSL count in state_governments.csv, 45 D of 70, "
        "would meet 3/5 (42)"
    ),
    "governor_can_call: ST3 'special session: governor', yes for all seven [S58]",
    (
        "veto_proof: ST3 'veto-proof majority held?', no for all seven [S59]; PA's override "
        "threshold is not sourced (E6); checked here against 2/3 of the seats"
    ),
    "safe_harbor_met: ST3 'safe harbor met (8 Dec)' (old 3 U.S.C. §5), yes except WI [S62]",
    (
        "alternate_paper: ST3 '14 Dec alternate paper' (P10): NM and PA conditional (E1), the "
        "others unconditional"
    ),
    (
        "paper_late: MI and WI late (ST3, E3). Whether the AZ, GA, NV, NM and PA papers arrived is "
        "not established (E3): recorded false, a scenario input"
    ),
    (
        "act_takes_effect_late: ST6, AZ only: a law passed in a special session 'would not take "
        "effect for months' (no emergency clause assumed) [S58 azcentral]; read only with the "
        "switch enforce_effective_dates (M6)"
    ),
    (
        "checked against state_governments.csv: ST3's governors and legislature control, its "
        "threshold answers and 'veto-proof: no' from the seats"
    ),
]

VOTE_CODES = {
    "yea": "yea",
    "paired_yea": "paired_yea",
    "announced_yea": "announced_yea",
    "announced_nay": "announced_nay",
    "paired_nay": "paired_nay",
    "nay": "nay",
    "present": "present",
    "not_voting": "not_voting",
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_csv(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_list(values: list[str]) -> str:
    if not values:
        return "[]"
    return "[\n" + "".join(f"    {toml_str(v)},\n" for v in values) + "]"


Provenance = dict[str, dict[str, str | list[str]]]


def provenance_toml(provenance: Provenance) -> list[str]:
    """``[provenance."<file>"]`` tables: the source of each derived file and what was dropped."""
    lines: list[str] = []
    for name, entry in provenance.items():
        lines += ["", f"[provenance.{toml_str(name)}]"]
        for key, value in entry.items():
            shown = toml_list(value) if isinstance(value, list) else toml_str(value)
            lines.append(f"{key} = {shown}")
    return lines


def dropped(header: list[str], kept: list[str]) -> list[str]:
    return [c for c in header if c not in kept]


def session_toml(date: str, facts: dict[str, object], provenance: Provenance) -> str:
    name, caucus = facts["presiding_officer"]  # type: ignore[misc]
    lines = [
        "# Derived by scripts/derive_sessions.py from ../shared/data (see data/README.md there).",
        f"date = {toml_str(date)}",
        f"congress = {facts['congress']}",
        f"election_year = {facts['election_year']}",
        f"default_regime = {toml_str(str(facts['default_regime']))}",
        "# the states whose objections went to separate-chamber votes (rules.md §9.1;",
        "# objection_votes_summary.csv): remand_scope = objected (remand.md M2)",
        "objected = [" + ", ".join(toml_str(s) for s in facts["objected"]) + "]",  # type: ignore[attr-defined]
        "",
        "[presiding_officer]  # the Vice President who presided over the joint session",
        f"name = {toml_str(name)}",
        f"caucus = {toml_str(caucus)}",
        "",
        "[nominees]  # each caucus's presidential and vice-presidential nominee",
    ]
    for cau, (pres, vp) in facts["nominees"].items():  # type: ignore[attr-defined]
        lines.append(f"{cau} = {{ president = {toml_str(pres)}, vice_president = {toml_str(vp)} }}")
    for key, full, party, cau, mate in facts["candidates"]:  # type: ignore[attr-defined]
        lines += [
            "",
            "[[candidates]]",
            f"key = {toml_str(key)}",
            f"name = {toml_str(full)}",
            f"party = {toml_str(party)}",
            f"caucus = {toml_str(cau)}",
            f"running_mate = {toml_str(mate)}",
        ]
    for key, full, party, cau in facts["vice_presidential_candidates"]:  # type: ignore[attr-defined]
        lines += [
            "",
            "[[vice_presidential_candidates]]",
            f"key = {toml_str(key)}",
            f"name = {toml_str(full)}",
            f"party = {toml_str(party)}",
            f"caucus = {toml_str(cau)}",
        ]
    lines += ["", "# Where each derived file of this folder comes from (not read by countlab)."]
    lines += provenance_toml(provenance)
    return "\n".join(lines) + "\n"


def fail(date: str, message: str) -> NoReturn:
    sys.exit(f"{date}: {message}")


def seats(row: dict[str, str], chamber: str) -> tuple[int, int, int] | None:
    """A chamber's (D, R, other) seats, None when the source gives none."""
    cells = [row[f"{chamber}_{side}"] for side in ("d", "r", "other")]
    if not any(cells):
        return None
    if not all(c.isdigit() for c in cells):
        fail(row["date"], f"{row['state']} {chamber} seats {cells}: not all whole numbers")
    d, r, other = (int(c) for c in cells)
    return d, r, other


def check_governments(date: str, rows: list[dict[str, str]], states: list[str]) -> None:
    """Fail loudly unless ``rows`` (one date) are 51 known states with known codes, seats that
    fit their control and a plausible chamber size, and the totals of state_governments.md."""
    if [r["state"] for r in rows] != sorted(states):
        fail(date, f"state_governments.csv states {[r['state'] for r in rows]} != {states}")
    legislatures: Counter[str] = Counter()
    for row in rows:
        state = row["state"]
        facts = [row[c] for c in GOVERNMENT_COLUMNS[1:]]
        if state == "DC":
            if any(facts):
                fail(date, f"DC has no governor or legislature, the source gives {facts}")
            continue
        if row["governor_party"] not in ("D", "R"):
            fail(date, f"{state} governor party {row['governor_party']!r}")
        chambers = ("senate",) if state == "NE" else ("senate", "house")
        if state == "NE" and (
            row["senate_control"] != "nonpartisan" or any(row[c] for c in GOVERNMENT_COLUMNS[6:])
        ):
            fail(date, f"NE is unicameral and nonpartisan, the source gives {facts}")
        for chamber in chambers:
            control = row[f"{chamber}_control"]
            if control not in CONTROLS:
                fail(date, f"{state} {chamber} control {control!r}")
            counts = seats(row, chamber)
            if counts is None:
                if date not in SEATS_BLANK and control != "nonpartisan":
                    fail(date, f"{state} {chamber}: no seat counts")
                continue
            if date in SEATS_BLANK:
                fail(date, f"{state} {chamber}: seat counts where the source has none")
            total = sum(counts)
            low, high = CHAMBER_SIZES[chamber]
            if not low <= total <= high:
                fail(date, f"{state} {chamber}: {total} seats, outside {low}-{high}")
            held = {"D": counts[0], "R": counts[1]}.get(control)
            if held is not None and 2 * held <= total:
                fail(date, f"{state} {chamber}: control {control} holds {held} of {total} seats")
        if "house" in chambers:
            upper, lower = seats(row, "senate"), seats(row, "house")
            if upper and lower and sum(upper) >= sum(lower):
                fail(date, f"{state}: senate {sum(upper)} seats, house {sum(lower)}")
        controls = {row[f"{c}_control"] for c in chambers}
        legislatures[controls.pop() if len(controls) == 1 else "split"] += 1
    totals = {
        "governors": dict(Counter(r["governor_party"] for r in rows if r["state"] != "DC")),
        "legislatures": dict(legislatures),
    }
    if totals != EXPECTED_GOVERNMENTS[date]:
        fail(date, f"governments {totals} differ from data/state_governments.md")


def check_ideal_points(
    date: str, roster: list[dict[str, str]], scores: list[dict[str, str]]
) -> None:
    """Fail loudly unless ``scores`` (nominate.csv, one date) has one row per roster row, in
    the roster's order and chambers, three-decimal values or blanks in the expected numbers,
    both dimensions of an estimate together, and the source README's party means."""
    got = [(r["bioguide_id"], r["chamber"]) for r in scores]
    want = [(r["bioguide_id"], r["chamber"]) for r in roster]
    if got != want:
        padded = zip([*got, None], [*want, None], strict=True)
        at = next(i for i, (g, w) in enumerate(padded) if g != w)
        fail(
            date,
            f"nominate.csv has {len(got)} rows for {len(want)} roster rows; its row {at + 1} of "
            f"the date is {[*got, None][at]}, the roster's is {[*want, None][at]}",
        )
    for r in scores:
        bad = [c for c in SCORES if r[c] and not re.fullmatch(r"-?[0-9]\.[0-9]{3}", r[c])]
        if bad or any(bool(r[a]) != bool(r[b]) for a, b in SCORE_PAIRS):
            fail(date, f"{r['bioguide_id']}: scores {[r[c] for c in SCORES]}")
    blanks = {c: sum(not r[c] for r in scores) for c in SCORES}
    if blanks != EXPECTED_BLANKS[date]:
        fail(date, f"blank scores {blanks}, data/README.md gives {EXPECTED_BLANKS[date]}")
    by_party: dict[tuple[str, str], list[float]] = {}
    for member, r in zip(roster, scores, strict=True):
        if r["nominate_dim1"]:
            key = (member["chamber"], member["caucus"])
            by_party.setdefault(key, []).append(float(r["nominate_dim1"]))
    means = {k: (len(v), round(sum(v) / len(v), 3)) for k, v in sorted(by_party.items())}
    if means != EXPECTED_DIM1_MEANS[date]:
        fail(date, f"nominate_dim1 party means {means} differ from data/README.md")


def check_sizes(by_date: dict[str, list[dict[str, str]]]) -> None:
    """A chamber has as many seats in 2005 as in 2021, except RESIZED_2005_2021."""
    size = {
        (date, row["state"], chamber): sum(counts)
        for date in ("2005-01-06", "2021-01-06")
        for row in by_date[date]
        for chamber in ("senate", "house")
        if (counts := seats(row, chamber)) is not None
    }
    for (date, state, chamber), n in size.items():
        later = size.get(("2021-01-06", state, chamber))
        if date == "2005-01-06" and (later != n) != ((state, chamber) in RESIZED_2005_2021):
            fail(date, f"{state} {chamber}: {n} seats in 2005, {later} in 2021")


def meets(rule: str, held: int, total: int) -> bool:
    """Whether ``held`` of ``total`` seats meets a threshold of ST3 ('2/3', '3/5', 'majority')."""
    if rule == "majority":
        return 2 * held > total
    num, den = (int(x) for x in rule.split("/"))
    return held >= math.ceil(num * total / den)


def check_st3(date: str, rows: dict[str, dict[str, str]], table: dict[str, St3]) -> None:
    """ST3's governors and legislature control equal the derived governments; its threshold
    answers and 'no veto-proof majority' follow from the derived seats."""
    for state, st3 in table.items():
        row = rows[state]
        got = (row["governor_party"], row["senate_control"], row["house_control"])
        if got != (st3.governor, st3.legislature, st3.legislature):
            fail(date, f"{state}: governor/senate/house {got}, ST3 says {st3}")
        chambers = [seats(row, c) for c in ("senate", "house")]
        majority = [c[0] if st3.legislature == "D" else c[1] for c in chambers if c]
        totals = [sum(c) for c in chambers if c]
        if len(totals) != 2:
            fail(date, f"{state}: ST3 needs both chambers' seats")
        if st3.veto_proof != all(meets("2/3", h, t) for h, t in zip(majority, totals, strict=True)):
            fail(date, f"{state}: veto_proof {st3.veto_proof} does not fit the seats")
        if st3.self_call_rule is None:
            if st3.majority_meets != "n/a":
                fail(date, f"{state}: no self-call route but ST3 answers {st3.majority_meets}")
            continue
        computed = all(
            meets(st3.self_call_rule, h, t) for h, t in zip(majority, totals, strict=True)
        )
        stated = {"yes": True, "governor": True, "no": False}.get(st3.majority_meets)
        if stated is not None and computed != stated:
            fail(date, f"{state}: seats give {computed} for ST3's {st3.majority_meets!r}")


def remand_rows(table: dict[str, St3]) -> list[list[object]]:
    def flag(value: bool) -> str:
        return "true" if value else "false"

    return [
        [
            state,
            st3.regular_session,
            flag(st3.majority_meets == "yes"),
            flag(st3.governor_can_call),
            flag(st3.veto_proof),
            flag(st3.safe_harbor_met),
            st3.alternate_paper,
            flag(st3.paper_late),
            flag(st3.act_takes_effect_late),
        ]
        for state, st3 in sorted(table.items())
    ]


def derive(
    shared: Path,
    date: str,
    facts: dict[str, object],
    governments: list[dict[str, str]],
    scores: list[dict[str, str]],
) -> None:
    out = OUT / date
    out.mkdir(parents=True, exist_ok=True)
    provenance: Provenance = {}
    roster = read_csv(shared / f"roster_{date}.csv")
    members = [
        [
            r["bioguide_id"],
            r["full_name"],
            r["chamber"],
            r["state"],
            r["district"],
            r["party"],
            r["caucus"],
            r["sworn"],
        ]
        for r in roster
    ]
    sworn = Counter((r["chamber"], r["caucus"]) for r in roster if r["sworn"] == "1")
    if dict(sworn) != EXPECTED_SWORN[date]:
        sys.exit(f"{date}: sworn counts {dict(sworn)} differ from data/README.md")
    write_csv(
        out / "members.csv",
        ["bioguide_id", "name", "chamber", "state", "district", "party", "caucus", "sworn"],
        members,
    )
    provenance["members.csv"] = {
        "source": f"roster_{date}.csv",
        "dropped": dropped(
            list(roster[0]),
            [
                "bioguide_id",
                "full_name",
                "chamber",
                "state",
                "district",
                "party",
                "caucus",
                "sworn",
            ],
        ),
        "renamed": ["full_name -> name"],
    }

    check_ideal_points(date, roster, scores)
    write_csv(
        out / "ideal_points.csv",
        IDEAL_POINT_COLUMNS,
        [[r[c] for c in IDEAL_POINT_COLUMNS] for r in scores],
    )
    provenance["ideal_points.csv"] = {
        "source": f"nominate.csv, the rows of date {date} (Voteview's HSall_members: "
        "DW-NOMINATE and Nokken-Poole; derivation and checks: data/README.md there)",
        "dropped": dropped(list(scores[0]), list(IDEAL_POINT_COLUMNS)),
        "notes": [
            (
                "one row per members.csv row, in the same order; values as in the source "
                "(three decimals)"
            ),
            "blank where the source has no score: "
            + ", ".join(f"{c} {n}" for c, n in EXPECTED_BLANKS[date].items()),
            *IDEAL_POINT_NOTES.get(date, []),
        ],
    }

    ev = read_csv(shared / f"electoral_votes_{facts['election_year']}.csv")
    keys = [c[0] for c in facts["candidates"]]  # type: ignore[attr-defined]
    totals = {k: sum(int(r[k]) for r in ev) for k in keys}
    if totals != facts["expected"]:
        sys.exit(f"{date}: electoral totals {totals} differ from data/README.md")
    write_csv(
        out / "electoral_votes.csv",
        ["state", "electors", *keys],
        [[r["state"], r["electors"], *(r[k] for k in keys)] for r in ev],
    )
    provenance["electoral_votes.csv"] = {
        "source": f"electoral_votes_{facts['election_year']}.csv",
        "dropped": dropped(list(ev[0]), ["state", "electors", *keys]),
    }

    votes = [v for v in read_csv(shared / "objection_votes.csv") if v["date"] == date]
    if votes:
        write_csv(
            out / "recorded_votes.csv",
            ["objection_state", "chamber", "bioguide_id", "vote"],
            [
                [v["objection_state"], v["chamber"], v["bioguide_id"], VOTE_CODES[v["vote"]]]
                for v in votes
            ],
        )
        provenance["recorded_votes.csv"] = {
            "source": f"objection_votes.csv, the rows of date {date}",
            "dropped": dropped(
                list(votes[0]), ["objection_state", "chamber", "bioguide_id", "vote"]
            ),
        }

    check_governments(date, governments, [r["state"] for r in ev])
    write_csv(
        out / "state_governments.csv",
        GOVERNMENT_COLUMNS,
        [[r[c] for c in GOVERNMENT_COLUMNS] for r in governments],
    )
    provenance["state_governments.csv"] = {
        "source": f"state_governments.csv, the rows of date {date} (provenance, coding rules "
        "and rows to treat with care: state_governments.md)",
        "dropped": dropped(list(governments[0]), GOVERNMENT_COLUMNS),
        "notes": [
            "blank seats stay blank: not given by the source (2025: state_governments.md §8)",
            "NE: unicameral and nonpartisan, the senate columns; house columns empty",
            "split: a tie or a bipartisan coalition (AK House 2021; AK both chambers 2025)",
            "DC: no governor or legislature, every column but state empty",
        ],
    }

    table = REMAND_FACTS.get(date)
    if table is None:
        (out / "remand_facts.csv").unlink(missing_ok=True)
    else:
        check_st3(date, {r["state"]: r for r in governments}, table)
        write_csv(out / "remand_facts.csv", REMAND_FACT_COLUMNS, remand_rows(table))
        provenance["remand_facts.csv"] = {
            "source": "../shared/docs/remand.md §4 ST3 (the per-state table, January 2021), "
            "transcribed as ST3_2021 in scripts/derive_sessions.py; sources [S58] state "
            "convening law, [S59] composition and session dates, [S60] the governors' "
            "certifications, [S61] legislative leaders, [S62] safe harbor 2020",
            "notes": REMAND_PROVENANCE,
        }

    objected = sorted(
        {
            r["objection_state"]
            for r in read_csv(shared / "objection_votes_summary.csv")
            if r["date"] == date
        }
    )
    if objected != EXPECTED_OBJECTED[date]:
        sys.exit(f"{date}: objected states {objected} differ from data/README.md")
    facts = {**facts, "objected": objected}
    (out / "session.toml").write_text(session_toml(date, facts, provenance), encoding="utf-8")
    print(
        f"{date}: {len(members)} members, "
        f"{sum(bool(r['nominate_dim1']) for r in scores)} with ideal points, {len(ev)} states, {len(votes)} recorded votes, "
        f"{len(governments)} governments, {len(table or {})} remand facts"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    by_date: dict[str, list[dict[str, str]]] = {}
    for row in read_csv(args.shared / "state_governments.csv"):
        by_date.setdefault(row["date"], []).append(row)
    if sorted(by_date) != sorted(SESSIONS) or any(len(r) != 51 for r in by_date.values()):
        sys.exit(
            f"state_governments.csv: rows per date { ({d: len(r) for d, r in by_date.items()}) }"
        )
    check_sizes(by_date)
    scores: dict[str, list[dict[str, str]]] = {}
    for row in read_csv(args.shared / "nominate.csv"):
        scores.setdefault(row["date"], []).append(row)
    if sorted(scores) != sorted(SESSIONS):
        sys.exit(f"nominate.csv: dates {sorted(scores)}, expected {sorted(SESSIONS)}")
    for date, facts in SESSIONS.items():
        derive(args.shared, date, facts, by_date[date], scores[date])


if __name__ == "__main__":
    main()
