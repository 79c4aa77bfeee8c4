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
    objected = 'objected = ["AZ", "PA"]'
    for bad in ('"AZ"', '["AZ", "ZZ"]', '["PA", "PA"]', "[1]"):
        out.append(  # noqa: PERF401
            (f"toml-objected={bad}", "session.toml", toml.replace(objected, f"objected = {bad}"))
        )
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
    out += state_corruptions()
    out += ideal_point_corruptions()
    return [(i, n, t if isinstance(t, bytes) else t.encode()) for i, n, t in out]


def state_corruptions() -> list[tuple[str, str, str | bytes]]:
    """The state side (remand.md §4): ``state_governments.csv`` and ``remand_facts.csv``."""
    gov = shipped("state_governments.csv")
    facts = shipped("remand_facts.csv")
    out: list[tuple[str, str, str | bytes]] = []
    name = "state_governments.csv"
    for column in ("state", "governor_party", "senate_control", "house_other"):
        out.append((f"gov-no-{column}", name, _drop_column(gov, column)))  # noqa: PERF401
    for row, column, value in (
        (1, "state", "XX"),  # AK
        (1, "governor_party", "I?"),
        (1, "governor_party", ""),
        (1, "senate_control", "coalition"),
        (1, "senate_d", "-1"),
        (1, "senate_r", "13.5"),
        (1, "senate_other", ""),  # partial seat counts
        (1, "senate_control", "D"),  # 7 D of 20 seats
        (1, "house_d", "99999999999999999999"),
        (8, "governor_party", "D"),  # DC has no governor
        (30, "house_control", "R"),  # NE is unicameral
    ):
        out.append((f"gov-{column}={value!r}@{row}", name, _csv_edit(gov, row, column, value)))
    g_lines = gov.splitlines()
    out.append(("gov-duplicate-state", name, gov + g_lines[4] + "\n"))
    out.append(("gov-missing-state", name, "\n".join(g_lines[:-1]) + "\n"))
    out.append(("gov-unknown-column", name, gov.replace("house_other\n", "house_other,notes\n", 1)))
    out.append(("gov-short-row", name, gov.replace(g_lines[1], g_lines[1][:5], 1)))
    out.append(("gov-empty", name, ""))
    out.append(("gov-latin1", name, gov.encode().replace(b"nonpartisan", b"nonpartis\xe0n")))
    name = "remand_facts.csv"
    for column in ("regular_session", "paper_late", "act_takes_effect_late"):
        out.append((f"facts-no-{column}", name, _drop_column(facts, column)))  # noqa: PERF401
    for column, value in (
        ("state", "DC"),
        ("state", "ZZ"),
        ("regular_session", "2021-01-32"),
        ("regular_session", "11/01/2021"),
        ("self_call", "yes"),
        ("veto_proof", "TRUE"),
        ("alternate_paper", "maybe"),
        ("paper_late", "1"),
        ("act_takes_effect_late", "no"),
    ):
        out.append((f"facts-{column}={value!r}", name, _csv_edit(facts, 1, column, value)))
    f_lines = facts.splitlines()
    out.append(("facts-duplicate-state", name, facts + f_lines[1] + "\n"))
    out.append(("facts-extra-value", name, facts.replace(f_lines[1], f_lines[1] + ",x", 1)))
    out.append(("facts-empty", name, ""))
    return out


def ideal_point_corruptions() -> list[tuple[str, str, str | bytes]]:
    """The members' scores, ``ideal_points.csv`` (optional in a user's directory)."""
    points = shipped("ideal_points.csv")
    name = "ideal_points.csv"
    lines = points.splitlines()
    out: list[tuple[str, str, str | bytes]] = []
    for column in ("bioguide_id", "chamber", "nominate_dim1", "nokken_poole_dim2"):
        out.append((f"ideal-no-{column}", name, _drop_column(points, column)))  # noqa: PERF401
    for row, column, value in (
        (1, "bioguide_id", "Z999999"),  # not on the roster
        (1, "bioguide_id", ""),
        (1, "chamber", "senate"),  # Don Young sat in the House
        (530, "chamber", "house"),  # a senator
        (1, "nominate_dim1", "x"),
        (1, "nominate_dim1", "nan"),
        (1, "nominate_dim2", "inf"),
        (1, "nokken_poole_dim1", "2.001"),
        (300, "nokken_poole_dim2", "-1e9"),
        (1, "nominate_dim2", ""),  # one dimension of two
        (1, "nominate_dim1", "1_0"),
    ):
        out.append((f"ideal-{column}={value!r}@{row}", name, _csv_edit(points, row, column, value)))
    out.append(("ideal-duplicate", name, points + lines[5] + "\n"))
    out.append(("ideal-missing-member", name, "\n".join(lines[:-1]) + "\n"))
    out.append(("ideal-unknown-column", name, points.replace("dim2\n", "dim2,n_votes\n", 1)))
    out.append(("ideal-short-row", name, points.replace(lines[1], lines[1][:16], 1)))
    out.append(("ideal-empty", name, ""))
    out.append(("ideal-latin1", name, points.encode().replace(b"Y000033", b"Y\xd6\xd6033")))
    return out


def session_cases() -> list[Case]:
    cases = []
    names = ("session.toml", "members.csv", "electoral_votes.csv")
    every = (*names, "state_governments.csv", "remand_facts.csv", "ideal_points.csv")  # optional
    for cid, name, data in session_corruptions():
        files = tuple((f"s/{n}", data if n == name else shipped(n).encode()) for n in every)
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
