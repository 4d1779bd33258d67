"""Writing reports and baselines where ``--output`` says, destroying nothing.

A destination is checked before the scan starts, so that a mistake costs a
message, not a scan's work: a directory, a path below a regular file, or a
file the scan reads is refused. Regular files are replaced atomically (a
reader never sees half a report) and keep their permissions; a symbolic link
is written through to its file; a named pipe, a socket or a terminal
(``/dev/stdout``) is written directly, since replacing it would take the
reader's channel away; ``-`` is standard output.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import IO, Callable, Iterable, Optional, Sequence

from .discovery import sniff_format
from .parsers.terraform import CONFIGURATION_SUFFIXES, VARIABLE_FILE_SUFFIXES

STDOUT = "-"
# Files a Terraform scan reads by name, not by content.
_TERRAFORM_INPUTS = CONFIGURATION_SUFFIXES + VARIABLE_FILE_SUFFIXES


class OutputError(Exception):
    """A destination that cannot take a report; the message is for the user."""


def check_destination(path: str, scanned: Sequence[str]) -> None:
    """Refuse ``path`` before scanning when writing there would fail or
    destroy something the scan reads."""
    if path == STDOUT:
        return
    mode = _mode(path)
    if mode is None:
        _check_parent(path, Path(os.path.realpath(path)))
    elif stat.S_ISDIR(mode):
        raise OutputError(f"cannot write to {path}: it is a directory")
    elif stat.S_ISREG(mode):
        if _is_scanned(Path(os.path.realpath(path)), scanned):
            raise OutputError(f"refusing to write to {path}: it is a file being scanned")
    elif not _is_stream(mode):
        raise OutputError(f"cannot write to {path}: not a regular file, a pipe, a socket or a terminal")


def _mode(path: str) -> Optional[int]:
    """The mode of what ``path`` leads to (through links, ``/dev/stdout``
    included); None when nothing is there yet."""
    try:
        return os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise OutputError(f"cannot write to {path}: {exc.strerror or exc}") from None


def _is_stream(mode: int) -> bool:
    """Written as it is: replacing it would take the reader's channel away
    (and, for a device, the device node itself)."""
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def _check_parent(path: str, target: Path) -> None:
    """A new file needs its nearest existing ancestor to be a directory
    (missing directories are made)."""
    for ancestor in target.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputError(f"cannot write to {path}: {ancestor} is not a directory")
            return


def _is_scanned(target: Path, scanned: Sequence[str]) -> bool:
    """Is ``target`` a scanned file, or a template (or Terraform input)
    inside a scanned directory?"""
    for item in scanned:
        root = Path(os.path.realpath(item))
        if target == root:
            return True
        if root.is_dir() and root in target.parents:
            if target.name.endswith(_TERRAFORM_INPUTS) or sniff_format(target) is not None:
                return True
    return False


def write_report(path: str, pieces: Iterable[str]) -> None:
    """Write ``pieces`` to ``path`` as ``check_destination`` allowed it."""
    if path == STDOUT:
        sys.stdout.writelines(pieces)
        sys.stdout.flush()
        return
    _write(path, lambda handle: handle.writelines(pieces), binary=False)


def write_binary_report(path: str, data: bytes) -> None:
    """As ``write_report``, for a report that is bytes (a workbook)."""
    if path == STDOUT:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    _write(path, lambda handle: handle.write(data), binary=True)


def _write(path: str, fill: Callable[[IO], object], binary: bool) -> None:
    mode = _mode(path)
    if mode is not None and _is_stream(mode):
        with _open(path, binary) as handle:
            fill(handle)
        return
    # Through symbolic links to the file they name.
    _replace(Path(os.path.realpath(path)), fill, binary, stat.S_IMODE(mode) if mode is not None else None)


def _open(path: "str | int", binary: bool) -> IO:
    return open(path, "wb") if binary else open(path, "w", encoding="utf-8", newline="\n")


def _replace(target: Path, fill: Callable[[IO], object], binary: bool, mode: Optional[int]) -> None:
    """A reader never sees a half-written report: write aside, then rename.
    The temporary file goes whatever ends the write, a signal included (the
    command line turns SIGTERM into an exception)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=str(target.parent), prefix=f".{target.name}.", suffix=".tmp")
    try:
        with _open(fd, binary) as handle:
            fill(handle)
        # mkstemp makes the file private: an existing report keeps its mode,
        # a new one gets the user's umask like any file they create.
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
