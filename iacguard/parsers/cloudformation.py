"""AWS CloudFormation templates (YAML or JSON, SAM included) into resources.

cfn-lint's decoder reads the template (short-form tags such as ``!Ref`` and
``!Sub`` included) and marks every mapping and string with its position.
Intrinsic functions are kept unresolved (UNKNOWN) here; the references they
make become graph edges.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from ..model import UNKNOWN, UNKNOWN_PRESENT, Link, Location, ParsedFile, ParseError, Path, Resource, TemplateContext

_SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")
_PSEUDO = re.compile(r"^AWS::")


# YAML aliases share one node many times over; expanded into attributes they
# could grow exponentially ("billion laughs"). Past this many values, stop.
MAX_VALUES = 500_000


class TemplateTooLarge(Exception):
    pass


def _decode(text: str) -> Tuple[Any, list]:
    # cfn-lint is heavy to import; only templates that need it pay for it.
    from cfnlint.decode import decode_str

    template, matches = decode_str(text)
    if template is None and matches and all(
            str(getattr(m, "message", "")).startswith("Duplicate found") for m in matches):
        # CloudFormation itself accepts a repeated key and keeps the last one.
        template = _load_last_key_wins(text)
    return template, matches


def _load_last_key_wins(text: str) -> Any:
    from cfnlint.decode import cfn_yaml

    class LastKeyWinsLoader(cfn_yaml.CfnFullLoader):
        def construct_yaml_map(self, node):  # type: ignore[override]
            node.using_merge = True  # cfn-lint skips its duplicate check for merged maps
            return cfn_yaml.NodeConstructor.construct_yaml_map(self, node)

    LastKeyWinsLoader.add_constructor("tag:yaml.org,2002:map", LastKeyWinsLoader.construct_yaml_map)
    loader = LastKeyWinsLoader(text, None)
    loader.add_multi_constructor("!", cfn_yaml.multi_constructor)
    try:
        return loader.get_single_data()
    except Exception:  # the fallback is best effort; the original error stands
        return None


def _line(node: Any, default: int) -> int:
    mark = getattr(node, "start_mark", None)
    if mark is None:
        return default
    return mark.line + 1


def parse_cloudformation(display: str, text: str, context: Optional[TemplateContext] = None) -> Optional[ParsedFile]:
    """The template's resources; None when the file, once read, turns out not
    to be a template (e.g. a macro event that merely mentions AWS:: types)."""
    out = ParsedFile(display, "cloudformation")
    try:
        template, matches = _decode(text)
    except RecursionError:
        out.errors.append(ParseError(display, 1, "template nested too deeply to read", "cloudformation"))
        return out
    if template is None:
        for match in matches[:1]:
            out.errors.append(ParseError(
                display, max(int(getattr(match, "linenumber", 1) or 1), 1),
                f"cannot parse template: {match.message}", "cloudformation"))
        if not out.errors:
            out.errors.append(ParseError(display, 1, "cannot parse template", "cloudformation"))
        return out
    out.comments = _comments(text)
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        if not isinstance(template, dict) or "AWSTemplateFormatVersion" not in template:
            return None
        out.errors.append(ParseError(display, 1, "template has no Resources section", "cloudformation"))
        return out
    parameters = template.get("Parameters")
    parameter_names = set(parameters) if isinstance(parameters, dict) else set()
    is_json = text.lstrip("\ufeff \t\n").startswith("{")
    budget = [MAX_VALUES]
    for logical_id, body in resources.items():
        try:
            resource = _resource(display, str(logical_id), logical_id, body, parameter_names, is_json, budget)
        except TemplateTooLarge:
            out.errors.append(ParseError(
                display, _line(logical_id, 1),
                f"template expands to more than {MAX_VALUES} values (YAML aliases?); not scanned further",
                "cloudformation"))
            break
        if resource is not None:
            out.resources.append(resource)
    for match in matches:
        out.notes.append(f"{display}:{getattr(match, 'linenumber', 1)}: {match.message}; the last value is used")
    return out


def _comments(text: str) -> Dict[int, str]:
    comments: Dict[int, str] = {}
    if "#" not in text:
        return comments
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.lstrip()
        if stripped.startswith("#"):
            comments[number] = stripped
        elif " #" in line:
            comments[number] = line[line.index(" #") + 1:]
    return comments


def _resource(display: str, logical_id: str, key: Any, body: Any, parameters: set,
              is_json: bool, budget: List[int]) -> Optional[Resource]:
    if not isinstance(body, dict):
        return None
    rtype = body.get("Type")
    if not isinstance(rtype, str):
        return None
    # YAML: the logical-id key's line. JSON: the '{' that opens the resource.
    first_line = _line(body, 1) if is_json else _line(key, 1)
    end_mark = getattr(body, "end_mark", None)
    end_line = end_mark.line + 1 if end_mark is not None else first_line
    lines: Dict[Path, int] = {}
    props = body.get("Properties")
    lines[("Properties",)] = first_line
    attributes = _convert(props, ("Properties",), lines, budget) if isinstance(props, dict) else {}
    links: List[Link] = []
    if isinstance(props, dict):
        for name, value in props.items():
            refs: List[str] = []
            _collect_references(value, refs, parameters, budget)
            links.extend(Link(display, ref, str(name)) for ref in refs)
    depends = body.get("DependsOn")
    depends_on = [depends] if isinstance(depends, str) else depends if isinstance(depends, list) else []
    links.extend(Link(display, str(d), "") for d in depends_on if isinstance(d, str))
    return Resource(
        address=logical_id,
        type=rtype,
        format="cloudformation",
        provider="aws" if rtype.startswith(("AWS::", "Alexa::")) else rtype.split("::")[0].lower(),
        attributes=attributes if isinstance(attributes, dict) else {},
        location=Location(display, first_line, max(end_line, first_line)),
        attribute_lines={p[1:]: l for p, l in lines.items() if len(p) > 1},
        links=sorted(set(links)),
        namespace=display,
    )


def _is_intrinsic(value: Dict[Any, Any]) -> bool:
    if len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::") or key == "Condition")


def _spend(budget: List[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise TemplateTooLarge()


def _convert(value: Any, path: Path, lines: Dict[Path, int], budget: List[int]) -> Any:
    _spend(budget)
    if isinstance(value, dict):
        if _is_intrinsic(value):
            # Fn::If may choose AWS::NoValue; every other intrinsic yields a value.
            return UNKNOWN if "Fn::If" in value or value.get("Ref") == "AWS::NoValue" else UNKNOWN_PRESENT
        out = {}
        for k, v in value.items():
            child = path + (str(k),)
            lines[child] = _line(k, lines.get(path, 1))
            out[str(k)] = _convert(v, child, lines, budget)
        return out
    if isinstance(value, list):
        items = []
        for i, v in enumerate(value):
            child = path + (i,)
            lines[child] = _line(v, lines.get(path, 1))
            items.append(_convert(v, child, lines, budget))
        return items
    if isinstance(value, str):
        return str(value)
    return value


def _collect_references(value: Any, refs: List[str], parameters: set, budget: List[int]) -> None:
    stack = [value]
    while stack:
        node = stack.pop()
        _spend(budget)
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "Ref" and isinstance(v, str):
                    if v not in parameters and not _PSEUDO.match(v):
                        refs.append(str(v))
                elif k == "Fn::GetAtt":
                    target = v[0] if isinstance(v, list) and v else v
                    if isinstance(target, str):
                        refs.append(str(target).split(".", 1)[0])
                elif k == "Fn::Sub":
                    text = v[0] if isinstance(v, list) and v else v
                    if isinstance(text, str):
                        refs.extend(n for n in _SUB_REFERENCE.findall(text)
                                    if n not in parameters)
                    if isinstance(v, list):
                        stack.extend(v[1:])
                    continue
                stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
