"""Finding template files and deciding their format from their content."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Set

from .source import display_path, is_inside, read_head

SKIPPED_DIRS = frozenset({".terraform", ".git", "node_modules", ".terragrunt-cache", "__pycache__"})

_YAML_SUFFIXES = (".yaml", ".yml", ".template")
_JSON_SUFFIXES = (".json", ".template")

# Content markers. A file is only parsed (and a parse failure only reported)
# when its content says it is a template of that kind.
_CFN_MARKER = re.compile(r"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?(AWS|Alexa)::[A-Za-z0-9]+::")
_ARM_MARKER = re.compile(r"deploymentTemplate\.json", re.IGNORECASE)
_ARM_PARAMS_MARKER = re.compile(r"deploymentParameters\.json", re.IGNORECASE)
# A plan has planned_values; ``terraform show -json`` of a state has values.root_module.
_PLAN_MARKER = re.compile(r"\"planned_values\"|\"root_module\"")
_PLAN_VERSION = re.compile(r"\"format_version\"")


@dataclass(frozen=True)
class Candidate:
    """A file that may be a template, with its path as the user sees it."""

    path: Path
    display: str
    scan_root: Path


@dataclass
class DiscoveryResult:
    candidates: List[Candidate] = field(default_factory=list)
    skipped_links: List[str] = field(default_factory=list)
    # Things worth telling the user (shown with --verbose).
    notes: List[str] = field(default_factory=list)


def discover(paths: Sequence[str], cwd: Optional[Path] = None) -> DiscoveryResult:
    """Walk the given files and directories; never follow a link out of its root."""
    cwd = (cwd or Path.cwd()).absolute()
    result = DiscoveryResult()
    seen: Set[Path] = set()
    for raw in paths or ["."]:
        given = Path(raw)
        given = given if given.is_absolute() else cwd / given
        given = Path(os.path.normpath(given))
        if given.is_dir():
            root = given.resolve()
            for file in _walk(given, root, cwd, result):
                _add(file, root, cwd, seen, result)
        elif given.exists() or given.is_symlink():
            root = given.parent.resolve()
            target = _resolved(given)
            if given.is_symlink() and (target is None or not is_inside(target, root)):
                result.skipped_links.append(display_path(given, cwd))
                continue
            if target is not None and not _is_regular(target):
                _note_special(given, cwd, result)
                continue
            _add(given, root, cwd, seen, result)
        else:
            raise FileNotFoundError(raw)
    return result


def _resolved(path: Path) -> Optional[Path]:
    """The real path, or None for a symbolic link loop."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return None


def _is_regular(path: Path) -> bool:
    """A regular file (after links)? Reading a named pipe blocks until
    someone writes to it, a device may never end."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _note_special(path: Path, cwd: Path, result: DiscoveryResult) -> None:
    result.notes.append(f"{display_path(path, cwd)}: not a regular file (a named pipe, a device or a socket); "
                        "not read")


def _add(file: Path, root: Path, cwd: Path, seen: Set[Path], result: DiscoveryResult) -> None:
    real = _resolved(file)
    if real is None:
        result.skipped_links.append(display_path(file, cwd))
        return
    if real in seen:
        return
    seen.add(real)
    result.candidates.append(Candidate(file, display_path(file, cwd), root))


def _walk(top: Path, root: Path, cwd: Path, result: DiscoveryResult) -> Iterator[Path]:
    visited_dirs: Set[Path] = set()
    stack = [top]
    while stack:
        directory = stack.pop()
        real_dir = _resolved(directory)
        if real_dir is None or real_dir in visited_dirs:
            continue
        visited_dirs.add(real_dir)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        subdirs: List[Path] = []
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                target = _resolved(path)
                if target is None or not is_inside(target, root) or not target.exists():
                    result.skipped_links.append(path.as_posix())
                    continue
                if target.is_dir():
                    if entry.name not in SKIPPED_DIRS:
                        subdirs.append(path)
                    continue
                if not _is_regular(target):  # a link to a pipe: reading it would block
                    _note_special(path, cwd, result)
                    continue
                yield path
            elif entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIPPED_DIRS:
                    subdirs.append(path)
            elif entry.is_file(follow_symlinks=False):
                if _maybe_template(entry.name):
                    yield path
            elif _maybe_template(entry.name):
                _note_special(path, cwd, result)
        stack.extend(reversed(subdirs))


def _maybe_template(name: str) -> bool:
    lower = name.lower()
    return lower.endswith((".tf", ".tfvars") + _YAML_SUFFIXES + _JSON_SUFFIXES)


def detect_format(name: str, text: str) -> Optional[str]:
    """The format of a file from its name and content, or None to skip it."""
    lower = name.lower()
    if lower.endswith(".tf") or lower.endswith(".tf.json"):
        return "terraform"
    if lower.endswith(".tfvars") or lower.endswith(".tfvars.json"):
        return None
    head = text[:65536]
    stripped = head.lstrip("\ufeff \t\n")
    looks_json = stripped.startswith(("{", "[", "//", "/*"))
    if looks_json:
        if _ARM_MARKER.search(head) and not _ARM_PARAMS_MARKER.search(head[:2048]):
            return "arm"
        if _PLAN_MARKER.search(text) and _PLAN_VERSION.search(head):
            return "tfplan"
    if lower.endswith(_YAML_SUFFIXES + _JSON_SUFFIXES) and _CFN_MARKER.search(head):
        return "cloudformation"
    return None


def sniff_format(path: Path) -> Optional[str]:
    """The format of a file judged by its name and beginning, for a file
    that is not (or cannot be) read whole."""
    head = read_head(path, 65536)
    return detect_format(path.name, head.decode("utf-8", errors="replace"))
