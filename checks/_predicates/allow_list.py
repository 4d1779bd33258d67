"""An organisation's own allow-list, given as a scan setting: is a value one
of the approved ones (VM extension types in ``allowed_vm_extensions``)?"""

from __future__ import annotations

from typing import List

from iacguard.engine.allow_lists import strings_outside
from iacguard.engine.conditions import Context, Result, Tri


def not_in_setting(ctx: Context, setting: str, paths: List[str]) -> Result:
    """TRUE (a violation) for every string at ``paths`` that is not in the
    list the scan setting ``setting`` holds, compared case-insensitively;
    never TRUE when the list is empty (the organisation has not chosen)."""
    approved = {str(v).lower() for v in ctx.settings.get(setting) or []}
    if not approved:
        return Result(Tri.FALSE)
    return strings_outside(ctx, paths, lambda value: value.lower() in approved)


PREDICATES = {"not_in_setting": not_in_setting}
