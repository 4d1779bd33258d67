"""Terraform plan and state JSON (``terraform show -json plan.out``, and
``terraform show -json`` of a state) into resources.

A plan's values come from ``planned_values``; attributes the plan marks as
known only after apply (``after_unknown``) are UNKNOWN rather than absent, so
a computed value never reads as "not set". A state's values (what is
deployed) come from ``values``: a scheduled job can check the settings in use
without cloud credentials.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, Tuple

from ...model import UNKNOWN, Location, ParsedFile, ParseError, Path, Resource
from ..common.json_positions import JSONLimitError, JSONPositionError, parse_json
from .providers import provider_of

_MODULE = re.compile(r"(?:^|\.)module\.([^.\[]+)")


def parse_tfplan(display: str, text: str) -> ParsedFile:
    out = ParsedFile(display, "tfplan")
    try:
        doc = parse_json(text)
    except JSONLimitError as exc:
        out.errors.append(ParseError(display, exc.line, f"plan not read: {exc}", "tfplan"))
        return out
    except JSONPositionError as exc:
        out.errors.append(ParseError(display, exc.line, f"JSON syntax error: {exc}", "tfplan"))
        return out
    plan = doc.value
    section = "planned_values" if isinstance(plan, dict) and "planned_values" in plan else "values"
    root = plan.get(section, {}).get("root_module") if isinstance(plan, dict) else None
    if not isinstance(root, dict):
        out.errors.append(ParseError(
            display, 1, "neither a plan with planned_values.root_module nor a state with values.root_module",
            "tfplan"))
        return out
    unknowns = _after_unknown(plan)
    managed = [(path, item) for path, item in _module_resources(root, (section, "root_module"))
               if isinstance(item, dict) and item.get("mode", "managed") == "managed"
               and isinstance(item.get("address"), str) and isinstance(item.get("type"), str)]
    lines_of = _lines_under(doc.lines, [path + ("values",) for path, _ in managed])
    for path, item in managed:
        address, rtype = item["address"], item["type"]
        given = item.get("values")
        values: Dict[str, Any] = given if isinstance(given, dict) else {}
        _mark_unknown(values, unknowns.get(address))
        lines = lines_of[path + ("values",)]
        first = doc.open_lines.get(path, doc.lines.get(path, 1))
        out.resources.append(Resource(
            address=address,
            type=rtype,
            format="tfplan",
            provider=provider_of(rtype),
            attributes=values,
            location=Location(display, first, max(lines.values(), default=first)),
            attribute_lines=lines,
            module_path=tuple(_MODULE.findall(address)),
            namespace=display,
        ))
    return out


def _lines_under(lines: Dict[Path, int], prefixes: List[Path]) -> Dict[Path, Dict[Path, int]]:
    """The entries of ``lines`` below each prefix, relative to it, in one
    pass over the document (not one per resource: plans hold thousands)."""
    out: Dict[Path, Dict[Path, int]] = {p: {} for p in prefixes}
    sizes = sorted({len(p) for p in prefixes})
    for path, line in lines.items():
        for size in sizes:
            if len(path) <= size:
                break
            group = out.get(path[:size])
            if group is not None:
                group[path[size:]] = line
    return out


def _module_resources(module: Dict[str, Any], path: Path) -> Iterator[Tuple[Path, Any]]:
    resources = module.get("resources")
    if isinstance(resources, list):
        for i, item in enumerate(resources):
            yield path + ("resources", i), item
    children = module.get("child_modules")
    if isinstance(children, list):
        for i, child in enumerate(children):
            if isinstance(child, dict):
                yield from _module_resources(child, path + ("child_modules", i))


def _after_unknown(plan: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for change in plan.get("resource_changes") or []:
        if isinstance(change, dict) and isinstance(change.get("address"), str):
            after = (change.get("change") or {}).get("after_unknown")
            if after:
                out[change["address"]] = after
    return out


def _mark_unknown(values: Any, unknown: Any) -> None:
    """Overlay ``after_unknown`` (true where a value is computed) on values."""
    if isinstance(unknown, dict) and isinstance(values, dict):
        for key, flag in unknown.items():
            if flag is True:
                values[key] = UNKNOWN
            elif key in values:
                _mark_unknown(values[key], flag)
    elif isinstance(unknown, list) and isinstance(values, list):
        for i, flag in enumerate(unknown[: len(values)]):
            if flag is True:
                values[i] = UNKNOWN
            else:
                _mark_unknown(values[i], flag)


def link_plans_to_configuration(files: List[ParsedFile]) -> None:
    """A plan next to the configuration it was made from: each planned
    resource learns where that configuration declares it."""
    declared: Dict[Tuple[str, str], Resource] = {}
    for parsed in files:
        for resource in parsed.resources:
            if resource.format == "terraform" and "::" in resource.namespace:
                root = resource.namespace.split("::", 1)[0]
                declared[(root, resource.address)] = resource
    if not declared:
        return
    for parsed in files:
        if parsed.format != "tfplan":
            continue
        root = parsed.path.rsplit("/", 1)[0] if "/" in parsed.path else "."
        for resource in parsed.resources:
            source = declared.get((root, resource.address))
            if source is not None:
                resource.declared_at = source.location
                resource.declared_lines = source.attribute_lines
