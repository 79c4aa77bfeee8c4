"""Derive countlab's shipped sessions from the public source files in ``../shared/data``.

Run from the project root::

    python scripts/derive_sessions.py [--shared ../shared/data]

For each session date it writes ``models/data/sessions/<date>/`` with:

* ``session.toml``: facts not in the source files (candidates, nominees, running mates,
  presiding officer, default regime) plus the provenance of the derived files;
* ``members.csv``: the roster (bioguide_id, name, chamber, state, district, party, caucus,
  sworn); the Voteview ids and per-row source columns are dropped;
* ``electoral_votes.csv``: electors appointed and presidential electoral votes per state;
* ``recorded_votes.csv``: member-level votes on the objections decided that day, if any.

The script checks the derived facts against the verified counts of ``data/README.md``
(sworn members per chamber and caucus, electoral totals) and fails loudly if they differ.
It is the only place that reads ``../shared``; nothing at run time or in tests does.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "models" / "data" / "sessions"

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


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def session_toml(date: str, facts: dict[str, object]) -> str:
    name, caucus = facts["presiding_officer"]  # type: ignore[misc]
    lines = [
        "# Derived by scripts/derive_sessions.py from ../shared/data (see data/README.md there).",
        f"date = {toml_str(date)}",
        f"congress = {facts['congress']}",
        f"election_year = {facts['election_year']}",
        f"default_regime = {toml_str(str(facts['default_regime']))}",
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
    return "\n".join(lines) + "\n"


def derive(shared: Path, date: str, facts: dict[str, object]) -> None:
    out = OUT / date
    out.mkdir(parents=True, exist_ok=True)
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
    (out / "session.toml").write_text(session_toml(date, facts), encoding="utf-8")
    print(f"{date}: {len(members)} members, {len(ev)} states, {len(votes)} recorded votes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    for date, facts in SESSIONS.items():
        derive(args.shared, date, facts)


if __name__ == "__main__":
    main()
