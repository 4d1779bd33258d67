"""The built-in functions of ARM template expressions.

Each function takes evaluated arguments and returns a value, raising
``ArmError`` where Azure Resource Manager would reject the call. Unknown
arguments give unknown results: by default a function with an unknown
argument returns UNKNOWN_PRESENT (its result, when the deployment succeeds,
is never null) or UNKNOWN for the few that may return null. Functions that
can still decide something with unknown inputs (``contains`` finding a known
element, ``coalesce`` skipping known nulls, ``and``/``or``/``if``) handle
unknowns themselves.

Special forms receive the argument ASTs instead of values: ``if`` evaluates
only the branch taken, ``and``/``or`` stop at the deciding argument, and the
resource id functions need the text of arguments whose value is unknown.

What exists only at deployment time is unknown but present:
``uniqueString``, ``guid``, ``newGuid``, ``utcNow``, ``reference``,
``list*``, and the fields of ``resourceGroup()``, ``subscription()``,
``deployment()`` that are not fixed.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from functools import cmp_to_key
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Set

from ...model import UNKNOWN, UNKNOWN_PRESENT, contains_unknown, is_present, is_unknown
from .syntax import Node, render
from .values import (
    ArmError,
    KnownFields,
    LambdaValue,
    MaybeDict,
    ResourceRef,
    Target,
    canonical,
    deep_equal,
    either,
    keys_known,
    lookup_ci,
    parse_resource_id,
    try_field,
    type_name,
)

if TYPE_CHECKING:  # the evaluator imports this module
    from .expressions import Evaluator

# Bounds on what one function call may build (ARM's own limits are lower:
# 4 MB per template, 10,000 elements from range()).
MAX_ITEMS = 100_000
MAX_TEXT = 1_000_000
MAX_RANGE = 10_000
MAX_PAD = 16_000
INT64 = (-(2 ** 63), 2 ** 63 - 1)

Impl = Callable[["Evaluator", List[Any]], Any]
Special = Callable[["Evaluator", Sequence[Node]], Any]

# Built-in functions by lower-case name (ARM names are case-insensitive).
FUNCTIONS: Dict[str, Impl] = {}
SPECIAL_FORMS: Dict[str, Special] = {}


def _arity(name: str, args: Sequence[Any], low: int, high: Optional[int]) -> None:
    if len(args) < low or (high is not None and len(args) > high):
        expected = str(low) if low == high else f"{low}..{high if high is not None else 'n'}"
        raise ArmError(f"{name}() takes {expected} arguments, not {len(args)}")


def _function(low: int = 0, high: Optional[int] = None, *, known: str = "top",
              nullable: bool = False, evaluator: bool = False) -> Callable[[Callable[..., Any]], Impl]:
    """Register an implementation taking plain arguments under its name
    (``_toLower`` is ``toLower``). ``known``: "top" returns unknown when an
    argument is unknown, "deep" also when something inside an argument is,
    "none" lets the implementation decide."""

    def wrap(impl: Callable[..., Any]) -> Impl:
        name = impl.__name__.strip("_")

        def call(ev: "Evaluator", args: List[Any]) -> Any:
            _arity(name, args, low, high)
            if known != "none":
                check = contains_unknown if known == "deep" else is_unknown
                if any(check(a) for a in args):
                    return UNKNOWN if nullable else UNKNOWN_PRESENT
            result = impl(ev, *args) if evaluator else impl(*args)
            _check_size(ev, result)
            return result

        FUNCTIONS[name.lower()] = call
        return call

    return wrap


def _check_size(ev: "Evaluator", value: Any) -> None:
    """Charge the budget for what was built, and refuse what is too large:
    variables that double a value are otherwise exponential."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ArmError(f"string longer than {MAX_TEXT} characters")
        ev.session.spend(len(value) // 256)
    elif isinstance(value, (list, dict)):
        if len(value) > MAX_ITEMS:
            raise ArmError(f"collection larger than {MAX_ITEMS} elements")
        ev.session.spend(len(value))
        ev.session.check_weight(value)


# -- argument types -------------------------------------------------------------

def _str(value: Any, what: str = "argument") -> str:
    if not isinstance(value, str):
        raise ArmError(f"{what} must be a string, not {type_name(value)}")
    return value


def _int(value: Any, what: str = "argument") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArmError(f"{what} must be an integer, not {type_name(value)}")
    return value


def _bool(value: Any, what: str = "argument") -> bool:
    if not isinstance(value, bool):
        raise ArmError(f"{what} must be a boolean, not {type_name(value)}")
    return value


def _list(value: Any, what: str = "argument") -> List[Any]:
    if not isinstance(value, list):
        raise ArmError(f"{what} must be an array, not {type_name(value)}")
    return value


def _dict(value: Any, what: str = "argument") -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise ArmError(f"{what} must be an object, not {type_name(value)}")
    return value


def _int64(value: int) -> int:
    if not INT64[0] <= value <= INT64[1]:
        raise ArmError("integer overflow")
    return value


def _text(value: Any) -> str:
    """A value as .NET prints it in format() and concat(): True/False for booleans."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    raise ArmError(f"cannot turn {type_name(value)} into text here")




def _register(table: Dict[str, Any], name: str, impl: Any) -> None:
    table[name.lower()] = impl


# -- strings ----------------------------------------------------------------------

@_function(1, 1)
def _base64(value: Any) -> str:
    return base64.b64encode(_str(value).encode("utf-8")).decode("ascii")


@_function(1, 1)
def _base64ToString(value: Any) -> str:
    return base64.b64decode(_str(value), validate=True).decode("utf-8")


@_function(1, 1, nullable=True)
def _base64ToJson(value: Any) -> Any:
    return json.loads(base64.b64decode(_str(value), validate=True).decode("utf-8"))


@_function(1, None)
def _concat(*args: Any) -> Any:
    if all(isinstance(a, list) for a in args):
        out: List[Any] = []
        for arg in args:
            out.extend(arg)
            if len(out) > MAX_ITEMS:
                raise ArmError(f"collection larger than {MAX_ITEMS} elements")
        return out
    if any(isinstance(a, list) for a in args):
        raise ArmError("concat() takes either arrays or strings")
    pieces = []
    for arg in args:
        if isinstance(arg, bool) or not isinstance(arg, (str, int)):
            raise ArmError(f"concat() cannot join {type_name(arg)}")
        pieces.append(str(arg))
    return "".join(pieces)


@_function(1, 1)
def _dataUri(value: Any) -> str:
    return "data:text/plain;charset=utf8;base64," + base64.b64encode(_str(value).encode()).decode()


@_function(1, 1)
def _dataUriToString(value: Any) -> str:
    header, _, data = _str(value).partition(",")
    if not header.startswith("data:"):
        raise ArmError("not a data URI")
    if header.endswith(";base64"):
        return base64.b64decode(data, validate=True).decode("utf-8")
    return urllib.parse.unquote(data)


@_function(2, 2)
def _endsWith(value: Any, suffix: Any) -> bool:
    return _str(value).lower().endswith(_str(suffix).lower())  # ARM compares case-insensitively


@_function(2, 2)
def _startsWith(value: Any, prefix: Any) -> bool:
    return _str(value).lower().startswith(_str(prefix).lower())


@_function(1, 1, nullable=True)
def _first(value: Any) -> Any:
    if isinstance(value, str):
        return value[:1]
    items = _list(value)
    return items[0] if items else None


@_function(1, 1, nullable=True)
def _last(value: Any) -> Any:
    if isinstance(value, str):
        return value[-1:]
    items = _list(value)
    return items[-1] if items else None


_FORMAT_ITEM = re.compile(r"\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?(?::(.*))?", re.DOTALL)


@_function(1, None)
def _format(template: Any, *args: Any) -> str:
    """.NET composite formatting: ``{0}``, ``{0,-8}``, ``{0:D3}``, ``{{``."""
    text = _str(template, "format string")
    out: List[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "{}" and text[i + 1:i + 2] == ch:
            out.append(ch)
            i += 2
            continue
        if ch == "}":
            raise ArmError("unmatched '}' in format string")
        if ch != "{":
            out.append(ch)
            i += 1
            continue
        end = text.find("}", i)
        match = _FORMAT_ITEM.fullmatch(text[i + 1:end]) if end != -1 else None
        if match is None:
            raise ArmError("invalid format item")
        index = int(match.group(1))
        if index >= len(args):
            raise ArmError(f"format item {{{index}}} has no argument")
        piece = _format_one(args[index], match.group(3))
        width = int(match.group(2) or 0)
        out.append(piece.rjust(width) if width > 0 else piece.ljust(-width))
        i = end + 1
    return "".join(out)


def _format_one(value: Any, spec: Optional[str]) -> str:
    if not spec:
        return _text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        kind, digits = spec[0], spec[1:]
        width = int(digits) if digits.isdigit() else 0
        if kind in "dD" and (digits == "" or digits.isdigit()):
            return ("-" if value < 0 else "") + str(abs(value)).rjust(width, "0")
        if kind in "xX" and (digits == "" or digits.isdigit()) and value >= 0:
            hexa = format(value, "x" if kind == "x" else "X")
            return hexa.rjust(width, "0")
    raise ArmError(f"format specifier '{spec}' is not supported")


@_function(2, 2)
def _indexOf(container: Any, item: Any) -> Any:
    if isinstance(container, list):
        return _array_index(container, item, container)
    return _str(container).lower().find(_str(item).lower())


@_function(2, 2)
def _lastIndexOf(container: Any, item: Any) -> Any:
    if isinstance(container, list):
        found = _array_index(list(reversed(container)), item, container)
        return found if is_unknown(found) or found < 0 else len(container) - 1 - found
    return _str(container).lower().rfind(_str(item).lower())


def _array_index(items: List[Any], item: Any, original: List[Any]) -> Any:
    for i, element in enumerate(items):
        same = deep_equal(element, item)
        if is_unknown(same):
            return UNKNOWN_PRESENT
        if same:
            return i
    return -1


@_function(2, 2, known="deep")
def _join(items: Any, delimiter: Any) -> str:
    parts = []
    for element in _list(items):
        if isinstance(element, bool) or not isinstance(element, (str, int)):
            raise ArmError(f"join() cannot join {type_name(element)}")
        parts.append(str(element))
    return _str(delimiter).join(parts)


@_function(1, 1, nullable=True)
def _json(value: Any) -> Any:
    try:
        return json.loads(_str(value))
    except ValueError as exc:
        raise ArmError(f"json(): {exc}") from None


@_function(1, 1)
def _length(value: Any) -> Any:
    if not keys_known(value):
        return UNKNOWN_PRESENT
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise ArmError(f"length() of {type_name(value)}")


@_function(2, 3)
def _padLeft(value: Any, total: Any, pad: Any = " ") -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else _str(value)
    width = _int(total)
    if width > MAX_PAD:
        raise ArmError(f"padLeft() to more than {MAX_PAD} characters")
    if len(_str(pad)) != 1:
        raise ArmError("padLeft() pads with one character")
    return text.rjust(width, pad)


@_function(3, 3)
def _replace(value: Any, old: Any, new: Any) -> str:
    if not _str(old):
        raise ArmError("replace() of an empty string")
    result = _str(value).replace(old, _str(new))
    if len(result) > MAX_TEXT:
        raise ArmError(f"string longer than {MAX_TEXT} characters")
    return result


@_function(2, 2)
def _skip(value: Any, count: Any) -> Any:
    n = max(_int(count), 0)
    if isinstance(value, str):
        return value[n:]
    return _list(value)[n:]


@_function(2, 2)
def _take(value: Any, count: Any) -> Any:
    n = max(_int(count), 0)
    if isinstance(value, str):
        return value[:n]
    return _list(value)[:n]


@_function(2, 2, known="deep")
def _split(value: Any, delimiters: Any) -> List[str]:
    text = _str(value)
    separators = [_str(d) for d in delimiters] if isinstance(delimiters, list) else [_str(delimiters)]
    separators = [s for s in separators if s]  # .NET ignores empty separators
    if not separators:
        return [text]
    return re.split("|".join(re.escape(s) for s in separators), text)


@_function(1, 1, known="deep")
def _string(value: Any) -> str:
    if isinstance(value, (list, dict)):
        # Newtonsoft's compact form, as ARM prints objects and arrays.
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, float):
        return repr(value)
    if value is None:
        raise ArmError("string() of null")
    return _text(value)


@_function(2, 3)
def _substring(value: Any, start: Any, length: Any = None) -> str:
    text = _str(value)
    begin = _int(start)
    count = len(text) - begin if length is None else _int(length)
    if begin < 0 or count < 0 or begin + count > len(text):
        raise ArmError("substring() outside the string")
    return text[begin:begin + count]


@_function(1, 1)
def _toLower(value: Any) -> str:
    return _str(value).lower()


@_function(1, 1)
def _toUpper(value: Any) -> str:
    return _str(value).upper()


@_function(1, 1)
def _trim(value: Any) -> str:
    return _str(value).strip()


@_function(2, 2)
def _uri(base: Any, relative: Any) -> str:
    base_text = _str(base)
    if not urllib.parse.urlsplit(base_text).scheme:
        raise ArmError("uri() needs an absolute base URI")
    return urllib.parse.urljoin(base_text, _str(relative))


@_function(1, 1)
def _uriComponent(value: Any) -> str:
    return urllib.parse.quote(_str(value), safe="-_.!~*'()")


@_function(1, 1)
def _uriComponentToString(value: Any) -> str:
    return urllib.parse.unquote(_str(value))


def _deployment_value(ev: "Evaluator", args: List[Any]) -> Any:
    """Known only when the deployment runs (and different on every run)."""
    return UNKNOWN_PRESENT


# -- arrays and objects -------------------------------------------------------------

@_function(1, 1)
def _array(value: Any) -> List[Any]:
    return value if isinstance(value, list) else [value]


@_function(0, None, known="none")
def _createArray(*args: Any) -> List[Any]:
    return list(args)


@_function(0, None, known="none")
def _createObject(*args: Any) -> Dict[str, Any]:
    if len(args) % 2:
        raise ArmError("createObject() takes name/value pairs")
    out: Dict[str, Any] = {}
    for key, value in zip(args[::2], args[1::2], strict=True):
        if is_unknown(key):
            return UNKNOWN_PRESENT  # type: ignore[return-value]
        out[_str(key, "property name")] = value
    return out


@_function(1, 1)
def _flatten(value: Any) -> Any:
    out: List[Any] = []
    for element in _list(value):
        if is_unknown(element):
            return UNKNOWN_PRESENT
        out.extend(_list(element, "element"))
        if len(out) > MAX_ITEMS:
            raise ArmError(f"collection larger than {MAX_ITEMS} elements")
    return out


@_function(2, None, known="deep")
def _intersection(*args: Any) -> Any:
    if all(isinstance(a, dict) for a in args):
        first = args[0]
        return {k: v for k, v in first.items()
                if all((found := lookup_ci(other, k)) is not None and canonical(found[1]) == canonical(v)
                       for other in args[1:])}
    lists = [_list(a) for a in args]
    others = [{canonical(e) for e in items} for items in lists[1:]]
    out: List[Any] = []
    seen: Set[str] = set()
    for element in lists[0]:
        key = canonical(element)
        if key not in seen and all(key in other for other in others):
            seen.add(key)
            out.append(element)
    return out


@_function(1, 1)
def _items(value: Any) -> Any:
    if not keys_known(value):
        return UNKNOWN_PRESENT
    obj = _dict(value)
    return [{"key": k, "value": obj[k]} for k in sorted(obj, key=str.lower)]


@_function(1, 1)
def _objectKeys(value: Any) -> Any:
    return list(_dict(value)) if keys_known(value) else UNKNOWN_PRESENT


@_function(2, 2)
def _range(start: Any, count: Any) -> List[int]:
    first, n = _int(start), _int(count)
    if n < 0 or n > MAX_RANGE or first + n > 2 ** 31 - 1:
        raise ArmError(f"range() count must be 0..{MAX_RANGE}")
    return list(range(first, first + n))


@_function(1, 1)
def _shallowMerge(value: Any) -> Any:
    merged = _Merged()
    for element in _list(value):
        if is_unknown(element):
            return UNKNOWN_PRESENT
        merged.add(_dict(element, "element"), deep=False)
    return merged.result()


@_function(1, None, known="none", nullable=True)
def _tryGet(value: Any, *keys: Any) -> Any:
    for key in keys:
        value = try_field(value, key)
        if value is None or is_unknown(value):
            return value
    return value


@_function(1, None)
def _union(*args: Any) -> Any:
    if all(isinstance(a, dict) for a in args):
        merged = _Merged()
        for arg in args:
            merged.add(arg, deep=True)  # ARM's union merges nested objects
        return merged.result()
    lists = [_list(a) for a in args]
    if any(contains_unknown(element) for items in lists for element in items):
        return UNKNOWN_PRESENT  # which elements are duplicates is not known
    out: List[Any] = []
    seen: Set[str] = set()
    for items in lists:
        for element in items:
            key = canonical(element)
            if key not in seen:
                seen.add(key)
                out.append(element)
    return out


class _Merged:
    """Objects merged left to right, the last value winning; keys that may be
    absent (``MaybeDict``) stay uncertain until a later object sets them."""

    def __init__(self) -> None:
        self.out: Dict[str, Any] = {}
        self.uncertain: Set[str] = set()

    def add(self, obj: Dict[str, Any], deep: bool) -> None:
        maybe: FrozenSet[str] = obj.uncertain if isinstance(obj, MaybeDict) else frozenset()
        for key, value in obj.items():
            lowered = key.lower()
            found = lookup_ci(self.out, key)
            if lowered in maybe:
                # Perhaps absent: the old value may stay. The key is uncertain
                # only if it was before; its value is unknown either way.
                if found is None:
                    self.uncertain.add(lowered)
                _set_ci(self.out, key, UNKNOWN if found is None or found[1] is None else UNKNOWN_PRESENT)
            elif deep and found is not None and isinstance(found[1], dict) and isinstance(value, dict):
                inner = _Merged()
                inner.add(found[1], deep=True)
                inner.add(value, deep=True)
                _set_ci(self.out, key, inner.result())
                self.uncertain.discard(lowered)
            else:
                _set_ci(self.out, key, value)
                self.uncertain.discard(lowered)

    def result(self) -> Dict[str, Any]:
        return MaybeDict(self.out, self.uncertain) if self.uncertain else self.out


def _set_ci(out: Dict[str, Any], key: str, value: Any) -> None:
    found = lookup_ci(out, key)
    if found is not None and found[0] != key:
        del out[found[0]]
    out[key] = value


@_function(1, None, known="deep")
def _min(*args: Any) -> int:
    values = _list(args[0]) if len(args) == 1 and isinstance(args[0], list) else list(args)
    if not values:
        raise ArmError("min() of nothing")
    return min(_int(v) for v in values)


@_function(1, None, known="deep")
def _max(*args: Any) -> int:
    values = _list(args[0]) if len(args) == 1 and isinstance(args[0], list) else list(args)
    if not values:
        raise ArmError("max() of nothing")
    return max(_int(v) for v in values)


# -- comparison and logic -------------------------------------------------------------

@_function(2, 2, known="none")
def _equals(a: Any, b: Any) -> Any:
    return deep_equal(a, b)


def _ordered(a: Any, b: Any) -> int:
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)  # ordinal, as .NET compares
    return (_int(a) > _int(b)) - (_int(a) < _int(b))


@_function(2, 2)
def _greater(a: Any, b: Any) -> bool:
    return _ordered(a, b) > 0


@_function(2, 2)
def _greaterOrEquals(a: Any, b: Any) -> bool:
    return _ordered(a, b) >= 0


@_function(2, 2)
def _less(a: Any, b: Any) -> bool:
    return _ordered(a, b) < 0


@_function(2, 2)
def _lessOrEquals(a: Any, b: Any) -> bool:
    return _ordered(a, b) <= 0


@_function(1, None, known="none", nullable=True)
def _coalesce(*args: Any) -> Any:
    for arg in args:
        if arg is None:
            continue
        if is_unknown(arg):
            # Unknown and possibly null: a later argument could be the value.
            return UNKNOWN_PRESENT if is_present(arg) else UNKNOWN
        return arg
    return None


@_function(2, 2, known="none")
def _contains(container: Any, item: Any) -> Any:
    if is_unknown(container) or is_unknown(item):
        return UNKNOWN_PRESENT
    if isinstance(container, str):
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise ArmError("contains() looks for a string in a string")
        return str(item) in container  # case-sensitive, as ARM documents
    if isinstance(container, dict):
        key = _str(item, "key")
        if keys_known(container) or lookup_ci(container, key) is None:
            return lookup_ci(container, key) is not None  # keys: case-insensitive
        return UNKNOWN_PRESENT if isinstance(container, MaybeDict) and key.lower() in container.uncertain else True
    undecided = False
    for element in _list(container, "container"):
        same = deep_equal(element, item)
        if same is True:
            return True
        undecided = undecided or is_unknown(same)
    return UNKNOWN_PRESENT if undecided else False


@_function(1, 1, known="none")
def _empty(value: Any) -> Any:
    if value is None:
        return True
    if is_unknown(value):
        return UNKNOWN_PRESENT
    if isinstance(value, MaybeDict) and value.uncertain:
        certain = any(k.lower() not in value.uncertain for k in value)
        return False if certain else UNKNOWN_PRESENT
    if isinstance(value, (str, list, dict)):
        return len(value) == 0
    raise ArmError(f"empty() of {type_name(value)}")


@_function(1, 1)
def _not(value: Any) -> bool:
    return not _bool(value)


@_function(1, 1)
def _bool_(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = _str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise ArmError(f"bool() of '{value}'")


@_function(1, 1)
def _int_(value: Any) -> int:
    if isinstance(value, bool):
        raise ArmError("int() of a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _str(value).strip()
    if not re.fullmatch(r"[+-]?\d{1,19}", text):
        raise ArmError(f"int() of '{value}'")
    return _int64(int(text))


@_function(1, 1)
def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise ArmError("float() of a boolean")
    if isinstance(value, (int, float)):
        return float(value)
    return float(_str(value))


@_function(1, 1)
def _fail(message: Any) -> Any:
    raise ArmError(f"fail(): {message}")


def _constant(value: Any) -> Impl:
    def impl(ev: "Evaluator", args: List[Any]) -> Any:
        _arity("constant", args, 0, 0)
        return value
    return impl


# -- arithmetic ---------------------------------------------------------------------

@_function(2, 2)
def _add(a: Any, b: Any) -> int:
    return _int64(_int(a) + _int(b))


@_function(2, 2)
def _sub(a: Any, b: Any) -> int:
    return _int64(_int(a) - _int(b))


@_function(2, 2)
def _mul(a: Any, b: Any) -> int:
    return _int64(_int(a) * _int(b))


@_function(2, 2)
def _div(a: Any, b: Any) -> int:
    x, y = _int(a), _int(b)
    if y == 0:
        raise ArmError("division by zero")
    quotient = abs(x) // abs(y)  # .NET truncates toward zero
    return _int64(quotient if (x >= 0) == (y >= 0) else -quotient)


@_function(2, 2)
def _mod(a: Any, b: Any) -> int:
    x, y = _int(a), _int(b)
    if y == 0:
        raise ArmError("division by zero")
    remainder = abs(x) % abs(y)  # .NET: the sign of the dividend
    return remainder if x >= 0 else -remainder


# -- deployment context ---------------------------------------------------------------

def _context(fields: Dict[str, Any]) -> Impl:
    """An object of the deployment's context: its fixed fields known, the rest unknown."""
    def impl(ev: "Evaluator", args: List[Any]) -> Any:
        return KnownFields(fields)
    return impl


_RESOURCE_GROUP = {"id": UNKNOWN_PRESENT, "name": UNKNOWN_PRESENT, "location": UNKNOWN_PRESENT,
                   "type": "Microsoft.Resources/resourceGroups",
                   "properties": KnownFields({"provisioningState": UNKNOWN_PRESENT})}
_SUBSCRIPTION = {"id": UNKNOWN_PRESENT, "subscriptionId": UNKNOWN_PRESENT, "tenantId": UNKNOWN_PRESENT,
                 "displayName": UNKNOWN_PRESENT}
_TENANT = {"tenantId": UNKNOWN_PRESENT, "id": UNKNOWN_PRESENT}
_MANAGEMENT_GROUP = {"id": UNKNOWN_PRESENT, "name": UNKNOWN_PRESENT,
                     "type": "Microsoft.Management/managementGroups"}
_DEPLOYMENT = {"name": UNKNOWN_PRESENT, "properties": KnownFields({})}


# -- lambdas --------------------------------------------------------------------------

@_function(2, 2, evaluator=True)
def _map(ev: "Evaluator", items: Any, fn: Any) -> List[Any]:
    values = _list(items)
    if isinstance(fn, LambdaValue) and len(fn.names) == 2:
        return [ev.call_lambda(fn, [v, i]) for i, v in enumerate(values)]
    return [ev.call_lambda(fn, [v]) for v in values]


@_function(2, 2, evaluator=True)
def _filter(ev: "Evaluator", items: Any, fn: Any) -> Any:
    out = []
    two = isinstance(fn, LambdaValue) and len(fn.names) == 2
    for i, value in enumerate(_list(items)):
        keep = ev.call_lambda(fn, [value, i] if two else [value])
        if is_unknown(keep):
            return UNKNOWN_PRESENT
        if _bool(keep, "filter predicate"):
            out.append(value)
    return out


@_function(3, 3, evaluator=True, known="none")
def _reduce(ev: "Evaluator", items: Any, initial: Any, fn: Any) -> Any:
    if is_unknown(items):
        return UNKNOWN
    three = isinstance(fn, LambdaValue) and len(fn.names) == 3
    accumulator = initial
    for i, value in enumerate(_list(items)):
        accumulator = ev.call_lambda(fn, [accumulator, value, i] if three else [accumulator, value])
    return accumulator


class _Undecided(Exception):
    """A sort comparison came out unknown."""


@_function(2, 2, evaluator=True)
def _sort(ev: "Evaluator", items: Any, fn: Any) -> Any:
    def compare(a: Any, b: Any) -> int:
        before = ev.call_lambda(fn, [a, b])
        if is_unknown(before):
            raise _Undecided()
        if _bool(before, "sort comparison"):
            return -1
        after = ev.call_lambda(fn, [b, a])
        if is_unknown(after):
            raise _Undecided()
        return 1 if _bool(after, "sort comparison") else 0

    try:
        return sorted(_list(items), key=cmp_to_key(compare))
    except _Undecided:
        return UNKNOWN_PRESENT


@_function(2, 3, evaluator=True)
def _toObject(ev: "Evaluator", items: Any, key_fn: Any, value_fn: Any = None) -> Any:
    out: Dict[str, Any] = {}
    for value in _list(items):
        key = ev.call_lambda(key_fn, [value])
        if is_unknown(key):
            return UNKNOWN_PRESENT
        _set_ci(out, _str(key, "key"), value if value_fn is None else ev.call_lambda(value_fn, [value]))
    return out


@_function(2, 2, evaluator=True)
def _groupBy(ev: "Evaluator", items: Any, fn: Any) -> Any:
    out: Dict[str, List[Any]] = {}
    for value in _list(items):
        key = ev.call_lambda(fn, [value])
        if is_unknown(key):
            return UNKNOWN_PRESENT
        found = lookup_ci(out, _str(key, "key"))
        out.setdefault(found[0] if found else key, []).append(value)
    return out


@_function(2, 2, evaluator=True)
def _mapValues(ev: "Evaluator", obj: Any, fn: Any) -> Any:
    if not keys_known(obj):
        return UNKNOWN_PRESENT
    return {k: ev.call_lambda(fn, [v]) for k, v in _dict(obj).items()}


def _lambda(ev: "Evaluator", nodes: Sequence[Node]) -> LambdaValue:
    if len(nodes) < 1:
        raise ArmError("lambda() needs a body")
    names = []
    for node in nodes[:-1]:
        name = ev.eval(node)
        names.append(_str(name, "lambda variable name"))
    return LambdaValue(tuple(names), nodes[-1], ev.scope)


def _lambdaVariables(ev: "Evaluator", nodes: Sequence[Node]) -> Any:
    _arity("lambdaVariables", nodes, 1, 1)
    return ev.scope.lambda_variable(_str(ev.eval(nodes[0]), "lambda variable name"))


# -- special forms: names, logic, copy loops ----------------------------------------------------

def _name_argument(ev: "Evaluator", nodes: Sequence[Node], function: str) -> str:
    _arity(function, nodes, 1, 1)
    name = ev.eval(nodes[0])
    if is_unknown(name):
        raise ArmError(f"{function}() of an unknown name")
    return _str(name, f"{function}() name")


def _parameters(ev: "Evaluator", nodes: Sequence[Node]) -> Any:
    return ev.scope.parameter(_name_argument(ev, nodes, "parameters"), ev.sink)


def _variables(ev: "Evaluator", nodes: Sequence[Node]) -> Any:
    return ev.scope.variable(_name_argument(ev, nodes, "variables"), ev.sink)


def _copyIndex(ev: "Evaluator", nodes: Sequence[Node]) -> Any:
    """``copyIndex()``, ``copyIndex(offset)``, ``copyIndex('loop')``, ``copyIndex('loop', offset)``."""
    _arity("copyIndex", nodes, 0, 2)
    args = [ev.eval(n) for n in nodes]
    loop: Optional[str] = None
    offset: Any = 0
    if args and (isinstance(args[0], str) or len(args) == 2):
        loop = args[0] if isinstance(args[0], str) else None
        if loop is None:
            raise ArmError("copyIndex() loop name must be a string")
        args = args[1:]
    if args:
        offset = args[0]
    index = ev.scope.copy_index(loop)
    if is_unknown(index) or is_unknown(offset):
        return UNKNOWN_PRESENT
    return index + _int(offset, "copyIndex() offset")


def _if(ev: "Evaluator", nodes: Sequence[Node]) -> Any:
    _arity("if", nodes, 3, 3)
    condition = ev.eval(nodes[0])
    if not is_unknown(condition):
        # ARM evaluates only the branch taken: the other may be invalid.
        return ev.eval(nodes[1] if _bool(condition, "if() condition") else nodes[2])
    # Not knowing which branch: keep what both agree on (for objects, the
    # keys they share; Bicep writes optional properties this way).
    return either(ev.guarded(nodes[1]), ev.guarded(nodes[2]))


def _logic(stop: bool) -> Special:
    """``and`` (stops at false) and ``or`` (stops at true), three-valued."""
    def impl(ev: "Evaluator", nodes: Sequence[Node]) -> Any:
        _arity("and" if not stop else "or", nodes, 1, None)
        undecided = False
        for node in nodes:
            value = ev.eval(node)
            if is_unknown(value):
                undecided = True
            elif _bool(value, "logical operand") == stop:
                return stop
        return UNKNOWN_PRESENT if undecided else not stop
    return impl


# -- resources ---------------------------------------------------------------------------------

def _segments(rtype: str) -> List[str]:
    return [s for s in rtype.split("/") if s]


def _type_position(values: List[Any], max_scope_args: int) -> int:
    """Where the resource type is among resourceId()'s arguments: the first
    argument with a '/' (subscription ids and group names have none)."""
    for i, value in enumerate(values[:max_scope_args + 1]):
        if isinstance(value, str) and "/" in value:
            return i
        if not isinstance(value, str):
            break
    raise ArmError("no resource type among the arguments")


def _name_key(value: Any, node: Node) -> str:
    """A name segment for matching: its text, or ``[expression]`` when unknown."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return f"[{render(node)}]"


def _id_path(rtype: str, names: List[Any]) -> Optional[str]:
    """``Microsoft.Network/virtualNetworks/subnets`` + [vnet, sn] ->
    ``Microsoft.Network/virtualNetworks/vnet/subnets/sn`` (None if unknown)."""
    if not all(isinstance(n, str) for n in names):
        return None
    segments = _segments(rtype)
    flat = [p for n in names for p in n.split("/")]
    if len(flat) != len(segments) - 1:
        return None
    out = [segments[0]]
    for kind, name in zip(segments[1:], flat, strict=True):
        out.extend([kind, name])
    return "/".join(out)


def _resource_id_form(scope_args: int, prefix: Callable[[List[Any]], Optional[str]]) -> Special:
    """resourceId, subscriptionResourceId, tenantResourceId,
    managementGroupResourceId: the id text when every part is known, else an
    unknown that still names its target; the target always goes to the graph."""
    def impl(ev: "Evaluator", nodes: Sequence[Node]) -> Any:
        values = [ev.eval(n) for n in nodes]
        at = _type_position(values, scope_args)
        rtype = _str(values[at], "resource type")
        names, name_nodes = values[at + 1:], list(nodes[at + 1:])
        if not names:
            raise ArmError("a resource id needs a name")
        target = Target(rtype, "/".join(_name_key(v, n) for v, n in zip(names, name_nodes, strict=True)))
        ev.sink.append(target)
        head = prefix(values[:at])
        path = _id_path(rtype, names)
        if head is None or path is None:
            return ResourceRef(target)
        return f"{head}/providers/{path}"
    return impl


def _known_prefix(template: str, count: int) -> Callable[[List[Any]], Optional[str]]:
    def prefix(scope: List[Any]) -> Optional[str]:
        if len(scope) != count or not all(isinstance(s, str) for s in scope):
            return None  # the deployment's own subscription / group: unknown
        return template.format(*scope)
    return prefix


def _extensionResourceId(ev: "Evaluator", nodes: Sequence[Node]) -> Any:
    if len(nodes) < 3:
        raise ArmError("extensionResourceId() takes a resource id, a type and names")
    base = ev.eval(nodes[0])
    inner = _resource_id_form(0, lambda _: "")(ev, nodes[1:])
    if isinstance(base, str) and isinstance(inner, str):
        return base.rstrip("/") + inner
    return ResourceRef(ev.sink[-1])


def target_of(ev: "Evaluator", value: Any) -> Optional[Target]:
    """The resource a reference()/list*() argument names."""
    if isinstance(value, ResourceRef):
        return value.target
    if isinstance(value, str) and value:
        if value.startswith("/"):
            parsed = parse_resource_id(value)
            return Target(*parsed) if parsed else None
        if ev.scope.is_symbolic(value):
            return Target(symbolic=value)
        return Target(name=value)
    return None


def _reference(ev: "Evaluator", args: List[Any]) -> Any:
    """The deployed state of a resource: unknown, but the graph learns the link."""
    _arity("reference", args, 1, 3)
    target = target_of(ev, args[0])
    if target is not None:
        ev.sink.append(target)
    return UNKNOWN_PRESENT


def list_function(ev: "Evaluator", args: List[Any]) -> Any:
    """``listKeys``, ``listSecrets``, ... : secrets of a deployed resource."""
    if args:
        target = target_of(ev, args[0])
        if target is not None:
            ev.sink.append(target)
    return UNKNOWN_PRESENT


def _resourceInfo(ev: "Evaluator", args: List[Any]) -> Any:
    _arity("resourceInfo", args, 1, 1)
    target = target_of(ev, args[0])
    if target is not None:
        ev.sink.append(target)
    return KnownFields({"id": UNKNOWN_PRESENT, "name": UNKNOWN_PRESENT, "type": UNKNOWN_PRESENT})


# -- the tables ------------------------------------------------------------------------

def _build_tables() -> None:
    """The functions that are not plain ``@_function`` implementations.
    Filled once at import; read-only afterwards."""
    for name in ("uniqueString", "guid", "newGuid", "utcNow", "pickZones", "providers",
                 "dateTimeAdd", "dateTimeFromEpoch", "dateTimeToEpoch", "deployer"):
        _register(FUNCTIONS, name, _deployment_value)
    _register(FUNCTIONS, "true", _constant(True))
    _register(FUNCTIONS, "false", _constant(False))
    _register(FUNCTIONS, "null", _constant(None))
    _register(FUNCTIONS, "resourceGroup", _context(_RESOURCE_GROUP))
    _register(FUNCTIONS, "subscription", _context(_SUBSCRIPTION))
    _register(FUNCTIONS, "tenant", _context(_TENANT))
    _register(FUNCTIONS, "managementGroup", _context(_MANAGEMENT_GROUP))
    _register(FUNCTIONS, "deployment", _context(_DEPLOYMENT))
    _register(FUNCTIONS, "environment", _context({}))
    _register(FUNCTIONS, "reference", _reference)
    _register(FUNCTIONS, "resourceInfo", _resourceInfo)
    specials: Dict[str, Special] = {
        "if": _if, "and": _logic(False), "or": _logic(True), "parameters": _parameters,
        "variables": _variables, "copyIndex": _copyIndex, "lambda": _lambda,
        "lambdaVariables": _lambdaVariables, "extensionResourceId": _extensionResourceId,
        "resourceId": _resource_id_form(2, _known_prefix("/subscriptions/{0}/resourceGroups/{1}", 2)),
        "subscriptionResourceId": _resource_id_form(1, _known_prefix("/subscriptions/{0}", 1)),
        "tenantResourceId": _resource_id_form(0, lambda _: ""),
        "managementGroupResourceId": _resource_id_form(
            1, _known_prefix("/providers/Microsoft.Management/managementGroups/{0}", 1)),
    }
    for name, impl in specials.items():
        _register(SPECIAL_FORMS, name, impl)


_build_tables()
