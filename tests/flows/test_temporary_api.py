"""Prefect's temporary API started by countlab itself (flows.temporary_api): it answers,
its URL is exported while it runs, and it is gone afterwards."""

from __future__ import annotations

import os
import subprocess
import urllib.request

import pytest

from flows import temporary_api
from flows.temporary_api import api_for_flows, spawn_api

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


def test_flows_use_the_configured_api_and_start_no_server(monkeypatch):
    started: list[int] = []
    monkeypatch.setattr(temporary_api, "_start_uvicorn", started.append)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    with api_for_flows() as api:
        assert api is None
        assert os.environ["PREFECT_API_URL"] == "http://127.0.0.1:9/api"
    assert started == []
    assert os.environ["PREFECT_API_URL"] == "http://127.0.0.1:9/api"


def test_with_no_api_one_temporary_server_serves_the_block(monkeypatch):
    started: list[subprocess.Popen[bytes]] = []

    def fake_server(port: int) -> subprocess.Popen[bytes]:
        started.append(subprocess.Popen(["sleep", "60"]))
        return started[-1]

    monkeypatch.setattr(temporary_api, "_start_uvicorn", fake_server)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with api_for_flows() as api:
        assert api is not None
        assert os.environ["PREFECT_API_URL"] == api.api_url
    assert len(started) == 1
    assert "PREFECT_API_URL" not in os.environ
    assert started[0].poll() is not None  # stopped at the block's end
