from __future__ import annotations

import pytest

from flows.runner import configure_prefect


@pytest.fixture(scope="package")
def prefect_harness():
    """One temporary Prefect API for the flow tests (Prefect's documented test pattern)."""
    configure_prefect(use_local_server=False)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield
