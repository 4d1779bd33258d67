"""Evaluating Terraform expressions to values.

A value that depends on something the scope cannot supply evaluates to
UNKNOWN; UNKNOWN propagates through every operator and function, so an
unresolved input never turns into a concrete (and possibly wrong) value.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional

from ...model import UNKNOWN, contains_unknown, is_unknown
from . import ast
from .functions import FUNCTIONS

# Roots that are not resource references.
_NON_RESOURCE_ROOTS = frozenset({
    "var", "local", "module", "data", "each", "count", "path", "self", "terraform",
})

MAX_COLLECTION = 100_000


class Scope:
    """Names an expression may refer to. The base scope knows nothing."""

    def lookup(self, root: str) -> Any:
        return UNKNOWN


class DictScope(Scope):
    def __init__(self, names: Mapping[str, Any], parent: Optional[Scope] = None) -> None:
        self.names = names
        self.parent = parent or Scope()

    def lookup(self, root: str) -> Any:
        if root in self.names:
            return self.names[root]
        return self.parent.lookup(root)


def evaluate(expr: ast.Expr, scope: Scope) -> Any:
    """The value of ``expr``; UNKNOWN where it cannot be known. Never raises."""
    try:
        return _Evaluator(scope).eval(expr)
    except RecursionError:
        return UNKNOWN


class _Evaluator:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def eval(self, expr: Any) -> Any:
        method: Callable[[Any], Any] = getattr(self, "_" + type(expr).__name__, self._unknown)
        return method(expr)

    def _unknown(self, expr: Any) -> Any:
        return UNKNOWN

    def _Literal(self, expr: ast.Literal) -> Any:
        return expr.value

    def _Template(self, expr: ast.Template) -> Any:
        out: List[str] = []
        parts = list(expr.parts)
        result = self._render(parts, 0, len(parts), out)
        if is_unknown(result):
            return UNKNOWN
        return "".join(out)

    def _render(self, parts: List[Any], start: int, end: int, out: List[str]) -> Any:
        i = start
        while i < end:
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
                    return UNKNOWN
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
            value = _index(value, key)
        return value

    def _Call(self, expr: ast.Call) -> Any:
        func = FUNCTIONS.get(expr.name)
        if func is None:
            return UNKNOWN
        args = [self.eval(a) for a in expr.args]
        if expr.expand_last and args:
            last = args.pop()
            if not isinstance(last, list):
                return UNKNOWN
            args.extend(last)
        try:
            return func(*args)
        except Exception:  # a function given values it rejects: Terraform would fail, we do not know
            return UNKNOWN

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
        if contains_unknown(left) or contains_unknown(right):
            return UNKNOWN
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
        except (ZeroDivisionError, OverflowError, KeyError):
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


def _index(value: Any, key: Any) -> Any:
    if isinstance(value, dict):
        k = _to_string(key)
        return value.get(k, UNKNOWN) if not is_unknown(k) else UNKNOWN
    if isinstance(value, list):
        n = _as_number(key)
        if is_unknown(n) or not float(n).is_integer():
            return UNKNOWN
        i = int(n)
        return value[i] if 0 <= i < len(value) else UNKNOWN
    return UNKNOWN


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
    if isinstance(value, bool):
        return UNKNOWN
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return UNKNOWN
    return UNKNOWN


def references(expr: Any) -> Iterator[str]:
    """Resource-like addresses an expression refers to: ``aws_s3_bucket.b``,
    ``data.aws_iam_policy_document.p``, ``module.net``."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Traversal):
            names = [s.name for s in node.steps if isinstance(s, ast.GetAttr)]
            if node.source is None and node.steps and isinstance(node.steps[0], ast.GetAttr):
                if node.root == "data" and len(names) >= 2 and isinstance(node.steps[1], ast.GetAttr):
                    yield f"data.{names[0]}.{names[1]}"
                elif node.root == "module":
                    yield f"module.{names[0]}"
                elif node.root not in _NON_RESOURCE_ROOTS and "_" in node.root:
                    yield f"{node.root}.{names[0]}"
            if node.source is not None:
                stack.append(node.source)
            stack.extend(s.key for s in node.steps if isinstance(s, ast.Index))
        elif isinstance(node, ast.Template):
            stack.extend(p for p in node.parts if not isinstance(p, str))
        elif isinstance(node, ast.Directive):
            if node.expr is not None:
                stack.append(node.expr)
        elif isinstance(node, ast.Call):
            stack.extend(node.args)
        elif isinstance(node, ast.Conditional):
            stack.extend((node.condition, node.true, node.false))
        elif isinstance(node, ast.BinaryOp):
            stack.extend((node.left, node.right))
        elif isinstance(node, ast.UnaryOp):
            stack.append(node.operand)
        elif isinstance(node, ast.TupleExpr):
            stack.extend(node.items)
        elif isinstance(node, ast.ObjectExpr):
            for k, v, _ in node.items:
                stack.extend((k, v))
        elif isinstance(node, ast.ForExpr):
            stack.extend(x for x in (node.collection, node.value, node.key, node.condition) if x is not None)
