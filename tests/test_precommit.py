"""The pre-commit hook this repository publishes (.pre-commit-hooks.yaml),
run by the real pre-commit in a temporary git repository: it fails on a
misconfigured staged file and passes once the file is fixed.

pre-commit installs a `language: python` hook into a fresh virtualenv from
the package index, which takes minutes; the default test runs the
manifest's own hook definition as a `language: system` hook against the
iacguard installed here, so everything but the installation is exercised.
IACGUARD_TEST_INSTALL=1 also runs `pre-commit try-repo`, installation
included (release check; needs the package index)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml
from conftest import git, init_git_repository

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEARCH_PATH = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
PRE_COMMIT = shutil.which("pre-commit", path=SEARCH_PATH)

pytestmark = pytest.mark.skipif(shutil.which("git") is None or PRE_COMMIT is None,
                                reason="needs git and pre-commit")

SECURITY_GROUP = """resource "aws_security_group" "ssh" {{
  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["{cidr}"]
  }}
}}
"""


def _published_hook() -> Dict[str, Any]:
    hooks: List[Dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [hook for hook in hooks if hook["id"] == "iacguard"]
    return hook


def _run(argv: List[str], repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), NO_COLOR="1", PATH=SEARCH_PATH)
    return subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def _fails_then_passes(tmp_path: Path, argv: List[str], extra_files: Dict[str, str]) -> None:
    repo = init_git_repository(tmp_path / "repo")
    for name, text in {"README.md": "not scanned\n", **extra_files}.items():
        (repo / name).write_text(text)
    (repo / "main.tf").write_text(SECURITY_GROUP.format(cidr="0.0.0.0/0"))
    git(repo, "add", ".")
    failing = _run(argv, repo, tmp_path / "cache")
    output = failing.stdout + failing.stderr
    assert failing.returncode == 1, output
    assert "IACG-AWS-004" in output and "main.tf:6" in output, output
    assert "README.md" not in output, output  # types_or keeps non-IaC files away

    (repo / "main.tf").write_text(SECURITY_GROUP.format(cidr="10.0.0.0/8"))
    git(repo, "add", ".")
    passing = _run(argv, repo, tmp_path / "cache")
    assert passing.returncode == 0, passing.stdout + passing.stderr


def test_published_hook_is_a_python_hook_of_this_package() -> None:
    hook = _published_hook()
    assert hook["language"] == "python"
    command = hook["entry"].split()[0]
    project = (ROOT / "pyproject.toml").read_text()
    assert f'{command} = "iacguard.cli:main"' in project


def test_published_hook_fails_on_a_finding_and_passes_when_fixed(tmp_path: Path) -> None:
    # The manifest's definition as it is (entry, file types, always_run,
    # require_serial), run on the iacguard installed beside pytest.
    hook = dict(_published_hook(), language="system")
    config = yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}, sort_keys=False)
    _fails_then_passes(tmp_path, [str(PRE_COMMIT), "run"], {".pre-commit-config.yaml": config})


@pytest.mark.skipif(os.environ.get("IACGUARD_TEST_INSTALL") != "1",
                    reason="installs the hook from the package index; set IACGUARD_TEST_INSTALL=1")
def test_hook_installed_by_pre_commit_fails_then_passes(tmp_path: Path) -> None:
    _fails_then_passes(tmp_path, [str(PRE_COMMIT), "try-repo", str(ROOT), "iacguard"], {})
