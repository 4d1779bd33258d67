"""A content-addressed cache of parsed files in the user's cache directory.

An entry is keyed by the file's bytes, the parser kind and the iacguard
version, so an edited file or a new release simply misses. Entries are
written to a temporary file and renamed into place, so concurrent runs and a
run killed mid-write never leave a half entry; an entry that cannot be read
back is deleted and the file is parsed again.

A cache can be restored from another branch's CI run or sit where others
write, so an entry is JSON rebuilt by ``plain_data`` into our own classes
only: reading one never calls anything it names. The directory is made
private (0700) and is not used at all when someone else owns it or others
may write to it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple, Type, TypeVar

from . import __version__
from .plain_data import Codec, LaterGroup

_SUFFIX = ".json"


def default_directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA")
    return (Path(base) if base else Path.home() / ".cache") / "iacguard"


@lru_cache(maxsize=1)
def entry_codec() -> Codec:
    """The classes a parsed file is made of: decoded CloudFormation
    templates and HCL syntax trees, each group imported only when an entry
    holds one (a scan of Terraform alone does not load the CloudFormation
    reader, nor one of CloudFormation the HCL trees)."""
    return Codec(later=ENTRY_GROUPS)


def _cloudformation_classes() -> List[type]:
    from .parsers.cloudformation import document, positioned

    return [document.DecodedTemplate, positioned.PositionedMap, positioned.PositionedList,
            positioned.PositionedText]


def _hcl_classes() -> List[type]:
    from .parsers.terraform import ast

    return [c for c in vars(ast).values()
            if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == ast.__name__]


ENTRY_GROUPS: Tuple[LaterGroup, ...] = (
    (frozenset({"DecodedTemplate", "PositionedMap", "PositionedList", "PositionedText"}), _cloudformation_classes),
    (None, _hcl_classes),
)


def unsafe_directory(directory: Path) -> Optional[str]:
    """Why ``directory`` must not hold our cache (None when it may): a
    directory another user owns, or one others may write to, can be filled
    with entries made to mislead the scan."""
    try:
        info = os.stat(directory)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a directory"
    geteuid = getattr(os, "geteuid", None)
    if geteuid is not None and info.st_uid != geteuid():
        return f"is owned by another user (uid {info.st_uid})"
    if geteuid is not None and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "may be written by other users"
    return None


def private_directory(directory: Path) -> Optional[str]:
    """Create ``directory`` (0700 whatever the umask) if it is missing; why
    it must not be used, or None."""
    try:
        directory.mkdir(parents=True, mode=0o700)
        os.chmod(directory, 0o700)  # the umask may have taken more than group and others
    except FileExistsError:
        pass
    except OSError as exc:
        return f"cannot be created ({exc.strerror or exc})"
    return unsafe_directory(directory)


T = TypeVar("T")


def read_through(cache: Optional["ParseCache"], kind: str, text: str, expected: Type[T],
                 compute: Callable[[], T]) -> T:
    """What ``compute()`` makes of ``text``: from the cache when it holds an
    ``expected`` for it, else computed and kept (without a cache, computed)."""
    if cache is None:
        return compute()
    data = text.encode("utf-8", "surrogatepass")
    hit = cache.get(kind, data)
    if isinstance(hit, expected):
        return hit
    value = compute()
    cache.put(kind, data, value)
    return value


class _ForeignEntry(Exception):
    """An entry someone else wrote (e.g. a run as another user)."""


def _read_own_entry(path: Path) -> bytes:
    with path.open("rb") as handle:
        geteuid = getattr(os, "geteuid", None)
        owner = os.fstat(handle.fileno()).st_uid
        if geteuid is not None and owner != geteuid():
            raise _ForeignEntry(f"is owned by another user (uid {owner})")
        return handle.read()


# Entries not used for this long are deleted, at most once a day, so that
# the cache holds what recent scans read rather than every version ever seen.
MAX_ENTRY_AGE_DAYS = 30
_PRUNE_MARK = ".last-pruned"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """This copy of iacguard's code: see ``fingerprint_of``."""
    return fingerprint_of(Path(__file__).resolve().parent)


def fingerprint_of(package: Path) -> str:
    """The name and content of every module under ``package``, and the
    Python running them. An entry holds what this code made of a file (a
    syntax tree, an evaluated template); the version changes with a
    release, this with an edited, checked-out or reinstalled copy of the
    same version (contents, not times: some installs set every time alike)
    or another interpreter, so what other code made is never used. About
    3 ms for the package."""
    digest = hashlib.sha256(sys.version.encode())
    for module in sorted(package.rglob("*.py")):
        try:
            content = module.read_bytes()
        except OSError:
            continue  # gone while we looked: the next run sees the change
        digest.update(b"\0%s\0%d\0" % (module.relative_to(package).as_posix().encode(), len(content)))
        digest.update(content)
    return digest.hexdigest()


