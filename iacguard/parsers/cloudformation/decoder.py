"""CloudFormation template text into values that know their lines.

PyYAML's C loader (libyaml) composes the nodes; the constructors below build
the values straight into ``positioned``' containers. They read a template as
CloudFormation does and as cfn-lint's decoder did before (the results are
identical, which a test checks over real templates): short-form tags become
their long forms (``!Ref X`` -> ``{"Ref": "X"}``, ``!GetAtt A.B`` ->
``{"Fn::GetAtt": ["A", "B"]}``), a repeated key is reported and the last
value kept, and a text YAML cannot read because of tabs or JSON escapes is
read as JSON (``json_fallback``).

Which values carry a line mirrors what the parsers ask for: mappings and
lists carry theirs, keys and list items that are strings carry theirs, and a
string that is a mapping's value is a plain string (its key's line is used).
"""

from __future__ import annotations

import json
import re
from typing import Any, List, Optional, Tuple

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from . import json_fallback
from .positioned import (
    PositionedList,
    PositionedMap,
    PositionedText,
    editor_line,
    line_table,
    positioned_list,
    positioned_map,
    positioned_text,
)

# (line, message): why a template could not be read.
Failure = Tuple[int, str]
# Tags written with one "!" keep these names; the rest are "Fn::" functions.
_PLAIN_TAGS = ("Ref", "Condition")
_MERGE = "tag:yaml.org,2002:merge"
_VALUE = "tag:yaml.org,2002:value"  # the other key PyYAML's flatten_mapping rewrites
_STR = "tag:yaml.org,2002:str"
# YAML problems a JSON template written with tabs or JSON escapes runs into
# (the first is PyYAML's own wording, used where libyaml is missing).
_JSON_HINTS = ("found character '\\t' that cannot start any token", "found unknown escape character")
_LoaderBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Unreadable(Exception):
    """Problems found while building values, each (line, message)."""

    def __init__(self, failures: List[Failure]) -> None:
        super().__init__(failures[0][1])
        self.failures = failures


def decode(text: str) -> Tuple[Any, List[Failure]]:
    """The decoded template and the repeated keys it had (each with the
    note that the last value is used), or ((line, message), [])."""
    lines = line_table(text)
    try:
        return _load(text, lines, last_key_wins=False), []
    except _Unreadable as first:
        if not all(message.startswith("Duplicate found") for _, message in first.failures):
            return _failure(first.failures[0], text), []
        try:
            # CloudFormation itself accepts a repeated key and keeps the last one.
            template = _load(text, lines, last_key_wins=True)
        except (_Unreadable, yaml.YAMLError):
            return _failure(first.failures[0], text), []
        return template, [(line, f"{message}; the last value is used") for line, message in first.failures]
    except (yaml.scanner.ScannerError, yaml.parser.ParserError) as exc:
        problem = str(exc.problem or "")
        if isinstance(exc, yaml.scanner.ScannerError) and problem.startswith(_JSON_HINTS):
            return _json_fallback(text, lines, exc)
        return _failure(_yaml_failure(exc), text), []


def _load(text: str, lines: Optional[List[int]], last_key_wins: bool) -> Any:
    loader = _Loader(text, lines, last_key_wins)
    try:
        template = loader.get_single_data()
    except (_Unreadable, yaml.scanner.ScannerError, yaml.parser.ParserError, RecursionError):
        raise
    except Exception as exc:  # libyaml's other errors, unknown tags, recursive aliases
        raise _Unreadable([(1, f"Template could not be parsed: {exc}")]) from None
    finally:
        loader.dispose()
    # An empty file reads as an empty template.
    return positioned_map(editor_line(0, lines), editor_line(0, lines)) if template is None else template


def _json_fallback(text: str, lines: Optional[List[int]],
                   yaml_error: yaml.MarkedYAMLError) -> Tuple[Any, List[Failure]]:
    try:
        return json_fallback.decode(text, lines), []
    except json_fallback.DuplicateKey as exc:
        return _failure((exc.line, f'Duplicate found "{exc.key}"'), text), []
    except json.JSONDecodeError as exc:
        if exc.msg == "Expecting value":  # not JSON after all: the YAML problem stands
            return _failure(_yaml_failure(yaml_error), text), []
        return _failure((exc.lineno, exc.msg), text), []


def _yaml_failure(exc: yaml.MarkedYAMLError) -> Failure:
    mark = exc.problem_mark
    return (mark.line + 1 if mark is not None else 1), str(exc.problem)


def _failure(failure: Failure, text: str) -> Failure:
    line, message = failure
    return reported_line(line, message, text), f"cannot parse template: {message}"


def reported_line(line: int, message: str, text: str) -> int:
    """The line to report a reading problem on."""
    if line <= 1:
        # Reader errors (a forbidden control character) carry only an offset.
        found = re.search(r"position (\d+)", message)
        if found:
            return text.count("\n", 0, int(found.group(1))) + 1
    return max(line, 1)


