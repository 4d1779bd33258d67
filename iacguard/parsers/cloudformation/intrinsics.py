"""CloudFormation values as the service resolves them: parameters, pseudo
parameters, mappings, conditions and intrinsic functions.

Values are evaluated where the template says enough: a parameter's value (from
a parameters file or its Default), ``Fn::Sub``, ``Fn::Join``, ``Fn::If`` on a
known condition, ``Fn::FindInMap``... What only exists at deploy time (a
resource's physical id, ``Fn::GetAtt``, ``AWS::AccountId``, an SSM parameter)
is unknown but present. A condition that cannot be decided explores both
branches and keeps only what they agree on, so no finding comes from a branch
that may not be taken.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Set

from ...model import UNKNOWN, UNKNOWN_PRESENT, PartialDocument, PartialString, Path, contains_unknown, is_unknown
from ..common.partial import UNKNOWN_MARKER, marked_text, partial_value


class TemplateTooLarge(Exception):
    """The template expands to more values than we walk (YAML aliases?)."""


class _NoValue:
    """``AWS::NoValue``: the property is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}|\$\{!([^}]*)\}")
_PSEUDO: Dict[str, Any] = {
    "AWS::AccountId": UNKNOWN_PRESENT,
    "AWS::NotificationARNs": UNKNOWN_PRESENT,
    "AWS::Partition": UNKNOWN_PRESENT,
    "AWS::Region": UNKNOWN_PRESENT,
    "AWS::StackId": UNKNOWN_PRESENT,
    "AWS::StackName": UNKNOWN_PRESENT,
    "AWS::URLSuffix": UNKNOWN_PRESENT,
}


def mark_line(node: Any, default: int) -> int:
    """The line a decoded node starts on (``positioned``' containers)."""
    return getattr(node, "line", 0) or default


def parameter_value(declaration: Any, supplied: Mapping[str, Any], name: str) -> Any:
    """A parameter's value: supplied, else its Default; typed as CloudFormation does."""
    if not isinstance(declaration, dict):
        return UNKNOWN
    ptype = str(declaration.get("Type", "String"))
    if ptype.startswith("AWS::SSM::Parameter::Value"):
        return UNKNOWN_PRESENT  # the default names an SSM parameter; its value is read at deploy time
    if name in supplied:
        value: Any = supplied[name]
    elif "Default" in declaration:
        value = declaration["Default"]
    else:
        return UNKNOWN_PRESENT  # required at deploy time: some value will be given
    if isinstance(value, (dict, list)) and not ptype.startswith(("List<", "CommaDelimitedList")):
        return UNKNOWN_PRESENT
    if ptype.startswith("List<") or ptype == "CommaDelimitedList":
        if isinstance(value, list):
            return [str(v) for v in value]
        return [item.strip() for item in str(value).split(",")] if str(value) else []
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class TemplateScope:
    """What intrinsic functions can see in one template."""

    def __init__(self, template: Mapping[str, Any], supplied: Mapping[str, Any], budget: int) -> None:
        parameters = template.get("Parameters")
        self.parameters: Dict[str, Any] = {}
        if isinstance(parameters, dict):
            for name, declaration in parameters.items():
                self.parameters[str(name)] = parameter_value(declaration, supplied, str(name))
        mappings = template.get("Mappings")
        self.mappings: Mapping[str, Any] = mappings if isinstance(mappings, dict) else {}
        conditions = template.get("Conditions")
        self.condition_defs: Mapping[str, Any] = conditions if isinstance(conditions, dict) else {}
        resources = template.get("Resources")
        self.resource_ids: Set[str] = set(map(str, resources)) if isinstance(resources, dict) else set()
        self._conditions: Dict[str, Any] = {}
        self._busy: Set[str] = set()
        # Values evaluated in this template at most (YAML aliases can make
        # a small text enormous).
        self.budget = budget

    # -- conditions ----------------------------------------------------------
    def condition(self, name: str) -> Any:
        """True, False or UNKNOWN."""
        if name in self._conditions:
            return self._conditions[name]
        if name not in self.condition_defs or name in self._busy:
            return UNKNOWN
        self._busy.add(name)
        try:
            value = _as_bool(Evaluator(self).plain(self.condition_defs[name]))
        finally:
            self._busy.discard(name)
        self._conditions[name] = value
        return value


def _as_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return UNKNOWN


def _text(value: Any) -> Any:
    if is_unknown(value):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return UNKNOWN


def _same(a: Any, b: Any) -> Any:
    """CloudFormation compares Fn::Equals operands as strings."""
    if contains_unknown(a) or contains_unknown(b):
        return UNKNOWN
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return a == b
    return _text(a) == _text(b)


