"""UTF-8 text files read with one-line errors: scenario files, session files, overrides."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from flows.files import read_utf8
from flows.scenario import load_scenario, to_scenario
from flows.sessions import load_session
from models.errors import CountlabError, InputError

BINARY = b"\xff\xfe\x00not text"


def test_read_utf8_returns_the_text_and_names_the_source_of_bytes_that_are_not_utf8(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("élu\n", encoding="utf-8")
    missing = CountlabError("nothing here")
    assert read_utf8(good, source="the good file", missing=missing) == "élu\n"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(BINARY)
    with pytest.raises(
        CountlabError, match=r"^the bad file: not UTF-8 text \(invalid start byte\)$"
    ):
        read_utf8(bad, source="the bad file", missing=missing)
    for absent in (tmp_path / "absent.txt", tmp_path):  # no file, or a folder
        with pytest.raises(CountlabError) as raised:
            read_utf8(absent, source="x", missing=missing)
        assert raised.value is missing


def test_scenario_file_missing_or_not_utf8(tmp_path):
    path = tmp_path / "s.toml"
    with pytest.raises(CountlabError, match=f"^{re.escape(str(path))}: scenario file not found$"):
        load_scenario(path)
    path.write_bytes(BINARY)
    with pytest.raises(CountlabError, match=f"^{re.escape(str(path))}: not UTF-8 text"):
        load_scenario(path)


def test_session_file_missing_or_not_utf8(tmp_path):
    shipped = resources.files("models") / "data" / "sessions" / "2021-01-06"
    folder = tmp_path / "session"
    folder.mkdir()
    for name in ("session.toml", "members.csv", "electoral_votes.csv"):
        (folder / name).write_bytes((shipped / name).read_bytes())
    (folder / "electoral_votes.csv").write_bytes(BINARY)
    with pytest.raises(
        CountlabError, match=f"^{re.escape(str(folder))}/electoral_votes.csv: not UTF-8 text"
    ):
        load_session(str(folder))
    (folder / "electoral_votes.csv").unlink()
    with pytest.raises(
        CountlabError,
        match=f"^{re.escape(str(folder))}/electoral_votes.csv: file not found \\(a session needs ",
    ):
        load_session(str(folder))


def test_overrides_file_missing_or_not_utf8(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('session = "2021-01-06"\n[votes]\noverrides = "members.csv"\n')
    config, base = load_scenario(path)
    with pytest.raises(
        InputError, match=re.escape("field 'votes.overrides' = 'members.csv': file not found")
    ):
        to_scenario(config, base=base, source=str(path))
    (tmp_path / "members.csv").write_bytes(BINARY)
    with pytest.raises(
        CountlabError, match=f"^{re.escape(str(tmp_path / 'members.csv'))}: not UTF-8 text"
    ):
        to_scenario(config, base=base, source=str(path))


def test_a_shipped_session_is_parsed_once_and_a_users_folder_every_time(tmp_path):
    """Issue 17: a sweep loads its session for every point; a shipped one cannot change
    while countlab runs, a user's folder can (an edit between two runs is read)."""
    assert load_session("2021-01-06") is load_session("2021-01-06")
    shipped = resources.files("models") / "data" / "sessions" / "2021-01-06"
    folder = tmp_path / "session"
    folder.mkdir()
    for name in ("session.toml", "members.csv", "electoral_votes.csv"):
        (folder / name).write_bytes((shipped / name).read_bytes())
    first = load_session(str(folder))
    assert load_session(str(folder)) is not first
    (folder / "electoral_votes.csv").write_bytes(BINARY)
    with pytest.raises(CountlabError, match=re.escape("electoral_votes.csv: not UTF-8 text")):
        load_session(str(folder))