class _Loader(_LoaderBase):  # type: ignore[misc,valid-type]
    """libyaml's parser with CloudFormation's constructors."""

    def __init__(self, text: str, lines: Optional[List[int]], last_key_wins: bool) -> None:
        super().__init__(text)
        self.lines = lines
        self.last_key_wins = last_key_wins

    def line(self, mark: Any) -> int:
        return editor_line(mark.line, self.lines)

    def flatten_mapping(self, node: MappingNode) -> None:
        tags = [key_node.tag for key_node, _ in node.value]
        # Keys a merge ("<<") brings in may repeat keys written beside it, and
        # the merged node may be flattened before it is built on its own.
        if _MERGE in tags:
            node.using_merge = True  # type: ignore[attr-defined]  # a mark of ours on PyYAML's node
        if _MERGE in tags or _VALUE in tags:  # else PyYAML's would only look for them again
            super().flatten_mapping(node)

    def construct_cfn_map(self, node: MappingNode) -> PositionedMap:
        self.flatten_mapping(node)
        check = not (getattr(node, "using_merge", False) or self.last_key_wins)
        out = positioned_map(self.line(node.start_mark), self.line(node.end_mark))
        first_keys: dict = {}  # key -> (the key as first written, its node)
        duplicates: List[Failure] = []
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, False)
            # A string value's own line is never asked for (its key's is):
            # a plain string, without building a positioned one first.
            value = value_node.value if type(value_node) is ScalarNode and value_node.tag == _STR \
                else self.construct_object(value_node, False)
            if key is None:
                line = key_node.start_mark.line + 1
                raise _Unreadable([(line, f"Null key {key_node.value!r} not supported (line {line})")])
            if not _hashable(key):
                if not isinstance(key, (PositionedMap, PositionedList)):
                    raise _Unreadable([_no_position(key)])
                line = key_node.start_mark.line + 1
                raise _Unreadable([(line, f'Unhashable type "{key}" (line {line})')])
            if check:
                if key in first_keys:
                    duplicates.extend(_duplicate(key, key_node, first_keys[key], bool(duplicates)))
                else:
                    first_keys[key] = (key, key_node)
            out[key] = str(value) if type(value) is PositionedText else value
        if duplicates:
            raise _Unreadable(duplicates)
        return out

    def construct_cfn_seq(self, node: SequenceNode) -> PositionedList:
        out = positioned_list(self.line(node.start_mark), self.line(node.end_mark))
        out.extend(self.construct_object(child, False) for child in node.value)
        return out

    def construct_cfn_str(self, node: ScalarNode) -> PositionedText:
        return positioned_text(self.construct_scalar(node), self.line(node.start_mark))

    def construct_short_form(self, suffix: str, node: Any) -> PositionedMap:
        """``!Ref``, ``!Sub``, ``!GetAtt`` ...: the function's long form."""
        name = suffix if suffix in _PLAIN_TAGS else f"Fn::{suffix}"
        if name == "Fn::GetAtt":
            argument = self._get_att(node)
        elif isinstance(node, ScalarNode):
            argument = self.construct_scalar(node)
        elif isinstance(node, SequenceNode):
            argument = positioned_list(0, 0)
            argument.extend(self.construct_sequence(node, True))
        elif isinstance(node, MappingNode):
            argument = _unplaced_map(self.construct_mapping(node, True))
        else:
            raise yaml.constructor.ConstructorError(None, None, f"Bad tag: !{name}", node.start_mark)
        out = positioned_map(self.line(node.start_mark), self.line(node.end_mark))
        out[name] = argument
        return out

    def _get_att(self, node: Any) -> Any:
        if isinstance(node.value, str):
            out = positioned_list(self.line(node.start_mark), self.line(node.end_mark))
            out.extend(node.value.split(".", 1))
            return out
        if any(isinstance(value, tuple) for value in node.value):
            inner = self.construct_object(MappingNode("tag:yaml.org,2002:map", node.value, node.start_mark,
                                                      node.end_mark), deep=True)
            # cfn-lint's copy of the mapping lost its marks and took its
            # default (the second line).
            merged = positioned_map(editor_line(1, self.lines), editor_line(1, self.lines))
            merged.update(inner)
            return merged
        listed = positioned_list(self.line(node.start_mark), self.line(node.end_mark))
        listed.extend(self.construct_object(child, deep=True) for child in node.value)
        return listed


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_cfn_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_cfn_seq)
_Loader.add_constructor("tag:yaml.org,2002:str", _Loader.construct_cfn_str)
_Loader.add_multi_constructor("!", _Loader.construct_short_form)


def _hashable(key: Any) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def _duplicate(key: Any, key_node: Any, first: Tuple[Any, Any], reported: bool) -> List[Failure]:
    """The reports for a repeated key: the first occurrence too, unless this
    mapping has already reported one."""
    line = key_node.start_mark.line + 1
    again = (line, f"Duplicate found {key!r} (line {line})")
    if reported:
        return [again]
    first_key, first_node = first
    if not isinstance(first_key, PositionedText):
        raise _Unreadable([_no_position(first_key)])
    first_line = first_node.start_mark.line + 1
    return [(first_line, f"Duplicate found {key!r} (line {first_line})"), again]


def _no_position(key: Any) -> Failure:
    """A key with no position to report it at (cfn-lint's words: it gave up)."""
    kind = type(key)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    return 1, f"Template could not be parsed: {name!r} object has no attribute 'start_mark'"


def _unplaced_map(items: dict) -> PositionedMap:
    """A short form's mapping argument: no lines of its own."""
    out = positioned_map(0, 0)
    for key, value in items.items():
        out[key] = str(value) if type(value) is PositionedText else value
    return out
