"""README's "Reading the warehouse from Python": its snippet, exactly as written, runs
against a small warehouse (a run made with the Python API, and a backtest) and gives polars
frames of the views."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.warehouse.test_backtests import synthetic_record
from warehouse.backtests import store_backtest

pytestmark = pytest.mark.usefixtures("prefect_harness")

README = Path(__file__).parents[2] / "README.md"


def readme_snippet(heading: str) -> str:
    """The first ```python block under ``heading`` in README.md."""
    text = README.read_text(encoding="utf-8")
    section = text.split(f"\n### {heading}\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, f"no python block under {heading!r}"
    return match.group(1)


def test_the_readme_snippet_reads_the_warehouse_as_polars_frames(
    report_run, tmp_path, monkeypatch, capsys
):
    db, summary, _ = report_run
    shutil.copy(db, tmp_path / "countlab.duckdb")  # the shared run's warehouse stays as it is
    record = synthetic_record()
    store_backtest(tmp_path / "countlab.duckdb", record)
    monkeypatch.chdir(tmp_path)
    snippet = readme_snippet("Reading the warehouse from Python")
    assert 'duckdb.connect("countlab.duckdb", read_only=True)' in snippet
    assert '.sql("select * from outcome_probabilities").pl()' in snippet
    namespace: dict[str, object] = {}
    exec(compile(snippet, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    outcomes, chambers = namespace["outcomes"], namespace["chambers"]
    assert isinstance(outcomes, pl.DataFrame)
    assert set(outcomes["run_id"]) == {summary["run_id"]}
    assert dict(zip(outcomes["label"], outcomes["p"], strict=True)) == {
        label: o["p"] for label, o in summary["outcomes"].items()
    }
    assert isinstance(chambers, pl.DataFrame)
    assert sorted(chambers["chamber"]) == ["house", "senate"]
    assert set(chambers["backtest_id"]) == {record.backtest_id}
    assert summary["run_id"] in capsys.readouterr().out
