"""Orchestration: loading sessions and scenarios, Prefect flows, and the ``countlab`` CLI."""

from flows.kernel_cache import use_kernel_cache
from flows.signals import watch_parent

use_kernel_cache()  # before numba loads a kernel: the CLI, the Python API and every worker
watch_parent()  # in a worker process (--runner processes): exit when countlab is gone
