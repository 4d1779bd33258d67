"""One ARM template's names, and JSON values expanded as ARM expands them.

``TemplateScope`` answers ``parameters()`` (supplied values, else
``defaultValue``), ``variables()`` (evaluated lazily, with ``copy`` loops,
each once, with cycle protection) and user-defined functions. ``CopyScope``
adds the index of a copy loop. ``Expander`` evaluates a JSON value: every
``"[...]"`` string, and ``copy`` arrays inside objects (property and variable
iteration), optionally recording where each resulting attribute is written
and where its value came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Set, Tuple

from ...model import UNKNOWN, UNKNOWN_PRESENT, Path, is_unknown
from .expressions import MAX_CALL_DEPTH, Scope, Session, UserFunction, evaluate_node, evaluate_text
from .syntax import inputs, is_expression, literal_text
from .values import ArmError, Target

# ARM refuses more copies than this in one loop.
MAX_COPY = 800

# The types of literal JSON scalars: nothing to evaluate.
_SCALARS = frozenset({type(None), bool, int, float})

_IN_PROGRESS = object()


def _lower_keys(section: Any) -> Dict[str, Tuple[str, Any]]:
    if not isinstance(section, dict):
        return {}
    return {str(k).lower(): (str(k), v) for k, v in section.items()}


@dataclass
class _Cached:
    value: Any
    targets: Tuple[Target, ...]


class FunctionTable(Scope):
    """The scope of a user-defined function's body: other user functions only."""

    def __init__(self) -> None:
        self.functions: Dict[str, UserFunction] = {}

    def user_function(self, name: str) -> Optional[UserFunction]:
        return self.functions.get(name.lower())


def read_functions(section: Any) -> FunctionTable:
    """``functions: [{namespace, members: {name: {parameters, output}}}]``."""
    table = FunctionTable()
    for namespace in section if isinstance(section, list) else []:
        if not isinstance(namespace, dict) or not isinstance(namespace.get("namespace"), str):
            continue
        members = namespace.get("members")
        for member, body in (members.items() if isinstance(members, dict) else []):
            if not isinstance(body, dict) or not isinstance(body.get("output"), dict):
                continue
            given = body.get("parameters")
            params = given if isinstance(given, list) else []
            names = tuple(str(p.get("name")) for p in params if isinstance(p, dict))
            qualified = f"{namespace['namespace']}.{member}"
            table.functions[qualified.lower()] = UserFunction(qualified, names, body["output"].get("value"), table)
    return table


class TemplateScope(Scope):
    """Parameters, variables and functions of one template (a nested template
    in inner scope, or a linked template, has its own)."""

    def __init__(self, template: Mapping[str, Any], session: Session, supplied: Mapping[str, Any],
                 symbols: Set[str], unknown_parameters: bool = False) -> None:
        self.session = session
        # The deployment passes parameters, but which and with what is not known.
        self.unknown_parameters = unknown_parameters
        self.declared = _lower_keys(template.get("parameters"))
        self.supplied = {k.lower(): v for k, v in supplied.items()}
        variables = _lower_keys(template.get("variables"))
        loops = variables.pop("copy", None)
        self.variables = variables
        self.variable_loops = {str(spec.get("name")).lower(): spec for spec in
                               (loops[1] if loops and isinstance(loops[1], list) else [])
                               if isinstance(spec, dict) and isinstance(spec.get("name"), str)}
        self.functions = read_functions(template.get("functions"))
        self.symbols = {s.lower() for s in symbols}
        self.cache: Dict[str, Any] = {}
        self.active = 0  # lazy evaluations under way (variables reading variables)

    # -- Scope --------------------------------------------------------------------
    def parameter(self, name: str, sink: List[Target]) -> Any:
        key = name.lower()
        if key not in self.declared:
            raise ArmError(f"parameter '{name}' is not declared")
        return self._lazy("p:" + key, sink, lambda s: self._parameter_value(key, s))

    def variable(self, name: str, sink: List[Target]) -> Any:
        key = name.lower()
        if key in self.variable_loops:
            return self._lazy("v:" + key, sink, lambda s: self._variable_loop(self.variable_loops[key], s))
        if key not in self.variables:
            raise ArmError(f"variable '{name}' is not declared")
        raw = self.variables[key][1]
        return self._lazy("v:" + key, sink, lambda s: Expander(self.session).value(raw, self, s))

    def user_function(self, name: str) -> Optional[UserFunction]:
        return self.functions.user_function(name)

    def is_symbolic(self, name: str) -> bool:
        return name.lower() in self.symbols

    # -- evaluation -------------------------------------------------------------------
    def _lazy(self, key: str, sink: List[Target], compute: Callable[[List[Target]], Any]) -> Any:
        """Each parameter and variable is evaluated once; the resources it
        refers to are replayed into every sink that reads it."""
        cached = self.cache.get(key)
        if cached is _IN_PROGRESS:
            raise ArmError(f"circular reference through {key[2:]}")
        if cached is None:
            if self.active >= MAX_CALL_DEPTH:
                raise ArmError("variables nested too deeply")
            self.cache[key] = _IN_PROGRESS
            self.active += 1
            own: List[Target] = []
            try:
                value = compute(own)
                self.session.check_weight(value)
            except (ArmError, RecursionError) as exc:
                self.session.out_of_stack |= isinstance(exc, RecursionError)
                value = UNKNOWN
            finally:
                self.active -= 1
            cached = _Cached(value, tuple(own))
            self.cache[key] = cached
        sink.extend(cached.targets)
        return cached.value

    def _parameter_value(self, key: str, sink: List[Target]) -> Any:
        if key in self.supplied:
            return self.supplied[key]
        if self.unknown_parameters:
            return UNKNOWN
        declaration = self.declared[key][1]
        if not isinstance(declaration, dict):
            return UNKNOWN
        if "defaultValue" in declaration:
            return Expander(self.session).value(declaration["defaultValue"], self, sink)
        # No value here: the deployment must give one, and only a nullable
        # parameter (languageVersion 2.0) may be given null.
        return UNKNOWN if declaration.get("nullable") is True else UNKNOWN_PRESENT

    def _variable_loop(self, spec: Mapping[str, Any], sink: List[Target]) -> Any:
        return Expander(self.session).copy_array(spec, self, sink)


