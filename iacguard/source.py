"""Reading template files as text: sizes, encodings, binary content."""

from __future__ import annotations

import codecs
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024
# Terraform resource, data and module instances count and for_each make in
# one root module: they multiply through nested module calls (100 x 100 x 100
# is a million), and every check judges each instance (about 0.3 ms each).
DEFAULT_MAX_TERRAFORM_INSTANCES = 5_000
# CloudFormation accepts templates of at most 1 MB; cfn-lint's pure-Python
# reader needs seconds and hundreds of megabytes per megabyte.
DEFAULT_MAX_CLOUDFORMATION_BYTES = 2 * 1024 * 1024
# Values of one template with YAML aliases expanded, and values evaluated.
DEFAULT_MAX_CLOUDFORMATION_VALUES = 500_000
# Copies Fn::ForEach may make in one template (CloudFormation allows 500 resources).
DEFAULT_MAX_CLOUDFORMATION_COPIES = 10_000
# Nested stack instances read below one template (each level may refer to
# the next many times, and the count multiplies).
DEFAULT_MAX_NESTED_STACKS = 200
# Evaluation steps of one ARM "[...]" value, and of one template in all
# (parsers.arm.expressions explains what a step is).
DEFAULT_MAX_ARM_EXPRESSION_STEPS = 500_000
DEFAULT_MAX_ARM_TEMPLATE_STEPS = 2_000_000


class SourceError(Exception):
    """A file that cannot be turned into text; the message is for the user."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_terraform_instances: int = DEFAULT_MAX_TERRAFORM_INSTANCES
    max_cloudformation_bytes: int = DEFAULT_MAX_CLOUDFORMATION_BYTES
    max_cloudformation_values: int = DEFAULT_MAX_CLOUDFORMATION_VALUES
    max_cloudformation_copies: int = DEFAULT_MAX_CLOUDFORMATION_COPIES
    max_nested_stacks: int = DEFAULT_MAX_NESTED_STACKS
    max_arm_expression_steps: int = DEFAULT_MAX_ARM_EXPRESSION_STEPS
    max_arm_template_steps: int = DEFAULT_MAX_ARM_TEMPLATE_STEPS


def read_text(path: Path, limits: Limits = Limits()) -> str:
    """Read a template as text.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are accepted, CRLF is
    normalised to LF so that line numbers match what editors show; anything
    else is reported rather than guessed at.
    """
    return decode_bytes(read_regular_bytes(path, limits.max_file_bytes))


def read_text_overlaid(path: Path, limits: Limits, overlay: Mapping[Path, str]) -> str:
    """The text of ``path``: an editor's unsaved buffer for it (keyed by the
    resolved path) when there is one, else the file on disk."""
    text = overlay.get(path.resolve()) if overlay else None
    if text is None:
        return read_text(path, limits)
    if len(text) > limits.max_file_bytes:  # characters: a cheap bound before encoding
        raise SourceError(f"buffer is larger than the {describe_size(limits.max_file_bytes)} limit "
                          "(max_file_bytes); not scanned")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a regular file (of any size); empty for
    anything else or what cannot be read. Never blocks on a pipe."""
    try:
        fd = _open_without_blocking(path)
    except (OSError, ValueError):
        return b""
    with os.fdopen(fd, "rb") as handle:
        try:
            return handle.read(size) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
        except OSError:
            return b""


def _open_without_blocking(path: Path) -> int:
    """A descriptor for reading ``path``; opening a named pipe does not wait
    for a writer (the caller checks what it opened before reading)."""
    return os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))


def describe_size(size: int) -> str:
    return f"{size / 1048576:.1f} MiB" if size >= 1048576 else f"{size} bytes"


