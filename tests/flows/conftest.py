from __future__ import annotations

import pytest

from flows.launch import configure_prefect


@pytest.fixture(scope="package")
def prefect_harness():
    """One temporary Prefect API for the flow tests (Prefect's documented test pattern)."""
    configure_prefect(use_local_server=False)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield


# Contested enough that every section has something: sustained objections, contingent
# elections, votes in both chambers.
REPORT_SCENARIO = """
session = "2021-01-06"
denominator = "appointed"
[objections]
AZ = 1.0
GA = 1.0
PA = 1.0
[votes]
house.R = 0.97
house.D = 0.05
senate.R = 0.95
senate.D = 0.06
correlation = 0.5
absent = 0.01
"""


@pytest.fixture(scope="package")
def report_run(tmp_path_factory, prefect_harness):
    folder = tmp_path_factory.mktemp("report")
    scenario = folder / "contested.toml"
    scenario.write_text(REPORT_SCENARIO)
    db = folder / "w.duckdb"
    from flows.requests import RunRequest
    from flows.run import run

    summary = run(
        RunRequest(scenario_path=str(scenario), draws=20_000, seed=3, db=str(db), exact=True)
    )
    return db, summary, folder
