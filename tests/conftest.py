"""The whole suite's numba cache is the ``countlab`` command's (flows.kernel_cache): keyed
on every kernel module's source, set before any test imports a kernel."""

from flows.kernel_cache import use_kernel_cache

use_kernel_cache()
