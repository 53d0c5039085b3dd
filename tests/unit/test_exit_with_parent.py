"""A worker ends when the process that started it is gone, even when that happened while the worker was still
starting (it was already adopted when its watcher began, so a changed parent pid alone would never be seen)."""

import subprocess
import sys
import time

CHILD = """
import sys, time
from newskg.sandbox.limits import exit_with_parent
exit_with_parent(poll_s=0.05, parent=int(sys.argv[1]))
time.sleep(30)
sys.exit(3)
"""


def _exit_code_within(process: subprocess.Popen, seconds: float) -> int | None:
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


def test_a_worker_whose_starting_parent_is_gone_ends_at_once():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # exited and reaped: its pid names no running process
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(gone.pid)])
    started = time.monotonic()
    assert _exit_code_within(child, 10) == 0
    assert time.monotonic() - started < 10


def test_a_worker_whose_parent_runs_keeps_running():
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(parent.pid)])
        assert _exit_code_within(child, 1.5) is None  # still running after many polls: killed by the helper
    finally:
        parent.kill()
        parent.wait()
