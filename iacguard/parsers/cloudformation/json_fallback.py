"""JSON CloudFormation templates YAML cannot read (tabs, JSON escapes).

Most JSON templates are valid YAML and are read as YAML. The rest are read
here with the lines cfn-lint's JSON decoder gave them, which the parsers'
line rules were written against: a key's line is its opening quote's, an
object's or array's line is the one after its opening bracket when the
bracket ends its line. Strings that are values carry no line. Errors are
the standard library's ``json.JSONDecodeError``; a key written twice in one
object is ``DuplicateKey`` (CloudFormation rejects it in JSON).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from json.decoder import WHITESPACE, WHITESPACE_STR, JSONArray, py_scanstring, scanstring  # type: ignore[attr-defined]
from json.scanner import NUMBER_RE
from typing import Any, List, Optional, Tuple

from .positioned import PositionedMap, editor_line, positioned_list, positioned_map, positioned_text

_CONSTANTS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
_WORDS = (("null", None), ("true", True), ("false", False))


class DuplicateKey(ValueError):
    """``key`` is written again on 1-based ``line``."""

    def __init__(self, key: str, line: int) -> None:
        super().__init__(f"duplicate key {key!r} on line {line}")
        self.key = key
        self.line = line


def decode(text: str, lines: Optional[List[int]]) -> Any:
    """The template, or json.JSONDecodeError / DuplicateKey."""
    if text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _Reader(text, lines).document()


class _Reader:
    def __init__(self, text: str, lines: Optional[List[int]]) -> None:
        self.text = text
        self.lines = lines
        self.breaks = [i for i, ch in enumerate(text) if ch == "\n"]
        # The offset a closing bracket's line is counted with (cfn-lint's).
        self.end_offset = 1 if len(self.breaks) > 1 else 0

    def document(self) -> Any:
        text = self.text
        start = WHITESPACE.match(text, 0).end()
        try:
            value, end = self.value(text, start)
        except StopIteration as err:
            raise json.JSONDecodeError("Expecting value", text, err.value) from None
        end = WHITESPACE.match(text, end).end()
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
        return value

    def line(self, offset: int) -> int:
        return editor_line(bisect_right(self.breaks, offset), self.lines)

    def end_line(self, offset: int) -> int:
        return editor_line(bisect_right(self.breaks, offset) - self.end_offset, self.lines)

    def value(self, text: str, at: int) -> Tuple[Any, int]:
        """The value starting at ``at`` and the offset after it
        (StopIteration(at) when none starts there)."""
        try:
            char = text[at]
        except IndexError:
            raise StopIteration(at) from None
        if char == '"':
            return _string(text, at + 1)
        if char == "{":
            return self.object(text, at + 1)
        if char == "[":
            values, end = JSONArray((text, at + 1), self.value)
            out = positioned_list(self.line(at + 1), self.end_line(end))
            out.extend(values)
            return out, end
        for word, constant in _WORDS:
            if text.startswith(word, at):
                return constant, at + len(word)
        number = NUMBER_RE.match(text, at)
        if number is not None:
            integer, fraction, exponent = number.groups()
            if fraction or exponent:
                return float(integer + (fraction or "") + (exponent or "")), number.end()
            return int(integer), number.end()
        for word, special in _CONSTANTS.items():
            if text.startswith(word, at):
                return special, at + len(word)
        raise StopIteration(at)

    def object(self, text: str, start: int) -> Tuple[PositionedMap, int]:
        pairs: List[Tuple[Tuple[str, int], Any]] = []
        end = _skip(text, start)
        if text[end:end + 1] == "}":
            return self.mapping(pairs, start, end + 1), end + 1
        while True:
            if text[end:end + 1] != '"':
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, end)
            quote = end
            key, end = _string(text, quote + 1)
            end = _skip(text, end)
            if text[end:end + 1] != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", text, end)
            end = _skip(text, end + 1)
            try:
                value, end = self.value(text, end)
            except StopIteration as err:
                raise json.JSONDecodeError("Expecting value", text, err.value) from None
            pairs.append(((positioned_text(key, self.line(quote)), quote), value))
            end = _skip(text, end)
            separator = text[end:end + 1]
            end += 1
            if separator == "}":
                return self.mapping(pairs, start, end), end
            if separator != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", text, end - 1)
            end = _skip(text, end)

    def mapping(self, pairs: List[Tuple[Tuple[str, int], Any]], start: int, end: int) -> PositionedMap:
        out = positioned_map(self.line(start), self.end_line(end))
        for (key, quote), value in pairs:
            if key in out:
                # Reported on the line before the key's, as cfn-lint did.
                raise DuplicateKey(key, max(bisect_right(self.breaks, quote), 1))
            out[key] = value
        return out


def _skip(text: str, at: int) -> int:
    if text[at:at + 1] in WHITESPACE_STR and at < len(text):
        return WHITESPACE.match(text, at).end()
    return at


def _string(text: str, after_quote: int) -> Tuple[str, int]:
    try:
        return scanstring(text, after_quote, True)
    except json.JSONDecodeError:
        # The C scanner words a control character differently; the Python
        # one names it.
        return py_scanstring(text, after_quote, True)

