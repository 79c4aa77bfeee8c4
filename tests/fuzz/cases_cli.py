"""Malformed command lines and warehouse files for the fuzz suite (see cases.py)."""

from __future__ import annotations

from tests.fuzz.cases import CRON, VALID_SCENARIO, WAREHOUSE_KINDS, Case, _scenario_commands

BAD_INTS = ("abc", "1e3", "1.5", "", "0x10", "--", "ten")
OPTION_VALUES: dict[str, tuple[str, ...]] = {
    "--draws": (*BAD_INTS, "0", "-1", str(2**63), str(2**64), str(10**12), str(10**10)),
    "--seed": (*BAD_INTS, "-1", str(2**63), str(2**64), str(-(2**63))),
    "--chunk-draws": (*BAD_INTS, "0", "-5", str(2**63), str(10**12)),
    "--workers": (*BAD_INTS, "0", "-1", str(10**6)),
    "--runner": ("nope", "", "THREADS", "ray"),
    "--sampler": ("nope", "", "Grouped"),
    "--address": ("garbage", "tcp://127.0.0.1", "tcp://:8786", "tcp://h:99999", "http://x:1"),
    "--db": ("{tmp}", "{tmp}/no/such/dir/w.duckdb"),
}
SWEEP_VALUES: dict[str, tuple[str, ...]] = {
    "--vary": (
        "x",
        "=1",
        "votes.senate.D=",
        "votes.senate.D=a:b:c",
        "votes.senate.D=0:1:0",
        "votes.senate.D=0:1:-3",
        "votes.senate.D=0:1:1000000000000",
        "votes.senate.D=true,false",
        "votes.senate.D=1,1",
        "votes.senate.D=2",
        "votes.senate.D=nan,0.1",
        "votes.senate.D=0:inf:3",
        "votes.senate.D=abc",
        "run.draws=1,2",
        "run.seed=1,2",
        "run.sampler=grouped,members",
        "nope=1,2",
        "votes.nope=1",
        "objections.XX=0.5",
        "objections.AZ=yes",
        "regime=,",
        "regime=nope",
        "regime=",
        "session=2099-01-06",
        "votes=1",
        "denominator=1,2",
        "rules.nope=1",
        "rules.sustain_rule=nope",
        "votes.house.R=0:1",
    ),
    "--design": ("nope", "lhs", "sobol", ""),
    "--points": ("0", "-1", "abc", "1000000", str(2**63)),
}


