"""Azure Resource Manager templates into resources.

Resources nested in a parent's ``resources`` array become resources of their
own, with type and name composed as ARM composes them; inline nested
deployments are read too. Template expressions (``"[...]"``) are kept
unresolved (UNKNOWN); ``dependsOn`` and ``resourceId(...)`` become references.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ..model import UNKNOWN, UNKNOWN_PRESENT, Link, Location, ParsedFile, ParseError, Path, Resource, TemplateContext
from .json_positions import JSONPositionError, PositionedJSON, parse_json

_RESOURCE_ID = re.compile(r"resourceId\(\s*((?:'[^']*'\s*,\s*)*'[^']*')\s*\)", re.IGNORECASE)
_QUOTED = re.compile(r"'([^']*)'")
_SKIPPED_KEYS = frozenset({"resources"})


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("[") and not value.startswith("[[") \
        and value.endswith("]")


def literal(value: Any) -> Any:
    """A template value as deployed, or UNKNOWN for an expression."""
    if isinstance(value, str):
        if is_expression(value):
            # An expression yields a value unless it can choose null.
            lowered = value.lower()
            return UNKNOWN if ("if(" in lowered or "null" in lowered) else UNKNOWN_PRESENT
        if value.startswith("[["):
            return value[1:]
    return value


def parse_arm(display: str, text: str, context: Optional[TemplateContext] = None) -> ParsedFile:
    out = ParsedFile(display, "arm")
    try:
        doc = parse_json(text)
    except JSONPositionError as exc:
        out.errors.append(ParseError(display, exc.line, f"JSON syntax error: {exc}", "arm"))
        return out
    out.comments = doc.comments
    template = doc.value
    if not isinstance(template, dict):
        out.errors.append(ParseError(display, 1, "template is not a JSON object", "arm"))
        return out
    reader = _ARMReader(display, doc)
    out.resources.extend(reader.template_resources(template, ()))
    return out


class _ARMReader:
    def __init__(self, display: str, doc: PositionedJSON) -> None:
        self.display = display
        self.doc = doc

    def template_resources(self, template: Dict[str, Any], path: Path, prefix: str = "") -> List[Resource]:
        out: List[Resource] = []
        for res_path, body in _entries(template.get("resources"), path + ("resources",)):
            out.extend(self._resource(body, res_path, None, None, prefix))
        return out

    def _resource(self, body: Any, path: Path, parent_type: Any, parent_name: Any,
                  prefix: str) -> List[Resource]:
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return []
        rtype = body["type"]
        name = body.get("name")
        name_text = name if isinstance(name, str) else ""
        if parent_type is not None:
            if "." not in rtype.split("/", 1)[0]:  # written relative to the parent
                rtype = f"{parent_type}/{rtype}"
            # A full child name has one segment per type segment after the namespace.
            if parent_name and not is_expression(name_text) and name_text.count("/") + 1 < rtype.count("/"):
                name_text = f"{parent_name}/{name_text}"
        first_line = self.doc.open_lines.get(path, self.doc.lines.get(path, 1))
        lines = {p[len(path):]: l for p, l in self._lines_under(path)}
        attributes = {k: _convert(v) for k, v in body.items() if k not in _SKIPPED_KEYS}
        links = sorted({Link(self.display, target, via) for target, via in _references(body)})
        resource = Resource(
            address=f"{prefix}{rtype}/{name_text}",
            type=rtype,
            format="arm",
            provider="azure",
            attributes=attributes,
            location=Location(self.display, first_line, _end_line(lines, first_line)),
            attribute_lines=lines,
            links=links,
            namespace=self.display,
        )
        out = [resource]
        for child_path, child in _entries(body.get("resources"), path + ("resources",)):
            out.extend(self._resource(child, child_path, rtype, name_text, prefix))
        nested = body.get("properties", {}).get("template") if isinstance(body.get("properties"), dict) else None
        if rtype.lower() == "microsoft.resources/deployments" and isinstance(nested, dict):
            out.extend(self.template_resources(nested, path + ("properties", "template"),
                                               prefix=f"{prefix}{name_text}/"))
        return out

    def _lines_under(self, path: Path) -> Iterator[Tuple[Path, int]]:
        n = len(path)
        for p, line in self.doc.lines.items():
            if len(p) > n and p[:n] == path:
                yield p, line


def _end_line(lines: Dict[Path, int], default: int) -> int:
    return max(lines.values(), default=default)


def _entries(resources: Any, path: Path) -> Iterator[Tuple[Path, Any]]:
    if isinstance(resources, list):
        for i, body in enumerate(resources):
            yield path + (i,), body
    elif isinstance(resources, dict):  # languageVersion 2.0: symbolic names
        for name, body in resources.items():
            yield path + (name,), body


def _convert(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _convert(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_convert(v) for v in value]
    return literal(value)


def _references(body: Dict[str, Any]) -> Iterator[Tuple[str, str]]:
    """(target, via): ``dependsOn`` entries (via "") and ``resourceId(...)``
    inside properties (via ``properties.<name>``) or other members."""
    depends = body.get("dependsOn")
    if isinstance(depends, list):
        for item in depends:
            if isinstance(item, str):
                for target in (_reference_targets(item) if is_expression(item) else [item]):
                    yield target, ""
    members: List[Tuple[str, Any]] = []
    for key, value in body.items():
        if key in ("dependsOn", "resources"):
            continue
        if key == "properties" and isinstance(value, dict):
            members.extend((f"properties.{k}", v) for k, v in value.items())
        else:
            members.append((key, value))
    for via, value in members:
        stack: List[Any] = [value]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
            elif is_expression(node):
                for target in _reference_targets(node):
                    yield target, via


def _reference_targets(expression: str) -> Iterator[str]:
    """``resourceId('Microsoft.Network/networkSecurityGroups', 'nsg1')`` ->
    ``Microsoft.Network/networkSecurityGroups/nsg1`` (literal arguments only)."""
    for match in _RESOURCE_ID.finditer(expression):
        args = _QUOTED.findall(match.group(1))
        types = [a for a in args if "/" in a and "." in a.split("/")[0]]
        if not types:
            continue
        rtype = types[-1]
        names = args[args.index(rtype) + 1:]
        if names:
            yield f"{rtype}/{'/'.join(names)}"
