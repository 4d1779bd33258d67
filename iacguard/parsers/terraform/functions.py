"""Terraform's built-in functions, as far as they are pure.

Each takes evaluated arguments and returns a value. An argument that is (or
contains) UNKNOWN makes the result UNKNOWN unless the function can decide
without it (``length`` of a list with an unknown element, ``coalesce`` whose
first argument is known). A function that raises is an error in Terraform;
the evaluator turns it into an invalid value (which ``try``/``can`` observe).

Functions that read files or need lazy arguments (``file``, ``templatefile``,
``try``, ``can``) are the evaluator's, not here.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import math
import re
import time
import urllib.parse
from contextvars import ContextVar
from typing import Any, Callable, Dict, List, Optional, Tuple

from ...model import UNKNOWN, PartialDocument, contains_unknown, is_unknown

MAX_RANGE = 100_000
MAX_FORMAT_WIDTH = 10_000  # %999999999d would build a gigabyte

# Node evaluations one top-level expression may cost (functions add one step
# per element they visit), and the longest string it may build: far beyond
# real configurations, far below a hang.
MAX_STEPS = 1_000_000
MAX_STRING = 1_000_000
# One regex()/regexall()/replace() match may run this long (real patterns
# need microseconds); the time it takes is charged to the step budget too.
REGEX_TIMEOUT_S = 0.1
STEPS_PER_SECOND = 1_000_000


class FunctionError(ValueError):
    """The arguments are known but Terraform would reject them."""


class BudgetExhausted(Exception):
    """An expression needs more work than a scan spends on one value
    (nested loops multiplying, strings doubling, shared lists written out);
    try() must not swallow it: the value is unknown, not an error."""


class Budget:
    """The work one top-level expression may still do. The evaluator spends
    a step per node it evaluates; functions that walk values spend a step
    per element they visit, so that a value cheap to build (a list holding
    the previous one twice, forty times over) is not costly to use."""

    def __init__(self) -> None:
        self.steps = 0

    def charge(self, steps: int) -> None:
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise BudgetExhausted()

    def left(self) -> int:
        return MAX_STEPS - self.steps


# The budget of the expression being evaluated (set by evaluator.evaluate).
_CURRENT: ContextVar[Optional[Budget]] = ContextVar("iacguard_terraform_budget", default=None)


def current_budget() -> Budget:
    """The budget to charge; a call made outside an evaluation gets its own."""
    return _CURRENT.get() or Budget()


def measure(value: Any, limit: int) -> Tuple[int, int]:
    """(elements, characters) of ``value`` counted as a walk would meet them:
    a list held twice counts twice. Shared parts are measured once, so this
    costs the number of distinct lists and maps, not their expansion; it stops
    counting past ``limit`` elements. A list inside itself (a recursive YAML
    alias) has no end: more than ``limit``."""
    memo: Dict[int, Tuple[int, int]] = {}

    def size(item: Any) -> Tuple[int, int]:
        if isinstance(item, str):
            return 1, len(item) + 2
        if not isinstance(item, (list, dict)):
            return 1, 8
        key = id(item)
        known = memo.get(key)
        if known is not None:
            return known
        memo[key] = (limit + 1, 0)  # seen again before it is finished: a cycle
        count, chars = 1, 2
        if isinstance(item, dict):
            for k, v in item.items():
                n, c = size(v)
                count, chars = count + n, chars + c + len(k) + 4
                if count > limit:
                    break
        else:
            for v in item:
                n, c = size(v)
                count, chars = count + n, chars + c + 1
                if count > limit:
                    break
        memo[key] = (count, chars)
        return count, chars

    return size(value)


def charge_walk(*values: Any) -> int:
    """Charge the current budget for walking ``values`` element by element
    (BudgetExhausted when that is more than it has left); their characters."""
    budget = current_budget()
    total_chars = 0
    for value in values:
        if isinstance(value, (list, dict)):
            count, chars = measure(value, budget.left())
            budget.charge(count)
            total_chars += chars
    return total_chars


def _walks(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a function that visits every element of its arguments."""

    def wrapper(*args: Any) -> Any:
        charge_walk(*args)
        return func(*args)

    wrapper.__name__ = func.__name__
    return wrapper


