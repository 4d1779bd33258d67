"""The pre-commit hook of this repository, run by the real pre-commit in a
temporary git repository: it fails on a misconfigured staged file and passes
once the file is fixed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import git, init_git_repository

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or shutil.which("pre-commit") is None,
    reason="needs git and pre-commit",
)


SECURITY_GROUP = """resource "aws_security_group" "ssh" {{
  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["{cidr}"]
  }}
}}
"""



def _hook(repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), NO_COLOR="1")
    return subprocess.run(["pre-commit", "try-repo", str(ROOT), "iacguard"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900)


def test_hook_fails_on_a_finding_and_passes_when_fixed(tmp_path: Path) -> None:
    repo = init_git_repository(tmp_path / "repo")
    (repo / "README.md").write_text("not scanned\n")
    (repo / "main.tf").write_text(SECURITY_GROUP.format(cidr="0.0.0.0/0"))
    git(repo, "add", ".")
    failing = _hook(repo, tmp_path / "cache")
    output = failing.stdout + failing.stderr
    assert failing.returncode == 1, output
    assert "IACG-AWS-004" in output and "main.tf:6" in output

    (repo / "main.tf").write_text(SECURITY_GROUP.format(cidr="10.0.0.0/8"))
    git(repo, "add", ".")
    passing = _hook(repo, tmp_path / "cache")
    assert passing.returncode == 0, passing.stdout + passing.stderr
