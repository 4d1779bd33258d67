"""The check condition language and its tri-state evaluation.

A condition is compiled once from a check file and evaluated against a
resource (or, inside ``each`` and ``connected``, against part of one or a
neighbour). Evaluation yields TRUE, FALSE or UNKNOWN; a TRUE carries the
evidence (the concrete attribute paths) that findings point at.

Leaf:      {path: P, equals|not_equals|in|not_in|matches|not_matches|
                     gt|gte|lt|lte|contains|not_contains|exists|absent: ARG,
                     default: V, ignore_case: bool}
Logic:     {all: [C...]}  {any: [C...]}  {not: C}
Elements:  {each: P, when: C, violation: C}     (one finding per element)
Graph:     {connected: {types: [T...], direction: in|out|any, where: C}}
           {exists_resource: {types: [T...], where: C}}
Python:    {predicate: NAME, args: {...}}
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Sequence, Tuple

from ..model import PartialString, Path, Resource, contains_unknown, is_present, is_unknown
from .paths import ABSENT, MAP_VALUES, WILDCARD, PathSyntaxError, Step, parse_path, resolve


class Tri(enum.Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Evidence:
    """What a finding points at. ``value`` is the value found there, ABSENT
    when the attribute is not written (``default`` then says what the provider
    uses instead), or None when there is no single value to show."""

    path: Path  # relative to the resource's attributes
    value: Any
    default: Any = None


@dataclass
class Result:
    state: Tri
    evidence: List[Evidence] = field(default_factory=list)
    # Paths looked at: for a FALSE result, what made it false (``not`` turns
    # them into evidence).
    examined: List[Evidence] = field(default_factory=list)

    @classmethod
    def unknown(cls) -> "Result":
        return cls(Tri.UNKNOWN)


class ConditionError(ValueError):
    """A condition in a check file is malformed."""


@dataclass
class Context:
    """What a condition can see: the resource under test, the graph, and the
    base value/path that relative paths start from."""

    resource: Resource
    graph: Any
    predicates: Mapping[str, Callable[..., Result]]
    base: Any
    base_path: Path = ()
    # Scan settings a predicate may need (e.g. allowed_regions).
    settings: Mapping[str, Any] = field(default_factory=dict)

    def at(self, base: Any, base_path: Path) -> "Context":
        return Context(self.resource, self.graph, self.predicates, base, base_path, self.settings)

    def on(self, resource: Resource) -> "Context":
        return Context(resource, self.graph, self.predicates, resource.attributes, (), self.settings)

    @property
    def ignore_case(self) -> bool:
        return self.resource.case_insensitive_names


class Condition:
    def evaluate(self, ctx: Context) -> Result:  # pragma: no cover - interface
        raise NotImplementedError


# -- comparisons -------------------------------------------------------------

def _number(value: Any) -> Any:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value) if "." in value or "e" in value.lower() else int(value)
        except ValueError:
            return None
    return None


def _same(actual: Any, expected: Any, ignore_case: bool) -> bool:
    """Equality as deployment engines coerce: "true" is true, "22" is 22."""
    if isinstance(expected, bool):
        if isinstance(actual, str):
            return actual.lower() == ("true" if expected else "false")
        return actual is expected
    if isinstance(expected, (int, float)):
        n = _number(actual)
        return n is not None and n == expected
    if isinstance(expected, str) and isinstance(actual, str):
        return actual.lower() == expected.lower() if ignore_case else actual == expected
    if isinstance(expected, str) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return str(actual) == expected
    return actual == expected


def _op_equals(actual: Any, arg: Any, ic: bool) -> Tri:
    return Tri.TRUE if _same(actual, arg, ic) else Tri.FALSE


def _op_in(actual: Any, arg: Any, ic: bool) -> Tri:
    return Tri.TRUE if any(_same(actual, a, ic) for a in arg) else Tri.FALSE


def _op_matches(actual: Any, arg: Any, ic: bool) -> Tri:
    if not isinstance(actual, (str, int, float)) or isinstance(actual, bool):
        return Tri.FALSE
    flags = re.IGNORECASE if ic else 0
    return Tri.TRUE if re.search(arg, str(actual), flags) else Tri.FALSE


def _numeric(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any, bool], Tri]:
    def op(actual: Any, arg: Any, ic: bool) -> Tri:
        n = _number(actual)
        if n is None:
            return Tri.FALSE
        return Tri.TRUE if compare(n, arg) else Tri.FALSE

    return op


def _op_contains(actual: Any, arg: Any, ic: bool) -> Tri:
    if isinstance(actual, list):
        if any(not contains_unknown(a) and _same(a, arg, ic) for a in actual):
            return Tri.TRUE
        # An element with anything unknown inside might be the one looked for.
        return Tri.UNKNOWN if any(contains_unknown(a) for a in actual) else Tri.FALSE
    if isinstance(actual, str) and isinstance(arg, str):
        return Tri.TRUE if (arg.lower() in actual.lower() if ic else arg in actual) else Tri.FALSE
    if isinstance(actual, dict):
        return Tri.TRUE if arg in actual else Tri.FALSE
    return Tri.FALSE


def _negate(op: Callable[[Any, Any, bool], Tri]) -> Callable[[Any, Any, bool], Tri]:
    def negated(actual: Any, arg: Any, ic: bool) -> Tri:
        result = op(actual, arg, ic)
        return {Tri.TRUE: Tri.FALSE, Tri.FALSE: Tri.TRUE}.get(result, Tri.UNKNOWN)

    return negated


_OPERATORS: Dict[str, Callable[[Any, Any, bool], Tri]] = {
    "equals": _op_equals,
    "not_equals": _negate(_op_equals),
    "in": _op_in,
    "not_in": _negate(_op_in),
    "matches": _op_matches,
    "not_matches": _negate(_op_matches),
    "gt": _numeric(lambda a, b: a > b),
    "gte": _numeric(lambda a, b: a >= b),
    "lt": _numeric(lambda a, b: a < b),
    "lte": _numeric(lambda a, b: a <= b),
    "contains": _op_contains,
    "not_contains": _negate(_op_contains),
}
_PRESENCE = ("exists", "absent")
_LEAF_OPTIONS = {"path", "default", "ignore_case", "absent_is_unknown"}


class Leaf(Condition):
    def __init__(self, spec: Mapping[str, Any]) -> None:
        unknown = set(spec) - _LEAF_OPTIONS - set(_OPERATORS) - set(_PRESENCE)
        if unknown:
            raise ConditionError(f"unknown key(s) {sorted(unknown)} in condition {dict(spec)}")
        ops = [k for k in spec if k in _OPERATORS or k in _PRESENCE]
        if len(ops) != 1:
            raise ConditionError(f"a condition on a path needs exactly one operator, got {ops or 'none'}")
        self.op = ops[0]
        self.arg = spec[self.op]
        try:
            self.steps: Tuple[Step, ...] = parse_path(spec.get("path", ""))
        except PathSyntaxError as exc:
            raise ConditionError(str(exc)) from None
        self.has_default = "default" in spec
        self.default = spec.get("default")
        # The deployment decides what an absent attribute means (e.g. from the
        # subnet it lands in): absent is then undecided, not secure.
        self.absent_is_unknown = bool(spec.get("absent_is_unknown", False))
        if self.has_default and self.absent_is_unknown:
            raise ConditionError("'default' and 'absent_is_unknown' exclude each other")
        self.ignore_case = bool(spec.get("ignore_case", False))
        if self.op in ("in", "not_in") and not isinstance(self.arg, list):
            raise ConditionError(f"'{self.op}' takes a list")
        if self.op in ("gt", "gte", "lt", "lte") and (_number(self.arg) is None):
            raise ConditionError(f"'{self.op}' takes a number")
        if self.op in ("matches", "not_matches"):
            try:
                re.compile(self.arg)
            except (re.error, TypeError) as exc:
                raise ConditionError(f"invalid regular expression {self.arg!r}: {exc}") from None
        if self.op in _PRESENCE and not isinstance(self.arg, bool):
            raise ConditionError(f"'{self.op}' takes true or false")

    def evaluate(self, ctx: Context) -> Result:
        states: List[Tri] = []
        evidence: List[Evidence] = []
        examined: List[Evidence] = []
        for match in resolve(ctx.base, self.steps, ctx.ignore_case):
            path = ctx.base_path + match.path
            state = self._judge(match.value)
            states.append(state)
            # null is how Terraform and ARM write "not set".
            value = ABSENT if match.value is None else match.value
            item = Evidence(path, value, self.default if self.has_default else None)
            (evidence if state is Tri.TRUE else examined).append(item)
        if Tri.TRUE in states:
            return Result(Tri.TRUE, evidence, evidence)
        if Tri.UNKNOWN in states:
            return Result(Tri.UNKNOWN, [], examined)
        return Result(Tri.FALSE, [], examined)

    def _judge(self, value: Any) -> Tri:
        if self.op in _PRESENCE:
            if is_unknown(value) and not is_present(value):
                return Tri.UNKNOWN  # it may be null
            # An empty list is how a plan writes a block that is not there.
            present = value is not ABSENT and value != [] and is_present(value)
            wanted = self.arg if self.op == "exists" else not self.arg
            return Tri.TRUE if present == wanted else Tri.FALSE
        if value is ABSENT or value is None:
            if self.absent_is_unknown:
                return Tri.UNKNOWN
            if not self.has_default:
                return Tri.FALSE
            value = self.default
        if isinstance(value, PartialString):
            return _judge_partial(self.op, value, self.arg, self.ignore_case)
        if is_unknown(value):
            return Tri.UNKNOWN
        return _OPERATORS[self.op](value, self.arg, self.ignore_case)


def _judge_partial(op: str, value: PartialString, arg: Any, ignore_case: bool) -> Tri:
    """Comparisons a partly known string already decides: it cannot equal a
    text its known pieces rule out, and it contains what a known piece holds."""
    def could_be(candidate: Any) -> bool:
        return not isinstance(candidate, str) or value.could_equal(candidate, ignore_case)

    negate = op.startswith("not_")
    base = op[4:] if negate else op
    if base == "equals":
        state = Tri.UNKNOWN if could_be(arg) else Tri.FALSE
    elif base == "in":
        state = Tri.UNKNOWN if any(could_be(a) for a in arg) else Tri.FALSE
    elif base == "contains" and isinstance(arg, str) and value.certainly_contains(arg, ignore_case):
        state = Tri.TRUE
    else:
        return Tri.UNKNOWN
    return {Tri.TRUE: Tri.FALSE, Tri.FALSE: Tri.TRUE}.get(state, Tri.UNKNOWN) if negate else state


class All(Condition):
    def __init__(self, children: Sequence[Condition]) -> None:
        self.children = children

    def evaluate(self, ctx: Context) -> Result:
        results = [c.evaluate(ctx) for c in self.children]
        false = [r for r in results if r.state is Tri.FALSE]
        if false:
            return Result(Tri.FALSE, [], [e for r in false for e in r.examined])
        if any(r.state is Tri.UNKNOWN for r in results):
            return Result.unknown()
        # The conditions before the last set the scene; the last one names
        # the attribute that decides, and the finding points there.
        evidence = results[-1].evidence
        return Result(Tri.TRUE, evidence, evidence)


class Any_(Condition):
    def __init__(self, children: Sequence[Condition]) -> None:
        self.children = children

    def evaluate(self, ctx: Context) -> Result:
        results = [c.evaluate(ctx) for c in self.children]
        true = [r for r in results if r.state is Tri.TRUE]
        if true:
            evidence = [e for r in true for e in r.evidence]
            return Result(Tri.TRUE, evidence, evidence)
        examined = [e for r in results for e in r.examined]
        if any(r.state is Tri.UNKNOWN for r in results):
            return Result(Tri.UNKNOWN, [], examined)
        return Result(Tri.FALSE, [], examined)


class Not(Condition):
    def __init__(self, child: Condition) -> None:
        self.child = child

    def evaluate(self, ctx: Context) -> Result:
        inner = self.child.evaluate(ctx)
        if inner.state is Tri.UNKNOWN:
            return Result.unknown()
        if inner.state is Tri.TRUE:
            return Result(Tri.FALSE, [], inner.evidence)
        # What made the inner condition false is one problem: "none of these
        # is set right". Report it once: at the attribute when only one was
        # looked at, else where the examined attributes meet; an absent one
        # points at the resource (contract rule 5).
        examined = inner.examined
        if len(examined) == 1:
            evidence = list(examined)
        elif not examined:
            evidence = [Evidence(ctx.base_path, ABSENT)]
        elif any(e.value is ABSENT for e in examined):
            evidence = [Evidence(_common_prefix([e.path for e in examined]), ABSENT)]
        else:
            evidence = [Evidence(_common_prefix([e.path for e in examined]), None)]
        return Result(Tri.TRUE, evidence, evidence)


def _common_prefix(paths: Sequence[Path]) -> Path:
    prefix: List[Any] = []
    for steps in zip(*paths, strict=False):  # the prefix ends with the shortest path
        if any(step != steps[0] for step in steps):
            break
        prefix.append(steps[0])
    return tuple(prefix)


class Each(Condition):
    def __init__(self, spec: Mapping[str, Any]) -> None:
        extra = set(spec) - {"each", "when", "violation"}
        if extra:
            raise ConditionError(f"unknown key(s) {sorted(extra)} in 'each'")
        if "violation" not in spec:
            raise ConditionError("'each' needs a 'violation' condition")
        try:
            self.steps = parse_path(spec["each"])
        except PathSyntaxError as exc:
            raise ConditionError(str(exc)) from None
        self.when = compile_condition(spec["when"]) if "when" in spec else None
        self.violation = compile_condition(spec["violation"])

    def _elements(self, ctx: Context) -> List[Tuple[Path, Any]]:
        """The elements ``each`` walks: ``each: rules`` and ``each: rules[*]``
        both mean every element of the list ``rules``."""
        out: List[Tuple[Path, Any]] = []
        for match in resolve(ctx.base, self.steps, ctx.ignore_case):
            path = ctx.base_path + match.path
            if match.value is ABSENT:
                continue
            if isinstance(match.value, list) and self.steps[-1] not in (WILDCARD, MAP_VALUES):
                out.extend((path + (i,), item) for i, item in enumerate(match.value))
            else:
                out.append((path, match.value))
        return out

    def evaluate(self, ctx: Context) -> Result:
        evidence: List[Evidence] = []
        examined: List[Evidence] = []
        unknown = False
        for path, value in self._elements(ctx):
            if is_unknown(value):
                unknown = True
                continue
            element = ctx.at(value, path)
            if self.when is not None:
                guard = self.when.evaluate(element)
                if guard.state is Tri.FALSE:
                    continue
                if guard.state is Tri.UNKNOWN:
                    # The element may or may not be relevant; only a violation
                    # that holds regardless could be claimed, and we cannot tell.
                    unknown = True
                    continue
            result = self.violation.evaluate(element)
            if result.state is Tri.TRUE:
                evidence.extend(result.evidence)
            elif result.state is Tri.UNKNOWN:
                unknown = True
            else:
                examined.extend(result.examined)
        if evidence:
            return Result(Tri.TRUE, evidence, evidence)
        return Result(Tri.UNKNOWN if unknown else Tri.FALSE, [], examined)


def _types(spec: Mapping[str, Any], name: str) -> List[str]:
    types = spec.get("types")
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        raise ConditionError(f"'{name}' needs 'types': a list of resource types")
    return types


class Connected(Condition):
    def __init__(self, spec: Mapping[str, Any]) -> None:
        extra = set(spec) - {"types", "direction", "where", "via"}
        if extra:
            raise ConditionError(f"unknown key(s) {sorted(extra)} in 'connected'")
        via = spec.get("via")
        if via is not None and (not isinstance(via, list) or not all(isinstance(v, str) for v in via)):
            raise ConditionError("'via' is a list of attribute names")
        # Only references made by these attributes of the other resource count
        # (a logging resource refers to its source bucket and its target bucket).
        self.via = set(via) if via else None
        self.types = _types(spec, "connected")
        self.lower_types = {t.lower() for t in self.types}
        self.direction = spec.get("direction", "any")
        if self.direction not in ("in", "out", "any"):
            raise ConditionError("'direction' is one of in, out, any")
        self.where = compile_condition(spec["where"]) if "where" in spec else None

    def evaluate(self, ctx: Context) -> Result:
        subject = ctx.resource
        unknown = False
        for other in ctx.graph.neighbours(subject, self.direction, self.via, self.lower_types):
            if self.where is None:
                return Result(Tri.TRUE, [Evidence((), None)], [])
            state = self.where.evaluate(ctx.on(other)).state
            if state is Tri.TRUE:
                return Result(Tri.TRUE, [Evidence((), None)], [])
            unknown = unknown or state is Tri.UNKNOWN
        if not unknown and self.direction != "out":
            # A resource of the wanted type whose target could not be resolved
            # may well be attached to this one: we cannot say it is not.
            # The same for every subject of a type: computed once per graph.
            unknown = ctx.graph.memo(
                (id(self), subject.namespace, subject.type.lower()),
                lambda: any(self._may_refer_to(ctx, other, subject.type)
                            for other in ctx.graph.of_type(subject.namespace, self.types)))
        return Result(Tri.UNKNOWN if unknown else Tri.FALSE, [], [])

    def _may_refer_to(self, ctx: Context, other: Resource, subject_type: str) -> bool:
        """Could ``other``, whose references were not all resolved, point at
        a resource of ``subject_type``? Not when it writes none of the ``via``
        attributes or fails ``where`` (a bucket without ``logging`` is no
        unresolved logging source)."""
        if self.via is not None and all(other.attributes.get(v) in (None, []) for v in self.via):
            return False
        if self.where is not None and self.where.evaluate(ctx.on(other)).state is Tri.FALSE:
            return False
        return not ctx.graph.has_edge_to_type(other, subject_type)


class ExistsResource(Condition):
    def __init__(self, spec: Mapping[str, Any]) -> None:
        extra = set(spec) - {"types", "where"}
        if extra:
            raise ConditionError(f"unknown key(s) {sorted(extra)} in 'exists_resource'")
        self.types = _types(spec, "exists_resource")
        self.where = compile_condition(spec["where"]) if "where" in spec else None

    def evaluate(self, ctx: Context) -> Result:
        unknown = False
        for other in ctx.graph.of_type(ctx.resource.namespace, self.types):
            state = Tri.TRUE if self.where is None else self.where.evaluate(ctx.on(other)).state
            if state is Tri.TRUE:
                return Result(Tri.TRUE, [Evidence((), None)], [])
            unknown = unknown or state is Tri.UNKNOWN
        return Result(Tri.UNKNOWN if unknown else Tri.FALSE, [], [])


class Predicate(Condition):
    def __init__(self, spec: Mapping[str, Any]) -> None:
        extra = set(spec) - {"predicate", "args"}
        if extra:
            raise ConditionError(f"unknown key(s) {sorted(extra)} in 'predicate'")
        self.name = spec["predicate"]
        self.args = dict(spec.get("args") or {})

    def evaluate(self, ctx: Context) -> Result:
        func = ctx.predicates[self.name]
        return func(ctx, **self.args)


_COMPOSITES = {"all", "any", "not", "each", "connected", "exists_resource", "predicate"}


def compile_condition(spec: Any) -> Condition:
    if not isinstance(spec, Mapping) or not spec:
        raise ConditionError(f"a condition must be a mapping, got {spec!r}")
    keys = set(spec)
    if "each" in keys:
        return Each(spec)
    if "predicate" in keys:
        return Predicate(spec)
    composite = keys & _COMPOSITES
    if composite:
        if len(keys) != 1:
            raise ConditionError(f"'{next(iter(composite))}' must stand alone, found also {sorted(keys - composite)}")
        name = next(iter(keys))
        value = spec[name]
        if name in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise ConditionError(f"'{name}' takes a non-empty list of conditions")
            children = [compile_condition(v) for v in value]
            return All(children) if name == "all" else Any_(children)
        if name == "not":
            return Not(compile_condition(value))
        if not isinstance(value, Mapping):
            raise ConditionError(f"'{name}' takes a mapping")
        return Connected(value) if name == "connected" else ExistsResource(value)
    if "path" not in keys:
        raise ConditionError(f"unknown condition {dict(spec)}")
    return Leaf(spec)


def predicate_names(condition: Condition) -> List[str]:
    """Names of the Python predicates a compiled condition calls."""
    stack: List[Any] = [condition]
    names: List[str] = []
    while stack:
        node = stack.pop()
        if isinstance(node, Predicate):
            names.append(node.name)
        elif isinstance(node, (All, Any_)):
            stack.extend(node.children)
        elif isinstance(node, Not):
            stack.append(node.child)
        elif isinstance(node, Each):
            stack.extend(c for c in (node.when, node.violation) if c is not None)
        elif isinstance(node, (Connected, ExistsResource)) and node.where is not None:
            stack.append(node.where)
    return names


__all__ = [
    "Tri", "Result", "Evidence", "Context", "Condition", "ConditionError",
    "compile_condition", "predicate_names",
]
