"""Syntax of ARM template expressions: the text inside ``"[...]"``.

A tokenizer and a recursive-descent parser produce a small AST: function
calls (``namespace.member`` for user-defined functions), single-quoted
strings (``''`` escapes a quote), integers, ``.property`` and ``[index]``
access. The language has no bare names: ``true()``, ``false()`` and ``null()``
are functions. Hostile text fails fast with ``ExpressionError``: expressions
longer than ARM accepts and nesting deeper than ``MAX_NESTING`` are refused
before any recursion could run away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, List, Tuple, Union

from .values import ArmError

# ARM rejects longer expressions.
MAX_EXPRESSION_CHARS = 24_576
# Calls, indexes and property accesses nested deeper than this are refused
# (Bicep output stays far below; recursion must stay far below Python's limit).
MAX_NESTING = 96


class ExpressionError(ArmError):
    """The expression text is not valid (the message says where)."""


# -- syntax -------------------------------------------------------------------

@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Call:
    name: str  # as written; ``namespace.member`` for user-defined functions
    args: Tuple["Node", ...] = ()


@dataclass(frozen=True)
class Member:
    target: "Node"
    name: str


@dataclass(frozen=True)
class Index:
    target: "Node"
    index: "Node"


Node = Union[Literal, Call, Member, Index]

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<int>-?\d+)
  | (?P<ident>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<punct>[()\[\],.])
    """,
    re.VERBOSE,
)

Token = Tuple[str, str, int]  # kind (a punctuation mark is its own kind), text, offset

# Closes every token list, so that the parser looks ahead without bounds checks.
_END = "end"


def tokenize(text: str) -> List[Token]:
    """The tokens of ``text``, then one of kind ``end``."""
    tokens: List[Token] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        if match.start() != pos:
            break  # something no token matches
        kind = match.lastgroup or ""
        if kind != "ws":
            token = match.group()
            tokens.append((token if kind == "punct" else kind, token, pos))
        pos = match.end()
    if pos < len(text):
        what = "an unterminated string" if text[pos] == "'" else f"unexpected {text[pos]!r}"
        raise ExpressionError(f"{what} at offset {pos}")
    tokens.append((_END, "end of expression", pos))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def parse(self) -> Node:
        if len(self.tokens) == 1:
            raise ExpressionError("empty expression")
        node = self._expression(0)
        kind, text, offset = self.tokens[self.pos]
        if kind != _END:
            raise ExpressionError(f"unexpected {text!r} at offset {offset}")
        return node

    def _accept(self, mark: str) -> bool:
        if self.tokens[self.pos][0] == mark:
            self.pos += 1
            return True
        return False

    def _expect(self, mark: str) -> None:
        if not self._accept(mark):
            raise ExpressionError(f"expected {mark!r}, found {self.tokens[self.pos][1]!r}")

    def _identifier(self) -> str:
        kind, text, _ = self.tokens[self.pos]
        if kind != "ident":
            raise ExpressionError(f"expected a name, found {text!r}")
        self.pos += 1
        return text

    def _expression(self, depth: int) -> Node:
        if depth > MAX_NESTING:
            raise ExpressionError(f"expression nested deeper than {MAX_NESTING} levels")
        node = self._primary(depth)
        tokens = self.tokens
        while True:  # postfix: each access counts as a level, the evaluator recurses on it
            kind = tokens[self.pos][0]
            if kind == ".":
                self.pos += 1
                node = Member(node, self._identifier())
            elif kind == "[":
                self.pos += 1
                node = Index(node, self._expression(depth + 1))
                self._expect("]")
            else:
                return node
            depth += 1
            if depth > MAX_NESTING:
                raise ExpressionError(f"expression nested deeper than {MAX_NESTING} levels")

    def _primary(self, depth: int) -> Node:
        kind, text, offset = self.tokens[self.pos]
        if kind == "string":
            self.pos += 1
            return Literal(text[1:-1].replace("''", "'"))
        if kind == "int":
            self.pos += 1
            try:
                return Literal(int(text))
            except ValueError:  # more digits than Python converts (ARM's integers have 64 bits)
                raise ExpressionError(f"integer of {len(text.lstrip('-'))} digits at offset {offset}") from None
        if kind == _END:
            raise ExpressionError("expression ends too early")
        if kind != "ident":
            raise ExpressionError(f"unexpected {text!r} at offset {offset}")
        # The language has no bare names: true, false and null are the
        # functions true(), false() and null(); a name is always a call.
        self.pos += 1
        name = text
        if self._accept("."):
            name = f"{name}.{self._identifier()}"  # user-defined function: namespace.member
        self._expect("(")
        args: List[Node] = []
        if not self._accept(")"):
            while True:
                args.append(self._expression(depth + 1))
                if self._accept(")"):
                    break
                self._expect(",")
        return Call(name, tuple(args))


def parse_expression(body: str) -> Node:
    """The AST of an expression written without its brackets."""
    if len(body) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    return _Parser(body).parse()


def is_expression(value: Any) -> bool:
    """A template string that ARM evaluates: ``[...]``, except ``[[...]``."""
    return isinstance(value, str) and len(value) >= 2 and value[0] == "[" and value[-1] == "]" \
        and not value.startswith("[[")


def literal_text(value: str) -> str:
    """A template string that is not an expression, as deployed: ``[[x]`` is ``[x]``."""
    if value.startswith("[[") and value.endswith("]"):
        return value[1:]
    return value


def render(node: Node) -> str:
    """Canonical text of an expression: names that are written the same way
    modulo spacing and case render the same (used to match unknown names)."""
    if isinstance(node, Literal):
        if isinstance(node.value, str):
            return "'" + node.value.replace("'", "''") + "'"
        return str(node.value)
    if isinstance(node, Member):
        return f"{render(node.target)}.{node.name.lower()}"
    if isinstance(node, Index):
        return f"{render(node.target)}[{render(node.index)}]"
    return f"{node.name.lower()}({', '.join(render(a) for a in node.args)})"


def inputs(node: Node) -> List[str]:
    """The parameters and variables an expression reads
    (``parameters('allowPublic')``), each once, the first few."""
    found: List[str] = []
    _collect_inputs(node, found)
    return list(dict.fromkeys(found))


def describe(node: Node) -> str:
    """Where a value comes from, for messages: the one parameter or variable
    an expression reads, or ""."""
    unique = inputs(node)
    return unique[0] if len(unique) == 1 else ""


def _collect_inputs(node: Node, found: List[str]) -> None:
    if len(found) > 8:
        return
    if isinstance(node, Call):
        if node.name.lower() in ("parameters", "variables") and len(node.args) == 1 \
                and isinstance(node.args[0], Literal):
            found.append(f"{node.name.lower()}('{node.args[0].value}')")
            return
        for arg in node.args:
            _collect_inputs(arg, found)
    elif isinstance(node, Member):
        _collect_inputs(node.target, found)
    elif isinstance(node, Index):
        _collect_inputs(node.target, found)
        _collect_inputs(node.index, found)
