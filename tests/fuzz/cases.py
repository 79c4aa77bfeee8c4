"""Malformed inputs for the fuzz suite, generated deterministically (fixed seeds).

A :class:`Case` is a ``countlab`` command line with the files it needs. ``{tmp}`` in an
argument is the case's own folder; ``{db}`` its warehouse, ``{tmp}/w.duckdb``, which is laid
as ``warehouse`` says (``valid``: an empty countlab warehouse; ``absent``: no file; or one
of :data:`WAREHOUSE_KINDS`). Every case must fail with exit 2 and one line on stderr that
contains ``mention``. Scenario files are made here; session directories and override CSVs
in ``cases_files``, command lines and warehouse files in ``cases_cli``.
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass
from importlib import resources

SESSION = "2021-01-06"
CRON = "0 6 * * *"

VALID_SCENARIO = """session = "2021-01-06"
regime = "eca1887"
denominator = "appointed"
[objections]
AZ = 1.0
PA = 0.5
[votes]
house.R = 0.6
house.D = 0.0
senate.R = 0.12
senate.D = 0.0
correlation = 0.3
absent = 0.02
[contingent]
defection = 0.0
[run]
draws = 1000
seed = 7
"""

WAREHOUSE_KINDS = (
    "foreign",  # a DuckDB file of another application's tables
    "sqlite",
    "garbage",
    "empty",
    "version0",  # a countlab warehouse whose schema_version says 0
    "version99",  # newer than this countlab
    "duck-truncated",  # DuckDB's header, then nothing
    "text",
)


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    args: tuple[str, ...]
    mention: str  # the stderr line must contain this (file, option or field name)
    files: tuple[tuple[str, bytes], ...] = ()
    warehouse: str = "valid"
    env: tuple[tuple[str, str], ...] = ()


def shipped(name: str) -> str:
    folder = resources.files("models") / "data" / "sessions" / SESSION
    return (folder / name).read_text(encoding="utf-8")


def _scenario_commands(name: str) -> list[tuple[str, tuple[str, ...]]]:
    """The commands that read a scenario file, each with a valid rest of the line."""
    path = "{tmp}/" + name
    return [
        ("run", ("run", path, "--draws", "100", "--seed", "1", "--db", "{db}")),
        ("sweep", ("sweep", path, "--seed", "1", "--db", "{db}")),
        ("serve", ("serve", path, "--cron", CRON, "--db", "{db}")),
    ]


def _with(key: str, value: str) -> str:
    """The valid scenario with ``key = value`` (dotted), replacing the key if it is there."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in VALID_SCENARIO.splitlines():
        if line.startswith("["):
            current = line.strip("[]")
            sections[current] = []
        else:
            sections[current].append(line)
    top, _, rest = key.partition(".")
    table, leaf = (top, rest) if rest else ("", key)
    block = sections.setdefault(table, [])
    block[:] = [ln for ln in block if ln.split("=")[0].strip() != leaf]
    block.append(f"{leaf} = {value}")
    out = sections.pop("")
    for name, lines in sections.items():
        out += [f"[{name}]", *lines]
    return "\n".join(out) + "\n"


