"""Orchestration: loading sessions and scenarios, Prefect flows, and the ``countlab`` CLI."""

from flows.signals import watch_parent

watch_parent()  # in a worker process (--runner processes): exit when countlab is gone
