"""Blocks of a Terraform module into values.

Reading a file into blocks (``parse_file``), expanding ``count`` / ``for_each``
into instances, and evaluating a block body into the attribute dict of the
model: nested blocks as lists of dicts, ``dynamic`` blocks expanded where
their collections are known, the line of every attribute recorded.
"""

from __future__ import annotations

import json
import math
from pathlib import Path as FSPath
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from ...model import UNKNOWN, ParseError, Path, is_unknown
from ...parallel import map_in_processes
from ..common.json_positions import JSONPositionError
from . import ast
from .ast import HCLFile
from .evaluator import DictScope, Scope, evaluate, limit_reached

if TYPE_CHECKING:
    from ...cache import ParseCache

# Meta-arguments are Terraform's, not the provider's: they are not attributes.
_META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle"})
_CONTEXT_BLOCKS = frozenset({"provisioner", "connection"})
# Nested blocks one dynamic block may make; the rest are unknown.
MAX_DYNAMIC_BLOCKS = 10_000

ParseResult = Tuple[Optional[HCLFile], Optional[ParseError]]
# Below this many files to parse, a process pool costs more than it saves.
PARALLEL_THRESHOLD = 48


def parse_files(files: Sequence[Tuple[str, str]], cache: Optional["ParseCache"] = None,
                workers: int = 1) -> List[ParseResult]:
    """Parse (display path, text) files: from the cache where it has them,
    the rest in parallel when there are enough; in the order given."""
    results: List[Optional[ParseResult]] = [None] * len(files)
    todo: List[int] = []
    for i, (display, text) in enumerate(files):
        hit = cache.get(_kind(display), text.encode("utf-8", "surrogatepass")) if cache else None
        if isinstance(hit, HCLFile):
            _set_file(hit.blocks, display)
            results[i] = (hit, None)
        else:
            todo.append(i)
    if workers > 1 and len(todo) >= PARALLEL_THRESHOLD:
        from .syntax import table_parser

        table_parser()  # built once here (with Lark's parser), so that forked workers start with it
    # Each file is written to the cache where it is parsed: in the workers,
    # encoding the trees runs in parallel too.
    directory = str(cache.directory) if cache is not None and cache.usable() else None
    parsed = map_in_processes(_parse_and_keep, [(*files[i], directory) for i in todo], workers,
                              PARALLEL_THRESHOLD)
    for i, result in zip(todo, parsed, strict=True):
        results[i] = result
    return [r for r in results if r is not None]


def _parse_and_keep(item: Tuple[str, str, Optional[str]]) -> ParseResult:
    """Parse one file and keep the tree in the cache at ``directory``."""
    display, text, directory = item
    result = parse_file(display, text)
    if directory is not None and result[0] is not None:
        from ...cache import ParseCache

        ParseCache(FSPath(directory)).put(_kind(display), text.encode("utf-8", "surrogatepass"), result[0])
    return result


def _kind(display: str) -> str:
    return "tf.json" if display.endswith(".json") else "hcl"


def _set_file(blocks: List[ast.Block], display: str) -> None:
    """A cached tree may come from the same content at another path."""
    for block in blocks:
        block.file = display
        _set_file(block.blocks, display)


def parse_file(display: str, text: str) -> ParseResult:
    # The readers (and the parser library under them) are imported only when
    # a file is not in the cache.
    from .hcl_json import parse_tf_json
    from .syntax import HCLSyntaxError, parse_hcl

    try:
        if display.endswith(".json"):
            return parse_tf_json(text, display), None
        return parse_hcl(text, display), None
    except HCLSyntaxError as exc:
        return None, ParseError(display, exc.line, f"HCL syntax error: {exc}", "terraform")
    except JSONPositionError as exc:
        return None, ParseError(display, exc.line, f"JSON syntax error: {exc}", "terraform")
    except RecursionError:
        return None, ParseError(display, 1, "nested too deeply to read", "terraform")


def instances(block: ast.Block, scope: Scope, cap: int) -> List[Tuple[str, Scope]]:
    """The first ``cap`` instances of a resource or module block: (address
    suffix, scope with count.index / each.key / each.value). ``count = 0``
    gives none; a count or for_each that cannot be resolved gives one
    instance of unknown key. The caller decides what the cap cut off means."""
    count_attr = block.attribute("count")
    each_attr = block.attribute("for_each")
    if count_attr is not None:
        count = evaluate(count_attr.expr, scope)
        if isinstance(count, bool) or not isinstance(count, (int, float)) or not math.isfinite(count):
            return [("", DictScope({"count": {"index": UNKNOWN}}, scope))]
        n = min(int(count), cap)
        return [(f"[{i}]", DictScope({"count": {"index": i}}, scope)) for i in range(max(n, 0))]
    if each_attr is not None:
        pairs = _each_pairs(evaluate(each_attr.expr, scope))
        if pairs is None:
            return [("", DictScope({"each": {"key": UNKNOWN, "value": UNKNOWN}}, scope))]
        return [(f"[{json.dumps(k, ensure_ascii=False)}]", DictScope({"each": {"key": k, "value": v}}, scope))
                for k, v in pairs[:cap]]
    return [("", scope)]


