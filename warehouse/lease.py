"""One writer at a time, and the signals readers and the writer leave each other.

Beside a warehouse ``W.duckdb``:

- ``W.duckdb.lock`` is the **writer lease**: a writing command (run, sweep, gc) holds an
  exclusive ``flock`` on it for the whole command and writes ``{pid, run_id, kind, started}``
  into it. A second writer fails at once, naming the holder. The OS drops the lock when the
  holder dies, so a run left 'running' by a holder that is gone is dead for sure. The file
  stays (like DuckDB's ``.wal``); it is empty when nobody writes.
- ``W.duckdb.read-PID-N`` files are **reader tokens**: a reader that cannot open the file
  (the writer has it) leaves one, and the writer closes the file after its current commit.
- ``W.duckdb.writing`` is the **writer's intent**: the writer has the file, or wants it back
  (its buffer of chunks is full, or it gave readers their turn); new readers wait until it is
  gone, so a stream of readers cannot starve the writer.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from models.errors import CountlabError

SIGNAL_MAX_AGE_S = 120.0
"""A token or intent older than this was left by a process that died: ignored, removed."""


def is_lock_error(exc: BaseException) -> bool:
    """Whether DuckDB refused to open a file because another process holds it."""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def lease_path(db: str | Path) -> Path:
    return Path(f"{db}.lock")


def intent_path(db: str | Path) -> Path:
    return Path(f"{db}.writing")


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a warehouse's writer lease (as its lease file says)."""

    pid: int
    kind: str
    started: str
    run_id: str | None = None

    def describe(self) -> str:
        who = f"run {self.run_id}" if self.run_id else f"a countlab {self.kind}"
        return f"{who} (PID {self.pid})"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_holder(db: str | Path) -> Holder | None:
    """The live holder of the lease as its file says, or None (nobody, or unreadable)."""
    try:
        data = json.loads(lease_path(db).read_text(encoding="utf-8"))
        holder = Holder(int(data["pid"]), str(data["kind"]), str(data["started"]), data["run_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return holder if _alive(holder.pid) else None


def who_writes(db: str | Path) -> str:
    """``run R (PID P)``, or words for a holder the lease file does not name."""
    holder = read_holder(db)
    return holder.describe() if holder else "another process"


@dataclass(slots=True)
class Lease:
    """This process's hold on a warehouse's writer lease (re-entrant: ``depth``)."""

    db: str
    fd: int
    holder: Holder
    depth: int = 1
    runs: set[str] = field(default_factory=set)  # run ids this process has begun

    def name_run(self, run_id: str) -> None:
        """Record that this process writes ``run_id`` (in the lease file too)."""
        self.runs.add(run_id)
        self.holder = Holder(self.holder.pid, self.holder.kind, self.holder.started, run_id)
        _write(self.fd, self.holder)


_HELD: dict[str, Lease] = {}
_HELD_LOCK = threading.Lock()


def _key(db: str | Path) -> str:
    return str(Path(db).resolve())


def _write(fd: int, holder: Holder) -> None:
    data = json.dumps(
        {"pid": holder.pid, "run_id": holder.run_id, "kind": holder.kind, "started": holder.started}
    ).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def held(db: str | Path) -> Lease | None:
    """This process's lease on ``db``, if it holds one."""
    return _HELD.get(_key(db))


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def run_id_for(db: str | Path) -> str:
    """The id of the run this process is about to write into ``db``: the one its lease
    already names (taken before Prefect starts, so a second writer's error names the run),
    else a fresh one."""
    lease = held(db)
    return lease.holder.run_id if lease and lease.holder.run_id else new_run_id()


def acquire(db: str | Path, *, kind: str, run_id: str | None = None) -> Lease:
    """Take the writer lease of ``db`` (again, if this process holds it), or fail at once
    with one line naming the holder."""
    key = _key(db)
    with _HELD_LOCK:
        lease = _HELD.get(key)
        if lease is not None:
            lease.depth += 1
            return lease
        try:
            fd = os.open(lease_path(db), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise CountlabError(
                f"{db}: cannot open the warehouse for writing ({exc.strerror}: {exc.filename})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = read_holder(db)
            since = f" since {holder.started}" if holder else ""
            raise CountlabError(
                f"{db} is being written by {who_writes(db)}{since}; "
                "wait for it to finish or stop it"
            ) from None
        started = datetime.now(UTC).isoformat(timespec="seconds")
        holder = Holder(os.getpid(), kind, started, run_id)
        _write(fd, holder)
        _clear_stale(db)
        lease = _HELD[key] = Lease(str(db), fd, holder, runs={run_id} if run_id else set())
        return lease


def release(lease: Lease) -> None:
    """Give back one hold; the last one empties the lease file and unlocks it."""
    with _HELD_LOCK:
        lease.depth -= 1
        if lease.depth > 0:
            return
        _HELD.pop(_key(lease.db), None)
        with contextlib.suppress(OSError):
            os.ftruncate(lease.fd, 0)
        set_intent(lease.db, False)
        fcntl.flock(lease.fd, fcntl.LOCK_UN)
        os.close(lease.fd)


@contextlib.contextmanager
def writer_lease(db: str | Path, *, kind: str, run_id: str | None = None) -> Iterator[Lease]:
    """Hold the writer lease of ``db`` for the block."""
    lease = acquire(db, kind=kind, run_id=run_id)
    try:
        yield lease
    finally:
        release(lease)


# --- readers' tokens and the writer's intent -----------------------------------------------

_TOKENS = itertools.count()


def _fresh(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime < SIGNAL_MAX_AGE_S
    except OSError:
        return False


def _tokens(db: str | Path) -> list[Path]:
    prefix = f"{Path(db).name}.read-"
    try:
        return [p for p in Path(db).parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return []


def readers_waiting(db: str | Path) -> bool:
    """Whether a live reader waits for the file (stale tokens are removed)."""
    waiting = False
    for token in _tokens(db):
        pid = token.name.rsplit(".read-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and _alive(int(pid)) and _fresh(token):
            waiting = True
        else:
            with contextlib.suppress(OSError):
                token.unlink()
    return waiting


@contextlib.contextmanager
def reader_token(db: str | Path) -> Iterator[None]:
    """Say, for the block, that this reader waits for the file."""
    token = Path(f"{db}.read-{os.getpid()}-{next(_TOKENS)}")
    try:
        token.touch()
    except OSError:  # a read-only folder: the writer will not know, readers still retry
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            token.unlink()


def set_intent(db: str | Path, wanted: bool) -> None:
    """Say (or stop saying) that the writer has the file or wants it back."""
    path = intent_path(db)
    with contextlib.suppress(OSError):
        if wanted:
            path.touch()
        else:
            path.unlink(missing_ok=True)


def writer_wants(db: str | Path) -> bool:
    """Whether a live writer has the file or waits for it (readers then hold back)."""
    return intent_path(db).exists() and read_holder(db) is not None


def _clear_stale(db: str | Path) -> None:
    """Signals left by dead processes (the new lease holder cleans up)."""
    set_intent(db, False)
    readers_waiting(db)


def retry_open(
    path: str | Path,
    open_once: Callable[[], duckdb.DuckDBPyConnection],
    *,
    wait: float | None,
    on_wait: Callable[[], None] | None = None,
    hold_back: Callable[[], bool] = lambda: False,
) -> duckdb.DuckDBPyConnection | None:
    """``open_once()``, retried with a short backoff while another process holds the file
    (or ``hold_back()``) for up to ``wait`` seconds; ``wait=None``: one try, None if held."""
    deadline = time.monotonic() + (wait or 0.0)
    delay, waited = 0.005, False
    while True:
        if not hold_back():
            try:
                return open_once()
            except duckdb.Error as exc:
                if not is_lock_error(exc):
                    raise CountlabError(
                        f"{path}: cannot open the warehouse ({first_line(exc)})"
                    ) from None
        if wait is None:
            return None
        if time.monotonic() >= deadline:
            raise CountlabError(
                f"{path}: the warehouse is busy: {who_writes(path)} has held it for "
                f"{wait:g} s; try again later"
            )
        if not waited and on_wait is not None:
            on_wait()
        waited = True
        time.sleep(delay)
        delay = min(2 * delay, 0.05)
