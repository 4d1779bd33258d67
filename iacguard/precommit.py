"""Scanning what a commit changes, with the context it needs.

pre-commit passes the changed files. A Terraform file is judged with its whole
module (variables, locals, other files, the modules it calls), so its
directory is scanned; CloudFormation and ARM templates bring their own context
(parameter files beside them, nested and linked templates). Findings are
reported only for the changed files, except where the commit deletes or
renames a file of a Terraform module: removing a file can break what the
module's other files rely on (a deleted public access block), so that whole
module is reported.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Set

from .source import display_path

_TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")


@dataclass
class CommitScope:
    scan_paths: List[str] = field(default_factory=list)
    report_files: Set[str] = field(default_factory=set)  # display paths, POSIX
    report_dirs: Set[str] = field(default_factory=set)   # whole modules to report

    def wants(self, file: str) -> bool:
        if file in self.report_files:
            return True
        parent = file.rsplit("/", 1)[0] if "/" in file else "."
        return parent in self.report_dirs


def _display(path: Path, cwd: Path) -> str:
    return display_path(path.resolve(), cwd.resolve())


# What git needs from the environment to find the repository (a hook runs
# with GIT_INDEX_FILE set for a partial commit); nothing else is passed on.
_GIT_ENVIRONMENT = ("PATH", "HOME", "SYSTEMROOT", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR",
                    "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES")


def _git(args: Sequence[str], cwd: Path) -> "subprocess.CompletedProcess[str]":
    """Run git on a repository we do not trust: no shell, fixed arguments,
    and none of the commands its configuration may name (an fsmonitor hook,
    an external diff or a textconv filter) run."""
    env = {k: v for k, v in os.environ.items() if k in _GIT_ENVIRONMENT}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    return subprocess.run(["git", "-c", "core.fsmonitor=false", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=30, check=False)


def staged_removals(cwd: Path) -> List[str]:
    """Files the staged commit deletes or renames away (paths relative to
    ``cwd``). Asks git itself; nothing when git or the repository is not
    there."""
    try:
        top = _git(["rev-parse", "--show-toplevel"], cwd)
        if top.returncode != 0:
            return []
        diff = _git(["diff", "--cached", "--no-ext-diff", "--no-textconv", "--name-status", "-M", "-z"], cwd)
    except (OSError, subprocess.SubprocessError):
        return []
    if diff.returncode != 0:
        return []
    root = Path(top.stdout.strip())
    fields = diff.stdout.split("\0")
    removed: List[str] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status.startswith(("R", "C")):
            old = fields[i + 1] if i + 1 < len(fields) else ""
            if status.startswith("R") and old:
                removed.append(old)
            i += 3
        else:
            if status.startswith("D") and i + 1 < len(fields):
                removed.append(fields[i + 1])
            i += 2
    return [_display(root / r, cwd) for r in removed]


def plan(files: Sequence[str], cwd: Path, removed: Optional[Sequence[str]] = None) -> CommitScope:
    scope = CommitScope()
    seen: Set[str] = set()

    def add(path: str) -> None:
        if path not in seen:
            seen.add(path)
            scope.scan_paths.append(path)

    def add_module(directory: str) -> None:
        # The module's own files, not its subdirectories: modules it calls
        # are loaded through the calls, and nothing else is its context.
        for path in sorted((cwd / directory).iterdir()):
            if path.is_file() and path.name.endswith((".tf", ".tf.json")):
                add(os.path.join(directory, path.name) if directory != "." else path.name)

    for name in files:
        path = Path(name)
        if not (path if path.is_absolute() else cwd / path).exists():
            continue
        scope.report_files.add(_display(cwd / path, cwd))
        if name.endswith(_TERRAFORM_SUFFIXES):
            add_module(os.path.dirname(name) or ".")
        else:
            add(name)
    for name in removed if removed is not None else staged_removals(cwd):
        if name.endswith(_TERRAFORM_SUFFIXES):
            directory = os.path.dirname(name) or "."
            if (cwd / directory).is_dir():
                add_module(directory)
                scope.report_dirs.add(_display(cwd / directory, cwd) if directory != "." else ".")
    return scope
