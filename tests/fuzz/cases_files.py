"""Malformed session directories and override CSVs for the fuzz suite (see cases.py)."""

from __future__ import annotations

from tests.fuzz.cases import VALID_SCENARIO, Case, _scenario_commands, shipped


def _csv_edit(text: str, row: int, column: str, value: str) -> str:
    lines = text.splitlines()
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    lines[row] = ",".join(cells)
    return "\n".join(lines) + "\n"


def _drop_column(text: str, column: str) -> str:
    lines = [ln.split(",") for ln in text.splitlines()]
    i = lines[0].index(column)
    return "\n".join(",".join(c[:i] + c[i + 1 :]) for c in lines) + "\n"


def session_corruptions() -> list[tuple[str, str, bytes]]:
    """``(id, file name, corrupted bytes)``: one file of a shipped session broken."""
    members = shipped("members.csv")
    votes = shipped("electoral_votes.csv")
    toml = shipped("session.toml")
    m_lines = members.splitlines()
    out: list[tuple[str, str, str | bytes]] = []
    for column in ("bioguide_id", "chamber", "state", "caucus", "sworn"):
        out.append((f"members-no-{column}", "members.csv", _drop_column(members, column)))  # noqa: PERF401
    for column, value in (
        ("state", "XX"),
        ("state", ""),
        ("state", "az"),
        ("chamber", "senat"),
        ("caucus", "I"),
        ("sworn", "2"),
        ("sworn", "yes"),
        ("district", "1.5"),
        ("district", "-1"),
        ("bioguide_id", ""),
    ):
        for row in (1, 300):
            out.append(  # noqa: PERF401
                (
                    f"members-{column}={value!r}@{row}",
                    "members.csv",
                    _csv_edit(members, row, column, value),
                )
            )
    out.append(("members-duplicate", "members.csv", members + m_lines[5] + "\n"))
    extra = "\n".join(f"X{i:06d},Extra,house,AK,0,Republican,R,1" for i in range(3))
    out.append(("members-too-many-house", "members.csv", members + extra + "\n"))
    extra = "\n".join(f"Y{i:06d},Extra,senate,DC,,Democratic,D,1" for i in range(1))
    out.append(("members-senator-for-dc", "members.csv", members + extra + "\n"))
    out.append(("members-empty", "members.csv", ""))
    out.append(("members-latin1", "members.csv", members.encode().replace(b"Don Young", b"D\xf6n")))
    for column in ("state", "electors", "biden", "trump"):
        out.append((f"ev-no-{column}", "electoral_votes.csv", _drop_column(votes, column)))  # noqa: PERF401
    for column, value in (
        ("state", "XX"),
        ("electors", "x"),
        ("electors", "3.0"),
        ("electors", "-3"),
        ("electors", "4"),
        ("electors", "1"),
        ("biden", "1"),
        ("trump", "-1"),
        ("trump", ""),
    ):
        out.append(
            (f"ev-{column}={value!r}", "electoral_votes.csv", _csv_edit(votes, 1, column, value))
        )
    v_lines = votes.splitlines()
    out.append(("ev-duplicate-state", "electoral_votes.csv", votes + v_lines[1] + "\n"))
    out.append(("ev-missing-state", "electoral_votes.csv", "\n".join(v_lines[:-1]) + "\n"))
    out.append(
        ("ev-unknown-column", "electoral_votes.csv", votes.replace("trump\n", "trump,nader\n", 1))
    )
    out.append(("ev-short-row", "electoral_votes.csv", votes.replace("AK,3,0,3", "AK,3", 1)))
    out.append(("ev-empty", "electoral_votes.csv", ""))
    for key, line in (
        ("date", 'date = "2021-01-06"'),
        ("congress", "congress = 117"),
        ("election_year", "election_year = 2020"),
        ("default_regime", 'default_regime = "eca1887"'),
    ):
        out.append((f"toml-no-{key}", "session.toml", toml.replace(line, "")))
        bad = {"date": "date = 20210106", "default_regime": 'default_regime = "nope"'}.get(
            key, f'{key} = "{line.split("= ")[1]}"'
        )
        out.append((f"toml-bad-{key}", "session.toml", toml.replace(line, bad)))
    out.append(
        ("toml-congress-bool", "session.toml", toml.replace("congress = 117", "congress = true"))
    )
    out.append(
        ("toml-congress-float", "session.toml", toml.replace("congress = 117", "congress = 117.0"))
    )
    out.append(("toml-syntax", "session.toml", toml + "\n[[candidates]\n"))
    out.append(("toml-caucus", "session.toml", toml.replace('caucus = "R"', 'caucus = "X"', 1)))
    out.append(("toml-key-upper", "session.toml", toml.replace('key = "biden"', 'key = "Biden"')))
    out.append(
        (
            "toml-mate",
            "session.toml",
            toml.replace('running_mate = "harris"', 'running_mate = "nobody"'),
        )
    )
    out.append(
        (
            "toml-nominee",
            "session.toml",
            toml.replace('president = "biden"', 'president = "nobody"'),
        )
    )
    out.append(
        ("toml-nominees-type", "session.toml", "nominees = 3\n" + toml.replace("[nominees]", "[x]"))
    )
    out.append(("toml-no-candidates", "session.toml", toml.split("[[candidates]]")[0]))
    out.append(("toml-deep", "session.toml", toml + "x = " + "[" * 2000 + "]" * 2000 + "\n"))
    out.append(("toml-latin1", "session.toml", toml.encode().replace(b"Pence", b"P\xe9nce")))
    return [(i, n, t if isinstance(t, bytes) else t.encode()) for i, n, t in out]


