"""Prefect's temporary API started by countlab itself (flows.temporary_api): it answers,
its URL is exported while it runs, and it is gone afterwards."""

from __future__ import annotations

import os
import urllib.request

import pytest

from flows.temporary_api import spawn_api

pytestmark = pytest.mark.slow


def test_the_temporary_api_answers_while_open_and_is_gone_after(monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with spawn_api() as api:
        assert os.environ["PREFECT_API_URL"] == api.api_url  # exported before it answers
        url = api.wait()
        with urllib.request.urlopen(f"{url}/health", timeout=5) as answer:
            assert answer.status == 200
        process = api.process
    assert "PREFECT_API_URL" not in os.environ
    assert process.poll() is not None
