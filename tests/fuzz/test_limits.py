"""flows/limits.py: the up-front estimate and the refusals past the limits (issue 11, 3)."""

from __future__ import annotations

import pytest

from flows import limits
from flows.checks import check_folder
from flows.requests import parse_address
from models.errors import CountlabError, OptionError


def test_estimate_counts_draws_rows_bytes_and_time():
    found = limits.estimate(1_000, points=3, objections=6)
    assert found.draws == 3_000
    assert found.rows == 3_000 * 7
    assert found.bytes == found.rows * limits.BYTES_PER_ROW
    assert found.seconds == pytest.approx(3_000 / limits.DRAWS_PER_SECOND)


def test_past_a_billion_draws_needs_force(tmp_path):
    big = limits.estimate(limits.MAX_DRAWS + 1)
    with pytest.raises(OptionError) as error:
        limits.check_size(big, tmp_path / "w.duckdb", force=False, what="7", field="draws")
    # named as fields below the CLI (a Prefect parameter), as flags by the CLI
    assert str(error.value).startswith("draws 7: ")
    assert str(error.value).endswith("give force to run it anyway")
    assert error.value.as_flag().startswith("--draws 7: ")
    assert error.value.as_flag().endswith("give --force to run it anyway")
    limits.check_size(big, tmp_path / "w.duckdb", force=True, what="7", field="draws")


def test_more_than_the_free_disk_needs_force(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "free_bytes", lambda db: 1_000)
    found = limits.estimate(1_000, objections=1)
    with pytest.raises(CountlabError, match="free beside"):
        limits.check_size(found, tmp_path / "w.duckdb", force=False, what="--draws")
    limits.check_size(found, tmp_path / "w.duckdb", force=True, what="--draws")


def test_force_does_not_lift_the_hard_limit(tmp_path):
    with pytest.raises(CountlabError, match="at most"):
        limits.check_size(
            limits.estimate(limits.HARD_MAX_DRAWS + 1), tmp_path, force=True, what="--draws"
        )


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "tcp://head-node:1", "tcp://[::1]:80"])
def test_scheduler_addresses_of_the_documented_form_parse(address):
    host, port = parse_address(address)
    assert host
    assert 1 <= port <= 65535


def test_a_report_folder_under_a_file_is_refused_and_nothing_is_made(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(CountlabError, match="--out"):
        check_folder(tmp_path / "f" / "r", "--out")
    check_folder(tmp_path / "new" / "deeper", "--out")
    assert not (tmp_path / "new").exists()
