"""Finding template files, deciding their format and the repository each
belongs to."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Set

from .model import ParsedFile, ParseError
from .parsers import READERS
from .parsers.common.sniffing import HEAD_CHARS
from .parsers.readers import Template
from .source import Limits, SourceError, display_path, is_inside, read_head, read_text_overlaid, repository_root

SKIPPED_DIRS = frozenset({".terraform", ".git", "node_modules", ".terragrunt-cache", "__pycache__"})

# Names worth reading: a template of some format, or a file one reads.
_SUFFIXES = tuple(dict.fromkeys(s for r in READERS for s in r.suffixes + r.inputs))
# Files read only as another file's input (variable files), never on their own.
_INPUTS = tuple(s for r in READERS for s in r.inputs)


@dataclass(frozen=True)
class Candidate:
    """A file that may be a template, with its path as the user sees it."""

    path: Path
    display: str
    # What its templates may refer to: the repository of the scanned path.
    repository: Path


@dataclass
class DiscoveryResult:
    candidates: List[Candidate] = field(default_factory=list)
    skipped_links: List[str] = field(default_factory=list)
    # Things worth telling the user (shown with --verbose).
    notes: List[str] = field(default_factory=list)

    @property
    def repositories(self) -> List[Path]:
        """The repositories the candidates belong to, each once."""
        return sorted({c.repository for c in self.candidates})


def discover(paths: Sequence[str], cwd: Optional[Path] = None) -> DiscoveryResult:
    """Walk the given files and directories; never follow a link out of its root."""
    cwd = (cwd or Path.cwd()).absolute()
    result = DiscoveryResult()
    seen: Set[Path] = set()
    # Each scanned root's repository, looked up once; two scanned paths do
    # not widen each other's.
    repositories: Dict[Path, Path] = {}
    for raw in paths or ["."]:
        given = Path(raw)
        given = given if given.is_absolute() else cwd / given
        given = Path(os.path.normpath(given))
        if given.is_dir():
            root = given.resolve()
            for file in _walk(given, root, cwd, result):
                _add(file, root, repositories, cwd, seen, result)
        elif given.exists() or given.is_symlink():
            root = given.parent.resolve()
            target = _resolved(given)
            if given.is_symlink() and (target is None or not is_inside(target, root)):
                result.skipped_links.append(display_path(given, cwd))
                continue
            if target is not None and not _is_regular(target):
                _note_special(given, cwd, result)
                continue
            _add(given, root, repositories, cwd, seen, result)
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


def _add(file: Path, root: Path, repositories: Dict[Path, Path], cwd: Path, seen: Set[Path],
         result: DiscoveryResult) -> None:
    real = _resolved(file)
    if real is None:
        result.skipped_links.append(display_path(file, cwd))
        return
    if real in seen:
        return
    seen.add(real)
    if root not in repositories:
        repositories[root] = repository_root(root)
    result.candidates.append(Candidate(file, display_path(file, cwd), repositories[root]))


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
    return name.lower().endswith(_SUFFIXES)


def detect_format(name: str, text: str) -> Optional[str]:
    """The format of a file from its name and content, or None to skip it:
    the first reader that recognises it."""
    if name.lower().endswith(_INPUTS):
        return None
    return next((r.format for r in READERS if r.detect(name, text)), None)


def sniff_format(path: Path) -> Optional[str]:
    """The format of a file judged by its name and beginning, for a file
    that is not (or cannot be) read whole."""
    head = read_head(path, HEAD_CHARS)
    return detect_format(path.name, head.decode("utf-8", errors="replace"))


@dataclass
class Identified:
    """The candidates read and recognised."""

    templates: List[Template] = field(default_factory=list)
    # Files that are (or may be) templates but cannot be read: an error each.
    unreadable: List[ParsedFile] = field(default_factory=list)
    # Files of no format scanned, or not read for their format.
    skipped: int = 0


def identify(candidates: Sequence[Candidate], given: Sequence[str], formats: Sequence[str], limits: Limits,
             overlay: Mapping[Path, str], progress: Callable[[str], None] = lambda text: None) -> Identified:
    """Each candidate read (within ``limits``; an unsaved buffer instead of
    the disk) and given its format. A file that cannot be read is an error
    when its name or beginning says it is a template, or the user named it."""
    result = Identified()
    for done, candidate in enumerate(candidates):
        if done % 100 == 0:
            progress(f"reading files {done}/{len(candidates)}")
        try:
            text = read_text_overlaid(candidate.path, limits, overlay)
        except SourceError as exc:
            sniffed = sniff_format(candidate.path)
            if sniffed or _named(candidate, given):
                result.unreadable.append(ParsedFile(candidate.display, sniffed or "unknown", errors=[
                    ParseError(candidate.display, exc.line, str(exc), sniffed or "")]))
            else:
                result.skipped += 1
            continue
        fmt = detect_format(candidate.path.name, text)
        if fmt is None or fmt not in formats:
            result.skipped += 1
            continue
        result.templates.append(Template(candidate.path, candidate.display, candidate.repository, fmt, text))
    return result


def _named(candidate: Candidate, given: Sequence[str]) -> bool:
    """Was the file given by name (not found in a given directory)?"""
    return any(Path(p).name == candidate.path.name and not Path(p).is_dir() for p in given)
