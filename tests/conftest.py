"""The whole suite's numba cache is the ``countlab`` command's (flows.kernel_cache): keyed
on every kernel module's source, set by importing ``flows`` before any test imports a
kernel."""

import flows  # noqa: F401  (flows/__init__.py: use_kernel_cache)