PROBABILITY_KEYS = (
    "objections.AZ",
    "votes.house.D",
    "votes.house.R",
    "votes.senate.D",
    "votes.senate.R",
    "votes.correlation",
    "votes.absent",
    "votes.presiding_officer",
    "signers.house.R",
    "signers.senate.D",
    "contingent.defection",
)
BAD_PROBABILITIES = (
    '"0.5"',
    "true",
    "false",
    "-0.1",
    "1.5",
    "2",
    "-1",
    "nan",
    "inf",
    "-inf",
    "[0.5]",
    "{ a = 1 }",
    "1979-05-27",
    '""',
)
STRING_KEYS = {
    "session": ('"2099-01-06"', '""', "1", "true", "[]", '"no/such/dir"'),
    "regime": ('""', '"nope"', "1", "true", '["eca1887"]', '"ECA1887"'),
    "denominator": ('""', '"nope"', "1", "false", "{}"),
    "run.sampler": ('""', '"nope"', "1", "true"),
    "grounds.AZ": ('""', '"nope"', "1", "true"),
    "votes.overrides": ("1", "true", '"missing.csv"', "[]"),
}
INT_KEYS = {
    "run.draws": (
        "0",
        "-1",
        "1e3",
        "1.5",
        "1000.0",
        "true",
        '"10"',
        "[]",
        str(2**63),
        str(2**64),
        str(10**12),
        "nan",
    ),
    "run.seed": ("-1", str(2**63), str(2**64), "1.0", "true", '"1"', "[]", "-0.5"),
}
UNKNOWN_KEYS = (
    ("foo", "1"),
    ("votes.foo", "0.1"),
    ("votes.house.X", "0.1"),
    ("run.foo", "1"),
    ("contingent.foo", "0"),
    ("objections.XX", "0.5"),
    ("objections.az", "0.5"),
    ("grounds.XX", '"not_regularly_given"'),
    ("rules.nope", "true"),
    ("rules.sustain_rule", '"nope"'),
    ("rules.max_ballots", '"many"'),
    ("rules.regime", '"ecra2022"'),
    ("rules.delegation_rule", "1"),
    ("signers.foo", "0.1"),
)
SYNTAX_ERRORS = (
    "a = ",
    "[votes",
    "x = 'unterminated",
    "a = 1\na = 2",
    "objections = 1\n[objections]\nAZ = 1",
    "= 1",
    'a = "\\q"',
    "[[objections]]\nAZ = 1",
    "a = [1, 2",
    "a = { b = 1",
    "a.b = 1\na = 2",
    "session = 2021-01-06T",
    "\x00",
    "a = 1 b = 2",
    "[run]\n[run]",
    'votes = "high"',
    "objections = [1, 2]",
    "run = 5",
)
SWEEP_TABLES = (
    '[sweep]\ndesign = "nope"',
    '[sweep]\ndesign = "lhs"',
    '[sweep]\ndesign = "sobol"\npoints = 0',
    '[sweep]\ndesign = "lhs"\npoints = "3"',
    '[sweep]\ndesign = "lhs"\npoints = 1000000',
    "[sweep]\nfoo = 1",
    "sweep = 1",
    '[sweep.vary]\n"votes.senate.D" = "0:1"',
    '[sweep.vary]\n"votes.senate.D" = "a:b:c"',
    '[sweep.vary]\n"votes.senate.D" = "0:1:0"',
    '[sweep.vary]\n"votes.senate.D" = []',
    '[sweep.vary]\n"votes.senate.D" = [true, false]',
    '[sweep.vary]\n"votes.senate.D" = ["0.1", "0.2"]',
    '[sweep.vary]\n"votes.senate.D" = "0:1:1000000000000"',
    '[sweep.vary]\n"votes.senate.D" = [0.1, 0.1]',
    '[sweep.vary]\n"votes.senate.D" = [1.5]',
    '[sweep.vary]\n"run.draws" = [1, 2]',
    '[sweep.vary]\n"run.seed" = [1, 2]',
    '[sweep.vary]\n"run.sampler" = ["grouped", "members"]',
    '[sweep.vary]\n"nope.key" = [1, 2]',
    '[sweep.vary]\n"objections.XX" = [0.5]',
    '[sweep.vary]\nregime = ["eca1887", ""]',
    '[sweep.vary]\nregime = ["eca1887", "nope"]',
    '[sweep.vary]\nsession = ["2099-01-06"]',
    '[sweep.vary]\n"votes.senate.D" = "0:inf:3"',
    '[sweep.vary]\n"votes" = [1, 2]',
    '[sweep.vary]\n"votes.senate.D" = { a = 1 }',
    "[sweep]\nvary = 3",
)


