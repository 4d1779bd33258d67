"""Evaluating Terraform expressions to values.

A value that depends on something the scope cannot supply evaluates to
UNKNOWN; UNKNOWN propagates through every operator and function, so an
unresolved input never turns into a concrete (and possibly wrong) value.

What Terraform would reject (a missing map key, a function given bad
arguments) is an error only inside ``try``/``can``, which need to see it;
anywhere else it is simply UNKNOWN.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional

from ...model import UNKNOWN, UNKNOWN_PRESENT, contains_unknown, is_unknown
from ..common.partial import marked_text, partial_value
from . import ast
from .functions import (
    _CURRENT,
    FUNCTIONS,
    MAX_STEPS,
    MAX_STRING,
    Budget,
    BudgetExhausted,
    FunctionError,
    charge_walk,
    measure,
    to_number,
)

MAX_COLLECTION = 100_000
class EvaluationError(Exception):
    """Terraform would stop with an error here (seen only by try/can)."""


class Scope:
    """Names an expression may refer to. The base scope knows nothing."""

    def lookup(self, root: str) -> Any:
        return UNKNOWN

    def read_file(self, path: str) -> Optional[str]:
        """Text of a file for file()/templatefile(), or None when it may not be read."""
        return None


class DictScope(Scope):
    def __init__(self, names: Mapping[str, Any], parent: Optional[Scope] = None) -> None:
        self.names = names
        self.parent = parent or Scope()

    def lookup(self, root: str) -> Any:
        if root in self.names:
            return self.names[root]
        return self.parent.lookup(root)

    def read_file(self, path: str) -> Optional[str]:
        return self.parent.read_file(path)


class LazyMapping:
    """A namespace whose members are computed when first asked for
    (``local.*``, ``var.*``, ``module.*``, resources)."""

    def get(self, key: str) -> Any:  # pragma: no cover - interface
        raise NotImplementedError


class OpenMap(dict):
    """Attributes of a resource as configured: what is not written is computed
    by the provider (an id, an ARN), so a missing key is an unknown but
    present value, not an error."""


# Told of each expression a limit (MAX_STEPS, MAX_STRING, REGEX_TIMEOUT_S,
# MAX_DYNAMIC_BLOCKS) made unknown, within ``reporting_limits``.
_ON_LIMIT: ContextVar[Optional[Callable[[ast.Expr], None]]] = ContextVar("iacguard_terraform_on_limit",
                                                                         default=None)


@contextmanager
def reporting_limits(report: Callable[[ast.Expr], None]) -> Iterator[None]:
    """Within the block, ``report(expr)`` hears of every expression whose
    value a limit made unknown."""
    token = _ON_LIMIT.set(report)
    try:
        yield
    finally:
        _ON_LIMIT.reset(token)


def limit_reached(expr: ast.Expr) -> None:
    """A limit made (part of) the value of ``expr`` unknown."""
    report = _ON_LIMIT.get()
    if report is not None:
        report(expr)


def evaluate(expr: ast.Expr, scope: Scope) -> Any:
    """The value of ``expr``; UNKNOWN where it cannot be known. Never raises.

    One evaluation may cost MAX_STEPS (node evaluations plus the elements
    functions visit) and build strings of MAX_STRING characters; a value
    holding more than MAX_STEPS elements (counting each use of a shared
    list) is too large for anything to walk. Beyond those the value is
    UNKNOWN."""
    evaluator = _Evaluator(scope)
    # Functions charge the budget of the expression they are called from;
    # a local evaluated on the way has its own.
    token = _CURRENT.set(evaluator)
    try:
        value = evaluator.eval(expr)
        # Referring to a list twice is free, so forty locals each holding the
        # previous one twice are cheap to build; every check or reporter
        # that walks the result would still meet 2^40 elements.
        if isinstance(value, (list, dict)) and measure(value, MAX_STEPS)[0] > MAX_STEPS:
            raise BudgetExhausted()
        return value
    except BudgetExhausted:
        limit_reached(expr)
        return UNKNOWN
    except (RecursionError, EvaluationError, MemoryError):
        return UNKNOWN
    except Exception:  # what cannot be evaluated is unknown; it must not cost the module
        return UNKNOWN
    finally:
        _CURRENT.reset(token)


class _Evaluator(Budget):
    def __init__(self, scope: Scope) -> None:
        super().__init__()
        self.scope = scope
        # Inside try()/can() arguments errors are raised, not turned into UNKNOWN.
        self.strict = 0

    def _error(self, message: str) -> Any:
        if self.strict:
            raise EvaluationError(message)
        return UNKNOWN

    def eval(self, expr: Any) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise BudgetExhausted()
        method: Callable[[Any], Any] = getattr(self, "_" + type(expr).__name__, self._unknown)
        return method(expr)

    def _unknown(self, expr: Any) -> Any:
        return UNKNOWN

    def _Literal(self, expr: ast.Literal) -> Any:
        return expr.value

    def _Template(self, expr: ast.Template) -> Any:
        out: List[str] = []
        parts = list(expr.parts)
        self.unknown_marker = False
        result = self._render(parts, 0, len(parts), out)
        if is_unknown(result):
            return UNKNOWN
        text = "".join(out)
        if len(text) > MAX_STRING:
            raise BudgetExhausted()
        if self.unknown_marker:
            # Some interpolations are unknown: the string exists, its text does
            # not; a JSON document keeps the structure around the unknowns.
            return partial_value(text)
        return text

    def _render(self, parts: List[Any], start: int, end: int, out: List[str]) -> Any:
        i = start
        while i < end:
            self.steps += 1  # nested %{for} multiply without evaluating anything
            if self.steps > MAX_STEPS:
                raise BudgetExhausted()
            part = parts[i]
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, ast.Directive):
                if part.kind == "if":
                    else_at, close = _match_directive(parts, i, end, "if", "endif")
                    if close == -1:
                        return UNKNOWN
                    cond = _as_bool(self.eval(part.expr))
                    if is_unknown(cond):
                        return UNKNOWN
                    if cond:
                        stop = else_at if else_at != -1 else close
                        if is_unknown(self._render(parts, i + 1, stop, out)):
                            return UNKNOWN
                    elif else_at != -1:
                        if is_unknown(self._render(parts, else_at + 1, close, out)):
                            return UNKNOWN
                    i = close
                elif part.kind == "for":
                    _, close = _match_directive(parts, i, end, "for", "endfor")
                    if close == -1:
                        return UNKNOWN
                    collection = self.eval(part.expr)
                    items = _iter_pairs(collection)
                    if items is None:
                        return UNKNOWN
                    outer = self.scope
                    for key, value in items:
                        names = {part.names[-1]: value}
                        if len(part.names) == 2:
                            names[part.names[0]] = key
                        self.scope = DictScope(names, outer)
                        if is_unknown(self._render(parts, i + 1, close, out)):
                            self.scope = outer
                            return UNKNOWN
                    self.scope = outer
                    i = close
                else:
                    return UNKNOWN
            else:
                value = self.eval(part)
                text = _to_string(value)
                if is_unknown(text):
                    marked = marked_text(value)
                    if marked is None:
                        return UNKNOWN
                    out.append(marked)
                    self.unknown_marker = True
                else:
                    out.append(text)
            i += 1
        return None

    def _Traversal(self, expr: ast.Traversal) -> Any:
        if expr.source is not None:
            value = self.eval(expr.source)
        else:
            value = self.scope.lookup(expr.root)
        return self._apply_steps(value, list(expr.steps))

    def _apply_steps(self, value: Any, steps: List[Any]) -> Any:
        for n, step in enumerate(steps):
            if is_unknown(value):
                return UNKNOWN
            if isinstance(step, ast.Splat):
                if value is None:
                    return []
                items = value if isinstance(value, list) else [value]
                return [self._apply_steps(item, steps[n + 1:]) for item in items]
            if isinstance(step, ast.GetAttr):
                key: Any = step.name
            else:
                key = self.eval(step.key)
                if is_unknown(key):
                    return UNKNOWN
            value = self._index(value, key)
        return value

    def _index(self, value: Any, key: Any) -> Any:
        if isinstance(value, LazyMapping):
            k = _to_string(key)
            return UNKNOWN if is_unknown(k) else value.get(k)
        if isinstance(value, dict):
            k = _to_string(key)
            if is_unknown(k):
                return UNKNOWN
            if k in value:
                return value[k]
            return UNKNOWN_PRESENT if isinstance(value, OpenMap) else self._error(f"no attribute {k!r}")
        if isinstance(value, list):
            n = _as_number(key)
            if is_unknown(n) or not float(n).is_integer():
                return self._error("invalid index")
            i = int(n)
            return value[i] if 0 <= i < len(value) else self._error(f"index {i} out of range")
        if value is None:
            return self._error("attribute of null")
        return self._error("cannot index a primitive value")

    def _Call(self, expr: ast.Call) -> Any:
        name = expr.name
        if name in ("try", "can"):
            return self._try(expr) if name == "try" else self._can(expr)
        if name in ("file", "templatefile", "fileexists"):
            return self._file_function(expr)
        func = FUNCTIONS.get(name)
        if func is None:
            return UNKNOWN  # provider functions, impure ones (timestamp, uuid) ...
        args = [self.eval(a) for a in expr.args]
        if expr.expand_last and args:
            last = args.pop()
            if not isinstance(last, list):
                return UNKNOWN
            args.extend(last)
        try:
            return func(*args)
        except (FunctionError, ValueError, TypeError, ArithmeticError, IndexError, KeyError, re.error) as exc:
            return self._error(f"{name}(): {exc}")

    def _strict_eval(self, expr: Any) -> Any:
        self.strict += 1
        try:
            return self.eval(expr)
        finally:
            self.strict -= 1

    def _try(self, expr: ast.Call) -> Any:
        for arg in expr.args:
            try:
                value = self._strict_eval(arg)
            except EvaluationError:
                continue
            return value
        return self._error("try(): no argument could be evaluated")

    def _can(self, expr: ast.Call) -> Any:
        if len(expr.args) != 1:
            return self._error("can() takes one argument")
        try:
            value = self._strict_eval(expr.args[0])
        except EvaluationError:
            return False
        return UNKNOWN if is_unknown(value) else True

    def _file_function(self, expr: ast.Call) -> Any:
        if not expr.args:
            return self._error(f"{expr.name}() needs a path")
        path = self.eval(expr.args[0])
        if is_unknown(path) or not isinstance(path, str):
            return UNKNOWN
        text = self.scope.read_file(path)
        if expr.name == "fileexists":
            return UNKNOWN if text is None else True
        if text is None:
            return UNKNOWN  # outside the repository, missing, or too large: not read
        if expr.name == "file":
            return text
        variables = self.eval(expr.args[1]) if len(expr.args) > 1 else {}
        if not isinstance(variables, dict):
            return UNKNOWN
        from .syntax import parse_template

        template = parse_template(text, 1, path)
        outer = self.scope
        self.scope = DictScope(variables, Scope())
        try:
            return self.eval(template)
        finally:
            self.scope = outer

    def _Conditional(self, expr: ast.Conditional) -> Any:
        cond = _as_bool(self.eval(expr.condition))
        if is_unknown(cond):
            return UNKNOWN
        return self.eval(expr.true if cond else expr.false)

    def _UnaryOp(self, expr: ast.UnaryOp) -> Any:
        value = self.eval(expr.operand)
        if is_unknown(value):
            return UNKNOWN
        if expr.op == "!":
            b = _as_bool(value)
            return UNKNOWN if is_unknown(b) else not b
        n = _as_number(value)
        return UNKNOWN if is_unknown(n) else -n

    def _BinaryOp(self, expr: ast.BinaryOp) -> Any:
        op = expr.op
        left = self.eval(expr.left)
        if op in ("&&", "||"):
            lb = _as_bool(left)
            # false && x and true || x are decided without x
            if lb is False and op == "&&":
                return False
            if lb is True and op == "||":
                return True
            rb = _as_bool(self.eval(expr.right))
            if is_unknown(lb) or is_unknown(rb):
                return UNKNOWN
            return rb
        right = self.eval(expr.right)
        if isinstance(left, (list, dict)) or isinstance(right, (list, dict)):
            charge_walk(left, right)  # comparing visits every element
        if contains_unknown(left) or contains_unknown(right):
            return UNKNOWN_PRESENT  # a number or a bool, whatever the inputs
        if op == "==":
            return _normalise(left) == _normalise(right)
        if op == "!=":
            return _normalise(left) != _normalise(right)
        a, b = _as_number(left), _as_number(right)
        if is_unknown(a) or is_unknown(b):
            return UNKNOWN
        try:
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if op == "/":
                result = a / b
                return int(result) if result == int(result) else result
            if op == "%":
                return a % b
            return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        except (ZeroDivisionError, OverflowError, KeyError, ValueError):  # NaN, inf
            return UNKNOWN

    def _TupleExpr(self, expr: ast.TupleExpr) -> Any:
        return [self.eval(item) for item in expr.items]

    def _ObjectExpr(self, expr: ast.ObjectExpr) -> Any:
        result: Dict[str, Any] = {}
        for key_expr, value_expr, _ in expr.items:
            key = _to_string(self.eval(key_expr))
            if is_unknown(key):
                # One unknown key makes the object's shape unknown.
                return UNKNOWN
            result[key] = self.eval(value_expr)
        return result

    def _ForExpr(self, expr: ast.ForExpr) -> Any:
        items = _iter_pairs(self.eval(expr.collection))
        if items is None:
            return UNKNOWN
        outer = self.scope
        tuple_out: List[Any] = []
        object_out: Dict[str, Any] = {}
        try:
            for count, (key, value) in enumerate(items):
                if count >= MAX_COLLECTION:
                    return UNKNOWN
                names = {expr.value_var: value}
                if expr.key_var:
                    names[expr.key_var] = key
                self.scope = DictScope(names, outer)
                if expr.condition is not None:
                    keep = _as_bool(self.eval(expr.condition))
                    if is_unknown(keep):
                        return UNKNOWN
                    if not keep:
                        continue
                if expr.key is None:
                    tuple_out.append(self.eval(expr.value))
                    continue
                out_key = _to_string(self.eval(expr.key))
                if is_unknown(out_key):
                    return UNKNOWN
                out_value = self.eval(expr.value)
                if expr.group:
                    object_out.setdefault(out_key, []).append(out_value)
                else:
                    object_out[out_key] = out_value
        finally:
            self.scope = outer
        return tuple_out if expr.key is None else object_out


def _match_directive(parts: List[Any], start: int, end: int, opener: str, closer: str):
    depth = 0
    else_at = -1
    for i in range(start, end):
        part = parts[i]
        if not isinstance(part, ast.Directive):
            continue
        if part.kind == opener:
            depth += 1
        elif part.kind == closer:
            depth -= 1
            if depth == 0:
                return else_at, i
        elif part.kind == "else" and depth == 1:
            else_at = i
    return else_at, -1


def _iter_pairs(collection: Any) -> Optional[List[Any]]:
    if isinstance(collection, dict):
        if any(is_unknown(k) for k in collection):
            return None
        return sorted(collection.items(), key=lambda kv: kv[0])
    if isinstance(collection, list):
        return list(enumerate(collection))
    return None


def _normalise(value: Any) -> Any:
    # Terraform compares 1 and 1.0 as equal numbers, and "true" never equals true.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _to_string(value: Any) -> Any:
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return UNKNOWN


def _as_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    return UNKNOWN


def _as_number(value: Any) -> Any:
    try:
        return to_number(value)
    except FunctionError:
        return UNKNOWN
