"""Issue 11: every malformed input is exit 2 and one line naming the file, field or value,
with no traceback and the warehouse's bytes unchanged (no file created where there was none).

More than 1,000 generated cases (tests/fuzz/cases.py) across scenario files, session
directories, override CSVs, command-line options and warehouse files; all run in-process
and none may reach a Prefect flow (``execute_run`` is replaced by a tripwire).
Roll-call CSVs (``recorded_votes.csv``) are read by no command yet: their generated cases
call the reader itself (tests/fuzz/test_rollcall_inputs.py).
"""

from __future__ import annotations

import pytest

from tests.fuzz.cases import CONTROLS, VALID_SCENARIO, Case, all_cases
from tests.fuzz.harness import build_templates, run_case

CASES = all_cases()
PARAMS = [pytest.param(c, id=c.id) for c in CASES]


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    return build_templates(tmp_path_factory.mktemp("templates"))


def test_at_least_a_thousand_cases():
    assert len(CASES) >= 1000


@pytest.mark.parametrize("case", PARAMS)
def test_malformed_input_is_one_clean_line(case, tmp_path, templates, monkeypatch, capsys):
    outcome = run_case(case, tmp_path, templates, monkeypatch, capsys)
    verdict = outcome.verdict(case, tmp_path)
    assert verdict == "clean", (verdict, outcome.code, outcome.escaped, outcome.err[-2000:])


ACCEPTED = (
    # should-pass controls: valid inputs the strict types must not refuse (they reach the flow)
    ("int-where-float", VALID_SCENARIO.replace("AZ = 1.0", "AZ = 1"), ()),
    ("no-run-table", VALID_SCENARIO.split("[run]")[0], ("--seed", "3")),
    ("empty-file", "", ("--seed", "3")),
    ("signers", VALID_SCENARIO + "[signers]\nhouse.R = 1\nsenate.R = 0.3\n", ()),
    (
        "rules",
        VALID_SCENARIO + "[rules]\nmax_ballots = 2\nsenate_vp_tiebreak_on_objection = true\n",
        (),
    ),
    ("seed-max", VALID_SCENARIO.replace("seed = 7", f"seed = {2**63 - 1}"), ()),
)


@pytest.mark.parametrize(("name", "text", "extra"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_valid_scenario_is_accepted(
    command, name, text, extra, tmp_path, templates, monkeypatch, capsys
):
    args = (command, "{tmp}/x.toml", "--db", "{db}", *extra)
    if command == "sweep":
        args = (*args, "--vary", "votes.senate.D=0:0.5:3")
    case = Case(f"accept-{name}", args, "", (("x.toml", text.encode()),), warehouse="absent")
    outcome = run_case(case, tmp_path, templates, monkeypatch, capsys)
    assert outcome.code is None, (outcome.code, outcome.err)


@pytest.mark.parametrize("case", CONTROLS, ids=[c.id for c in CONTROLS])
def test_valid_command_succeeds(case, tmp_path, templates, monkeypatch, capsys):
    outcome = run_case(case, tmp_path, templates, monkeypatch, capsys)
    assert outcome.code == 0, outcome.err
    assert not outcome.changed
