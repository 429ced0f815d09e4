"""The pipeline lock: one writer of the warehouse at a time.

`pipeline_lock()` takes an exclusive `fcntl.flock` on `paths().lock_file` (or the file given).
The kernel releases a flock when its holder dies, so a crashed run never leaves a stale lock.

* ``timeout=0`` (default): fail fast with `PipelineLockedError`, naming the holder (pid, host,
  since) that the holder wrote into the lock file.
* ``timeout=<seconds>``: wait up to that long, then fail the same way.
* ``timeout=None``: wait for as long as it takes.

The lock is re-entrant within one process (flock locks belong to an open file description, so a
second ``open`` + ``flock`` in the same process would otherwise deadlock on itself): an Airflow
task that holds the lock around ingest → dbt → gate → publish can call `publish()`, which takes
the lock again, without blocking.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["PipelineLockedError", "pipeline_lock"]


class PipelineLockedError(RuntimeError):
    """Another pipeline run holds the lock."""


_held: dict[Path, tuple[int, int]] = {}  # lock path -> (fd, depth), in this process
_held_guard = threading.Lock()


def _default_lock_file() -> Path:
    from evalwh.config import paths

    return paths().lock_file


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 4096).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "an unknown process"


@contextlib.contextmanager
def pipeline_lock(
    lock_file: str | Path | None = None,
    *,
    timeout: float | None = 0.0,
    poll_interval: float = 0.1,
) -> Iterator[Path]:
    """Hold the exclusive pipeline lock for the duration of the ``with`` block.

    Yields the lock file's path. Raises `PipelineLockedError` when the lock is not obtained
    within ``timeout`` seconds (0: try once; None: wait forever).
    """
    path = Path(lock_file) if lock_file is not None else _default_lock_file()
    path = path.resolve()
    with _held_guard:
        if path in _held:  # re-entrant within this process
            fd, depth = _held[path]
            _held[path] = (fd, depth + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield path
        finally:
            with _held_guard:
                fd, depth = _held[path]
                _held[path] = (fd, depth - 1)
        return

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                if deadline is not None and time.monotonic() >= deadline:
                    waited = f" after waiting {timeout:g} s" if timeout else ""
                    raise PipelineLockedError(
                        f"the evalwh pipeline lock {path} is held by {_holder(fd)}{waited}: "
                        "another ingest/build/publish run is in progress. Retry when it has "
                        "finished (or pass a timeout to wait for it)."
                    ) from None
                time.sleep(poll_interval)
        info = (
            f"pid {os.getpid()} on {socket.gethostname()} "
            f"since {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}\n"
        )
        os.ftruncate(fd, 0)
        os.pwrite(fd, info.encode(), 0)
        with _held_guard:
            _held[path] = (fd, 1)
        try:
            yield path
        finally:
            with _held_guard:
                _held.pop(path, None)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