def _int_digits() -> int:
    return int(getattr(sys, "get_int_max_str_digits", lambda: 0)())


class ParseCache:
    """``by_code``: entries are also keyed by the code that made them
    (``code_fingerprint``); off only for what does not depend on it."""

    def __init__(self, directory: Optional[Path] = None, enabled: bool = True,
                 codec: Optional[Codec] = None, by_code: bool = True) -> None:
        self.directory = directory or default_directory()
        self.enabled = enabled
        self.hits = 0
        self.misses = 0
        # Why the directory is not used (set on first use), for the user.
        self.refused: Optional[str] = None
        # Entries found unusable and ignored, for the user.
        self.notes: List[str] = []
        self._checked = False
        self._codec = codec
        self._by_code = by_code

    def usable(self) -> bool:
        """Enabled, and the directory is ours alone (checked once)."""
        if self.enabled and not self._checked:
            self._checked = True
            self.refused = private_directory(self.directory)
            self.enabled = self.refused is None
        return self.enabled

    def _path(self, kind: str, data: bytes) -> Path:
        # Numbers of more digits than Python's limit read as floats
        # (PYTHONINTMAXSTRDIGITS): what a file reads as depends on it.
        code = f"{code_fingerprint()}\0{_int_digits()}" if self._by_code else ""
        digest = hashlib.sha256(b"%s\0%s\0%s\0" % (__version__.encode(), code.encode(), kind.encode())
                                + data).hexdigest()
        return self.directory / digest[:2] / f"{digest[2:]}{_SUFFIX}"

    def has(self, kind: str, data: bytes) -> bool:
        """Whether an entry exists (it may still turn out unreadable)."""
        return self.usable() and self._path(kind, data).is_file()

    def get(self, kind: str, data: bytes, codec: Optional[Codec] = None) -> Any:
        """The value kept for ``data``, or None. ``codec`` is the one the
        entry was written with, when not the parsed files' one."""
        if not self.usable():
            return None
        path = self._path(kind, data)
        try:
            raw = _read_own_entry(path)
        except OSError:
            self.misses += 1
            return None
        except _ForeignEntry as exc:
            return self._discard(path, str(exc))
        try:
            value = (codec or self._codec or entry_codec()).loads(raw)
        except (ValueError, RecursionError) as exc:  # a truncated, corrupt or foreign entry
            return self._discard(path, f"is not readable ({exc})")
        try:
            os.utime(path)  # used now: prune() keeps it
        except OSError:
            pass  # a read-only cache still serves
        self.hits += 1
        return value

    def _discard(self, path: Path, why: str) -> None:
        """Forget an entry that must not be used, and tell the user once."""
        try:
            path.unlink()
        except OSError:
            pass
        self.misses += 1
        note = f"the cache entry {path} was ignored: it {why}"
        if note not in self.notes:
            self.notes.append(note)

    def put(self, kind: str, data: bytes, value: Any, codec: Optional[Codec] = None) -> None:
        if not self.usable():
            return
        path = self._path(kind, data)
        try:
            encoded = (codec or self._codec or entry_codec()).dumps(value)
            path.parent.mkdir(mode=0o700, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(encoded)
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except (OSError, ValueError, TypeError, RecursionError):
            pass  # a cache that cannot be written (or a value it cannot hold) only costs speed

    def prune(self, max_age_days: float = MAX_ENTRY_AGE_DAYS) -> int:
        """Delete entries unused for ``max_age_days``, at most once a day;
        how many were deleted. Nothing here may fail a scan."""
        if not self.usable():
            return 0
        mark = self.directory / _PRUNE_MARK
        now = time.time()
        try:
            if now - mark.stat().st_mtime < 86400:
                return 0
        except OSError:
            pass  # never pruned, or no cache yet
        removed = 0
        try:
            mark.touch()
            for entry in self.directory.glob("*/*"):  # entries, and those of older formats
                try:
                    if now - entry.stat().st_mtime > max_age_days * 86400:
                        entry.unlink()
                        removed += 1
                except OSError:
                    continue  # taken by a concurrent run, or not ours to delete
        except OSError:
            pass
        return removed
