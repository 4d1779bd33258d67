"""Terraform's JSON syntax (``*.tf.json``) read into the same blocks as HCL."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from ...model import Path
from ..common.json_positions import parse_json
from . import ast
from .ast import HCLFile
from .syntax import parse_template

# How many labels each top-level block type takes in JSON syntax.
_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1,
           "provider": 1, "locals": 0, "terraform": 0}


def parse_tf_json(text: str, file: str = "") -> HCLFile:
    doc = parse_json(text)
    result = HCLFile(comments=dict(doc.comments))
    if not isinstance(doc.value, dict):
        return result
    reader = _JSONReader(doc.lines, file)
    for block_type, content in doc.value.items():
        depth = _LABELS.get(block_type)
        if depth is None:
            continue
        for labels, body, path in reader.labelled(content, (block_type,), depth):
            result.blocks.extend(reader.blocks(block_type, labels, body, path))
    return result


class _JSONReader:
    def __init__(self, lines: Dict[Path, int], file: str) -> None:
        self.lines = lines
        self.file = file

    def line(self, path: Path) -> int:
        return self.lines.get(path, 1)

    def labelled(self, content: Any, path: Path, depth: int) -> List[Tuple[Tuple[str, ...], Any, Path]]:
        if depth == 0:
            return [((), content, path)]
        out = []
        if isinstance(content, dict):
            for label, inner in content.items():
                for labels, body, p in self.labelled(inner, path + (label,), depth - 1):
                    out.append(((label,) + labels, body, p))
        return out

    def blocks(self, block_type: str, labels: Tuple[str, ...], body: Any, path: Path) -> List[ast.Block]:
        bodies = list(enumerate(body)) if isinstance(body, list) else [(None, body)]
        out = []
        for index, item in bodies:
            item_path = path if index is None else path + (index,)
            block = ast.Block(block_type, labels, line=self.line(item_path), file=self.file)
            block.end_line = block.line
            if isinstance(item, dict):
                self._fill(block, item, item_path)
            out.append(block)
        return out

    def _fill(self, block: ast.Block, body: Dict[str, Any], path: Path) -> None:
        for name, value in body.items():
            child = path + (name,)
            if _is_block(value):
                block.blocks.extend(self.blocks(name, (), value, child))
            else:
                line = self.line(child)
                block.attributes.append(ast.Attribute(name, self.expr(value, child), line, line))

    def expr(self, value: Any, path: Path) -> ast.Expr:
        line = self.line(path)
        if isinstance(value, str):
            return parse_template(value, line, self.file) if ("${" in value or "%{" in value) \
                else ast.Literal(value, line)
        if isinstance(value, list):
            return ast.TupleExpr(tuple(self.expr(v, path + (i,)) for i, v in enumerate(value)), line)
        if isinstance(value, dict):
            items = tuple((ast.Literal(k, self.line(path + (k,))), self.expr(v, path + (k,)),
                           self.line(path + (k,))) for k, v in value.items())
            return ast.ObjectExpr(items, line)
        return ast.Literal(value, line)


def _is_block(value: Any) -> bool:
    """Without the provider schema a JSON object could be a map attribute or a
    nested block. Arrays of objects are read as blocks; a single object stays
    a value, which path matching treats like a one-element block list."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
