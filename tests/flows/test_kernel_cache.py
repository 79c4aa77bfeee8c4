"""The compiled kernels' numba cache is keyed on every kernel module's source (numba keys a
kernel on its own file only, numba/numba#1833): an update of one module cannot leave
another's cached kernel running the old code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from flows.kernel_cache import KERNEL_MODULES, kernel_cache_dir, kernel_digest, use_kernel_cache
from models import kernel, kernel_members


def _copy_modules(folder: Path) -> Path:
    folder.mkdir()
    for name in KERNEL_MODULES:
        shutil.copy(Path(kernel.__file__).parent / name, folder / name)
    return folder


def test_the_digest_changes_with_any_kernel_module(tmp_path: Path) -> None:
    """A change of a helper module alone (the case numba misses) gives a new digest."""
    original = kernel_digest(_copy_modules(tmp_path / "a"))
    assert original == kernel_digest(_copy_modules(tmp_path / "b"))
    for name in KERNEL_MODULES:
        changed = _copy_modules(tmp_path / f"changed-{name}")
        (changed / name).write_text((changed / name).read_text() + "\n# one more line\n")
        assert kernel_digest(changed) != original, name


def test_the_kernels_are_cached_under_their_sources_digest() -> None:
    """Every decorated kernel's cache lives in the folder of this version of the sources."""
    folder = kernel_cache_dir(dict(os.environ))
    assert folder.name == f"countlab-kernels-{kernel_digest()}"
    for dispatcher in (kernel._grouped_counts, kernel_members._member_counts):
        cache_path = Path(dispatcher._cache._cache_path)  # numba's locator for the kernel
        assert cache_path.is_relative_to(folder), cache_path


def test_the_cache_folder_follows_numba_cache_dir_then_xdg(tmp_path: Path) -> None:
    digest = kernel_digest()
    assert kernel_cache_dir({"NUMBA_CACHE_DIR": str(tmp_path)}) == (
        tmp_path / f"countlab-kernels-{digest}"
    )
    # set once, inherited by a worker that sets it again: the same folder, not one inside it
    environ = {"NUMBA_CACHE_DIR": str(tmp_path)}
    use_kernel_cache(environ)
    use_kernel_cache(environ)
    assert environ["NUMBA_CACHE_DIR"] == str(tmp_path / f"countlab-kernels-{digest}")
    assert kernel_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == (
        tmp_path / "countlab" / f"countlab-kernels-{digest}"
    )
    default = kernel_cache_dir({})
    assert default == Path.home() / ".cache" / "countlab" / f"countlab-kernels-{digest}"


def test_importing_flows_sets_the_cache_for_the_api_and_workers(tmp_path: Path) -> None:
    """A process that only imports ``flows`` (the Python API; a worker unpickling a chunk
    task) gets the digest's folder too, not numba's own cache beside the sources."""
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME")}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    code = "import flows, models.kernel_members as k; print(k._member_counts._cache._cache_path)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    folder = tmp_path / "countlab" / f"countlab-kernels-{kernel_digest()}"
    assert Path(done.stdout.strip()).is_relative_to(folder), done.stdout
