"""Values judged against a list the user gives (allowed regions, approved
VM extensions): the shared walk of predicates that flag what is not listed."""

from __future__ import annotations

from typing import Any, Callable, List, Sequence

from ..model import is_unknown
from .conditions import Context, Evidence, Result, Tri
from .paths import ABSENT, parse_path, resolve


def strings_outside(ctx: Context, paths: Sequence[str], allowed: Callable[[str], bool]) -> Result:
    """TRUE with one piece of evidence per string at ``paths`` that
    ``allowed`` rejects; UNKNOWN when a value there is not known and nothing
    is rejected; FALSE otherwise (absent values and non-strings say nothing)."""
    evidence: List[Evidence] = []
    unknown = False
    for path in paths:
        for match in resolve(ctx.base, parse_path(path), ctx.ignore_case):
            value: Any = match.value
            if value is ABSENT or value is None:
                continue
            if is_unknown(value):
                unknown = True
            elif isinstance(value, str) and not allowed(value):
                evidence.append(Evidence(ctx.base_path + match.path, value))
    if evidence:
        return Result(Tri.TRUE, evidence, evidence)
    return Result(Tri.UNKNOWN if unknown else Tri.FALSE)
