"""Values of the ARM template language beyond plain JSON.

Evaluated template values are plain Python data (str, int, bool, None, list,
dict) with the model's UNKNOWN / UNKNOWN_PRESENT where a value cannot be known
statically. Two more kinds of unknown carry what *is* known about them, so
that the graph and property access do not lose it:

- ``ResourceRef``: a resource id whose text is unknown (its subscription and
  resource group are the deployment's) but whose target resource is known;
- ``KnownFields``: an object such as ``resourceGroup()`` of which only some
  fields are known.

Both are unknown (and present) to everything but the evaluator: a check never
sees them (``to_attribute`` turns them into UNKNOWN_PRESENT).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

from ...model import UNKNOWN, UNKNOWN_PRESENT, _Unknown, is_present, is_unknown


class ArmError(Exception):
    """What Azure Resource Manager would reject: the expression has no value."""


@dataclass(frozen=True)
class Target:
    """A resource an expression refers to: by type and full name (``resourceId``),
    by name alone (``dependsOn: ["nsg1"]``) or, in languageVersion 2.0, by
    symbolic name. ``name`` may hold ``[expression]`` text for names that are
    not known, so that a name written the same way still matches."""

    type: str = ""
    name: str = ""
    symbolic: str = ""


class ResourceRef(_Unknown):
    """A resource id whose text is unknown but whose target is known."""

    __slots__ = ("target",)

    def __init__(self, target: Target) -> None:
        super().__init__(present=True)
        self.target = target

    def __repr__(self) -> str:
        return f"ResourceRef({self.target.type}/{self.target.name})"

    def __reduce__(self) -> Any:  # type: ignore[override]
        return (ResourceRef, (self.target,))


class KnownFields(_Unknown):
    """An object of which only ``fields`` are known; any other field is
    unknown (``resourceGroup().location``), never an error."""

    __slots__ = ("fields",)

    def __init__(self, fields: Mapping[str, Any]) -> None:
        super().__init__(present=True)
        self.fields = dict(fields)

    def __repr__(self) -> str:
        return f"KnownFields({self.fields!r})"

    def __reduce__(self) -> Any:  # type: ignore[override]
        return (KnownFields, (self.fields,))


class MaybeDict(dict):
    """An object known up to some keys that may be absent: what
    ``if(unknown, createObject('k', v), createObject())`` gives, the way Bicep
    writes optional properties. ``uncertain`` holds those keys (lower case);
    their values are UNKNOWN. Everything else about the object is known, so
    merging it into others keeps their known keys; asking for its size or
    its key set is undecided."""

    def __init__(self, items: Any = (), uncertain: Any = ()) -> None:
        super().__init__(items)
        self.uncertain = frozenset(k.lower() for k in uncertain)


def keys_known(value: Any) -> bool:
    """Is the key set of this object known?"""
    return not (isinstance(value, MaybeDict) and value.uncertain)


def either(a: Any, b: Any) -> Any:
    """One of two values, not knowing which: what they agree on is kept."""
    if isinstance(a, dict) and isinstance(b, dict):
        return _either_objects(a, b)
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [either(x, y) for x, y in zip(a, b, strict=True)]
    if deep_equal(a, b) is True:
        return a
    return UNKNOWN_PRESENT if is_present(a) and is_present(b) else UNKNOWN


def _either_objects(a: Dict[str, Any], b: Dict[str, Any]) -> "MaybeDict":
    out: Dict[str, Any] = {}
    uncertain = set(getattr(a, "uncertain", ())) | set(getattr(b, "uncertain", ()))
    for key, value in a.items():
        other = _lookup(b, key)
        if other is _MISSING:
            out[key] = UNKNOWN
            uncertain.add(key.lower())
        else:
            out[key] = either(value, other)
    for key in b:
        if _lookup(a, key) is _MISSING:
            out[key] = UNKNOWN
            uncertain.add(key.lower())
    return MaybeDict(out, uncertain)


@dataclass(frozen=True)
class LambdaValue:
    """``lambda('x', body)``: a value only map/filter/reduce/... can use.
    ``body`` is an AST node, ``scope`` the scope the lambda was written in."""

    names: Tuple[str, ...]
    body: Any
    scope: Any


def to_attribute(value: Any) -> Any:
    """A value as a resource attribute: the evaluator's richer unknowns become
    plain UNKNOWN_PRESENT, containers are copied (instances must not share)."""
    if isinstance(value, (ResourceRef, KnownFields)):
        return UNKNOWN_PRESENT
    if isinstance(value, dict):  # a MaybeDict too: its uncertain keys hold UNKNOWN, "may be absent"
        return {k: to_attribute(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_attribute(v) for v in value]
    return value


def get_field(obj: Any, name: str) -> Any:
    """``obj.name`` as ARM reads it: property names match case-insensitively;
    a missing property is an error, a property of an unknown object unknown."""
    if isinstance(obj, KnownFields):
        found = _lookup(obj.fields, name)
        return UNKNOWN if found is _MISSING else found
    if is_unknown(obj):
        return UNKNOWN
    if isinstance(obj, dict):
        found = _lookup(obj, name)
        if found is _MISSING:
            raise ArmError(f"the object has no property '{name}'")
        return found
    raise ArmError(f"cannot read property '{name}' of {type_name(obj)}")


def try_field(obj: Any, name: Any) -> Any:
    """``tryGet``: null instead of an error for a missing property or index."""
    if isinstance(obj, KnownFields):
        if not isinstance(name, str):
            return UNKNOWN
        found = _lookup(obj.fields, name)
        return UNKNOWN if found is _MISSING else found
    if is_unknown(obj) or is_unknown(name):
        return UNKNOWN
    if obj is None:
        return None
    if isinstance(obj, dict) and isinstance(name, str):
        found = _lookup(obj, name)
        return None if found is _MISSING else found
    if isinstance(obj, list) and isinstance(name, int) and not isinstance(name, bool):
        return obj[name] if 0 <= name < len(obj) else None
    raise ArmError(f"tryGet cannot read {type_name(name)} of {type_name(obj)}")


def get_index(obj: Any, index: Any) -> Any:
    """``obj[index]``: an array element or an object property."""
    if isinstance(obj, KnownFields) and isinstance(index, str):
        return get_field(obj, index)
    if is_unknown(obj) or is_unknown(index):
        return UNKNOWN
    if isinstance(obj, list):
        if isinstance(index, bool) or not isinstance(index, int):
            raise ArmError(f"an array index must be an integer, not {type_name(index)}")
        if not 0 <= index < len(obj):
            raise ArmError(f"index {index} is outside the array of {len(obj)} elements")
        return obj[index]
    if isinstance(obj, dict):
        if not isinstance(index, str):
            raise ArmError(f"a property name must be a string, not {type_name(index)}")
        return get_field(obj, index)
    raise ArmError(f"cannot index {type_name(obj)}")


class _Missing:
    pass


_MISSING: Any = _Missing()


def _lookup(obj: Mapping[str, Any], name: str) -> Any:
    if name in obj:
        return obj[name]
    lowered = name.lower()
    for key, value in obj.items():
        if key.lower() == lowered:
            return value
    return _MISSING


def lookup_ci(obj: Mapping[str, Any], name: str) -> Optional[Tuple[str, Any]]:
    """(key, value) of a case-insensitive match, or None."""
    found = _lookup(obj, name)
    if found is _MISSING:
        return None
    if name in obj:
        return name, found
    lowered = name.lower()
    return next(((k, v) for k, v in obj.items() if k.lower() == lowered), None)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    if is_unknown(value):
        return "unknown"
    return type(value).__name__


def deep_equal(a: Any, b: Any) -> Any:
    """ARM ``equals``: strings compare case-sensitively, objects by keys
    (case-insensitively) and values; True/False, or UNKNOWN when an unknown
    part decides it."""
    if is_unknown(a) or is_unknown(b):
        return UNKNOWN_PRESENT
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        return _all_equal(zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        if not keys_known(a) or not keys_known(b):
            return UNKNOWN_PRESENT
        if len(a) != len(b):
            return False
        pairs = []
        for key, value in a.items():
            other = _lookup(b, key)
            if other is _MISSING:
                return False
            pairs.append((value, other))
        return _all_equal(pairs)
    return type(a) is type(b) and a == b


def _all_equal(pairs: Any) -> Any:
    undecided = False
    for x, y in pairs:
        same = deep_equal(x, y)
        if is_unknown(same):
            undecided = True
        elif not same:
            return False
    return UNKNOWN_PRESENT if undecided else True


def parse_resource_id(text: str) -> Optional[Tuple[str, str]]:
    """(type, name) of a resource id: ``/subscriptions/s/resourceGroups/g/
    providers/Microsoft.Network/virtualNetworks/vnet/subnets/sn`` ->
    (``Microsoft.Network/virtualNetworks/subnets``, ``vnet/sn``)."""
    marker = text.lower().rfind("/providers/")
    if marker == -1:
        return None
    parts = [p for p in text[marker + len("/providers/"):].split("/") if p]
    if len(parts) < 3 or len(parts) % 2 == 0:
        return None
    types = [parts[0]] + parts[1::2]
    names = parts[2::2]
    return "/".join(types), "/".join(names)


def canonical(value: Any) -> str:
    """A key equal for values ARM's ``equals`` finds equal (known values
    only): object keys compare case-insensitively, strings case-sensitively."""
    def normal(item: Any) -> Any:
        if isinstance(item, dict):
            return {k.lower(): normal(v) for k, v in item.items()}
        if isinstance(item, list):
            return [normal(v) for v in item]
        return item
    return json.dumps(normal(value), sort_keys=True, default=repr)
