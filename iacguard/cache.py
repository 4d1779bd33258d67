"""A content-addressed cache of parsed files in the user's cache directory.

An entry is keyed by the file's bytes, the parser kind and the iacguard
version, so an edited file or a new release simply misses. Entries are
written to a temporary file and renamed into place, so concurrent runs and a
run killed mid-write never leave a half entry; an entry that cannot be read
back is deleted and the file is parsed again. Only the classes of our own
syntax trees, decoded templates and read JSON documents (and plain values)
may be loaded from an entry.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional, Type, TypeVar

from . import __version__

_ALLOWED_MODULES = ("iacguard.parsers.terraform.ast", "iacguard.parsers.terraform.syntax",
                    "iacguard.parsers.cfn_document", "iacguard.parsers.json_positions")
_ALLOWED_BUILTINS = {"dict", "list", "tuple", "set", "frozenset", "str", "int", "float", "bool"}
# YAML reads unquoted dates as dates.
_ALLOWED_OTHER = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "timezone"),
                  ("datetime", "timedelta")}


def default_directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA")
    return (Path(base) if base else Path.home() / ".cache") / "iacguard"


class _Restricted(pickle.Unpickler):
    """Loads only our syntax-tree classes and plain containers."""

    def find_class(self, module: str, name: str) -> Any:
        if module in _ALLOWED_MODULES or (module == "builtins" and name in _ALLOWED_BUILTINS) \
                or (module, name) in _ALLOWED_OTHER:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")


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


# Entries not used for this long are deleted, at most once a day, so that
# the cache holds what recent scans read rather than every version ever seen.
MAX_ENTRY_AGE_DAYS = 30
_PRUNE_MARK = ".last-pruned"


class ParseCache:
    def __init__(self, directory: Optional[Path] = None, enabled: bool = True) -> None:
        self.directory = directory or default_directory()
        self.enabled = enabled
        self.hits = 0
        self.misses = 0

    def _path(self, kind: str, data: bytes) -> Path:
        digest = hashlib.sha256(b"%s\0%s\0" % (__version__.encode(), kind.encode()) + data).hexdigest()
        return self.directory / digest[:2] / f"{digest[2:]}.pickle"

    def has(self, kind: str, data: bytes) -> bool:
        """Whether an entry exists (it may still turn out unreadable)."""
        return self.enabled and self._path(kind, data).is_file()

    def get(self, kind: str, data: bytes) -> Any:
        if not self.enabled:
            return None
        path = self._path(kind, data)
        try:
            raw = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        try:
            value = _Restricted(io.BytesIO(raw)).load()
        except Exception:  # a truncated, corrupt or foreign entry: forget it
            try:
                path.unlink()
            except OSError:
                pass
            self.misses += 1
            return None
        try:
            os.utime(path)  # used now: prune() keeps it
        except OSError:
            pass  # a read-only cache still serves
        self.hits += 1
        return value

    def put(self, kind: str, data: bytes, value: Any) -> None:
        if not self.enabled:
            return
        path = self._path(kind, data)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except (OSError, pickle.PicklingError, RecursionError):
            pass  # a cache that cannot be written only costs speed

    def prune(self, max_age_days: float = MAX_ENTRY_AGE_DAYS) -> int:
        """Delete entries unused for ``max_age_days``, at most once a day;
        how many were deleted. Nothing here may fail a scan."""
        if not self.enabled:
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
            self.directory.mkdir(parents=True, exist_ok=True)
            mark.touch()
            for entry in self.directory.glob("*/*.pickle"):
                try:
                    if now - entry.stat().st_mtime > max_age_days * 86400:
                        entry.unlink()
                        removed += 1
                except OSError:
                    continue  # taken by a concurrent run, or not ours to delete
        except OSError:
            pass
        return removed
