"""Data residency: is a region or location one of the allowed ones?

The allow-list comes from the scan settings (``--allowed-regions`` or the
configuration's ``allowed_regions``). Names are compared the way the clouds
write them in different places: case-insensitively and without spaces
("Japan East" is "japaneast"); a zone ("asia-northeast1-a") is in its region.
"global" is not a data location.
"""

from __future__ import annotations

from typing import List

from iacguard.engine.allow_lists import strings_outside
from iacguard.engine.conditions import Context, Result, Tri

_NOT_A_LOCATION = {"global", ""}


def _normalise(text: str) -> str:
    return text.replace(" ", "").lower()


def _allowed(value: str, allowed: List[str]) -> bool:
    name = _normalise(value)
    return name in _NOT_A_LOCATION or any(name == a or name.startswith(a + "-") for a in allowed)


def region_allowed(ctx: Context, paths: List[str]) -> Result:
    """TRUE (a violation) for every region/location at ``paths`` outside the
    allowed list; never TRUE when no list is configured."""
    allowed = [_normalise(r) for r in ctx.settings.get("allowed_regions") or []]
    if not allowed:
        return Result(Tri.FALSE)
    return strings_outside(ctx, paths, lambda value: _allowed(value, allowed))


PREDICATES = {"region_allowed": region_allowed}
