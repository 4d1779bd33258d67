"""Which Terraform modules call a given module directory, found by reading
``source`` arguments as text: what a commit changes in a called module
(an output, a default) shows in the callers' resources, which the callers
must be evaluated to see. Only local sources count; nothing is parsed."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, Iterable, List, Set

from ...discovery import SKIPPED_DIRS
from ...source import Limits, SourceError, read_regular_bytes

_LOCAL_SOURCE = re.compile(r'^\s*"?source"?\s*[=:]\s*"(\.\.?(?:[/\\][^"]*)?)"', re.MULTILINE)


def calling_directories(targets: Iterable[Path], root: Path, limits: Limits) -> List[Path]:
    """Directories below ``root`` whose modules call one of ``targets``,
    directly or through other modules, in no particular order. A file over
    ``limits.max_file_bytes`` is not read."""
    wanted: Set[Path] = {Path(os.path.normpath(t.absolute())) for t in targets}
    calls = _local_calls(root, limits)
    found: Set[Path] = set()
    frontier = set(wanted)
    while frontier:
        frontier = {caller for caller, called in calls.items() if called & frontier and caller not in found}
        frontier -= wanted
        found |= frontier
    return sorted(found)


def _local_calls(root: Path, limits: Limits) -> Dict[Path, Set[Path]]:
    calls: Dict[Path, Set[Path]] = {}
    for directory, subdirs, names in os.walk(root.absolute()):
        subdirs[:] = [d for d in subdirs if d not in SKIPPED_DIRS]
        for name in names:
            if not name.endswith((".tf", ".tf.json")):
                continue
            path = Path(directory, name)
            if path.is_symlink():  # a link could lead out of the repository: not followed
                continue
            try:
                text = read_regular_bytes(path, limits.max_file_bytes).decode("utf-8", errors="replace")
            except SourceError:
                continue
            for source in _LOCAL_SOURCE.findall(text):
                called = Path(os.path.normpath(Path(directory) / source.replace("\\", "/")))
                calls.setdefault(Path(directory), set()).add(called)
    return calls