def join_branches(a: Any, b: Any) -> Any:
    """What two possible values have in common: equal parts stay, the rest is unknown."""
    if a is NO_VALUE or b is NO_VALUE:
        return NO_VALUE if a is b else UNKNOWN
    if isinstance(a, dict) and isinstance(b, dict) and not isinstance(a, PartialDocument):
        return {k: join_branches(a.get(k, NO_VALUE), b.get(k, NO_VALUE)) for k in {**a, **b}}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [join_branches(x, y) for x, y in zip(a, b, strict=True)]
    if not contains_unknown(a) and not contains_unknown(b) and a == b:
        return a
    present = not (a is None or b is None) and _present(a) and _present(b)
    return UNKNOWN_PRESENT if present else UNKNOWN


def _present(value: Any) -> bool:
    return value.present if is_unknown(value) else value is not None


class Evaluator:
    """Evaluates template values, recording the line of everything it keeps."""

    def __init__(self, scope: TemplateScope, lines: Optional[Dict[Path, int]] = None) -> None:
        self.scope = scope
        self.lines = lines if lines is not None else {}
        self._functions: Dict[str, Callable[[Any, Path], Any]] = {
            "Ref": self._ref,
            "Fn::GetAtt": lambda arg, path: UNKNOWN_PRESENT,
            "Fn::ImportValue": lambda arg, path: UNKNOWN_PRESENT,
            "Fn::GetAZs": lambda arg, path: UNKNOWN_PRESENT,
            "Fn::Cidr": lambda arg, path: UNKNOWN_PRESENT,
            "Fn::Transform": lambda arg, path: UNKNOWN,
            "Fn::If": self._if,
            "Fn::Equals": self._equals,
            "Fn::And": self._and,
            "Fn::Or": self._or,
            "Fn::Not": self._not,
            "Condition": self._condition,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": self._base64,
            "Fn::ToJsonString": self._to_json_string,
            "Fn::Length": self._length,
        }

    def plain(self, node: Any) -> Any:
        """Evaluate without recording lines (conditions, function arguments)."""
        saved, self.lines = self.lines, {}
        try:
            return self.value(node, ())
        finally:
            self.lines = saved

    def value(self, node: Any, path: Path) -> Any:
        self.scope.budget -= 1
        if self.scope.budget < 0:
            raise TemplateTooLarge()
        if isinstance(node, dict):
            function = _intrinsic(node)
            if function is not None:
                handler = self._functions.get(function)
                return handler(node[function], path) if handler else UNKNOWN
            out: Dict[str, Any] = {}
            for key, child in node.items():
                child_path = path + (str(key),)
                # Keys a transform generated carry no position; their value may.
                self.lines.setdefault(child_path, mark_line(key, mark_line(child, self.lines.get(path, 1))))
                value = self.value(child, child_path)
                if value is not NO_VALUE:
                    out[str(key)] = value
            return out
        if isinstance(node, list):
            items: List[Any] = []
            for child in node:
                child_path = path + (len(items),)
                self.lines.setdefault(child_path, mark_line(child, self.lines.get(path, 1)))
                value = self.value(child, child_path)
                if value is not NO_VALUE:
                    items.append(value)
            return items
        if isinstance(node, str):
            return str(node)
        return node

    # -- functions -----------------------------------------------------------
    def _ref(self, arg: Any, path: Path) -> Any:
        if not isinstance(arg, str):
            return UNKNOWN
        if arg == "AWS::NoValue":
            return NO_VALUE
        if arg in self.scope.parameters:
            return self.scope.parameters[arg]
        if arg in _PSEUDO:
            return _PSEUDO[arg]
        return UNKNOWN_PRESENT  # a resource's physical id

    def _if(self, arg: Any, path: Path) -> Any:
        if not isinstance(arg, list) or len(arg) != 3 or not isinstance(arg[0], str):
            return UNKNOWN
        decided = self.scope.condition(arg[0])
        if decided is True:
            return self.value(arg[1], path)
        if decided is False:
            return self.value(arg[2], path)
        return join_branches(self.value(arg[1], path), self.value(arg[2], path))

    def _equals(self, arg: Any, path: Path) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return UNKNOWN
        return _same(self.plain(arg[0]), self.plain(arg[1]))

    def _logic(self, arg: Any, combine: str) -> Any:
        if not isinstance(arg, list) or not arg:
            return UNKNOWN
        values = [_as_bool(self.plain(a)) for a in arg]
        decisive = combine == "or"
        if decisive in values:
            return decisive
        return UNKNOWN if any(is_unknown(v) for v in values) else not decisive

    def _and(self, arg: Any, path: Path) -> Any:
        return self._logic(arg, "and")

    def _or(self, arg: Any, path: Path) -> Any:
        return self._logic(arg, "or")

    def _not(self, arg: Any, path: Path) -> Any:
        value = _as_bool(self.plain(arg[0] if isinstance(arg, list) and arg else arg))
        return UNKNOWN if is_unknown(value) else not value

    def _condition(self, arg: Any, path: Path) -> Any:
        return self.scope.condition(str(arg)) if isinstance(arg, str) else UNKNOWN

    def _sub(self, arg: Any, path: Path) -> Any:
        variables: Dict[str, Any] = {}
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            template = arg[0]
            variables = {str(k): self.plain(v) for k, v in arg[1].items()}
        else:
            template = arg
        if not isinstance(template, str):
            return UNKNOWN
        unknown = False

        def replace(m: re.Match) -> str:
            nonlocal unknown
            if m.group(2) is not None:
                return "${" + m.group(2) + "}"  # ${!Literal} is written as ${Literal}
            name = m.group(1).strip()
            if name in variables:
                value = variables[name]
            elif "." in name and name.split(".", 1)[0] in self.scope.resource_ids:
                value = UNKNOWN_PRESENT  # ${Resource.Attribute}
            else:
                value = self._ref(name, path)
            text = _text(value)
            if is_unknown(text) or not isinstance(text, str):
                unknown = True
                return marked_text(value) or UNKNOWN_MARKER
            return text

        result = _SUB_VARIABLE.sub(replace, str(template))
        return _string_result(result, unknown)

    def _join(self, arg: Any, path: Path) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return UNKNOWN
        delimiter, items = self.plain(arg[0]), self.plain(arg[1])
        if not isinstance(delimiter, str) or not isinstance(items, list):
            return UNKNOWN_PRESENT if isinstance(delimiter, str) else UNKNOWN
        parts: List[str] = []
        unknown = False
        for item in items:
            text = _text(item)
            if is_unknown(text) or not isinstance(text, str):
                unknown = True
                parts.append(marked_text(item) or UNKNOWN_MARKER)
            else:
                parts.append(text)
        return _string_result(delimiter.join(parts), unknown)

    def _select(self, arg: Any, path: Path) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return UNKNOWN
        index, items = self.plain(arg[0]), self.plain(arg[1])
        try:
            position = int(_text(index))
        except (TypeError, ValueError):
            return UNKNOWN
        if not isinstance(items, list):
            return UNKNOWN
        return items[position] if 0 <= position < len(items) else UNKNOWN

    def _split(self, arg: Any, path: Path) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return UNKNOWN
        delimiter, text = self.plain(arg[0]), self.plain(arg[1])
        if not isinstance(delimiter, str) or not isinstance(text, str) or not delimiter:
            return UNKNOWN_PRESENT
        return text.split(delimiter)

    def _find_in_map(self, arg: Any, path: Path) -> Any:
        if not isinstance(arg, list) or len(arg) not in (3, 4):
            return UNKNOWN
        keys = [self.plain(a) for a in arg[:3]]
        default = self.plain(arg[3].get("DefaultValue")) if len(arg) == 4 and isinstance(arg[3], dict) else UNKNOWN
        if any(not isinstance(k, str) for k in keys):
            return UNKNOWN
        level: Any = self.scope.mappings
        for key in keys:
            level = level.get(key) if isinstance(level, dict) else None
            if level is None:
                return default
        return self.plain(level)

    def _base64(self, arg: Any, path: Path) -> Any:
        text = _text(self.plain(arg))
        if isinstance(text, PartialString):
            # Its encoding cannot be partly known; the text it encodes can,
            # and is what a reader of user data needs.
            return text
        if is_unknown(text) or not isinstance(text, str):
            return UNKNOWN_PRESENT
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    def _to_json_string(self, arg: Any, path: Path) -> Any:
        document = self.plain(arg)
        if contains_unknown(document):
            return PartialDocument(document)
        return json.dumps(document, separators=(",", ":"))

    def _length(self, arg: Any, path: Path) -> Any:
        value = self.plain(arg)
        return len(value) if isinstance(value, list) else UNKNOWN


def _intrinsic(node: Dict[Any, Any]) -> Optional[str]:
    if len(node) != 1:
        return None
    key = next(iter(node))
    if isinstance(key, str) and (key == "Ref" or key == "Condition" or key.startswith("Fn::")):
        return str(key)
    return None


def _string_result(text: str, unknown: bool) -> Any:
    return partial_value(text) if unknown else text