def option_cases() -> list[Case]:
    scenario = (("x.toml", VALID_SCENARIO.encode()),)
    cases = []
    for command, args in _scenario_commands("x.toml"):
        for option, values in OPTION_VALUES.items():
            if command == "serve" and option in ("--draws",) and values == ():
                continue
            for value in values:
                line = [*args]
                if option in line:
                    i = line.index(option)
                    line[i + 1] = value
                else:
                    line += [option, value]
                if option == "--address":
                    line += ["--runner", "dask"]
                mention = "w.duckdb" if option == "--db" else option
                if option == "--db" and value == "{tmp}":
                    mention = "--db"
                cases.append(
                    Case(f"option-{command}{option}={value!r}", tuple(line), mention, scenario)
                )
        if command != "run":
            for option, values in SWEEP_VALUES.items():
                for value in values:
                    mention = option.lstrip("-")  # the message names the field
                    if option == "--design" and value in ("lhs", "sobol"):
                        mention = "points"
                    if option == "--vary":
                        mention = value.partition("=")[0].split(".")[-1] or "--vary"
                    line = (*args, option, value)
                    cases.append(
                        Case(f"option-{command}{option}={value!r}", line, mention, scenario)
                    )
        cases.append(Case(f"option-{command}-unknown", (*args, "--nope"), "--nope", scenario))
        cases.append(Case(f"option-{command}-flag-value", (*args, "--json=3"), "--json", scenario))
        cases.append(Case(f"option-{command}-missing-file", args, "x.toml"))
        cases.append(
            Case(f"option-{command}-directory", (command, "{tmp}", *args[2:]), "{tmp}", scenario)
        )
        cases.append(
            Case(
                f"option-{command}-address-without-dask",
                (*args, "--address", "tcp://127.0.0.1:8786"),
                "--address",
                scenario,
            )
        )
        cases.append(
            Case(
                f"option-{command}-unreachable-scheduler",
                (*args, "--runner", "dask", "--address", "tcp://127.0.0.1:1"),
                "tcp://127.0.0.1:1",
                scenario,
            )
        )
        cases.append(
            Case(
                f"option-{command}-draws-twice",
                (*args, "--draws", "10", "--draws", "20"),
                "--draws",
                scenario,
            )
        )
    run = _scenario_commands("x.toml")[0][1]
    sweep = _scenario_commands("x.toml")[1][1]
    serve = _scenario_commands("x.toml")[2][1]
    dead = (("PREFECT_API_URL", "http://127.0.0.1:1/api"),)
    cases += [
        Case("option-run-dead-prefect", run, "PREFECT_API_URL", scenario, env=dead),
        Case("option-sweep-dead-prefect", sweep, "PREFECT_API_URL", scenario, env=dead),
        Case(
            "option-run-report-under-file",
            (*run, "--report", "{tmp}/x.toml/r"),
            "--report",
            scenario,
        ),
        Case("option-run-exact-value", (*run, "--exact", "yes"), "yes", scenario),
        Case(
            "option-sweep-vary-twice",
            (*sweep, "--vary", "votes.senate.D=0.1", "--vary", "votes.senate.D=0.2"),
            "votes.senate.D",
            scenario,
        ),
        Case("option-sweep-no-scenario", ("sweep", "--db", "{db}"), "sweep", scenario),
        Case(
            "option-sweep-resume-and-file",
            ("sweep", "{tmp}/x.toml", "--resume", "abc", "--db", "{db}"),
            "--resume",
            scenario,
        ),
        Case(
            "option-sweep-resume-unknown",
            ("sweep", "--resume", "abc", "--db", "{db}"),
            "abc",
            scenario,
        ),
        Case(
            "option-sweep-resume-missing-db",
            ("sweep", "--resume", "abc", "--db", "{db}"),
            "w.duckdb",
            scenario,
            warehouse="absent",
        ),
        Case(
            "option-sweep-resume-empty-id",
            ("sweep", "--resume", "", "--db", "{db}"),
            "--resume",
            scenario,
        ),
        Case(
            "option-sweep-huge",
            (*sweep, "--draws", str(10**9), "--vary", "votes.senate.D=0:1:2000"),
            "--force",
            scenario,
        ),
        Case(
            "option-serve-bad-cron",
            ("serve", "{tmp}/x.toml", "--cron", "every day", "--db", "{db}"),
            "--cron",
            scenario,
        ),
        Case(
            "option-serve-bad-timezone",
            (*serve, "--timezone", "Mars/Olympus"),
            "Mars/Olympus",
            scenario,
        ),
        Case("option-serve-bad-name", (*serve, "--name", "a/b"), "--name", scenario),
        Case("option-serve-no-cron", ("serve", "{tmp}/x.toml", "--db", "{db}"), "--cron", scenario),
    ]
    return cases


TALLY_OPTIONS = (
    (("--session", "2099-01-06"), "2099-01-06"),
    (("--session", ""), "session ''"),
    (("--reject", "XX"), "--reject"),
    (("--reject", "AZ,"), "--reject"),
    (("--reject", ","), "--reject"),
    (("--reject", "AZ:nope"), "--reject"),
    (("--reject", "AZ@"), "--reject"),
    (("--reject", "AZ@nobody"), "nobody"),
    (("--reject", "AZ", "--reject", "XX"), "--reject"),
    (("--reject", "AZ", "--reject", "AZ"), "AZ"),
    (("--regime", "nope"), "nope"),
    (("--regime", ""), "--regime"),
    (("--denominator", "nope"), "nope"),
    (("--ground", "nope"), "--ground"),
    (("--rule", "regime=ecra2022"), "regime"),
    (("--rule", "nope=1"), "nope"),
    (("--rule", "sustain_rule=nope"), "sustain_rule"),
    (("--rule", "x"), "--rule"),
    (("--rule", "=1"), "--rule"),
    (("--rule", "max_ballots=0"), "max_ballots"),
    (("--rule", "max_ballots=x"), "max_ballots"),
    (("--rule", "sustain_rule=both", "--rule", "sustain_rule=either"), "sustain_rule"),
    (("--rule", "denominator=counted", "--denominator", "appointed"), "denominator"),
    (("--nope",), "--nope"),
    (("--json=1",), "--json"),
)


