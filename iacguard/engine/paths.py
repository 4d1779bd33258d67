"""Attribute paths in check conditions: ``ingress[*].cidr_blocks[0]``,
``properties.networkAcls.defaultAction``, ``tags["kubernetes.io/x"]``,
``properties.notifications{*}.enabled`` (every value of a map),
``container_definitions{json}[*].privileged`` (inside a JSON document held
in a string, as Terraform writes ``jsonencode(...)``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator, List, Tuple, Union

from ..model import UNKNOWN, PartialDocument, Path, is_unknown

WILDCARD = "*"
# Every value of a map (an ARM budget's named notifications, a for_each map):
# the map's keys become the path.
MAP_VALUES = "{*}"
# The JSON document a string holds; a value already structured passes as is.
JSON_DOCUMENT = "{json}"
_TRANSFORMS = (MAP_VALUES, JSON_DOCUMENT)
# A larger "document" is not read (it is unknown, never absent).
MAX_JSON_DOCUMENT = 1024 * 1024
_SEGMENT = re.compile(
    r"""\s*(?:\[\s*(\*|-?\d+|"(?:[^"\\]|\\.)*"|'[^']*')\s*\]|(\{\*\}|\{json\})|([^.\[\]{}]+))\s*(\.)?""")

Step = Union[str, int]


class PathSyntaxError(ValueError):
    pass


def parse_path(text: str) -> Tuple[Step, ...]:
    if not isinstance(text, str) or not text.strip():
        raise PathSyntaxError("an attribute path must be a non-empty string")
    steps: List[Step] = []
    pos = 0
    while pos < len(text):
        m = _SEGMENT.match(text, pos)
        if m is None or m.end() == pos:
            raise PathSyntaxError(f"cannot read path {text!r} at position {pos}")
        bracket, transform, name = m.group(1), m.group(2), m.group(3)
        if transform is not None:
            steps.append(transform)
        elif name is not None:
            steps.append(name.strip())
        elif bracket == "*":
            steps.append(WILDCARD)
        elif bracket[0] in "\"'":
            steps.append(bracket[1:-1])
        else:
            steps.append(int(bracket))
        pos = m.end()
    return tuple(steps)


@dataclass(frozen=True)
class Match:
    """A concrete path and the value found there.

    ``value`` is UNKNOWN when something along the way could not be resolved,
    and ``ABSENT`` when the attribute is not written."""

    path: Path
    value: Any


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


def resolve(root: Any, steps: Tuple[Step, ...], ignore_case: bool = False) -> Iterator[Match]:
    """Every concrete match of ``steps`` under ``root``.

    A wildcard over an empty list yields nothing; a wildcard over a single
    (non-list) value treats it as a one-element list, which is how a nested
    block written once reads in some formats."""
    yield from _resolve(root, steps, (), ignore_case)


def _resolve(value: Any, steps: Tuple[Step, ...], done: Path, ignore_case: bool) -> Iterator[Match]:
    if not steps:
        yield Match(done, value)
        return
    step, rest = steps[0], steps[1:]
    if step == JSON_DOCUMENT:
        if isinstance(value, PartialDocument):
            value = value.document  # its known structure; the unknown parts stay unknown
        elif isinstance(value, str):
            value = _json_document(value)
        yield from _resolve(value, rest, done, ignore_case)
        return
    if is_unknown(value):
        yield Match(done + tuple(s for s in steps if s != WILDCARD and s not in _TRANSFORMS), UNKNOWN)
        return
    if value is ABSENT or value is None:
        yield Match(done + tuple(s if s != WILDCARD else 0 for s in steps if s not in _TRANSFORMS), ABSENT)
        return
    if step == MAP_VALUES:
        if isinstance(value, dict):
            for key, item in value.items():
                yield from _resolve(item, rest, done + (key,), ignore_case)
        elif isinstance(value, list):  # a map's entries written as a list of objects
            for i, item in enumerate(value):
                yield from _resolve(item, rest, done + (i,), ignore_case)
        return
    if step == WILDCARD:
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from _resolve(item, rest, done + (i,), ignore_case)
        elif isinstance(value, dict):
            yield from _resolve(value, rest, done, ignore_case)
        return
    if isinstance(step, int):
        if isinstance(value, list):
            item = value[step] if -len(value) <= step < len(value) else ABSENT
            yield from _resolve(item, rest, done + (step if step >= 0 else len(value) + step,), ignore_case)
        elif isinstance(value, dict) and step == 0:
            yield from _resolve(value, rest, done, ignore_case)
        else:
            yield Match(done + (step,) + rest, ABSENT)
        return
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        # A single nested block addressed without an index.
        yield from _resolve(value[0], steps, done + (0,), ignore_case)
        return
    if not isinstance(value, dict):
        yield Match(done + steps, ABSENT)
        return
    key = step
    if key not in value and ignore_case:
        lowered = key.lower()
        key = next((k for k in value if isinstance(k, str) and k.lower() == lowered), key)
    yield from _resolve(value.get(key, ABSENT), rest, done + (key,), ignore_case)


def _json_document(text: str) -> Any:
    """The document, or UNKNOWN when the text is not one we can read: a
    check must not call a value absent because it was not JSON."""
    if len(text) > MAX_JSON_DOCUMENT:
        return UNKNOWN
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return UNKNOWN