def scenario_texts() -> list[tuple[str, bytes, str]]:
    """``(id, file bytes, the field the error should name)`` of malformed scenario files."""
    out: list[tuple[str, bytes, str]] = []
    for key in PROBABILITY_KEYS:
        for value in BAD_PROBABILITIES:
            out.append((f"{key}={value}", _with(key, value).encode(), "x.toml"))  # noqa: PERF401
    for key, values in {**STRING_KEYS, **INT_KEYS}.items():
        for value in values:
            out.append((f"{key}={value}", _with(key, value).encode(), "x.toml"))  # noqa: PERF401
    for key, value in UNKNOWN_KEYS:
        out.append((f"unknown:{key}={value}", _with(key, value).encode(), "x.toml"))
    for i, text in enumerate(SYNTAX_ERRORS):
        out.append((f"syntax{i}", (text + "\n").encode(), "x.toml"))
    for i, text in enumerate(SWEEP_TABLES):
        out.append((f"sweep{i}", (VALID_SCENARIO + text + "\n").encode(), "x.toml"))
    deep = 2000
    out.append(("deep-array", f"a = {'[' * deep}{']' * deep}\n".encode(), "x.toml"))
    out.append(
        ("deep-table", ("a = " + "{b = " * deep + "1" + "}" * deep + "\n").encode(), "x.toml")
    )
    out.append(("deep-array-300", f"a = {'[' * 300}{']' * 300}\n".encode(), "x.toml"))
    out.append(
        ("latin1", 'session = "2021-01-06"\nregime = "\xe9ca"\n'.encode("latin-1"), "x.toml")
    )
    out.append(("utf16", VALID_SCENARIO.encode("utf-16"), "x.toml"))
    out.append(("binary", bytes(range(256)), "x.toml"))
    out.append(("ff", b"\xff\xfe\xfd", "x.toml"))
    out.extend(_mutations(60))
    return out


def _mutations(n: int) -> list[tuple[str, bytes, str]]:
    """Random one-character edits of the valid scenario that TOML refuses (seed 11)."""
    rng = random.Random(11)
    out: list[tuple[str, bytes, str]] = []
    junk = "[]{}=\"',.#\n\\"
    while len(out) < n:
        text = list(VALID_SCENARIO)
        i = rng.randrange(len(text))
        op = rng.choice(("delete", "insert", "replace"))
        if op == "delete":
            del text[i]
        elif op == "insert":
            text.insert(i, rng.choice(junk))
        else:
            text[i] = rng.choice(junk)
        mutated = "".join(text)
        try:
            tomllib.loads(mutated)
        except tomllib.TOMLDecodeError:
            out.append((f"mutation{len(out)}", mutated.encode(), "x.toml"))
    return out


def scenario_cases() -> list[Case]:
    cases = []
    for cid, text, mention in scenario_texts():
        for command, args in _scenario_commands("x.toml"):
            if command == "run" and cid.startswith("sweep"):
                continue  # countlab run reads no [sweep] table
            if command == "run" and cid == f"run.draws={10**12}":
                continue  # allowed in the file: the --draws 100 of the command line wins
            cases.append(Case(f"scenario-{command}-{cid}", args, mention, (("x.toml", text),)))
    return cases


def all_cases() -> list[Case]:
    """Every malformed input of the suite, in a stable order."""
    from tests.fuzz.cases_cli import command_cases, option_cases, warehouse_cases
    from tests.fuzz.cases_files import override_cases, session_cases

    cases = [
        *scenario_cases(),
        *session_cases(),
        *override_cases(),
        *option_cases(),
        *command_cases(),
        *warehouse_cases(),
    ]
    ids = [c.id for c in cases]
    assert len(set(ids)) == len(ids), "case ids must be unique"
    return cases


CONTROLS: tuple[Case, ...] = (
    # valid inputs that must still be accepted: exit 0 (tally, sql) or reach the flow
    Case("control-tally", ("tally", "--reject", "AZ", "--reject", "PA,GA", "--json"), ""),
    Case(
        "control-tally-rule",
        ("tally", "--rule", "sustain_rule=either", "--rule", "max_ballots=2"),
        "",
    ),
    Case("control-sql-comment", ("sql", "-- x\nselect 1", "--db", "{db}"), ""),
    Case("control-sql-views", ("sql", "select * from outcome_probabilities", "--db", "{db}"), ""),
)
