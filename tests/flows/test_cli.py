"""The ``countlab tally`` interface: JSON fields, readable output, one-line errors."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from models.switches import REMAND_SWITCHES
from tests.flows.cli_helpers import run_cli

EASTMAN_STATES = "AZ,GA,MI,NV,NM,PA,WI"


def tally_json(monkeypatch, capsys, *args: str) -> dict:
    code, out, err = run_cli(monkeypatch, capsys, "tally", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_tally_json_of_the_2021_objections_sustained(monkeypatch, capsys):
    """rules.md A9: with AZ and PA rejected under the 1887 Act, W stays 538 (§6 appointed)."""
    result = tally_json(monkeypatch, capsys, "--session", "2021-01-06", "--reject", "AZ,PA")
    assert result["session"] == "2021-01-06"
    assert result["regime"] == "eca1887"
    assert result["denominator"] == "appointed"
    assert result["whole_number"] == 538
    assert result["majority_needed"] == 270
    assert result["totals"] == {"biden": 275, "trump": 232}
    assert result["winner"] == "biden"
    assert result["contingent"] is None
    assert result["outcome"] == "electors:biden"


def test_tally_json_contingent_election_by_delegation(monkeypatch, capsys):
    """rules.md C1 step 4 / CE3-CE8: 27 R delegations, 20 D, 3 tied; Senate 51 R of 100 seats."""
    result = tally_json(
        monkeypatch,
        capsys,
        "--reject",
        EASTMAN_STATES,
        "--regime",
        "vp-unilateral",
        "--denominator",
        "appointed",
    )
    house = result["contingent"]["house"]
    assert house["state_votes"] == {"biden": 20, "trump": 27}
    assert house["divided"] == 3
    assert house["needed"] == 26
    assert house["winner"] == "trump"
    assert {s for s, v in house["delegations"].items() if v == "divided"} == {"MI", "MN", "PA"}
    senate = result["contingent"]["senate"]
    assert senate["votes"] == {"harris": 48, "pence": 51}
    assert senate["needed"] == 51
    assert senate["winner"] == "pence"
    assert result["winner"] == "trump"
    assert result["outcome"] == "house:trump"


def test_tally_json_eastman_memo_arithmetic(monkeypatch, capsys):
    """rules.md C1 step 3: 306 - 84 = 222 for Biden, W = 454, majority 228."""
    result = tally_json(
        monkeypatch, capsys, "--reject", EASTMAN_STATES, "--regime", "vp-unilateral"
    )
    assert (result["whole_number"], result["majority_needed"]) == (454, 228)
    assert result["totals"] == {"biden": 222, "trump": 232}
    assert result["outcome"] == "electors:trump"


def test_tally_statutory_denominator_per_state_ground(monkeypatch, capsys):
    """rules.md B13: a sustained ground-I objection shrinks W; a ground-II one does not."""
    ground_one = tally_json(
        monkeypatch, capsys, "--session", "2025-01-06", "--reject", "PA:not_lawfully_certified"
    )
    assert ground_one["whole_number"] == 538 - 19
    ground_two = tally_json(monkeypatch, capsys, "--session", "2025-01-06", "--reject", "PA")
    assert ground_two["whole_number"] == 538
    assert ground_two["totals"]["trump"] == 312 - 19
    assert ground_two["objection_signers_needed"] == {"house": 87, "senate": 20}


def test_tally_ground_option_applies_to_every_state(monkeypatch, capsys):
    result = tally_json(
        monkeypatch,
        capsys,
        "--session",
        "2025-01-06",
        "--reject",
        "PA,GA",
        "--ground",
        "not_lawfully_certified",
    )
    assert result["whole_number"] == 538 - 19 - 16
    assert {r["ground"] for r in result["rejected"]} == {"not_lawfully_certified"}


def test_tally_partial_rejection_of_a_split_state(monkeypatch, capsys):
    """rules.md E2: only Nebraska's one Biden elector is rejected."""
    result = tally_json(monkeypatch, capsys, "--reject", "NE@biden", "--denominator", "counted")
    assert result["totals"] == {"biden": 305, "trump": 232}
    assert result["whole_number"] == 537


def test_tally_rule_switch_from_the_command_line(monkeypatch, capsys):
    result = tally_json(
        monkeypatch,
        capsys,
        "--reject",
        EASTMAN_STATES,
        "--regime",
        "vp-unilateral",
        "--denominator",
        "appointed",
        "--rule",
        "senate_whole_number=sworn",
    )
    assert result["rules"]["senate_whole_number"] == "sworn"
    assert result["contingent"]["senate"]["whole_number"] == 99
    assert result["contingent"]["senate"]["needed"] == 50


