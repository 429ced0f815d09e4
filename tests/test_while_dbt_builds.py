"""While dbt builds in its subprocess, `make run`'s process imports what the gate needs next
(`pipeline.run_while`, `pipeline.while_dbt_builds`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evalwh import config, pipeline


def _waits_for(flag: Path, seconds: float = 60) -> list[str]:
    """A command that exits 0 once `flag` exists, or 3 after `seconds` without it."""
    code = textwrap.dedent(
        f"""
        import os, sys, time
        deadline = time.monotonic() + {seconds}
        while not os.path.exists({str(flag)!r}):
            if time.monotonic() > deadline:
                sys.exit(3)
            time.sleep(0.02)
        """
    )
    return [sys.executable, "-c", code]


def test_the_work_given_for_meanwhile_runs_while_the_command_runs(tmp_path):
    flag = tmp_path / "meanwhile-ran"
    # the command finishes only once meanwhile has run: if meanwhile ran after it, it would
    # time out and exit 3
    done = pipeline.run_while(_waits_for(flag), flag.touch, check=True)
    assert done.returncode == 0


def test_what_fails_meanwhile_is_logged_and_the_command_still_finishes(tmp_path, caplog):
    flag = tmp_path / "made-by-the-command"

    def broken() -> None:
        raise ImportError("no such module")

    command = [sys.executable, "-c", f"open({str(flag)!r}, 'w').close()"]
    done = pipeline.run_while(command, broken, check=True)
    assert done.returncode == 0 and flag.exists()
    assert "no such module" in caplog.text


def test_an_interrupt_meanwhile_kills_the_command(tmp_path):
    pid_file = tmp_path / "pid"
    command = [
        sys.executable,
        "-c",
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)",
    ]

    def interrupted() -> None:
        while not pid_file.exists() or not pid_file.read_text():
            pass
        raise KeyboardInterrupt  # what Airflow's SIGTERM or Ctrl-C raises in the task

    with pytest.raises(KeyboardInterrupt):
        pipeline.run_while(command, interrupted)
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left running
        os.kill(int(pid_file.read_text()), 0)


def test_a_failed_command_raises_when_checked():
    with pytest.raises(subprocess.CalledProcessError):
        pipeline.run_while([sys.executable, "-c", "raise SystemExit(2)"], lambda: None, check=True)


def test_the_gate_is_imported_during_dbt_only_where_it_runs_next_in_this_process(monkeypatch):
    monkeypatch.delenv(config.TASKS_SHARE_A_PROCESS, raising=False)
    assert pipeline.while_dbt_builds() is None  # a scheduler's task process
    monkeypatch.setenv(config.TASKS_SHARE_A_PROCESS, "1")  # make run's `airflow dags test`
    assert pipeline.while_dbt_builds() is pipeline.import_for_the_gate
    assert pipeline.while_dbt_builds(gate_follows_here=False) is None
    monkeypatch.delenv(config.TASKS_SHARE_A_PROCESS)
    assert pipeline.while_dbt_builds(gate_follows_here=True) is pipeline.import_for_the_gate


def test_a_dbt_command_leaves_great_expectations_imported_when_given_the_gate_import(tmp_path):
    code = textwrap.dedent(
        f"""
        import json, sys
        from evalwh import config, pipeline
        paths = config.paths({str(tmp_path / "raw")!r}, {str(tmp_path / "wh")!r})
        before = "great_expectations" in sys.modules
        done = pipeline.dbt_command(
            ["parse"], paths, meanwhile=pipeline.import_for_the_gate
        )
        print(json.dumps([before, "great_expectations" in sys.modules, done.returncode]))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == [False, True, 0]
