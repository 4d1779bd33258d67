"""--output destroys nothing: scanned files, links, pipes, devices and
permissions survive; an impossible destination fails before the scan."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

BUCKET = 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  acl    = "public-read"\n}\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "b.tf").write_text(BUCKET)
    return root


def _scan_never_started(err: str) -> None:
    assert "Traceback" not in err
    assert err.startswith("iacguard: ")


@pytest.mark.parametrize("target", ["repo/b.tf", "repo"])
def test_output_over_a_scanned_file_or_onto_a_directory_exits_2_before_scanning(
        tmp_path: Path, repo: Path, run, target: str) -> None:
    code, out, err = run(["scan", "repo", "--format", "json", "--output", target], tmp_path)
    assert code == 2
    _scan_never_started(err)
    assert (repo / "b.tf").read_text() == BUCKET


def test_output_over_a_template_in_a_scanned_tree_is_refused(tmp_path: Path, repo: Path, run) -> None:
    template = repo / "net" / "stack.yaml"
    template.parent.mkdir()
    template.write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
    code, _, err = run(["scan", "repo", "--format", "json", "--output", "repo/net/stack.yaml"], tmp_path)
    assert code == 2 and "being scanned" in err
    assert template.read_text().startswith("AWSTemplateFormatVersion")


def test_an_earlier_report_inside_the_scanned_tree_may_be_replaced(tmp_path: Path, repo: Path, run) -> None:
    (repo / "report.json").write_text("{}")
    code, _, _ = run(["scan", "repo", "--format", "json", "--output", "repo/report.json"], tmp_path)
    assert code == 1
    assert json.loads((repo / "report.json").read_text())["findings"]


def test_output_below_a_regular_file_exits_2_before_scanning(tmp_path: Path, repo: Path, run) -> None:
    (tmp_path / "plain").write_text("x")
    code, _, err = run(["scan", "repo", "--output", "plain/sub/report.txt"], tmp_path)
    assert code == 2
    _scan_never_started(err)
    assert "not a directory" in err


def test_create_baseline_over_a_scanned_file_is_refused(tmp_path: Path, repo: Path, run) -> None:
    code, _, err = run(["scan", "repo", "--create-baseline", "repo/b.tf"], tmp_path)
    assert code == 2 and "being scanned" in err
    assert (repo / "b.tf").read_text() == BUCKET


def test_a_symbolic_link_is_written_through_not_replaced(tmp_path: Path, repo: Path, run) -> None:
    real = tmp_path / "reports" / "real.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    code, _, _ = run(["scan", "repo", "--format", "json", "--output", "link.json"], tmp_path)
    assert code == 1
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["findings"][0]["file"] == "repo/b.tf"


def test_a_fifo_is_written_directly_and_its_reader_gets_the_report(tmp_path: Path, repo: Path, run) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []

    def read() -> None:
        with open(fifo, encoding="utf-8") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    code, _, _ = run(["scan", "repo", "--format", "json", "--output", "pipe"], tmp_path)
    reader.join(timeout=120)  # hang guard only
    assert code == 1
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["findings"][0]["check_id"].startswith("IACG-AWS-")


def test_a_terminal_is_written_directly_not_replaced(tmp_path: Path, repo: Path, run) -> None:
    """A pseudo-terminal stands for any character device: replacing one
    (``/dev/stdout`` as root) would destroy the device node."""
    master, slave = os.openpty()
    device = os.ttyname(slave)
    received = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            received.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        code, _, err = run(["scan", "repo", "--compact", "--output", device], tmp_path)
        assert stat.S_ISCHR(os.stat(device).st_mode)
    finally:
        os.close(slave)
        reader.join(timeout=60)  # hang guard only
        os.close(master)
    assert code == 1, err
    assert b"repo/b.tf:3: IACG-AWS-" in bytes(received)


def test_dash_is_standard_output(tmp_path: Path, repo: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "iacguard", "scan", "repo", "--format", "json",
                           "--output", "-"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert json.loads(done.stdout)["findings"][0]["file"] == "repo/b.tf"
    assert not (tmp_path / "-").exists()


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="no /dev/stdout on this platform")
def test_dev_stdout_on_a_pipe_is_written_through(tmp_path: Path, repo: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "iacguard", "scan", "repo", "--format", "json",
                           "--output", "/dev/stdout"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["findings"][0]["file"] == "repo/b.tf"


def test_an_existing_report_keeps_its_mode_and_a_new_one_follows_the_umask(
        tmp_path: Path, repo: Path, run) -> None:
    private = tmp_path / "private.json"
    private.write_text("{}")
    private.chmod(0o600)
    old = os.umask(0o027)
    try:
        run(["scan", "repo", "--format", "json", "--output", "private.json", "--format", "sarif",
             "--output", "new.sarif"], tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert json.loads(private.read_text())["findings"]
    assert stat.S_IMODE((tmp_path / "new.sarif").stat().st_mode) == 0o640
