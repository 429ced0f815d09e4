"""Real child processes for the reliability tests: run, time, measure, kill.

`run_child()` starts a Python child (its own session, so a kill reaches its workers too), waits
for it with ``os.wait4`` and returns its exit status, output, wall time and peak RSS
(``ru_maxrss`` of the child). An address-space limit (RLIMIT_AS) is a safety net only: the
tests assert the measured peak, well below that limit.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MB = 1 << 20


@dataclass
class ChildResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss: int  # bytes
    killed_by_timeout: bool = False

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss / MB


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(extra)
    return env


def _limits(address_space: int | None) -> Callable[[], None] | None:
    if address_space is None:
        return None

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    return apply


def start(
    code: str,
    *args: str,
    env: dict[str, str] | None = None,
    address_space: int | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen:
    """Start `python -c code args...` in a new session; stdout/stderr as pipes (text)."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or child_env(),
        cwd=cwd or REPO,
        start_new_session=True,
        preexec_fn=_limits(address_space),
    )


def kill_group(proc: subprocess.Popen) -> None:
    """kill -9 the child and everything it started (its session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def wait_measured(proc: subprocess.Popen, timeout: float) -> ChildResult:
    """Wait for the child with os.wait4: exit status plus its own resource usage."""
    started = time.monotonic()
    timed_out = threading.Event()

    def on_timeout() -> None:
        timed_out.set()
        kill_group(proc)

    timer = threading.Timer(timeout, on_timeout)
    timer.start()
    out: list[str] = []
    err: list[str] = []
    readers = [
        threading.Thread(target=lambda: out.append(proc.stdout.read())),
        threading.Thread(target=lambda: err.append(proc.stderr.read())),
    ]
    for r in readers:
        r.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    seconds = time.monotonic() - started
    for r in readers:
        r.join(timeout=30)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return ChildResult(
        proc.returncode,
        "".join(out),
        "".join(err),
        seconds,
        usage.ru_maxrss * 1024,  # KiB on Linux
        timed_out.is_set(),
    )


def run_child(
    code: str,
    *args: str,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    address_space: int | None = None,
) -> ChildResult:
    return wait_measured(start(code, *args, env=env, address_space=address_space), timeout)
