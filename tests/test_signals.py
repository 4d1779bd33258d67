"""Real signals to a real scan: workers end with the parent, Ctrl-C is one
line and status 130, SIGTERM leaves no temporary report behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads worker ids from /proc"),
    pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="workers are used only with two cores or more"),
]

# Wide margins: these only keep a broken build from hanging the suite.
HANG_GUARD_S = 120


@pytest.fixture
def big_tree(tmp_path: Path) -> Path:
    """Enough Terraform files that they are parsed in worker processes, and
    for long enough to be interrupted there."""
    root = tmp_path / "tree"
    root.mkdir()
    body = "".join(f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "name-{i}"\n  tags = {{ n = {i} }}\n}}\n'
                   for i in range(400))
    for n in range(120):
        (root / f"f{n:03}.tf").write_text(body.replace('"b', f'"f{n}b'))
    return root


def _start(args: List[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "iacguard", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def _children(pid: int) -> List[int]:
    found: List[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return found


def _wait_for_workers(proc: subprocess.Popen) -> List[int]:
    deadline = time.monotonic() + HANG_GUARD_S
    while time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        if len(workers) >= 2:
            return workers
        time.sleep(0.02)
    pytest.fail("the scan never started its worker processes")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _all_gone(pids: List[int]) -> bool:
    deadline = time.monotonic() + HANG_GUARD_S
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


def _stop(proc: subprocess.Popen, workers: List[int]) -> None:
    """Whatever the outcome, leave nothing running."""
    for pid in [proc.pid, *workers]:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    proc.wait(timeout=HANG_GUARD_S)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_workers_end_with_the_parent(big_tree: Path, signum: int) -> None:
    proc = _start(["scan", ".", "--no-cache", "--format", "json"], big_tree)
    workers: List[int] = []
    try:
        workers = _wait_for_workers(proc)
        proc.send_signal(signum)
        # Workers left behind would hold this pipe open: reading to its end
        # would wait for them.
        proc.communicate(timeout=HANG_GUARD_S)
        assert proc.returncode == (128 + signal.SIGTERM if signum == signal.SIGTERM else -signal.SIGKILL)
        assert _all_gone(workers), "worker processes outlived the scan"
    finally:
        _stop(proc, workers)


def test_ctrl_c_to_the_process_group_is_one_line_and_130(big_tree: Path) -> None:
    proc = _start(["scan", ".", "--no-cache"], big_tree)
    workers: List[int] = []
    try:
        workers = _wait_for_workers(proc)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=HANG_GUARD_S)
        assert proc.returncode == 130
        assert err.decode() == "iacguard: interrupted\n"
        assert _all_gone(workers)
    finally:
        _stop(proc, workers)


SIGTERM_WHILE_WRITING = """
import os, signal, sys
import iacguard.cli as cli
import iacguard.report.common as common

common.JSON_BATCH = 8  # a small report in many pieces, as a large one is

def blocks(pieces, size=1 << 16):
    for n, piece in enumerate(pieces):
        if n == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        yield piece

cli._in_blocks = blocks
sys.exit(cli.main(sys.argv[1:]))
"""


def test_sigterm_while_a_report_is_written_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n')
    (tmp_path / "out").mkdir()
    done = subprocess.run([sys.executable, "-c", SIGTERM_WHILE_WRITING, "scan", "main.tf", "--format", "json",
                           "--output", "out/report.json"], cwd=tmp_path, capture_output=True,
                          timeout=HANG_GUARD_S)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert b"Traceback" not in done.stderr
    assert list((tmp_path / "out").iterdir()) == []