class CopyScope(Scope):
    """The index of one copy loop in front of the enclosing scope.
    ``copyIndex()`` without a name means the resource's own loop."""

    def __init__(self, parent: Scope, loop: str, index: Any, resource_loop: bool) -> None:
        self.parent = parent
        self.loop = loop.lower()
        self.index = index
        self.resource_loop = resource_loop
        self.depth = parent.depth

    def copy_index(self, loop: Optional[str]) -> Any:
        if (loop is None and self.resource_loop) or (loop is not None and loop.lower() == self.loop):
            return self.index
        return self.parent.copy_index(loop)

    def parameter(self, name: str, sink: List[Target]) -> Any:
        return self.parent.parameter(name, sink)

    def variable(self, name: str, sink: List[Target]) -> Any:
        return self.parent.variable(name, sink)

    def lambda_variable(self, name: str) -> Any:
        return self.parent.lambda_variable(name)

    def user_function(self, name: str) -> Optional[UserFunction]:
        return self.parent.user_function(name)

    def is_symbolic(self, name: str) -> bool:
        return self.parent.is_symbolic(name)


def copy_count(value: Any, session: Session, scope: Scope, sink: List[Target], what: str) -> Any:
    """A loop's count: an int 0..MAX_COPY, or UNKNOWN (with a note when ARM
    would refuse it)."""
    if session.exhausted:
        return UNKNOWN
    count = evaluate_leaf(value, scope, session, sink)
    if is_unknown(count):
        return UNKNOWN
    if isinstance(count, str) and count.strip().lstrip("-").isdigit():
        count = int(count)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        session.notes.append(f"{what}: copy count {count!r} is not a non-negative integer; "
                             "instances unknown")
        return UNKNOWN
    if count > MAX_COPY:
        session.notes.append(f"{what}: copy count {count} exceeds ARM's limit of {MAX_COPY}; instances unknown")
        return UNKNOWN
    return count


def evaluate_leaf(value: Any, scope: Scope, session: Session, sink: List[Target]) -> Any:
    """A template value that is not expanded further: a string is evaluated."""
    if isinstance(value, str):
        return evaluate_text(value, scope, session, sink)
    return value


@dataclass
class Trace:
    """Where expanded attributes are written: ``lines`` maps a template path
    to its line; the expander fills ``out_lines`` and ``origins`` by output path."""

    lines: Mapping[Path, int]
    out_lines: Dict[Path, int] = field(default_factory=dict)
    origins: Dict[Path, str] = field(default_factory=dict)
    # Every parameter and variable each output path's expression reads.
    inputs: Dict[Path, Tuple[str, ...]] = field(default_factory=dict)
    # The last line inside each container (PositionedJSON.end_lines).
    end_lines: Mapping[Path, int] = field(default_factory=dict)


def is_copy_section(value: Any) -> bool:
    """``"copy": [{"name", "count", "input"}]`` inside an object: property
    (or variable) iteration, not an attribute named copy."""
    return isinstance(value, list) and bool(value) and all(
        isinstance(s, dict) and isinstance(s.get("name"), str) and "input" in s for s in value)


