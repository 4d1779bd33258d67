"""A JSON reader that remembers where every value is written.

The standard library's decoder drops positions, and checks must point at the
line of the deciding attribute. This reader also accepts what ARM templates
allow on top of strict JSON: ``//`` and ``/* */`` comments and trailing commas.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

from ..model import Path

MAX_DEPTH = 256

# Escapes one regular-expression match of a string takes. Python's re keeps
# a backtracking entry per repetition of a group (never per character of a
# single-character repeat such as [^"\\]*), so the run of plain characters is
# one repeat and only escapes repeat the group; a string with more escapes
# than this is finished chunk by chunk (_string_end), in bounded memory.
_ESCAPES_PER_MATCH = 4096
_STRING_BODY = r'[^"\\]*(?:\\.[^"\\]*){0,%d}' % _ESCAPES_PER_MATCH

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n\ufeff]+)
  | (?P<line_comment>//[^\n]*)
  | (?P<block_comment>/\*.*?\*/)
  | (?P<string>"%s")
  | (?P<long_string>")
  | (?P<number>-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<punct>[{}\[\]:,])
  | (?P<word>true|false|null)
    """ % _STRING_BODY,
    re.VERBOSE | re.DOTALL,
)
_STRING_CHUNK = re.compile(_STRING_BODY, re.DOTALL)


class JSONPositionError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} at line {line} column {column}")
        self.message = message
        self.line = line
        self.column = column


@dataclass
class PositionedJSON:
    value: Any
    # Line (1-based) where the attribute is written: the key's line for object
    # members, the element's first line for array elements.
    lines: Dict[Path, int] = field(default_factory=dict)
    # Line of the opening brace/bracket of every object or array value.
    open_lines: Dict[Path, int] = field(default_factory=dict)
    comments: Dict[int, str] = field(default_factory=dict)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: List[Tuple[str, str, int, int]] = []
        self.pos = 0
        self.result = PositionedJSON(None)
        self._tokenize()

    def _tokenize(self) -> None:
        text = self.text
        line = 1
        line_start = 0
        pos = 0
        n = len(text)
        append = self.tokens.append
        comments = self.result.comments
        # finditer runs the matching loop in C; a gap between two matches is a
        # character no token accepts. It starts again after a string too long
        # for one match.
        restart = True
        while restart and pos < n:
            restart = False
            for m in _TOKEN.finditer(text, pos):
                if m.start() != pos:
                    break
                kind = m.lastgroup or ""
                if kind == "long_string":
                    kind = "string"
                    value = text[pos:_string_end(text, pos, line, pos - line_start + 1)]
                    restart = True
                else:
                    value = m.group()
                if kind == "ws":
                    pass
                elif kind == "line_comment" or kind == "block_comment":
                    comments[line] = comments.get(line, "") + value
                else:
                    append((kind, value, line, pos - line_start + 1))
                if "\n" in value:
                    line += value.count("\n")
                    line_start = pos + value.rindex("\n") + 1
                pos += len(value)
                if restart:
                    break
        if pos < n:
            raise JSONPositionError(f"unexpected character {text[pos]!r}", line, pos - line_start + 1)
        self.end_line = line

    def _error(self, message: str) -> JSONPositionError:
        if self.pos < len(self.tokens):
            _, value, line, col = self.tokens[self.pos]
            return JSONPositionError(f"{message} (found {value[:20]!r})", line, col)
        return JSONPositionError(f"{message} (found end of file)", self.end_line, 1)

    def parse(self) -> PositionedJSON:
        if not self.tokens:
            raise JSONPositionError("empty document", 1, 1)
        self.result.value = self._value((), 0)
        if self.pos != len(self.tokens):
            raise self._error("extra data after the document")
        return self.result

    def _value(self, path: Path, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self._error(f"nesting deeper than {MAX_DEPTH} levels")
        if self.pos >= len(self.tokens):
            raise self._error("expected a value")
        kind, value, line, _ = self.tokens[self.pos]
        self.pos += 1
        if kind == "string":
            return _decode_string(value, line)
        if kind == "number":
            return _number(value)
        if kind == "word":
            return {"true": True, "false": False, "null": None}[value]
        if value == "{":
            self.result.open_lines[path] = line
            return self._object(path, depth)
        if value == "[":
            self.result.open_lines[path] = line
            return self._array(path, depth)
        self.pos -= 1
        raise self._error("expected a value")

    def _object(self, path: Path, depth: int) -> Dict[str, Any]:
        obj: Dict[str, Any] = {}
        lines = self.result.lines
        while True:
            if self.pos >= len(self.tokens):
                raise self._error("unterminated object")
            kind, value, line, _ = self.tokens[self.pos]
            if value == "}":
                self.pos += 1
                return obj
            if kind != "string":
                raise self._error("expected a string key")
            self.pos += 1
            key = _decode_string(value, line)
            self._expect(":")
            child = path + (key,)
            lines[child] = line
            obj[key] = self._value(child, depth + 1)
            if not self._separator("}"):
                return obj

    def _array(self, path: Path, depth: int) -> List[Any]:
        arr: List[Any] = []
        lines = self.result.lines
        while True:
            if self.pos >= len(self.tokens):
                raise self._error("unterminated array")
            if self.tokens[self.pos][1] == "]":
                self.pos += 1
                return arr
            child = path + (len(arr),)
            lines[child] = self.tokens[self.pos][2]
            arr.append(self._value(child, depth + 1))
            if not self._separator("]"):
                return arr

    def _separator(self, closer: str) -> bool:
        """Consume ',' (True: more may follow) or the closer (False: done)."""
        if self.pos >= len(self.tokens):
            raise self._error(f"expected ',' or '{closer}'")
        value = self.tokens[self.pos][1]
        self.pos += 1
        if value == ",":
            return True
        if value == closer:
            return False
        self.pos -= 1
        raise self._error(f"expected ',' or '{closer}'")

    def _expect(self, punct: str) -> None:
        if self.pos >= len(self.tokens) or self.tokens[self.pos][1] != punct:
            raise self._error(f"expected '{punct}'")
        self.pos += 1


def _string_end(text: str, start: int, line: int, column: int) -> int:
    """The end of the string opening at ``start`` that one token match could
    not take (more escapes than _ESCAPES_PER_MATCH, or no closing quote)."""
    end = start + 1
    while True:
        end = _STRING_CHUNK.match(text, end).end()  # type: ignore[union-attr] - it matches "" at worst
        if end >= len(text) or (text[end] == "\\" and end + 1 >= len(text)):
            raise JSONPositionError("unterminated string", line, column)
        if text[end] == '"':
            return end + 1
        # Stopped at a backslash after _ESCAPES_PER_MATCH escapes: go on.


def _number(token: str) -> Any:
    if "." not in token and "e" not in token and "E" not in token:
        try:
            return int(token)
        except ValueError:  # more digits than Python converts: a number all the same
            return float(token)
    return float(token)


def _decode_string(token: str, line: int) -> str:
    if "\\" not in token:
        return token[1:-1]  # nothing to unescape: most strings
    try:
        # ARM's reader accepts raw line breaks inside strings; so do we.
        return json.loads(token, strict=False)
    except ValueError as exc:
        raise JSONPositionError(f"invalid string: {exc.args[0]}", line, 1) from None


def parse_json(text: str) -> PositionedJSON:
    """Parse JSON (with comments and trailing commas) keeping positions."""
    return _Reader(text).parse()