def session_cases() -> list[Case]:
    cases = []
    names = ("session.toml", "members.csv", "electoral_votes.csv")
    for cid, name, data in session_corruptions():
        files = tuple((f"s/{n}", data if n == name else shipped(n).encode()) for n in names)
        cases.append(Case(f"session-tally-{cid}", ("tally", "--session", "{tmp}/s"), name, files))
        scenario = VALID_SCENARIO.replace('session = "2021-01-06"', 'session = "s"').encode()
        run = ("run", "{tmp}/x.toml", "--draws", "100", "--db", "{db}")
        cases.append(Case(f"session-run-{cid}", run, name, (*files, ("x.toml", scenario))))
    for name in names:
        files = tuple((f"s/{n}", shipped(n).encode()) for n in names if n != name)
        cases.append(
            Case(f"session-tally-missing-{name}", ("tally", "--session", "{tmp}/s"), name, files)
        )
    return cases


OVERRIDES = (
    ("no-probability", "bioguide_id,p\nY000033,0.5\n"),
    ("no-bioguide", "member,probability\nY000033,0.5\n"),
    ("unknown-member", "bioguide_id,probability\nNOPE001,0.5\n"),
    ("duplicate", "bioguide_id,probability\nY000033,0.5\nY000033,0.6\n"),
    ("not-a-number", "bioguide_id,probability\nY000033,high\n"),
    ("above-one", "bioguide_id,probability\nY000033,1.5\n"),
    ("negative", "bioguide_id,probability\nY000033,-0.1\n"),
    ("nan", "bioguide_id,probability\nY000033,nan\n"),
    ("inf", "bioguide_id,probability\nY000033,inf\n"),
    ("empty-value", "bioguide_id,probability\nY000033,\n"),
    ("short-row", "bioguide_id,probability\nY000033\n"),
    ("empty-file", ""),
    ("true", "bioguide_id,probability\nY000033,true\n"),
)


def override_cases() -> list[Case]:
    cases = []
    scenario = (VALID_SCENARIO.replace("[votes]\n", '[votes]\noverrides = "o.csv"\n')).encode()
    for cid, text in OVERRIDES:
        files = (("x.toml", scenario), ("o.csv", text.encode()))
        for command, args in _scenario_commands("x.toml"):
            cases.append(Case(f"overrides-{command}-{cid}", args, "o.csv", files))
    files = (("x.toml", scenario), ("o.csv", b"bioguide_id,probability\nY000033,\xff\n"))
    cases.append(Case("overrides-run-latin1", _scenario_commands("x.toml")[0][1], "o.csv", files))
    return cases
