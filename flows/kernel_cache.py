"""Where numba caches the compiled kernels: one folder per version of the kernels' sources.

numba keys a cached kernel on the time stamp of the file that defines it alone, not on the
files whose functions it inlines (numba/numba#1833, a documented limitation): after an
update of ``models/kernel_random.py`` alone (a ``git pull`` into an editable install), the
cached ``kernel_members`` kernel would still run the old random numbers, silently. So
importing ``flows`` (the ``countlab`` command, the Python API, a worker unpickling a chunk
task, the test suite's conftest) sets ``NUMBA_CACHE_DIR`` to a folder named by a digest of
every kernel module's source: new sources, a new folder, a fresh compile. A process that
imported ``models.kernel*`` before ``flows`` keeps numba's own cache for those kernels.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import tempfile
from collections.abc import MutableMapping
from pathlib import Path

import models

KERNEL_MODULES = ("kernel.py", "kernel_members.py", "kernel_random.py", "members.py")
"""The modules of ``models`` whose compiled functions inline one another, and those whose
constants a kernel reads (numba freezes a global's value into the cached code:
``members.RESIDUAL_STEP``)."""
CACHE_PREFIX = "countlab-kernels-"
MODELS_DIR = Path(models.__file__).parent


@functools.cache
def kernel_digest(folder: Path = MODELS_DIR) -> str:
    """16 hex digits of SHA-256 over the kernel modules' sources in ``folder``."""
    digest = hashlib.sha256()
    for name in KERNEL_MODULES:
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def kernel_cache_dir(environ: MutableMapping[str, str]) -> Path:
    """``<base>/countlab-kernels-<digest>``: ``base`` is ``NUMBA_CACHE_DIR`` where set (its
    parent where it is already such a folder), else ``$XDG_CACHE_HOME/countlab``
    (``~/.cache/countlab``)."""
    given = environ.get("NUMBA_CACHE_DIR")
    if given:
        base = Path(given)
        if base.name.startswith(CACHE_PREFIX):
            base = base.parent
    else:
        try:
            home = Path.home() / ".cache"
        except RuntimeError:  # no home folder: the temporary one
            home = Path(tempfile.gettempdir())
        base = Path(environ.get("XDG_CACHE_HOME") or home) / "countlab"
    return base / f"{CACHE_PREFIX}{kernel_digest()}"


def use_kernel_cache(environ: MutableMapping[str, str] = os.environ) -> None:
    """Set ``NUMBA_CACHE_DIR`` to :func:`kernel_cache_dir` (idempotent), and numba's own
    setting too where numba is already imported (its kernels not yet decorated). Where the
    folder cannot be made, numba falls back to its own locations."""
    folder = str(kernel_cache_dir(environ))
    environ["NUMBA_CACHE_DIR"] = folder
    config = sys.modules.get("numba.core.config")
    if config is not None and environ is os.environ:
        config.CACHE_DIR = folder  # type: ignore[attr-defined]
