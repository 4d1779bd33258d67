"""Data residency: is a region or location one of the allowed ones?

The allow-list comes from the scan settings (``--allowed-regions`` or the
configuration's ``allowed_regions``). Names are compared the way the clouds
write them in different places: case-insensitively and without spaces
("Japan East" is "japaneast"); a zone ("asia-northeast1-a") is in its region.
"global" is not a data location.

Where a copy goes (a replication destination, a backup vault) is judged by
``destination_region_allowed``: the region in a literal ARN, or the region of
the destination resource when the configuration defines it (its own
``region`` argument, else its provider configuration's region).
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

from iacguard.engine.allow_lists import strings_outside
from iacguard.engine.conditions import Context, Evidence, Result, Tri
from iacguard.engine.paths import ABSENT, parse_path, resolve
from iacguard.model import Resource, is_unknown

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


def _arn_region(value: str) -> Optional[str]:
    """arn:partition:service:REGION:account:resource; None when the text is
    not an ARN or names no region (S3 bucket ARNs)."""
    parts = value.split(":")
    return (parts[3] or None) if len(parts) > 5 and parts[0] == "arn" else None


def _provider_region(ctx: Context, resource: Resource) -> Any:
    """The region a Terraform resource is created in, or None when the
    configuration does not say (a provider passed in from outside, a
    CloudFormation stack's region)."""
    own = resource.attributes.get("region")
    if own is not None and own is not ABSENT:
        return own
    configured = [p for p in ctx.graph.neighbours(resource, "out", {"provider"}) if p.type == "provider"]
    if not configured and resource.format == "terraform":
        # No provider argument: the module's default (alias-less) configuration.
        name = resource.type.split("_", 1)[0]
        configured = [p for p in ctx.graph.of_type(resource.namespace, ["provider"])
                      if p.address.rsplit("provider.", 1)[-1] == name]
    if len(configured) != 1:
        return None
    region = configured[0].attributes.get("region")
    return None if region is ABSENT else region


def destination_region_allowed(ctx: Context, paths: List[str], types: Sequence[str]) -> Result:
    """TRUE for every destination at ``paths`` in a region outside the allowed
    list: a literal ARN's region, or for a reference, the region of the
    referenced resource of ``types`` (linked through the path's top-level
    attribute). Never TRUE when no list is configured."""
    allowed = [_normalise(r) for r in ctx.settings.get("allowed_regions") or []]
    if not allowed:
        return Result(Tri.FALSE)
    wanted = {t.lower() for t in types}
    evidence: List[Evidence] = []
    unknown = False
    for path in paths:
        steps = parse_path(path)
        targets = [r for r in ctx.graph.neighbours(ctx.resource, "out", {str(steps[0])}) if r.type.lower() in wanted]
        for match in resolve(ctx.base, steps, ctx.ignore_case):
            value: Any = match.value
            if value is ABSENT or value is None:
                continue
            if isinstance(value, str):
                regions: List[Any] = [_arn_region(value)]
            elif is_unknown(value) and targets:
                regions = [_provider_region(ctx, target) for target in targets]
            else:
                regions = [None]
            outside = [r for r in regions if isinstance(r, str) and not _allowed(r, allowed)]
            if outside:
                evidence.append(Evidence(ctx.base_path + match.path, outside[0]))
            elif any(r is None or is_unknown(r) for r in regions):
                unknown = True
    if evidence:
        return Result(Tri.TRUE, evidence, evidence)
    return Result(Tri.UNKNOWN if unknown else Tri.FALSE)


PREDICATES = {"region_allowed": region_allowed, "destination_region_allowed": destination_region_allowed}
