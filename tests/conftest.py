"""Shared test helpers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, List, Tuple

import pytest

from iacguard.cli import main


@pytest.fixture
def run(capsys) -> Callable[[List[str], Path], Tuple[int, str, str]]:
    """Run the command line in a directory: (exit status, stdout, stderr)."""

    def invoke(args: List[str], cwd: Path, _capsys=None) -> Tuple[int, str, str]:
        old = Path.cwd()
        os.chdir(cwd)
        try:
            code = main(args)
        finally:
            os.chdir(old)
        out = capsys.readouterr()
        return code, out.out, out.err

    return invoke


def make_work_tree(path: Path) -> Path:
    """Make ``path`` the root of a git work tree, as git itself recognises
    one (``.git`` with HEAD, objects and refs), without running git."""
    (path / ".git" / "objects").mkdir(parents=True, exist_ok=True)
    (path / ".git" / "refs").mkdir(exist_ok=True)
    (path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return path


@pytest.fixture
def work_tree() -> Callable[[Path], Path]:
    return make_work_tree


@pytest.fixture(scope="session")
def installation_cache(tmp_path_factory) -> Path:
    """A user cache holding only what an installation builds once (the HCL
    parse tables, the compiled check set): copied into a test's own cache
    where the test is not about a first run, it spares rebuilding them."""
    cache = tmp_path_factory.mktemp("installation") / "cache"
    tree = cache.parent / "tree"
    tree.mkdir()
    (tree / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n')
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    subprocess.run([sys.executable, "-m", "iacguard", "scan", str(tree), "--format", "json"], env=env,
                   capture_output=True, check=False, timeout=600)
    return cache


def copy_of(cache: Path, destination: Path) -> Path:
    """A copy of ``cache`` at ``destination``, modes kept (a cache directory
    must stay its user's alone)."""
    if cache.is_dir():
        shutil.copytree(cache, destination)
    return destination


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def init_git_repository(repo: Path) -> Path:
    """A git repository in ``repo`` with an identity to commit as."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "test@example.invalid")
    git(repo, "config", "user.name", "test")
    return repo
