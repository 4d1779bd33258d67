"""Values stored as JSON and rebuilt only by this code.

Cache entries (parsed files, grammar tables) are read back without calling
anything the entry names: JSON holds strings, numbers, lists and objects,
and the only classes made from it are the ones a ``Codec`` was given. A
planted or corrupt entry can at worst be refused (``ValueError``).

JSON objects are plain ``str``-keyed dicts; everything else is a one-key
object whose key starts with NUL: ``{"\\0t": [...]}`` a tuple,
``{"\\0d": [k, v, ...]}`` a dict with other keys, ``{"\\0=": [n, value]}`` the
first of several references to one container and ``{"\\0@": n}`` the others
(a YAML alias stays one object, so an entry costs the text's size, not the
expansion's), ``{"\\0<Class>": [...]}`` an instance of a given class.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

_TAG = "\0"
_TUPLE, _DICT, _DEFINE, _REFER = "\0t", "\0d", "\0=", "\0@"
_DATE, _DATETIME = "\0date", "\0datetime"
# Exactly these types are written as they are (a subclass may carry more).
_LEAVES = frozenset((str, int, float, bool, type(None)))
# Classes added when first needed: the names of those a function gives (None:
# any), and the function.
LaterGroup = Tuple[Optional[FrozenSet[str]], Callable[[], Sequence[type]]]


class Codec:
    """Encodes and decodes plain values and instances of ``classes``.

    A class is either a dataclass (its fields are stored in order) or a
    subclass of ``dict``, ``list`` or ``str`` naming the attributes it adds in
    a ``PLAIN_ATTRS`` tuple (a position kept beside the value).

    ``later`` are groups of more classes, each a function giving them, added
    only when a value or an entry needs a class not known yet: a codec for
    every parser's classes imports only the parsers whose entries it meets.
    A group may name the classes it gives (qualified names); it is then
    added only for those, and groups naming none are tried in order."""

    def __init__(self, classes: Sequence[type] = (), later: Sequence[LaterGroup] = ()) -> None:
        self._by_class: Dict[type, Tuple[str, Tuple[str, ...]]] = {}
        self._by_tag: Dict[str, Tuple[type, Tuple[str, ...]]] = {}
        self._later = list(later)
        for cls in classes:
            self._add(cls)

    def _add(self, cls: type) -> None:
        if dataclasses.is_dataclass(cls):
            names = tuple(f.name for f in dataclasses.fields(cls))
        elif issubclass(cls, (dict, list, str)):
            names = tuple(cls.PLAIN_ATTRS)  # type: ignore[union-attr]  # declared by the class
        else:
            raise TypeError(f"{cls.__name__} is neither a dataclass nor a dict, list or str subclass")
        tag = _TAG + cls.__qualname__
        if tag in self._by_tag:
            raise TypeError(f"two classes named {cls.__qualname__}")
        self._by_class[cls] = (tag, names)
        self._by_tag[tag] = (cls, names)

    def _load_until(self, name: str, known: Callable[[], bool]) -> None:
        """Add the group of ``later`` that names the class ``name``, else
        the groups naming none, in turn, until ``known()``."""
        for group in [g for g in self._later if g[0] is not None and name in g[0]] + \
                [g for g in self._later if g[0] is None]:
            if known():
                return
            self._later.remove(group)
            for cls in group[1]():
                self._add(cls)

    def _class(self, kind: type) -> Optional[Tuple[str, Tuple[str, ...]]]:
        if kind not in self._by_class:
            self._load_until(kind.__qualname__, lambda: kind in self._by_class)
        return self._by_class.get(kind)

    def _tag(self, tag: str) -> Optional[Tuple[type, Tuple[str, ...]]]:
        if tag not in self._by_tag:
            self._load_until(tag[len(_TAG):], lambda: tag in self._by_tag)
        return self._by_tag.get(tag)

    # -- writing -------------------------------------------------------------
    def dumps(self, value: Any) -> bytes:
        """``value`` as JSON; ValueError or TypeError for what cannot be
        stored (a cycle, a class not given)."""
        shared = self._shared(value)
        return json.dumps(self._encoder(shared)(value), ensure_ascii=False, separators=(",", ":"),
                          check_circular=False).encode("utf-8", "surrogatepass")

    def _shared(self, value: Any) -> Set[int]:
        """Ids of the containers reachable more than once."""
        seen: Set[int] = set()
        shared: Set[int] = set()
        active: Set[int] = set()
        leaves = _LEAVES

        def visit(item: Any) -> None:
            if isinstance(item, (str, datetime.date)):  # a str subclass's attributes are not shared
                return
            key = id(item)
            if key in active:
                raise ValueError("a value that contains itself cannot be stored")
            if key in seen:
                shared.add(key)
                return
            seen.add(key)
            active.add(key)
            # Most children are strings and numbers: they are skipped here
            # rather than in a call each.
            if isinstance(item, dict):
                for name, child in item.items():
                    if type(name) not in leaves:
                        visit(name)
                    if type(child) not in leaves:
                        visit(child)
            else:
                for child in item if isinstance(item, (list, tuple)) else self._attributes(item):
                    if type(child) not in leaves:
                        visit(child)
            active.discard(key)

        if type(value) not in leaves:
            visit(value)
        return shared

    def _attributes(self, item: Any) -> List[Any]:
        known = self._class(type(item))
        if known is None:
            raise TypeError(f"{type(item).__name__} cannot be stored")
        return [getattr(item, name) for name in known[1]]

    def _encoder(self, shared: Set[int]) -> Callable[[Any], Any]:
        """The function that turns a value into what ``json`` writes. Strings,
        numbers, booleans and None are written as they are; the comprehensions
        below pass them through without a call each, as most values are."""
        numbers: Dict[int, int] = {}
        leaves = _LEAVES

        def encode(item: Any) -> Any:
            kind = type(item)
            if kind in leaves:
                return item
            if kind is datetime.datetime or kind is datetime.date:
                return {_DATETIME if kind is datetime.datetime else _DATE: item.isoformat()}
            key = id(item)
            if key in shared:
                if key in numbers:
                    return {_REFER: numbers[key]}
                numbers[key] = len(numbers)
                return {_DEFINE: [numbers[key], encode_new(item)]}
            return encode_new(item)

        def encode_new(item: Any) -> Any:
            kind = type(item)
            if kind is list:
                return [v if type(v) in leaves else encode(v) for v in item]
            if kind is tuple:
                return {_TUPLE: [v if type(v) in leaves else encode(v) for v in item]}
            if kind is dict:
                if all(type(k) is str for k in item) and not (len(item) == 1 and next(iter(item)).startswith(_TAG)):
                    return {k: v if type(v) in leaves else encode(v) for k, v in item.items()}
                return {_DICT: [p if type(p) in leaves else encode(p) for pair in item.items() for p in pair]}
            known = self._class(kind)
            if known is None:
                raise TypeError(f"{kind.__name__} cannot be stored")
            tag, names = known
            attrs = [v if type(v) in leaves else encode(v) for v in map(item.__getattribute__, names)]
            if isinstance(item, dict):
                attrs.extend(p if type(p) in leaves else encode(p) for pair in item.items() for p in pair)
            elif isinstance(item, list):
                attrs.extend(v if type(v) in leaves else encode(v) for v in item)
            elif isinstance(item, str):
                attrs.append(str(item))
            return {tag: attrs}

        return encode

    # -- reading -------------------------------------------------------------
    def loads(self, data: bytes) -> Any:
        """The value ``dumps`` made; ValueError for anything else."""
        try:
            return json.loads(data.decode("utf-8", "surrogatepass"), object_hook=self._hook())
        except (KeyError, IndexError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise ValueError(f"not a stored value: {type(exc).__name__}: {exc}") from None

    def _hook(self) -> Callable[[Dict[str, Any]], Any]:
        """The function ``json`` calls on every object, innermost first: a
        table from tag to decoder, so that an object costs one lookup."""
        defined: Dict[int, Any] = {}

        def define(payload: List[Any]) -> Any:
            number, value = payload
            defined[number] = value
            return value

        decoders: Dict[str, Callable[[Any], Any]] = {
            _TUPLE: tuple,
            _DICT: lambda payload: dict(zip(payload[::2], payload[1::2], strict=False)),
            _DEFINE: define,
            _REFER: lambda number: defined[number],
            _DATE: datetime.date.fromisoformat,
            _DATETIME: datetime.datetime.fromisoformat,
        }
        for tag, (cls, names) in self._by_tag.items():
            decoders[tag] = _decoder(cls, names)
        find = decoders.get

        def hook(obj: Dict[str, Any]) -> Any:
            if len(obj) == 1:
                for tag, payload in obj.items():
                    decode = find(tag)
                    if decode is not None:
                        return decode(payload)
                    if tag.startswith(_TAG):
                        known = self._tag(tag)
                        if known is None:
                            raise ValueError(f"unknown tag {tag[1:]!r}")
                        decoders[tag] = _decoder(*known)
                        return decoders[tag](payload)
            return obj

        return hook


def _decoder(cls: type, names: Tuple[str, ...]) -> Callable[[List[Any]], Any]:
    """How an instance of ``cls`` is rebuilt from its stored list: fields set
    directly (no __init__ runs), a container subclass filled, then its
    attributes set."""
    count = len(names)
    if issubclass(cls, (str, dict, list)):
        def container(payload: List[Any]) -> Any:
            out: Any
            if issubclass(cls, str):
                out = cls(payload[count])
            elif issubclass(cls, dict):
                out = cls(zip(payload[count::2], payload[count + 1::2], strict=False))
            else:
                out = cls(payload[count:])
            # The payload goes on past the attributes: the contents.
            for name, value in zip(names, payload, strict=False):
                setattr(out, name, value)
            return out

        return container
    new = object.__new__

    def instance(payload: List[Any]) -> Any:
        if len(payload) != count:
            raise ValueError(f"{cls.__name__} takes {count} fields, not {len(payload)}")
        out = new(cls)
        out.__dict__.update(zip(names, payload, strict=True))
        return out

    return instance