def test_a10_multi_return_governor_tiebreak_is_modelled(monkeypatch, capsys):
    """A10: the competing-slates rule reads the switch (remand.md M8), so `countlab rules`
    marks no switch as not modelled and tally takes either value."""
    code, out, _ = run_cli(monkeypatch, capsys, "rules")
    assert code == 0
    assert "not modelled yet" not in out
    for value in ("cases_2_3", "all_cases"):
        rule = f"multi_return_governor_tiebreak={value}"
        result = tally_json(monkeypatch, capsys, "--rule", rule)
        assert result["rules"]["multi_return_governor_tiebreak"] == value
        assert result["totals"] == {"biden": 306, "trump": 232}


def test_rules_lists_every_remand_switch_with_its_regime_defaults(monkeypatch, capsys):
    """remand.md §6: `countlab rules` lists each switch, and the derived remand_allowed,
    with one default per regime."""
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = run_cli(monkeypatch, capsys, "rules")
    assert code == 0
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 5}
    for name in (*REMAND_SWITCHES, "remand_allowed"):
        assert name in rows, name
    cells = [c.strip() for c in rows["remand_allowed"].split("│")[3:6]]
    assert cells == ["false", "false", "true"]
    cells = [c.strip() for c in rows["alternate_requires_governor"].split("│")[3:6]]
    assert cells == ["false", "true", "false"]


def test_tally_table_output_is_readable(monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, "tally", "--reject", "AZ,PA")
    assert code == 0
    assert "majority needed: 270" in out
    assert "President: biden" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--reject", "XX"], "'XX'"),
        (["--reject", "AZ:bogus"], "'bogus'"),
        (["--reject", "AZ,,PA"], "empty item"),
        (["--reject", "AZ,AZ"], "overlaps"),
        (["--reject", "NE@nobody"], "unknown candidate"),
        (["--regime", "eca1888"], "'eca1888'"),
        (["--denominator", "half"], "'half'"),
        (["--rule", "sustain_rule"], "KEY=VALUE"),
        (["--rule", "max_ballots=0"], "max_ballots"),
        (["--session", "1999-01-06"], "'1999-01-06'"),
    ],
)
def test_bad_input_is_one_line_error_and_exit_2(monkeypatch, capsys, args, fragment):
    code, out, err = run_cli(monkeypatch, capsys, "tally", *args)
    assert code == 2
    assert out == ""
    assert err.startswith("countlab: error:")
    assert fragment in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def copy_session(tmp_path: Path, date: str = "2021-01-06") -> Path:
    source = resources.files("models") / "data" / "sessions" / date
    target = tmp_path / "mysession"
    target.mkdir()
    for name in ("session.toml", "members.csv", "electoral_votes.csv"):
        (target / name).write_text((source / name).read_text(encoding="utf-8"), encoding="utf-8")
    return target


def test_user_session_directory_loads(monkeypatch, capsys, tmp_path):
    folder = copy_session(tmp_path)
    votes = folder / "electoral_votes.csv"
    votes.write_text(votes.read_text().replace("AZ,11,11,0", "AZ,11,0,11"))
    result = tally_json(monkeypatch, capsys, "--session", str(folder))
    assert result["totals"] == {"biden": 295, "trump": 243}


def test_user_session_error_names_file_line_field(monkeypatch, capsys, tmp_path):
    folder = copy_session(tmp_path)
    members = folder / "members.csv"
    lines = members.read_text().splitlines()
    lines[3] = lines[3].replace(",AL,", ",ZZ,")
    members.write_text("\n".join(lines) + "\n")
    code, _, err = run_cli(monkeypatch, capsys, "tally", "--session", str(folder))
    assert code == 2
    assert "members.csv, line 4" in err
    assert "'state'" in err
    assert "'ZZ'" in err


def test_user_session_missing_file(monkeypatch, capsys, tmp_path):
    folder = copy_session(tmp_path)
    shutil.os.remove(folder / "members.csv")
    code, _, err = run_cli(monkeypatch, capsys, "tally", "--session", str(folder))
    assert code == 2
    assert "members.csv: file not found" in err


def test_rules_and_sessions_commands_list_everything(monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, "sessions")
    assert code == 0
    for date in ("1969-01-06", "2005-01-06", "2021-01-06", "2025-01-06"):
        assert date in out


def test_binary_overrides_file_is_a_one_line_error(monkeypatch, capsys, tmp_path):
    (tmp_path / "members.csv").write_bytes(b"\xff\xfe\x00bioguide_id")
    scenario = tmp_path / "s.toml"
    scenario.write_text('session = "2021-01-06"\n[votes]\noverrides = "members.csv"\n')
    code, _, err = run_cli(
        monkeypatch, capsys, "run", str(scenario), "--db", str(tmp_path / "w.duckdb")
    )
    assert code == 2
    assert "members.csv: not UTF-8 text" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "w.duckdb").exists()


def test_the_cli_imports_neither_prefect_nor_numba_before_a_command_needs_them():
    """configure_prefect must run before Prefect's first import (it reads its settings
    then), and `countlab tally` or `--help` should not pay for Prefect's or numba's import."""
    import subprocess
    import sys

    probe = "import sys, flows.cli; print(sorted({'prefect', 'numba'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
