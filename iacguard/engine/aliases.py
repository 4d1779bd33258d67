"""Retired check ids and the ids that replaced them.

When one check is split into one check per setting, its id is retired (never
reused) and every piece gets a new id. Users' suppressions, skips, baselines,
``--check``/``--skip-check`` patterns and severity overrides that name the
retired id keep working: they apply to all of its replacements, and the user
is told to write the new ids.

The table is ``aliases.yaml`` at the top of a checks directory::

    IACG-AWS-002: [IACG-AWS-100, IACG-AWS-101]
"""

from __future__ import annotations

import fnmatch
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

from .. import messages

FILE_NAME = "aliases.yaml"

Aliases = Mapping[str, Tuple[str, ...]]


def parse_aliases(data: Any) -> Dict[str, Tuple[str, ...]]:
    """Validate the shape of an alias table (a ValueError names the fault)."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ValueError("an alias table maps each retired check id to the list of ids that replace it")
    table: Dict[str, Tuple[str, ...]] = {}
    for retired, replacements in data.items():
        if not isinstance(retired, str) or not isinstance(replacements, list) or not replacements \
                or not all(isinstance(r, str) for r in replacements):
            raise ValueError(f"alias {retired!r} must map to a non-empty list of check ids")
        if retired in replacements:
            raise ValueError(f"retired id {retired} cannot replace itself")
        table[retired] = tuple(replacements)
    return table


def validate_aliases(aliases: Aliases, check_ids: Iterable[str]) -> None:
    """A retired id is no check's id, and every replacement is a loaded check."""
    known = set(check_ids)
    for retired, replacements in aliases.items():
        if retired in known:
            raise ValueError(f"retired id {retired} is still the id of a check")
        missing = [r for r in replacements if r not in known]
        if missing:
            raise ValueError(f"retired id {retired} names unknown replacement(s) {', '.join(missing)}")


def retired_matches(pattern: str, aliases: Aliases) -> List[str]:
    """The retired ids a pattern (an id or a glob) names."""
    return [retired for retired in aliases if fnmatch.fnmatchcase(retired, pattern)]


def expand(patterns: Sequence[str], aliases: Aliases) -> List[str]:
    """The patterns, followed by the replacements of every retired id they
    name, so that matching the result behaves as matching the old ids did."""
    out = list(patterns)
    for pattern in patterns:
        for retired in retired_matches(pattern, aliases):
            out.extend(r for r in aliases[retired] if r not in out)
    return out


def replacing(check_id: str, pattern: str, aliases: Aliases) -> str:
    """The retired id through which ``pattern`` reaches ``check_id`` (empty
    when it does not, or when it names the check directly)."""
    if fnmatch.fnmatchcase(check_id, pattern):
        return ""
    for retired in retired_matches(pattern, aliases):
        if check_id in aliases[retired]:
            return retired
    return ""


def deprecation(retired: str, aliases: Aliases) -> Dict[str, str]:
    """What to tell a user who still writes a retired id."""
    new = ", ".join(aliases[retired])
    return messages.message("retired_id", retired=retired, new=new)


def expand_mapping(mapping: Mapping[str, Any], aliases: Aliases) -> Dict[str, Any]:
    """A per-id setting (severity overrides) given for a retired id applies to
    each replacement the mapping does not name itself."""
    out = dict(mapping)
    for key, value in mapping.items():
        for retired in retired_matches(key, aliases):
            for replacement in aliases[retired]:
                out.setdefault(replacement, value)
    return out
