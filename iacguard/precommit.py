"""Scanning what a commit changes, with the context it needs.

pre-commit passes the changed files. A Terraform file is judged with its whole
module (variables, locals, other files, the modules it calls) and the modules
that call it, so those directories are scanned; CloudFormation and ARM
templates bring their own context (parameter files beside them, nested and
linked templates), and a changed parameters file brings the templates it
feeds. A finding is reported when its resource's file or a file its value
came from (its provenance: a variable default, a tfvars file, a module
input, a parameters file) is among the changed files. Where the commit
deletes or renames a file, removing it can break what the files beside it
rely on (a deleted public access block, a deleted tfvars that kept a value
safe), so every finding whose resource or value lies in that directory is
reported.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Set

from .git import run_git
from .parsers.arm.parameters import template_of_parameter_file
from .parsers.terraform import CONFIGURATION_SUFFIXES, VARIABLE_FILE_SUFFIXES
from .parsers.terraform.callers import calling_directories
from .source import Limits, display_path

_TERRAFORM_SUFFIXES = CONFIGURATION_SUFFIXES + VARIABLE_FILE_SUFFIXES


@dataclass
class CommitScope:
    scan_paths: List[str] = field(default_factory=list)
    report_files: Set[str] = field(default_factory=set)  # display paths, POSIX
    report_dirs: Set[str] = field(default_factory=set)   # whole modules to report

    def wants(self, file: str, provenance: Iterable[str] = ()) -> bool:
        """Whether a finding on ``file``, its value from the ``provenance``
        files, is the commit's doing."""
        return any(f in self.report_files or _parent(f) in self.report_dirs for f in (file, *provenance))


def _parent(file: str) -> str:
    return file.rsplit("/", 1)[0] if "/" in file else "."


def _display(path: Path, cwd: Path) -> str:
    return display_path(path.resolve(), cwd.resolve())


def staged_removals(cwd: Path) -> List[str]:
    """Files the staged commit deletes or renames away (paths relative to
    ``cwd``). Asks git itself; nothing when git or the repository is not
    there."""
    try:
        top = run_git(["rev-parse", "--show-toplevel"], cwd)
        if top.returncode != 0:
            return []
        diff = run_git(["diff", "--cached", "--no-ext-diff", "--no-textconv", "--name-status", "-M", "-z"], cwd)
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


def plan(files: Sequence[str], cwd: Path, removed: Optional[Sequence[str]] = None,
         parameter_files: Sequence[str] = (), limits: Optional[Limits] = None) -> CommitScope:
    """What to scan for a commit changing ``files`` and removing ``removed``
    (asked of git when not given); ``parameter_files`` are the configured
    CloudFormation / ARM parameter files, which feed every template; the
    files read to find a module's callers stay within ``limits``."""
    scope = CommitScope()
    configured = {_display(cwd / p, cwd) for p in parameter_files}
    seen: Set[str] = set()

    def add(path: str) -> None:
        if path not in seen:
            seen.add(path)
            scope.scan_paths.append(path)

    def add_module(directory: str) -> None:
        # The module's own files, not its subdirectories: modules it calls
        # are loaded through the calls, and nothing else is its context.
        for path in sorted((cwd / directory).iterdir()):
            if path.is_file() and path.name.endswith(CONFIGURATION_SUFFIXES):
                add(os.path.join(directory, path.name) if directory != "." else path.name)

    modules: Set[Path] = set()

    def add_context(name: str) -> bool:
        """Scan what a changed or removed file feeds; whether it feeds anything."""
        directory = os.path.dirname(name) or "."
        if name.endswith(_TERRAFORM_SUFFIXES):
            if (cwd / directory).is_dir():
                add_module(directory)
            modules.add(cwd / directory)
            return True
        if _display(cwd / name, cwd) in configured:
            add(".")  # it feeds every template scanned
            return True
        template = template_of_parameter_file(cwd / name)
        if template is not None:
            add(_display(template, cwd))
        return template is not None

    for name in files:
        path = Path(name)
        if not (path if path.is_absolute() else cwd / path).exists():
            continue
        scope.report_files.add(_display(cwd / path, cwd))
        add_context(name)
        if not name.endswith(_TERRAFORM_SUFFIXES):
            add(name)
    for name in removed if removed is not None else staged_removals(cwd):
        directory = os.path.dirname(name) or "."
        if (cwd / directory).is_dir() and add_context(name):
            scope.report_dirs.add(_display(cwd / directory, cwd) if directory != "." else ".")
    if modules:  # one walk of the tree for all of them
        for caller in calling_directories(modules, cwd, limits or Limits()):
            add_module(_display(caller, cwd))
    return scope
