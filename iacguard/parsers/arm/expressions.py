"""Evaluating ARM template expressions: ``"[concat('a', parameters('b'))]"``.

The syntax (tokenizer, parser, AST) is in ``syntax``, the built-in
functions in ``functions``; this module walks the AST against a ``Scope``
(parameters, variables, copy indexes, user-defined functions) that the
template reader supplies.

Values are evaluated, never guessed. What only exists at deployment time
(``resourceGroup().location``, ``uniqueString(...)``, ``reference(...)``) is
unknown; an unknown input gives an unknown output; what ARM would reject (a
bad argument, a missing property, a syntax error) makes the whole expression
unknown. Nothing raises past ``evaluate_text`` / ``evaluate_node``: hostile
input ends quickly, bounded by the syntax limits, the call depth, a step
budget per value and a larger one per file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

from ...model import UNKNOWN
from ...source import DEFAULT_MAX_ARM_EXPRESSION_STEPS, DEFAULT_MAX_ARM_TEMPLATE_STEPS
from ..common.value_weight import weight
from .functions import FUNCTIONS, SPECIAL_FORMS, list_function
from .syntax import (
    MAX_EXPRESSION_CHARS,
    MAX_NESTING,
    Call,
    ExpressionError,
    Index,
    Literal,
    Member,
    Node,
    describe,
    is_expression,
    literal_text,
    parse_expression,
    render,
    tokenize,
)
from .values import ArmError, LambdaValue, Target, get_field, get_index

# Variables, parameter defaults and user-defined functions calling each other.
MAX_CALL_DEPTH = 48
# Evaluation steps one value may cost, as in the Terraform evaluator: a step
# is one expression node evaluated (or an element a function builds), and
# each "[...]" string is a value, wherever it is written (a variable is
# evaluated once, when first read, at its own cost, not its reader's). A
# value that needs more is unknown on its own; everything else is still
# evaluated. Far beyond real templates. Set with Limits.max_arm_expression_steps.
MAX_STEPS = DEFAULT_MAX_ARM_EXPRESSION_STEPS
# Steps one template file may spend in all, nested and linked templates
# included, with every literal value walked counted as a step: it bounds
# many expensive values, and copy loops that repeat literal values. Past it
# the file's remaining values are unknown and the file is reported (IACG-000
# on the line being evaluated), never lost in silence. Set with
# Limits.max_arm_template_steps.
MAX_FILE_STEPS = DEFAULT_MAX_ARM_TEMPLATE_STEPS
# Nodes in one evaluated value, shared parts counted each time they occur:
# what a later walk of it visits (arrays of references to one big array).
MAX_WEIGHT = 1_000_000


class BudgetExhausted(ArmError):
    """A value, or the file, used up its evaluation steps; if() and the other
    guarded forms must not swallow it."""


@dataclass
class Session:
    """Per-file evaluation state: the step budgets, parsed expressions (copy
    loops evaluate the same text many times) and notes for the user."""

    # The limits as the module sets them when the session starts.
    max_steps: int = field(default_factory=lambda: MAX_STEPS)
    max_file_steps: int = field(default_factory=lambda: MAX_FILE_STEPS)
    parsed: Dict[str, Union[Node, ExpressionError]] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)
    label: str = ""  # the file, for notes
    # Where the value being evaluated is written (the template file: this
    # one or a linked one; the line, 0 when not known), for notes.
    source: str = ""
    line: int = 0
    # The file's steps are spent: set once, with where it happened.
    exhausted: bool = False
    exhausted_at: Tuple[str, int] = ("", 0)
    limited: int = 0  # values made unknown by the per-value budget
    # Python's recursion limit made a value unknown: where it strikes depends
    # on the stack the evaluation started with, not on the template alone.
    out_of_stack: bool = False
    weights: Dict[int, Tuple[Any, int]] = field(default_factory=dict)
    steps: int = field(init=False, default=0)  # left for the value being evaluated
    file_steps: int = field(init=False, default=0)  # left for the file

    def __post_init__(self) -> None:
        self.steps = self.max_steps
        self.file_steps = self.max_file_steps

    def spend(self, steps: int = 1) -> None:
        """Charge the value being evaluated, and the file."""
        self.steps -= steps
        self.file_steps -= steps
        if self.file_steps < 0:
            self._file_exhausted()
        if self.steps < 0:
            raise BudgetExhausted("evaluation step budget of the value exhausted")

    def walk(self, nodes: int = 1) -> None:
        """Charge the file for literal values walked: they need no evaluation,
        so they cost the value nothing, but copy loops repeat them."""
        self.file_steps -= nodes
        if self.file_steps < 0:
            self._file_exhausted()

    def _file_exhausted(self) -> None:
        if not self.exhausted:
            self.exhausted = True
            self.exhausted_at = (self.source or self.label, self.line)
            self.notes.append(f"{self._where()}: evaluation step budget exhausted: the file needs more than "
                              f"{self.max_file_steps} steps; the remaining values are unknown")
        raise BudgetExhausted("evaluation step budget of the file exhausted")

    def begin_value(self) -> int:
        """Start a value with a budget of its own; returns what end_value
        needs to give the enclosing value (if any) its remaining steps back."""
        saved = self.steps
        self.steps = self.max_steps
        return saved

    def end_value(self, saved: int) -> None:
        if self.steps < 0 and not self.exhausted:
            self.limited += 1
            self.notes.append(f"{self._where()}: evaluation step budget exhausted: a value needs more than "
                              f"{self.max_steps} steps; that value is unknown")
        self.steps = saved

    def _where(self) -> str:
        file = self.source or self.label
        return f"{file}:{self.line}" if self.line else file

    def check_weight(self, value: Any) -> None:
        """Refuse a value that later walks could not finish."""
        if weight(value, self.weights, MAX_WEIGHT) > MAX_WEIGHT:
            raise ArmError(f"value larger than {MAX_WEIGHT} elements")

    def parse(self, text: str) -> Node:
        """The AST of a ``[...]`` template string, cached; raises ExpressionError."""
        found = self.parsed.get(text)
        if found is None:
            try:
                found = parse_expression(text[1:-1])
            except ExpressionError as exc:
                found = exc
            self.parsed[text] = found
        if isinstance(found, ExpressionError):
            raise found
        return found


@dataclass(frozen=True)
class UserFunction:
    """A ``functions`` member: parameter names and the output value."""

    name: str
    parameters: tuple
    output: Any  # the output value as written (usually one "[...]" string)
    scope: "Scope"  # where the function's own calls resolve (the other user functions)


class Scope:
    """What an expression can name. The base scope knows nothing: every
    lookup is an error, as ARM rejects an undeclared parameter."""

    depth = 0

    def parameter(self, name: str, sink: List[Target]) -> Any:
        raise ArmError(f"parameter '{name}' is not declared")

    def variable(self, name: str, sink: List[Target]) -> Any:
        raise ArmError(f"variable '{name}' is not declared")

    def copy_index(self, loop: Optional[str]) -> Any:
        raise ArmError("copyIndex() outside a copy loop")

    def lambda_variable(self, name: str) -> Any:
        raise ArmError(f"lambda variable '{name}' is not defined")

    def user_function(self, name: str) -> Optional[UserFunction]:
        return None

    def is_symbolic(self, name: str) -> bool:
        """Is ``name`` a symbolic resource name (languageVersion 2.0)?"""
        return False


class DictScope(Scope):
    """Names of its own (lambda variables, a user function's parameters) in
    front of a parent scope."""

    def __init__(self, parent: Scope, lambdas: Optional[Dict[str, Any]] = None,
                 parameters: Optional[Dict[str, Any]] = None) -> None:
        self.parent = parent
        self.lambdas = {k.lower(): v for k, v in (lambdas or {}).items()}
        # A user function sees its parameters and the other functions, nothing else.
        self.isolated = parameters is not None
        self.parameters = {k.lower(): v for k, v in (parameters or {}).items()}
        self.depth = parent.depth + 1

    def parameter(self, name: str, sink: List[Target]) -> Any:
        if self.isolated:
            if name.lower() in self.parameters:
                return self.parameters[name.lower()]
            raise ArmError(f"'{name}' is not a parameter of the function")
        return self.parent.parameter(name, sink)

    def variable(self, name: str, sink: List[Target]) -> Any:
        if self.isolated:
            raise ArmError("a user-defined function cannot read variables")
        return self.parent.variable(name, sink)

    def copy_index(self, loop: Optional[str]) -> Any:
        if self.isolated:
            raise ArmError("a user-defined function cannot use copyIndex()")
        return self.parent.copy_index(loop)

    def lambda_variable(self, name: str) -> Any:
        if name.lower() in self.lambdas:
            return self.lambdas[name.lower()]
        if self.isolated:
            raise ArmError(f"lambda variable '{name}' is not defined")
        return self.parent.lambda_variable(name)

    def user_function(self, name: str) -> Optional[UserFunction]:
        return self.parent.user_function(name)

    def is_symbolic(self, name: str) -> bool:
        return self.parent.is_symbolic(name)


class Evaluator:
    """Evaluates ASTs against a scope; resources referred to go to ``sink``."""

    def __init__(self, scope: Scope, session: Session, sink: List[Target]) -> None:
        self.scope = scope
        self.session = session
        self.sink = sink

    def eval(self, node: Node) -> Any:
        self.session.spend()
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Member):
            return get_field(self.eval(node.target), node.name)
        if isinstance(node, Index):
            target = self.eval(node.target)
            return get_index(target, self.eval(node.index))
        return self.call(node)

    def call(self, node: Call) -> Any:
        name = node.name.lower()
        special = SPECIAL_FORMS.get(name)
        if special is not None:
            return special(self, node.args)
        if "." in name:
            return self.call_user_function(node)
        impl = FUNCTIONS.get(name) or (list_function if name.startswith("list") else None)
        if impl is None:
            raise ArmError(f"unknown function '{node.name}'")
        args = [self.eval(a) for a in node.args]
        try:
            return impl(self, args)
        except ArmError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError,
                ZeroDivisionError, UnicodeError) as exc:
            # Arguments of a shape the function does not take: ARM would reject
            # the template, so the value is unknown; never a crash.
            raise ArmError(f"{node.name}(): {exc}") from None

    def call_user_function(self, node: Call) -> Any:
        function = self.scope.user_function(node.name)
        if function is None:
            raise ArmError(f"unknown user-defined function '{node.name}'")
        if len(node.args) != len(function.parameters):
            raise ArmError(f"{node.name}() takes {len(function.parameters)} arguments")
        args = [self.eval(a) for a in node.args]
        scope = DictScope(function.scope, parameters=dict(zip(function.parameters, args, strict=True)))
        if scope.depth > MAX_CALL_DEPTH:
            raise ArmError(f"user-defined functions nested deeper than {MAX_CALL_DEPTH} calls")
        result = evaluate_value(function.output, scope, self.session, self.sink)
        self.session.check_weight(result)
        return result

    def call_lambda(self, fn: Any, args: List[Any]) -> Any:
        if not isinstance(fn, LambdaValue):
            raise ArmError("expected a lambda")
        if len(args) != len(fn.names):
            raise ArmError(f"the lambda takes {len(fn.names)} arguments, not {len(args)}")
        scope = DictScope(fn.scope, lambdas=dict(zip(fn.names, args, strict=True)))
        if scope.depth > MAX_CALL_DEPTH:
            raise ArmError("lambdas nested too deeply")
        return Evaluator(scope, self.session, self.sink).eval(fn.body)

    def guarded(self, node: Node) -> Any:
        """A sub-expression whose failure must not fail the whole expression:
        a branch of ``if`` that may not be taken. Errors give UNKNOWN."""
        try:
            return self.eval(node)
        except BudgetExhausted:
            raise
        except (ArmError, RecursionError) as exc:
            self.session.out_of_stack |= isinstance(exc, RecursionError)
            return UNKNOWN


def evaluate_node(node: Node, scope: Scope, session: Session, sink: List[Target]) -> Any:
    """The value of an AST, a value with its own step budget; UNKNOWN where
    it cannot be known. Never raises."""
    if session.exhausted:
        return UNKNOWN
    saved = session.begin_value()
    try:
        return Evaluator(scope, session, sink).eval(node)
    except (ArmError, RecursionError) as exc:
        session.out_of_stack |= isinstance(exc, RecursionError)
        return UNKNOWN
    finally:
        session.end_value(saved)


def evaluate_text(text: str, scope: Scope, session: Session, sink: List[Target]) -> Any:
    """A template string as deployed: an expression's value, or the text
    itself (``[[`` unescaped). Never raises."""
    if not is_expression(text):
        return literal_text(text)
    if session.exhausted:
        return UNKNOWN
    try:
        node = session.parse(text)
    except ArmError:
        return UNKNOWN
    return evaluate_node(node, scope, session, sink)


def evaluate_value(value: Any, scope: Scope, session: Session, sink: List[Target]) -> Any:
    """A JSON value with every expression string inside it evaluated. An
    error anywhere raises ArmError, for callers that decide what it spoils."""
    session.spend()
    if isinstance(value, str):
        if not is_expression(value):
            return literal_text(value)
        return Evaluator(scope, session, sink).eval(session.parse(value))
    if isinstance(value, dict):
        return {k: evaluate_value(v, scope, session, sink) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate_value(v, scope, session, sink) for v in value]
    return value


__all__ = [
    "BudgetExhausted", "Call", "DictScope", "Evaluator", "ExpressionError", "Index", "Literal",
    "MAX_CALL_DEPTH", "MAX_EXPRESSION_CHARS", "MAX_FILE_STEPS", "MAX_NESTING", "MAX_STEPS", "MAX_WEIGHT",
    "Member", "Node", "Scope", "Session",
    "UserFunction", "describe", "evaluate_node", "evaluate_text", "evaluate_value", "is_expression",
    "literal_text", "parse_expression", "render", "tokenize",
]
