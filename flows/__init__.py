"""Orchestration: loading sessions and scenarios, Prefect flows, and the ``countlab`` CLI."""
