"""Terraform configuration as data: blocks, attributes and expression nodes.

The HCL reader (``syntax.py``) builds these from python-hcl2's parse tree; the
evaluator (``evaluator.py``) computes values from them. Every node keeps the
line it was written on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union


@dataclass(frozen=True)
class Literal:
    value: Any  # str, int, float, bool or None
    line: int


@dataclass(frozen=True)
class Directive:
    """A template directive marker: ``%{if c}``, ``%{else}``, ``%{endif}``,
    ``%{for k, v in c}``, ``%{endfor}``; the evaluator pairs them up."""

    kind: str
    expr: Optional["Expr"] = None
    names: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    # Literal text (str), interpolated expressions and directive markers.
    parts: Tuple[Any, ...]
    line: int


@dataclass(frozen=True)
class GetAttr:
    name: str


@dataclass(frozen=True)
class Index:
    key: "Expr"


@dataclass(frozen=True)
class Splat:
    """``[*]`` or ``.*``: the rest of the traversal applies to each element."""

    full: bool


Step = Union[GetAttr, Index, Splat]


@dataclass(frozen=True)
class Traversal:
    """``root.step.step[...]``: a reference (var.x, aws_s3_bucket.b.id) or an
    access into another expression's value (``source`` set)."""

    root: str
    steps: Tuple[Step, ...]
    line: int
    source: Optional["Expr"] = None


@dataclass(frozen=True)
class Call:
    name: str
    args: Tuple["Expr", ...]
    line: int
    expand_last: bool = False  # f(args...)


@dataclass(frozen=True)
class Conditional:
    condition: "Expr"
    true: "Expr"
    false: "Expr"
    line: int


@dataclass(frozen=True)
class BinaryOp:
    op: str
    left: "Expr"
    right: "Expr"
    line: int


@dataclass(frozen=True)
class UnaryOp:
    op: str
    operand: "Expr"
    line: int


@dataclass(frozen=True)
class TupleExpr:
    items: Tuple["Expr", ...]
    line: int


@dataclass(frozen=True)
class ObjectExpr:
    items: Tuple[Tuple["Expr", "Expr", int], ...]  # (key, value, line)
    line: int


@dataclass(frozen=True)
class ForExpr:
    key_var: Optional[str]
    value_var: str
    collection: "Expr"
    value: "Expr"
    line: int
    key: Optional["Expr"] = None  # set for object-producing for expressions
    condition: Optional["Expr"] = None
    group: bool = False


@dataclass(frozen=True)
class Unparsed:
    """An expression the reader could not make sense of; always unknown."""

    text: str
    line: int


Expr = Union[
    Literal, Template, Traversal, Call, Conditional, BinaryOp, UnaryOp,
    TupleExpr, ObjectExpr, ForExpr, Unparsed,
]


@dataclass
class Attribute:
    name: str
    expr: Expr
    line: int
    end_line: int


@dataclass
class Block:
    type: str
    labels: Tuple[str, ...]
    attributes: List[Attribute] = field(default_factory=list)
    blocks: List["Block"] = field(default_factory=list)
    line: int = 0
    end_line: int = 0
    file: str = ""

    def attribute(self, name: str) -> Optional[Attribute]:
        for attr in self.attributes:
            if attr.name == name:
                return attr
        return None


@dataclass
class HCLFile:
    """One file's top-level blocks and attributes."""

    blocks: List[Block] = field(default_factory=list)
    attributes: List[Attribute] = field(default_factory=list)
    # Comment text by line, kept for inline suppressions.
    comments: Dict[int, str] = field(default_factory=dict)


def traversals(expr: Any) -> Iterator[Traversal]:
    """Every reference (traversal) inside an expression."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Traversal):
            yield node
            if node.source is not None:
                stack.append(node.source)
            stack.extend(s.key for s in node.steps if isinstance(s, Index))
        elif isinstance(node, Template):
            stack.extend(p for p in node.parts if not isinstance(p, str))
        elif isinstance(node, Directive):
            if node.expr is not None:
                stack.append(node.expr)
        elif isinstance(node, Call):
            stack.extend(node.args)
        elif isinstance(node, Conditional):
            stack.extend((node.condition, node.true, node.false))
        elif isinstance(node, BinaryOp):
            stack.extend((node.left, node.right))
        elif isinstance(node, UnaryOp):
            stack.append(node.operand)
        elif isinstance(node, TupleExpr):
            stack.extend(node.items)
        elif isinstance(node, ObjectExpr):
            for key, value, _ in node.items:
                stack.extend((key, value))
        elif isinstance(node, ForExpr):
            stack.extend(x for x in (node.collection, node.value, node.key, node.condition) if x is not None)
