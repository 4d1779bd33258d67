"""--pre-commit asks git about the staged commit; a repository's own
configuration must not make that run anything."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import git, init_git_repository

from iacguard.precommit import staged_removals

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def test_git_runs_without_the_commands_the_repository_configures(tmp_path: Path, run) -> None:
    repo = init_git_repository(tmp_path / "repo")
    (repo / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    (repo / "gone.tf").write_text("locals {\n  a = 1\n}\n")
    (repo / ".gitattributes").write_text("*.tf diff=evil\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "start")
    git(repo, "rm", "-q", "gone.tf")
    marker = tmp_path / "ran"
    for key in ("core.fsmonitor", "diff.external", "diff.evil.textconv"):
        git(repo, "config", key, f"echo {key} >> '{marker}'; false")
    assert staged_removals(repo) == ["gone.tf"]
    code, out, err = run(["scan", "--pre-commit", "main.tf", "--format", "json"], repo)
    assert code in (0, 1), err
    assert not marker.exists(), marker.read_text()