def _each_pairs(collection: Any) -> Optional[List[Tuple[str, Any]]]:
    if isinstance(collection, dict):
        return sorted(collection.items())
    if isinstance(collection, list) and all(isinstance(v, str) for v in collection):
        return [(v, v) for v in sorted(set(collection))]
    return None


def block_values(block: ast.Block, scope: Scope, prefix: Path, lines: Dict[Path, int],
                 top: bool = False, exprs: Optional[Dict[Path, ast.Expr]] = None) -> Dict[str, Any]:
    """Evaluate a block body into a dict, recording each attribute's line
    and, in ``exprs``, the expression each attribute and each dynamic block's
    collection is written as (for where their values came from)."""
    values: Dict[str, Any] = {}
    for attr in block.attributes:
        if top and attr.name in _META_ARGUMENTS:
            continue
        path = prefix + (attr.name,)
        values[attr.name] = evaluate(attr.expr, scope)
        lines[path] = attr.line
        if exprs is not None:
            exprs[path] = attr.expr
        _record_element_lines(attr.expr, path, lines)
    grouped: Dict[str, List[Tuple[ast.Block, Scope]]] = {}
    unknown_groups = set()
    for nested in block.blocks:
        if top and (nested.type in _META_ARGUMENTS or nested.type in _CONTEXT_BLOCKS):
            continue
        if nested.type == "dynamic" and nested.labels:
            expanded, complete = _expand_dynamic(nested, scope)
            name = nested.labels[0]
            grouped.setdefault(name, []).extend(expanded)
            each_attr = nested.attribute("for_each")
            if exprs is not None and each_attr is not None:
                exprs[prefix + (name,)] = each_attr.expr
            if not complete:
                unknown_groups.add(name)
                lines.setdefault(prefix + (name,), nested.line)
        else:
            grouped.setdefault(nested.type, []).append((nested, scope))
    for name, members in grouped.items():
        items: List[Any] = []
        for index, (nested, nested_scope) in enumerate(members):
            path = prefix + (name, index)
            lines[path] = nested.line
            lines.setdefault(prefix + (name,), nested.line)
            items.append(block_values(nested, nested_scope, path, lines, exprs=exprs))
        values[name] = items
    for name in unknown_groups:
        # A dynamic block over an unknown (or too large) collection: there
        # may be more elements than those known.
        values[name] = values[name] + [UNKNOWN] if values.get(name) else UNKNOWN
    return values


def _expand_dynamic(block: ast.Block, scope: Scope) -> Tuple[List[Tuple[ast.Block, Scope]], bool]:
    """The content blocks a dynamic block makes, and whether that is all of
    them (not when the collection is unknown, or past MAX_DYNAMIC_BLOCKS:
    the first ones are kept and the rest are unknown)."""
    each_attr = block.attribute("for_each")
    iterator_attr = block.attribute("iterator")
    iterator = block.labels[0]
    if iterator_attr is not None and isinstance(iterator_attr.expr, ast.Traversal):
        iterator = iterator_attr.expr.root
    content = next((b for b in block.blocks if b.type == "content"), None)
    if each_attr is None or content is None:
        return [], False
    collection = evaluate(each_attr.expr, scope)
    if is_unknown(collection):
        return [], False
    if isinstance(collection, dict):
        pairs = sorted(collection.items())
    elif isinstance(collection, list):
        pairs = list(enumerate(collection))
    else:
        return [], False
    if len(pairs) > MAX_DYNAMIC_BLOCKS:
        limit_reached(each_attr.expr)
    return ([(content, DictScope({iterator: {"key": k, "value": v}}, scope)) for k, v in pairs[:MAX_DYNAMIC_BLOCKS]],
            len(pairs) <= MAX_DYNAMIC_BLOCKS)


def _record_element_lines(expr: ast.Expr, path: Path, lines: Dict[Path, int]) -> None:
    if isinstance(expr, ast.TupleExpr):
        for i, item in enumerate(expr.items):
            lines[path + (i,)] = item.line
            _record_element_lines(item, path + (i,), lines)
    elif isinstance(expr, ast.ObjectExpr):
        for key, value, line in expr.items:
            if isinstance(key, ast.Literal) and isinstance(key.value, str):
                lines[path + (key.value,)] = line
                _record_element_lines(value, path + (key.value,), lines)
