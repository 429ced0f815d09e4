"""The reliability harness measures the child, not the test process that starts it."""

from __future__ import annotations

from .procs import MB, run_child


def test_a_childs_peak_rss_excludes_the_memory_of_the_process_that_started_it():
    ballast = bytearray(400 * MB)  # touched: resident in this process
    for offset in range(0, len(ballast), 4096):
        ballast[offset] = 1
    small = run_child("import sys; sys.stdout.write('ok')")
    big = run_child("data = bytearray(200 << 20)\nfor i in range(0, len(data), 4096): data[i] = 1")
    del ballast
    assert small.returncode == 0 and small.stdout == "ok"
    assert small.peak_rss_mb < 100, small.peak_rss_mb  # a bare interpreter, not 400 MB more
    assert 200 < big.peak_rss_mb < 300, big.peak_rss_mb  # what the code itself took


def test_a_childs_exit_status_and_signal_pass_through_the_launcher():
    assert run_child("import sys; sys.exit(3)").returncode == 3
    assert run_child("import os, signal; os.kill(os.getpid(), signal.SIGKILL)").returncode == -9