def _strict(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a function that needs all of its arguments fully known."""

    def wrapper(*args: Any) -> Any:
        charge_walk(*args)  # contains_unknown visits every element
        if any(contains_unknown(a) for a in args):
            return UNKNOWN
        return func(*args)

    wrapper.__name__ = func.__name__
    return wrapper


def _string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, str)):
        return str(value)
    raise FunctionError(f"cannot convert {type(value).__name__} to string")


def to_number(value: Any) -> Any:
    """Terraform's number conversion (numeric strings too); FunctionError otherwise."""
    if isinstance(value, bool):
        raise FunctionError("a bool is not a number")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                raise FunctionError(f"{value!r} is not a number") from None
    raise FunctionError("not a number")


def _list(value: Any) -> List[Any]:
    if isinstance(value, list):
        return value
    raise FunctionError("not a list")


def _tostring(value: Any) -> Any:
    return None if value is None else _string(value)


def _tobool(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if value in ("true", "false"):
        return value == "true"
    raise FunctionError("not a bool")


def _tonumber(value: Any) -> Any:
    return None if value is None else to_number(value)


def _toset(value: Any) -> Any:
    if is_unknown(value):
        return UNKNOWN
    items = _list(value)
    if any(is_unknown(v) for v in items):
        return UNKNOWN  # the set's members (and so its size) are not known
    out = _unique(items)
    if all(isinstance(v, str) for v in out):
        out.sort()
    return out


def _unique(items: List[Any]) -> List[Any]:
    """Items in first-seen order without repeats, in linear time."""
    seen = set()
    out: List[Any] = []
    for item in items:
        key = _set_key(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _set_key(item: Any) -> Any:
    """A hashable stand-in for a value, equal for equal values."""
    return json.dumps(item, sort_keys=True, default=repr) if isinstance(item, (dict, list)) \
        else (type(item).__name__, item)


def _length(value: Any) -> Any:
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, (list, dict, str)):
        return len(value)
    raise FunctionError("length of a primitive")


def _concat(*lists: Any) -> Any:
    if any(is_unknown(item) for item in lists):
        return UNKNOWN
    out: List[Any] = []
    for item in lists:
        out.extend(_list(item))
    return out


def _merge(*maps: Any) -> Any:
    if any(is_unknown(m) for m in maps):
        return UNKNOWN
    out: Dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        if not isinstance(item, dict):
            raise FunctionError("merge takes maps")
        out.update(item)
    return out


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if is_unknown(mapping) or is_unknown(key):
        return UNKNOWN
    if not isinstance(mapping, dict):
        raise FunctionError("lookup takes a map")
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise FunctionError(f"no key {key!r}")


def _element(items: Any, index: Any) -> Any:
    if is_unknown(items) or is_unknown(index):
        return UNKNOWN
    items = _list(items)
    if not items:
        raise FunctionError("element of an empty list")
    return items[int(to_number(index)) % len(items)]


def _keys(mapping: Any) -> Any:
    if is_unknown(mapping):
        return UNKNOWN
    if not isinstance(mapping, dict):
        raise FunctionError("keys takes a map")
    return sorted(mapping)


def _values(mapping: Any) -> Any:
    if is_unknown(mapping):
        return UNKNOWN
    if not isinstance(mapping, dict):
        raise FunctionError("values takes a map")
    return [mapping[k] for k in sorted(mapping)]


def _contains(items: Any, value: Any) -> Any:
    if is_unknown(items) or contains_unknown(value):
        return UNKNOWN
    items = _list(items)
    if value in items:
        return True
    return UNKNOWN if any(contains_unknown(i) for i in items) else False


def _coalesce(*args: Any) -> Any:
    for arg in args:
        if is_unknown(arg):
            return UNKNOWN
        if arg is not None and arg != "":
            return arg
    raise FunctionError("no non-null argument")


def _coalescelist(*args: Any) -> Any:
    for arg in args:
        if is_unknown(arg):
            return UNKNOWN
        if _list(arg):
            return arg
    raise FunctionError("no non-empty list")


def _compact(items: Any) -> Any:
    if is_unknown(items):
        return UNKNOWN
    items = _list(items)
    if any(is_unknown(i) for i in items):
        return UNKNOWN
    return [i for i in items if i is not None and i != ""]


def _distinct(items: Any) -> Any:
    if is_unknown(items):
        return UNKNOWN
    values = _list(items)
    if any(is_unknown(item) for item in values):
        return UNKNOWN
    return _unique(values)


def _flatten(items: Any) -> Any:
    if is_unknown(items):
        return UNKNOWN
    out: List[Any] = []
    for item in _list(items):
        if is_unknown(item):
            return UNKNOWN
        if isinstance(item, list):
            flat = _flatten(item)
            if is_unknown(flat):
                return UNKNOWN
            out.extend(flat)
        else:
            out.append(item)
    return out


_FORMAT_VERB = re.compile(r"%(?:\[(\d+)\])?([-+# 0]*)(\d+)?(?:\.(\d+))?([%vdsqfetxXobcgGT])")


def _format(spec: str, *args: Any) -> str:
    position = 0

    def repl(m: re.Match) -> str:
        nonlocal position
        verb = m.group(5)
        if verb == "%":
            return "%"
        if m.group(1):
            position = int(m.group(1)) - 1
        if int(m.group(3) or 0) > MAX_FORMAT_WIDTH or int(m.group(4) or 0) > MAX_FORMAT_WIDTH:
            raise FunctionError("format width or precision out of range")
        if position >= len(args):
            raise FunctionError("too few arguments for format")
        value = args[position]
        position += 1
        if verb in "vs":
            text = value if isinstance(value, str) else (
                json.dumps(value, separators=(",", ":")) if isinstance(value, (dict, list)) else _string(value))
        elif verb == "q":
            text = json.dumps(_string(value))
        elif verb == "d":
            text = str(int(to_number(value)))
        elif verb in "feEgG":
            precision = int(m.group(4)) if m.group(4) else 6
            text = f"{float(to_number(value)):.{precision}{verb}}"
        elif verb == "t":
            text = "true" if _tobool(value) else "false"
        elif verb == "x":
            text = format(int(to_number(value)), "x")
        elif verb == "X":
            text = format(int(to_number(value)), "X")
        elif verb == "o":
            text = format(int(to_number(value)), "o")
        elif verb == "b":
            text = format(int(to_number(value)), "b")
        else:
            text = _string(value)
        width = int(m.group(3)) if m.group(3) else 0
        flags = m.group(2)
        if width:
            fill = "0" if "0" in flags and "-" not in flags else " "
            text = text.ljust(width) if "-" in flags else text.rjust(width, fill)
        return text

    return _FORMAT_VERB.sub(repl, spec)


def _join(separator: Any, *lists: Any) -> Any:
    if is_unknown(separator) or any(contains_unknown(item) for item in lists):
        return UNKNOWN
    items: List[Any] = []
    for each in lists:
        items.extend(_list(each))
    return _string(separator).join(_string(i) for i in items)


def _split(separator: Any, text: Any) -> Any:
    text = _string(text)
    return text.split(_string(separator)) if text else [""]


_GROUP_REF = re.compile(r"\$(?:\{(\w+)\}|(\d+))")


def _replace(text: str, search: str, replacement: str) -> Any:
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        pattern = _compile(search[1:-1])
        written = [len(text)]

        def expand(m: Any) -> str:
            # Terraform (Go) writes group references as $1 or ${name}.
            def group(ref: re.Match) -> str:
                name = ref.group(1) or ref.group(2)
                try:
                    return m.group(int(name) if name.isdigit() else name) or ""
                except IndexError:  # no such group
                    return ""

            out = _GROUP_REF.sub(group, replacement)
            written[0] += len(out)
            if written[0] > MAX_STRING:
                raise BudgetExhausted()
            return out

        return _bounded_match(lambda timeout: pattern.sub(expand, text, timeout=timeout))
    if search and len(text) + text.count(search) * (len(replacement) - len(search)) > MAX_STRING:
        raise BudgetExhausted()
    return text.replace(search, replacement)


def _substr(text: str, offset: Any, length: Any) -> str:
    offset, length = int(to_number(offset)), int(to_number(length))
    if offset < 0:
        offset = max(len(text) + offset, 0)
    if length < 0:
        return text[offset:]
    return text[offset:offset + length]


def _tomap(value: Any) -> Any:
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, dict):
        return value
    raise FunctionError("tomap takes an object")


def _tolist(value: Any) -> Any:
    if is_unknown(value):
        return UNKNOWN
    return list(_list(value))


def _min_max(pick: Callable[..., Any]) -> Callable[..., Any]:
    def func(*args: Any) -> Any:
        if not args:
            raise FunctionError("needs at least one number")
        return pick(to_number(a) for a in args)

    return func


def _range(*args: Any) -> Any:
    numbers = [to_number(a) for a in args]
    if len(numbers) == 1:
        start, stop, step = 0, numbers[0], 1
    elif len(numbers) == 2:
        start, stop, step = numbers[0], numbers[1], 1 if numbers[1] >= numbers[0] else -1
    elif len(numbers) == 3:
        start, stop, step = numbers
    else:
        raise FunctionError("range takes 1 to 3 arguments")
    if step == 0:
        raise FunctionError("step must not be zero")
    count = max(0, math.ceil((stop - start) / step))
    if count > MAX_RANGE:
        raise FunctionError(f"range of {count} elements exceeds the limit of {MAX_RANGE}")
    return [start + i * step for i in range(count)]


def _zipmap(keys: Any, values: Any) -> Any:
    if contains_unknown(keys) or is_unknown(values):
        return UNKNOWN
    keys, values = _list(keys), _list(values)
    if len(keys) != len(values):
        raise FunctionError("zipmap needs lists of the same length")
    return {_string(k): v for k, v in zip(keys, values, strict=True)}


def _cidrsubnet(prefix: str, newbits: Any, netnum: Any) -> str:
    network = ipaddress.ip_network(prefix, strict=False)
    new_prefix = network.prefixlen + int(to_number(newbits))
    if new_prefix > network.max_prefixlen:
        raise FunctionError("not enough bits")
    size = 2 ** (network.max_prefixlen - new_prefix)
    number = int(to_number(netnum))
    if not 0 <= number < 2 ** int(to_number(newbits)):
        raise FunctionError("netnum out of range")
    address = int(network.network_address) + number * size
    return f"{ipaddress.ip_address(address)}/{new_prefix}"


def _cidrhost(prefix: str, hostnum: Any) -> str:
    network = ipaddress.ip_network(prefix, strict=False)
    number = int(to_number(hostnum))
    if number < 0:
        number += network.num_addresses
    if not 0 <= number < network.num_addresses:
        raise FunctionError("hostnum out of range")
    return str(ipaddress.ip_address(int(network.network_address) + number))


def _one(items: Any) -> Any:
    if is_unknown(items):
        return UNKNOWN
    items = _list(items)
    if len(items) > 1:
        raise FunctionError("one() of more than one element")
    return items[0] if items else None


def _index_of(items: Any, value: Any) -> Any:
    items = _list(items)
    if value not in items:
        raise FunctionError("value not in list")
    return items.index(value)


def _slice(items: Any, start: Any, end: Any) -> Any:
    return _list(items)[int(to_number(start)):int(to_number(end))]


def _trim(text: str, chars: str) -> str:
    return text.strip(chars)


def _jsonencode(value: Any) -> str:
    # Shared lists cost nothing to build but are written out in full: charge
    # every element and refuse output beyond MAX_STRING before writing it.
    if charge_walk(value) > MAX_STRING:
        raise BudgetExhausted()
    # cty orders object attributes by name, so Terraform's output is sorted.
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    if len(text) > MAX_STRING:  # escapes make it longer than measured
        raise BudgetExhausted()
    return text


def _jsondecode(text: Any) -> Any:
    try:
        return json.loads(_string(text))
    except ValueError as exc:
        raise FunctionError(f"invalid JSON: {exc}") from None


def _jsonencode_partial(value: Any) -> Any:
    """A document with unknown values inside is still a document: keep its
    structure for the checks that read policies."""
    if isinstance(value, PartialDocument):
        return value
    charge_walk(value)  # contains_unknown visits every element
    if contains_unknown(value):
        return PartialDocument(value)
    return _jsonencode(value)


def _jsondecode_partial(text: Any) -> Any:
    if isinstance(text, PartialDocument):
        return text.document
    if is_unknown(text):
        return UNKNOWN
    return _jsondecode(text)


def _yamldecode(text: Any) -> Any:
    import yaml

    try:
        value = yaml.safe_load(_string(text))
    except yaml.YAMLError as exc:
        raise FunctionError(f"invalid YAML: {exc}") from None
    # Aliases share one object however often they are used (nine aliases of
    # nine aliases ... is a billion elements from a few lines): what they
    # expand to is what every later walk pays, so it is charged here.
    charge_walk(value)
    return value


def _sort(items: Any) -> Any:
    return sorted(_string(i) for i in _list(items))


def _chunklist(items: Any, size: Any) -> Any:
    items, size = _list(items), int(to_number(size))
    if size <= 0:
        return [items]
    return [items[i:i + size] for i in range(0, len(items), size)]


def _setunion(*sets: Any) -> Any:
    return _toset(_concat(*sets))


def _setintersection(first: Any, *rest: Any) -> Any:
    others = [{_set_key(v) for v in _list(r)} for r in rest]
    return [v for v in _toset(first) if all(_set_key(v) in keys for keys in others)]


def _setsubtract(first: Any, second: Any) -> Any:
    removed = {_set_key(v) for v in _list(second)}
    return [v for v in _toset(first) if _set_key(v) not in removed]


def _compile(source: str) -> Any:
    """A pattern of regex()/regexall()/replace(), compiled for the ``regex``
    module (which can stop a match after a time); FunctionError for what
    does not compile. Python's ``re`` checks the syntax first: it refuses
    more of what RE2 refuses (a group name used twice) than ``regex`` does."""
    import regex

    try:
        re.compile(source)
        return regex.compile(source)
    except (re.error, regex.error, OverflowError) as exc:
        raise FunctionError(f"invalid regular expression: {exc}") from None


def _bounded_match(run: Callable[[float], Any]) -> Any:
    """``run(timeout)``, a match on a compiled pattern, UNKNOWN when it does
    not end in time.

    Terraform matches with RE2, in time linear in the text; Python's engines
    backtrack, and ``^(a|aa)+$`` on sixty characters would run for years. A
    match may take REGEX_TIMEOUT_S (real patterns need microseconds), and
    the time it takes is charged to the expression's step budget, so that a
    loop of slow matches ends too. A match that times out has a result we do
    not know, which is not an error (try()/can() must not see one)."""
    budget = current_budget()
    timeout = min(REGEX_TIMEOUT_S, budget.left() / STEPS_PER_SECOND)
    if timeout <= 0:
        raise BudgetExhausted()
    start = time.perf_counter()
    try:
        return run(timeout)
    except TimeoutError:
        return UNKNOWN
    finally:
        budget.charge(int((time.perf_counter() - start) * STEPS_PER_SECOND))


def _regex(pattern: str, text: str) -> Any:
    """Terraform's regex(); unknown when the match runs longer than
    REGEX_TIMEOUT_S (see _bounded_match), as for regexall() and replace()."""
    compiled = _compile(pattern)
    m = _bounded_match(lambda timeout: compiled.search(text, timeout=timeout))
    if is_unknown(m):
        return UNKNOWN
    if m is None:
        raise FunctionError("no match")
    return _match_value(m)


def _match_value(m: Any) -> Any:
    """What Terraform makes of a match: the named groups as a map, else the
    groups as a list, else the matched text."""
    if m.groupdict():
        return m.groupdict()
    return list(m.groups()) if m.groups() else m.group(0)


def _regexall(pattern: str, text: str) -> Any:
    """Terraform's regexall(): each match as regex() would return it."""
    compiled = _compile(pattern)
    matches = _bounded_match(lambda timeout: list(compiled.finditer(text, timeout=timeout)))
    return UNKNOWN if is_unknown(matches) else [_match_value(m) for m in matches]


FUNCTIONS: Dict[str, Callable[..., Any]] = {
    # strings
    "lower": _strict(lambda s: _string(s).lower()),
    "upper": _strict(lambda s: _string(s).upper()),
    "title": _strict(lambda s: _string(s).title()),
    "trimspace": _strict(lambda s: _string(s).strip()),
    "trim": _strict(lambda s, c: _trim(_string(s), _string(c))),
    "trimprefix": _strict(lambda s, p: _string(s)[len(p):] if _string(s).startswith(p) else s),
    "trimsuffix": _strict(lambda s, p: _string(s)[:-len(p)] if p and _string(s).endswith(p) else s),
    "chomp": _strict(lambda s: _string(s).rstrip("\r\n")),
    "startswith": _strict(lambda s, p: _string(s).startswith(_string(p))),
    "endswith": _strict(lambda s, p: _string(s).endswith(_string(p))),
    "strrev": _strict(lambda s: _string(s)[::-1]),
    "format": _strict(lambda spec, *a: _format(_string(spec), *a)),
    "join": _walks(_join),
    "split": _strict(_split),
    "replace": _strict(lambda s, a, b: _replace(_string(s), _string(a), _string(b))),
    "substr": _strict(lambda s, o, n: _substr(_string(s), o, n)),
    "regex": _strict(lambda p, s: _regex(_string(p), _string(s))),
    "regexall": _strict(lambda p, s: _regexall(_string(p), _string(s))),
    # collections
    "concat": _concat,
    "merge": _merge,
    "lookup": _lookup,
    "element": _element,
    "length": _length,
    "keys": _keys,
    "values": _values,
    "contains": _walks(_contains),
    "coalesce": _coalesce,
    "coalescelist": _coalescelist,
    "compact": _compact,
    "distinct": _walks(_distinct),
    "flatten": _walks(_flatten),
    "zipmap": _walks(_zipmap),
    "range": _strict(_range),
    "one": _one,
    "index": _strict(_index_of),
    "slice": _strict(_slice),
    "reverse": _strict(lambda xs: list(reversed(_list(xs)))),
    "sort": _strict(_sort),
    "chunklist": _strict(_chunklist),
    "setunion": _strict(_setunion),
    "setintersection": _strict(_setintersection),
    "setsubtract": _strict(_setsubtract),
    "sum": _strict(lambda xs: sum(to_number(x) for x in _list(xs))),
    # numbers
    "min": _strict(_min_max(min)),
    "max": _strict(_min_max(max)),
    "abs": _strict(lambda n: abs(to_number(n))),
    "ceil": _strict(lambda n: math.ceil(to_number(n))),
    "floor": _strict(lambda n: math.floor(to_number(n))),
    "parseint": _strict(lambda s, b: int(_string(s), int(to_number(b)))),
    # type conversion
    "tostring": _strict(_tostring),
    "tobool": _strict(_tobool),
    "tonumber": _strict(_tonumber),
    "tolist": _tolist,
    "toset": _walks(_toset),
    "tomap": _tomap,
    # encoding
    "jsonencode": _jsonencode_partial,
    "jsondecode": _jsondecode_partial,
    "yamldecode": _strict(_yamldecode),
    "base64encode": _strict(lambda s: base64.b64encode(_string(s).encode()).decode()),
    "base64decode": _strict(lambda s: base64.b64decode(_string(s)).decode("utf-8")),
    "urlencode": _strict(lambda s: urllib.parse.quote(_string(s), safe="")),
    "md5": _strict(lambda s: hashlib.md5(_string(s).encode()).hexdigest()),
    "sha1": _strict(lambda s: hashlib.sha1(_string(s).encode()).hexdigest()),
    "sha256": _strict(lambda s: hashlib.sha256(_string(s).encode()).hexdigest()),
    # networking
    "cidrsubnet": _strict(lambda p, b, n: _cidrsubnet(_string(p), b, n)),
    "cidrhost": _strict(lambda p, n: _cidrhost(_string(p), n)),
    "cidrnetmask": _strict(lambda p: str(ipaddress.ip_network(_string(p), strict=False).netmask)),
}
