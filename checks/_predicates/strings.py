"""Predicates over every string of a resource, wherever it is written."""

from __future__ import annotations

import re
from typing import Any, Iterator, List, Optional, Tuple

from iacguard.engine.conditions import Context, Evidence, Result, Tri
from iacguard.model import Path


def _strings(value: Any, path: Path) -> Iterator[Tuple[Path, str]]:
    stack: List[Tuple[Path, Any]] = [(path, value)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, str):
            yield where, node
        elif isinstance(node, dict):
            stack.extend((where + (k,), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((where + (i,), v) for i, v in enumerate(node))


def strings_matching(ctx: Context, pattern: str, exclude: Optional[str] = None) -> Result:
    """TRUE for every string value matching ``pattern`` (and not ``exclude``);
    one piece of evidence per attribute. Unknown values match nothing: only
    what is written in the template is judged."""
    wanted = re.compile(pattern)
    unwanted = re.compile(exclude) if exclude else None
    found = sorted(_strings(ctx.base, ctx.base_path), key=lambda p: str(p[0]))
    evidence = [Evidence(path, text) for path, text in found
                if wanted.search(text) and not (unwanted and unwanted.search(text))]
    return Result(Tri.TRUE, evidence, evidence) if evidence else Result(Tri.FALSE)


PREDICATES = {"strings_matching": strings_matching}