def command_cases() -> list[Case]:
    cases = [
        Case(f"tally-{'_'.join(args)}", ("tally", *args), mention)
        for args, mention in TALLY_OPTIONS
    ]
    run_id = ("report", "abc", "--db", "{db}", "--out", "{tmp}/r")
    cases += [
        Case("report-unknown-run", run_id, "abc"),
        Case("report-missing-db", run_id, "w.duckdb", warehouse="absent"),
        Case("report-bad-format", (*run_id, "--format", "pdf"), "--format"),
        Case("report-empty-format", (*run_id, "--format", ","), "--format"),
        Case("report-point", (*run_id, "--point", "abc"), "--point"),
        Case(
            "report-under-file",
            ("report", "abc", "--db", "{db}", "--out", "{tmp}/f/r"),
            "--out",
            (("f", b"x"),),
        ),
        Case("sql-update", ("sql", "update extensions", "--db", "{db}"), "sql"),
        Case("sql-insert", ("sql", "insert into runs values (1)", "--db", "{db}"), "sql"),
        Case("sql-empty", ("sql", "", "--db", "{db}"), "sql"),
        Case("sql-syntax", ("sql", "selec 1", "--db", "{db}"), "sql"),
        Case("sql-unknown-table", ("sql", "select * from nope", "--db", "{db}"), "sql"),
        Case("sql-attach", ("sql", "attach 'x.db'", "--db", "{db}"), "sql"),
        Case("sql-copy", ("sql", "copy runs to '{tmp}/out.csv'", "--db", "{db}"), "sql"),
        Case(
            "sql-read-file", ("sql", "select * from read_csv('/etc/passwd')", "--db", "{db}"), "sql"
        ),
        Case("sql-format", ("sql", "select 1", "--db", "{db}", "--format", "xml"), "--format"),
        Case("sql-missing-db", ("sql", "select 1", "--db", "{db}"), "w.duckdb", warehouse="absent"),
        Case("unknown-command", ("nope",), "nope"),
        Case("unknown-global-option", ("--nope",), "--nope"),
        Case("run-no-scenario", ("run",), "scenario"),
        Case("server-port", ("server", "--port", "abc"), "--port"),
    ]
    return cases


def _warehouse_commands() -> list[tuple[str, tuple[str, ...]]]:
    return [
        ("run", ("run", "{tmp}/x.toml", "--draws", "100", "--db", "{db}")),
        ("sweep", ("sweep", "{tmp}/x.toml", "--db", "{db}")),
        ("resume", ("sweep", "--resume", "abc", "--db", "{db}")),
        ("sql", ("sql", "select 1", "--db", "{db}")),
        ("sql-runs", ("sql", "select * from runs", "--db", "{db}")),
        ("report", ("report", "abc", "--db", "{db}", "--out", "{tmp}/r")),
        ("serve", ("serve", "{tmp}/x.toml", "--cron", CRON, "--db", "{db}")),
    ]


GARBAGE_SIZES = (1, 7, 8, 12, 100, 4096, 12288, 70000)


def warehouse_cases() -> list[Case]:
    scenario = (("x.toml", VALID_SCENARIO.encode()),)
    kinds = [*WAREHOUSE_KINDS, *(f"random{n}" for n in GARBAGE_SIZES), "duck-magic-garbage"]
    return [
        Case(f"warehouse-{kind}-{name}", args, "w.duckdb", scenario, warehouse=kind)
        for kind in kinds
        for name, args in _warehouse_commands()
    ]
