"""Real child processes for the reliability tests: run, time, measure, kill.

`run_child()` starts a Python child (its own session, so a kill reaches its workers too), waits
for it with ``os.wait4`` and returns its exit status, output, wall time and peak RSS
(``ru_maxrss`` of the child). An address-space limit (RLIMIT_AS) is a safety net only: the
tests assert the measured peak, well below that limit.

The child's code runs in a grandchild started by a small launcher (``_LAUNCHER``), which reports
the code's own ``ru_maxrss``. Started directly by fork + exec from the pytest worker, the child
would be charged for the worker: Linux carries the peak RSS of the address space a process had
before ``exec`` (here a copy of the worker, which grows to hundreds of MB over a run) into
``ru_maxrss``, so the same ingest measured 180 MB alone and 325 MB late in a full run.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
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


# argv: the pipe's write end, then `-c` code and its args. Forked from this small process, the
# grandchild's ru_maxrss starts from the launcher's image (about 10 MB), not the test's.
_LAUNCHER = """
import json, os, signal, sys
report = int(sys.argv[1])
pid = os.fork()
if pid == 0:
    os.close(report)
    os.execv(sys.executable, [sys.executable, "-c", *sys.argv[2:]])
os.write(report, b"%d\\n" % pid)
for sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(sig, lambda number, frame: os.kill(pid, number))
_, status, usage = os.wait4(pid, 0)
os.write(report, json.dumps({"maxrss_kib": usage.ru_maxrss}).encode())
os.close(report)
if os.WIFSIGNALED(status):
    if os.WTERMSIG(status) not in (signal.SIGKILL, signal.SIGSTOP):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.WEXITSTATUS(status))
"""


def start(
    code: str,
    *args: str,
    env: dict[str, str] | None = None,
    address_space: int | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen:
    """Start `python -c code args...` in a new session. Its output is drained continuously (a
    child that fills a pipe nobody reads would block): `read_line()` gives stdout line by line,
    `wait_measured()` all of it."""
    report_read, report_write = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, str(report_write), textwrap.dedent(code), *args],
        pass_fds=(report_write,),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        env=env or child_env(),
        cwd=cwd or REPO,
        start_new_session=True,
        preexec_fn=_limits(address_space),
    )
    os.close(report_write)
    proc.report_fd = report_read
    proc.code_pid = _read_pid(report_read)  # the process running `code` (a lock names it)
    proc.started_at = time.monotonic()
    proc.lines = queue.Queue()
    proc.out, proc.err = [], []

    def drain_stdout() -> None:
        for line in proc.stdout:
            proc.out.append(line)
            proc.lines.put(line)
        proc.lines.put("")  # end of output

    def drain_stderr() -> None:
        proc.err.append(proc.stderr.read())

    proc.readers = [threading.Thread(target=f, daemon=True) for f in (drain_stdout, drain_stderr)]
    for reader in proc.readers:
        reader.start()
    return proc


def read_line(proc: subprocess.Popen, timeout: float = 120) -> str:
    """The child's next line of output ("" once it has ended)."""
    return proc.lines.get(timeout=timeout)


def kill_group(proc: subprocess.Popen) -> None:
    """kill -9 the child and everything it started (its session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def wait_measured(proc: subprocess.Popen, timeout: float) -> ChildResult:
    """Wait for the child with os.wait4: exit status plus its own resource usage (wall time
    counted from its start)."""
    timed_out = threading.Event()

    def on_timeout() -> None:
        timed_out.set()
        kill_group(proc)

    timer = threading.Timer(timeout, on_timeout)
    timer.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    seconds = time.monotonic() - proc.started_at
    for reader in proc.readers:
        reader.join(timeout=30)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return ChildResult(
        proc.returncode,
        "".join(proc.out),
        "".join(proc.err),
        seconds,
        _code_maxrss_kib(proc, usage) * 1024,  # KiB on Linux
        timed_out.is_set(),
    )


def _read_pid(fd: int) -> int | None:
    """The first line the launcher writes: its child's pid (None if it died before)."""
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(fd, 1)
        if not chunk:
            return None
        line += chunk
    return int(line)


def _code_maxrss_kib(proc: subprocess.Popen, launcher_usage) -> int:
    """The code's own peak RSS, as the launcher reported it; when the launcher was killed
    before it could (kill -9 of the session), the launcher's, which also counts this process."""
    with os.fdopen(proc.report_fd, "rb") as report:
        data = report.read()
    if data:
        return int(json.loads(data)["maxrss_kib"])
    return launcher_usage.ru_maxrss


def run_child(
    code: str,
    *args: str,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    address_space: int | None = None,
) -> ChildResult:
    return wait_measured(start(code, *args, env=env, address_space=address_space), timeout)


# ---------------------------------------------------------------------------- watching files
IN_CREATE = 0x100
IN_MOVED_TO = 0x80


class DirWatch:
    """inotify on one directory (Linux): block until a matching entry appears, using no CPU
    while waiting, so a kill lands within a millisecond or so of the event."""

    def __init__(self, directory: Path, mask: int = IN_CREATE | IN_MOVED_TO):
        import ctypes
        import ctypes.util

        self._libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = self._libc.inotify_init()
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init failed")
        if self._libc.inotify_add_watch(self.fd, str(directory).encode(), mask) < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch {directory} failed")

    def wait_for(
        self,
        match: Callable[[int, str], bool],
        timeout: float,
        alive: Callable[[], bool] | None = None,
    ) -> tuple[int, str]:
        """Block until an event (mask, name) satisfies `match`; TimeoutError after `timeout`,
        RuntimeError as soon as `alive()` turns false (the watched child ended)."""
        import select
        import struct

        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no matching file event")
            if not select.select([self.fd], [], [], min(left, 1.0))[0]:
                if alive is not None and not alive():
                    raise RuntimeError("the child ended before the file event")
                continue
            data = os.read(self.fd, 65536)
            offset = 0
            while offset < len(data):
                _wd, mask, _cookie, length = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16 : offset + 16 + length].rstrip(b"\0").decode()
                offset += 16 + length
                if match(mask, name):
                    return mask, name

    def close(self) -> None:
        os.close(self.fd)


def session_commands(sid: int) -> list[str]:
    """Command lines of the live processes in session `sid` (the child and what it started)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) != sid or fields[0] == "Z":
                continue
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        found.append(cmd)
    return found


def record_bound(case: str, result: ChildResult) -> None:
    """Append a measurement to $EVALWH_BOUNDS_LOG (used to write docs/reliability.md)."""
    log = os.environ.get("EVALWH_BOUNDS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{case}\t{result.seconds:.1f} s\t{result.peak_rss_mb:.0f} MB\n")
