"""An evaluated ARM template as a parse cache entry holds it.

Most of a result is plain JSON: the attributes (JSON values with the
UNKNOWN sentinels in them) and the maps by attribute path (a path's line,
where its value came from). Each of those is kept as one JSON text, which
the json module writes and reads at C speed; the rest (resources, links,
sources, errors) goes through ``plain_data``. Only what JSON gives back
exactly as it was is packed: anything else and the result is not kept.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from typing import Any, Dict, List, Optional

from ...model import UNKNOWN, UNKNOWN_PRESENT, Link, Location, ParsedFile, ParseError, Resource, Source
from ...plain_data import Codec

_SENTINELS = {"unknown": UNKNOWN, "unknown_present": UNKNOWN_PRESENT}
# A sentinel in packed attributes is an object of this one key, naming it.
_MARK = "\0"
# What JSON gives back as the same type and value.
_EXACT = frozenset({str, int, float, bool, type(None)})
_PACKED = ("attribute_lines", "value_origins", "attributes")


@lru_cache(maxsize=1)
def codec() -> Codec:
    """The classes an entry may hold."""
    return Codec([ParsedFile, Resource, Location, Link, Source, ParseError])


def packed(parsed: ParsedFile) -> Optional[Dict[str, Any]]:
    """What an entry keeps of ``parsed``; None when something would not
    come back as it is."""
    texts: List[List[str]] = []
    resources: List[Resource] = []
    try:
        for resource in parsed.resources:
            texts.append([_by_path(resource.attribute_lines), _by_path(resource.value_origins),
                          _attributes(resource.attributes)])
            resources.append(replace(resource, attribute_lines={}, value_origins={}, attributes={}))
    except (TypeError, ValueError):
        return None
    return {"file": replace(parsed, resources=resources), "packed": texts}


def unpacked(entry: Dict[str, Any]) -> Optional[ParsedFile]:
    """The result an entry keeps, or None when it is not one ``packed`` made."""
    parsed, texts = entry.get("file"), entry.get("packed")
    if not isinstance(parsed, ParsedFile) or not isinstance(texts, list) or len(texts) != len(parsed.resources):
        return None
    try:
        for resource, (lines, origins, attributes) in zip(parsed.resources, texts, strict=True):
            resource.attribute_lines = _path_map(lines)
            resource.value_origins = _path_map(origins)
            resource.attributes = json.loads(attributes, object_hook=_sentinel)
    except (ValueError, TypeError, KeyError, RecursionError):  # (nested deeper than this stack allows)
        return None
    return parsed


def _by_path(mapping: Dict[Any, Any]) -> str:
    """The paths, then the values: paths of str and int, values int or
    str, which JSON gives back as they were (TypeError for what it cannot
    write)."""
    return json.dumps([list(mapping), list(mapping.values())], ensure_ascii=False, separators=(",", ":"))


def _path_map(text: str) -> Dict[Any, Any]:
    paths, values = json.loads(text)
    if len(paths) != len(values):
        raise ValueError("as many paths as values")
    return dict(zip(map(tuple, paths), values, strict=True))


def _attributes(attributes: Dict[str, Any]) -> str:
    """Attributes as JSON, each sentinel an object naming it. ValueError
    when they hold what JSON would give back otherwise (a tuple, a key that
    is not a string, a class of our own), or an object of their own that
    reads like a sentinel."""
    if not _exact(attributes):
        raise ValueError("not plain JSON")
    marks = _Marks()
    text = json.dumps(attributes, default=marks.write, ensure_ascii=False, separators=(",", ":"))
    # json escapes NUL, so only an object of that one key and value is
    # written like this: more of them than marks written are the template's own.
    written = sum(text.count(json.dumps({_MARK: name}, separators=(",", ":"))) for name in _SENTINELS)
    if written != marks.count:
        raise ValueError("an object reads like a sentinel")
    return text


class _Marks:
    """Writes each sentinel as its mark, counting them."""

    def __init__(self) -> None:
        self.count = 0

    def write(self, value: Any) -> Dict[str, str]:
        for name, sentinel in _SENTINELS.items():
            if value is sentinel:
                self.count += 1
                return {_MARK: name}
        raise TypeError(f"{type(value).__name__} is not plain JSON")


def _exact(value: Any) -> bool:
    """Whether JSON gives ``value`` back exactly: dicts with string keys,
    lists, JSON scalars, the sentinels."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is dict:
            if not all(type(key) is str for key in item):
                return False
            pending.extend(item.values())
        elif kind is list:
            pending.extend(item)
        elif kind not in _EXACT and item is not UNKNOWN and item is not UNKNOWN_PRESENT:
            return False
    return True


def _sentinel(obj: Dict[str, Any]) -> Any:
    """A sentinel's mark read back as the sentinel itself (KeyError for a
    name not known)."""
    if len(obj) == 1 and _MARK in obj:
        return _SENTINELS[obj[_MARK]]
    return obj
