"""What reading one ARM template asked of the file system, and the answers.

Evaluating a template may look for its paired parameters file, resolve and
read linked templates and parameters files. Every such question goes
through ``FileReads``, which keeps it with its answer (a file's content as
a digest). A result kept from an earlier scan is still right when every
question, asked again, gets the same answer: a changed, added or removed
file anywhere it looked changes one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import List, Optional, Tuple

from ...source import Limits, SourceError, read_reference, resolve_inside

# (question, its arguments, the answer), all text so that it can be kept as JSON.
Observation = Tuple[str, Tuple[str, ...], str]

_NONE = "\0none"


class FileReads:
    """Asks the file system and records the questions with their answers."""

    def __init__(self) -> None:
        self.observed: List[Observation] = []
        # The reading hit Python's recursion limit: its result depends on the
        # caller's stack as well, and is not to be kept.
        self.out_of_stack = False

    def is_file(self, path: Path) -> bool:
        found = path.is_file()
        self.observed.append(("is_file", (str(path),), str(found)))
        return found

    def resolve(self, path: Path) -> Path:
        """``path`` with its links followed (where a value was read, as shown)."""
        real = path.resolve()
        self.observed.append(("resolve", (str(path),), str(real)))
        return real

    def resolve_inside(self, base: Path, reference: str, repo_root: Path) -> Optional[Path]:
        """``source.resolve_inside``."""
        real = resolve_inside(base, reference, repo_root)
        self.observed.append(("resolve_inside", (str(base), reference, str(repo_root)),
                              _NONE if real is None else str(real)))
        return real

    def read(self, path: Path, root: Optional[Path], limits: Limits) -> str:
        """``source.read_reference``: the text, or SourceError."""
        args = (str(path), _NONE if root is None else str(root))
        try:
            text = read_reference(path, root, limits)
        except SourceError as exc:
            self.observed.append(("read", args, f"error {exc.line} {exc}"))
            raise
        self.observed.append(("read", args, _digest(text)))
        return text


def unchanged(observed: List[Observation], limits: Limits) -> bool:
    """Whether every question gets the answer it got when ``observed`` was
    recorded; anything not understood is a change."""
    again = FileReads()
    for question, args, answer in observed:
        try:
            if question == "is_file" and len(args) == 1:
                again.is_file(Path(args[0]))
            elif question == "resolve" and len(args) == 1:
                again.resolve(Path(args[0]))
            elif question == "resolve_inside" and len(args) == 3:
                again.resolve_inside(Path(args[0]), args[1], Path(args[2]))
            elif question == "read" and len(args) == 2:
                again.read(Path(args[0]), None if args[1] == _NONE else Path(args[1]), limits)
            else:
                return False
        except SourceError:
            pass  # recorded as the answer
        except (OSError, RuntimeError, ValueError):
            return False
        if again.observed[-1] != (question, tuple(args), answer):
            return False
    return True


def _digest(text: str) -> str:
    return "sha256 " + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