def read_regular_bytes(path: Path, max_bytes: int) -> bytes:
    """The content of a regular file of at most ``max_bytes``; SourceError
    for anything else. A named pipe or a device (perhaps behind a link) is
    refused without reading: the file is opened without blocking and what was
    opened is checked, so a pipe put in its place after a check cannot
    block the scan either."""
    try:
        fd = _open_without_blocking(path)
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot read file: {getattr(exc, 'strerror', None) or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise SourceError("not a regular file (a pipe, a device...); not read")
            if info.st_size > max_bytes:
                raise SourceError(f"file is {describe_size(info.st_size)}, larger than the "
                                  f"{describe_size(max_bytes)} limit (max_file_bytes); not scanned")
            # One byte more than its size tells a file that grows while it is
            # read; never ask for the limit itself, which may be far larger
            # than memory.
            data = handle.read(info.st_size + 1)
        except OSError as exc:
            raise SourceError(f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise SourceError(f"file is larger than the {describe_size(max_bytes)} limit (max_file_bytes); not scanned")
    if len(data) > info.st_size:
        raise SourceError("file changed while it was read; not scanned")
    return data


def decode_bytes(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encoding, data = "utf-8", data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        if b"\x00" in data[:8192]:
            raise SourceError("binary file (contains NUL bytes); not a template")
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(
            f"not valid {encoding.upper()} text (byte 0x{data[exc.start]:02x} on line {line})",
            line,
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def is_inside(path: Path, root: Path) -> bool:
    """Is ``path`` (already resolved) inside ``root``?"""
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def display_path(path: Path, cwd: Path) -> str:
    """A path as the user sees it: relative to ``cwd`` when below it, POSIX."""
    try:
        return path.relative_to(cwd).as_posix() or "."
    except ValueError:
        return path.as_posix()


def repository_root(scanned: Path) -> Path:
    """Where a scan of ``scanned`` may read: the git work tree that contains
    it (a real repository, not any entry named ``.git``), else the scanned
    directory itself (a file's own directory)."""
    start = scanned.resolve()
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        if _is_git_work_tree(directory):
            return directory
    return start


def _is_git_work_tree(directory: Path) -> bool:
    """``.git`` is a repository directory (HEAD, objects, refs, as git
    itself requires), or a file ``gitdir: <path>`` pointing at one (a linked
    worktree or a submodule)."""
    marker = directory / ".git"
    if marker.is_file():
        head = read_head(marker, 4096).decode("utf-8", "replace")
        if not head.startswith("gitdir:"):
            return False
        target = Path(head[len("gitdir:"):].strip())
        marker = target if target.is_absolute() else directory / target
    return (marker / "HEAD").is_file() and (marker / "objects").is_dir() and (marker / "refs").is_dir()


def confined(path: Path, root: Path) -> Path:
    """``path`` with its links followed, when that stays inside ``root``;
    SourceError when it leaves it (``..``, an absolute path, a link out)."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte
        raise SourceError("cannot be resolved (a symbolic link loop?); not read") from None
    if not is_inside(real, root.resolve()):
        how = "is a symbolic link" if path.is_symlink() else "leads (through '..', an absolute path or a link)"
        raise SourceError(f"{how} outside the repository")
    return real


def read_reference(path: Path, root: Optional[Path], limits: Limits,
                   overlay: Optional[Mapping[Path, str]] = None) -> str:
    """A file read because something else names it (a variable or parameter
    file, a module's files, a nested or linked template): only inside
    ``root`` and within ``limits.max_file_bytes``, as scanned files are.
    ``root`` is None only for a file the user named on the command line
    outside every scanned repository. SourceError says why it was refused.
    An unsaved editor buffer in ``overlay`` is read instead of the disk."""
    real = confined(path, root) if root is not None else path
    return read_text_overlaid(real, limits, overlay or {})


def resolve_inside(base: Path, reference: str, repo_root: Path) -> Optional[Path]:
    """A local file or directory a template refers to (a nested stack, a
    linked template, a module source), resolved; None when it would leave
    the repository (``..``, an absolute path, a symbolic link out)."""
    target = Path(os.path.normpath(base / reference.replace("\\", "/")))
    try:
        real = target.resolve()
    except (OSError, RuntimeError):
        return None
    return real if is_inside(real, repo_root.resolve()) else None