class Expander:
    """Evaluates JSON values: expressions everywhere, copy sections expanded.
    Never raises: what cannot be evaluated is UNKNOWN."""

    def __init__(self, session: Session, trace: Optional[Trace] = None,
                 sink_for: Optional[Callable[[Path], List[Target]]] = None) -> None:
        self.session = session
        self.trace = trace
        # Where references found under an output path go (the via of a link).
        self.sink_for = sink_for

    def value(self, raw: Any, scope: Scope, sink: List[Target], src: Path = (), out: Path = ()) -> Any:
        session = self.session
        if session.exhausted:
            return UNKNOWN
        try:
            session.walk()  # literal values need no evaluation, but copy loops repeat them
        except ArmError:
            return UNKNOWN
        if self.trace is not None and out:
            line = self.trace.lines.get(src)
            if line:
                self.trace.out_lines[out] = line
                session.line = line
        if self.sink_for is not None and out:
            sink = self.sink_for(out)
        if isinstance(raw, str):
            return self._string(raw, scope, sink, out)
        if isinstance(raw, dict):
            return self._object(raw, scope, sink, src, out)
        if isinstance(raw, list):
            return self._array(raw, scope, sink, src, out)
        return raw

    def _array(self, raw: List[Any], scope: Scope, sink: List[Target], src: Path, out: Path) -> Any:
        members = self._members(enumerate(raw), scope, sink, src, out)
        return UNKNOWN if members is None else [value for _, value in members]

    def _members(self, pairs: Iterable[Tuple[Any, Any]], scope: Scope, sink: List[Target], src: Path,
                 out: Path) -> Optional[List[Tuple[Any, Any]]]:
        """The (key, value) members of an array or object, evaluated; None
        when the file's step budget runs out. Literal scalars (most members
        of a long array) are taken as they are, without a call each, and the
        file is charged for them at the end."""
        result: List[Tuple[Any, Any]] = []
        literals = 0
        lines = self._element_lines(src, out)
        for key, item in pairs:
            if type(item) in _SCALARS or (type(item) is str and not is_expression(item)):
                literals += 1
                result.append((key, literal_text(item) if type(item) is str else item))
                if lines is not None:
                    self._element_line(lines, src + (key,), out + (key,))
            else:
                result.append((key, self.value(item, scope, sink, src + (key,), out + (key,))))
        try:
            self.session.walk(literals)
        except ArmError:
            return None
        return result

    def _element_lines(self, src: Path, out: Path) -> Optional[Tuple[Mapping[Path, int], int]]:
        """Where to look up the lines of a container's literal members, and
        its own line; None when there is nothing to record: no trace, or
        everything inside is written on the container's line (``line_of``
        falls back to it, so a long one-line array costs no entry per element)."""
        trace = self.trace
        if trace is None or not out:
            return None
        own = trace.lines.get(src, 0)
        if own and trace.end_lines.get(src, own) <= own:
            return None
        return trace.lines, trace.out_lines.get(out, 0)

    def _element_line(self, lines: Tuple[Mapping[Path, int], int], src: Path, out: Path) -> None:
        line = lines[0].get(src)
        if line and line != lines[1]:
            self.trace.out_lines[out] = line  # type: ignore[union-attr]  # lines come from the trace

    def _string(self, raw: str, scope: Scope, sink: List[Target], out: Path) -> Any:
        if not is_expression(raw):
            return literal_text(raw)
        if self.session.exhausted:
            return UNKNOWN
        try:
            node = self.session.parse(raw)
        except ArmError:
            return UNKNOWN
        if self.trace is not None and out:
            read = inputs(node)
            if read:
                self.trace.inputs[out] = tuple(read)
            if len(read) == 1:
                self.trace.origins[out] = read[0]
        return evaluate_node(node, scope, self.session, sink)

    def _object(self, raw: Dict[str, Any], scope: Scope, sink: List[Target], src: Path, out: Path) -> Any:
        copies = raw.get("copy") if is_copy_section(raw.get("copy")) else None
        members = self._members(((k, v) for k, v in raw.items() if copies is None or k != "copy"),
                                scope, sink, src, out)
        if members is None:
            return UNKNOWN
        result: Dict[str, Any] = dict(members)
        for i, spec in enumerate(copies or ()):
            name = spec["name"]
            spec_src = src + ("copy", i)
            if self.trace is not None:
                line = self.trace.lines.get(spec_src + ("name",)) or self.trace.lines.get(spec_src)
                if line:
                    self.trace.out_lines[out + (name,)] = line
            result[name] = self.copy_array(spec, scope, sink, spec_src, out + (name,))
        return result

    def copy_array(self, spec: Mapping[str, Any], scope: Scope, sink: List[Target],
                   src: Path = (), out: Path = ()) -> Any:
        """One ``{name, count, input}`` loop: the array of its inputs."""
        name = str(spec.get("name"))
        count = copy_count(spec.get("count"), self.session, scope, sink, f"{self.session.label}: copy loop '{name}'")
        if is_unknown(count):
            return UNKNOWN_PRESENT  # an array, of a length not known
        items = []
        for index in range(count):
            inner = CopyScope(scope, name, index, resource_loop=False)
            items.append(self.value(spec.get("input"), inner, sink, src + ("input",), out + (index,)))
        return items
