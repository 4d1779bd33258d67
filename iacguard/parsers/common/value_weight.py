"""How large a value is once its shared parts are counted every time they
occur: what a later walk of it visits. YAML aliases and ARM functions that
reuse one array can make a small text or expression stand for an enormous
value; this measures it without expanding anything."""

from __future__ import annotations

from typing import Any, Dict, List, Set, Tuple


def weight(value: Any, memo: Dict[int, Tuple[Any, int]], limit: int, count_keys: bool = False) -> int:
    """Nodes in ``value`` (each list, map and scalar; with ``count_keys``,
    each map key too), a shared part counted each time it occurs. Memoised
    by identity in ``memo``, so a value built from measured parts costs only
    its own top level. Counting stops just past ``limit``; a value inside
    itself (a recursive YAML alias) has no end: ``limit + 1``. Iterative:
    values may nest deeply."""
    if not isinstance(value, (list, dict)):
        return 1
    known = memo.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    opened: Set[int] = set()
    stack: List[Tuple[Any, bool]] = [(value, False)]
    while stack:
        node, children_done = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if children_done:
            opened.discard(id(node))
            total = 1 + (len(node) if count_keys and isinstance(node, dict) else 0)
            for child in children:
                total += memo[id(child)][1] if isinstance(child, (list, dict)) else 1
                if total > limit:
                    break
            memo[id(node)] = (node, min(total, limit + 1))
            continue
        seen = memo.get(id(node))
        if seen is not None and seen[0] is node:
            continue
        if id(node) in opened:
            return limit + 1
        opened.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children if isinstance(child, (list, dict)))
    return memo[id(value)][1]
