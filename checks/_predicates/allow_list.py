"""An organisation's own allow-list, given as a scan setting: is a value one
of the approved ones (VM extension types in ``allowed_vm_extensions``)?"""

from __future__ import annotations

from typing import Any, List

from iacguard.engine.conditions import Context, Evidence, Result, Tri
from iacguard.engine.paths import ABSENT, parse_path, resolve
from iacguard.model import is_unknown


def not_in_setting(ctx: Context, setting: str, paths: List[str]) -> Result:
    """TRUE (a violation) for every string at ``paths`` that is not in the
    list the scan setting ``setting`` holds, compared case-insensitively;
    never TRUE when the list is empty (the organisation has not chosen)."""
    approved = {str(v).lower() for v in ctx.settings.get(setting) or []}
    if not approved:
        return Result(Tri.FALSE)
    evidence: List[Evidence] = []
    unknown = False
    for path in paths:
        for match in resolve(ctx.base, parse_path(path), ctx.ignore_case):
            value: Any = match.value
            if value is ABSENT or value is None:
                continue
            if is_unknown(value) or not isinstance(value, str):
                unknown = True
            elif value.lower() not in approved:
                evidence.append(Evidence(ctx.base_path + match.path, value))
    if evidence:
        return Result(Tri.TRUE, evidence, evidence)
    return Result(Tri.UNKNOWN if unknown else Tri.FALSE)


PREDICATES = {"not_in_setting": not_in_setting}
