"""Asking git about a repository we do not trust.

The scanned repository's configuration can name commands git would run (an
fsmonitor hook, an external diff, a textconv filter); none of them runs here:
no shell, fixed arguments, those features switched off, and an environment
that holds only what locates the repository.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Sequence, Tuple

# What git needs from the environment to find the repository (a hook runs
# with GIT_INDEX_FILE set for a partial commit); nothing else is passed on.
_GIT_ENVIRONMENT = ("PATH", "HOME", "SYSTEMROOT", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR",
                    "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES")


def run_git(args: Sequence[str], cwd: Path) -> "subprocess.CompletedProcess[str]":
    """Run git with ``args`` in ``cwd``: its output, or a failed process."""
    env = {k: v for k, v in os.environ.items() if k in _GIT_ENVIRONMENT}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    return subprocess.run(["git", "-c", "core.fsmonitor=false", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=30, check=False)


def commit_state(path: Path) -> Tuple[str, bool]:
    """The commit checked out in the work tree holding ``path`` and whether
    anything under ``path`` differs from it; ("", False) outside a
    repository or without git."""
    directory = path if path.is_dir() else path.parent
    try:
        head = run_git(["rev-parse", "--verify", "HEAD"], directory)
        if head.returncode != 0:
            return "", False
        status = run_git(["status", "--porcelain", "--untracked-files=normal", "--ignore-submodules=all", "--",
                          str(path.resolve())], directory)
    except (OSError, subprocess.SubprocessError):
        return "", False
    return head.stdout.strip(), status.returncode == 0 and bool(status.stdout.strip())
