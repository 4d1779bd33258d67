"""A JSON reader that remembers where every value is written.

The standard library's decoder drops positions, and checks must point at the
line of the deciding attribute. This reader also accepts what ARM templates
allow on top of strict JSON: ``//`` and ``/* */`` comments and trailing commas.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ...model import Path

MAX_DEPTH = 256
# Values (scalars, objects and arrays, members' values and array elements)
# one document may hold. Real templates spend 12 bytes or more per value (46
# on average), so the 16 MiB file limit keeps them below this; what goes past
# it (a single-line array of millions of numbers) would cost seconds and a
# gigabyte to read and is reported instead (JSONLimitError).
MAX_VALUES = 2_000_000

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
  | (?P<punct>[{}\[\]:,])
  | (?P<string>"%s")
  | (?P<long_string>")
  | (?P<number>-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<word>true|false|null)
  | (?P<line_comment>//[^\n]*)
  | (?P<block_comment>/\*.*?\*/)
    """ % _STRING_BODY,
    re.VERBOSE | re.DOTALL,
)
_STRING_CHUNK = re.compile(_STRING_BODY, re.DOTALL)
# Scalars, each followed by a comma, on the line of an array's '[': decoded
# in one call of the standard library's C decoder, all on that one line.
# Nothing with an escape, a line break or a comment, which the token loop
# handles. A long literal array costs a fraction of the token loop's time.
_RUN_LENGTH = 4096  # scalars per match: the group repeats, so its backtracking entries are bounded
_SCALAR_RUN = re.compile(
    r'(?:[ \t]*(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|"[^"\\\n]*")[ \t]*,){1,%d}'
    % _RUN_LENGTH)
_RUN_DECODER = json.JSONDecoder(strict=False)  # ARM accepts control characters in strings


class JSONPositionError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} at line {line} column {column}")
        self.message = message
        self.line = line
        self.column = column


class JSONLimitError(JSONPositionError):
    """Well-formed as far as it was read, but more than the reader reads."""


@dataclass
class PositionedJSON:
    value: Any
    # Line (1-based) where the attribute is written: the key's line for object
    # members, the element's first line for array elements.
    lines: Dict[Path, int] = field(default_factory=dict)
    # Line of the opening brace/bracket of every object or array value.
    open_lines: Dict[Path, int] = field(default_factory=dict)
    # Of every object or array value: the last line in ``lines`` of anything
    # inside it (the value's own line or before when it is empty).
    end_lines: Dict[Path, int] = field(default_factory=dict)
    comments: Dict[int, str] = field(default_factory=dict)


# What the reader expects next: a value (at the top, after a key's ':'), an
# element or ']' (in an array), a key or '}', the ':', a ',' or the closer,
# nothing more.
_VALUE, _ELEMENT, _KEY, _COLON, _SEPARATOR, _END = range(6)
_WORDS = {"true": True, "false": False, "null": None}
_EXPECTED_AT_END = {_KEY: "unterminated object", _ELEMENT: "unterminated array", _COLON: "expected ':'",
                    _VALUE: "expected a value"}


def _read(text: str, max_values: int) -> PositionedJSON:
    """One pass over the tokens as they are matched: a state machine with an
    explicit stack instead of recursion and a token list, so that memory is
    the document's values and positions only."""
    result = PositionedJSON(None)
    lines = result.lines
    open_lines = result.open_lines
    end_lines = result.end_lines
    comments = result.comments
    n = len(text)
    line, line_start, pos = 1, 0, 0
    state = _VALUE
    # The container being filled (None at the top), its path, and whether it
    # is an object; the enclosing ones wait on the stack.
    current: Any = None
    path: Path = ()
    is_object = False
    stack: List[Tuple[Any, Path, bool]] = []
    key, key_line = "", 0
    last_line = 1  # of the latest entry in lines: a closing container's end line
    values = 0
    restart = True
    while restart:
        restart = False
        for m in _TOKEN.finditer(text, pos):
            start, end = m.span()
            if start != pos:
                break  # a character no token accepts: reported below
            kind = m.lastgroup
            if kind == "ws" or kind == "line_comment" or kind == "block_comment":
                value = m.group()
                if kind != "ws":
                    comments[line] = comments.get(line, "") + value
                if "\n" in value:
                    line += value.count("\n")
                    line_start = pos + value.rindex("\n") + 1
                pos = end
                continue
            if kind == "long_string":
                # Too long for one match: finished here, then matching starts again.
                end = _string_end(text, pos, line, pos - line_start + 1)
                kind = "string"
                restart = True
            value = text[pos:end]
            token_line = line
            if kind == "string" and "\n" in value:  # ARM accepts raw line breaks in strings
                line += value.count("\n")
                line_start = pos + value.rindex("\n") + 1

            if state <= _ELEMENT and not (value == "]" and state == _ELEMENT):
                # A value starts here.
                if len(stack) > MAX_DEPTH:
                    raise _found(f"nesting deeper than {MAX_DEPTH} levels", value, token_line, pos, line_start)
                values += 1
                if values > max_values:
                    raise JSONLimitError(
                        f"more than {max_values} values in one document, the reader's limit "
                        f"(at {_describe(path)})", token_line, pos - line_start + 1)
                if kind == "number":
                    item: Any = _number(value)
                elif kind == "string":
                    item = _decode_string(value, token_line) if "\\" in value else value[1:-1]
                elif kind == "word":
                    item = _WORDS[value]
                elif value == "{":
                    item = {}
                elif value == "[":
                    item = []
                else:
                    raise _found("expected a value", value, token_line, pos, line_start)
                if current is None:
                    child: Path = ()
                    result.value = item
                elif is_object:
                    child = path + (key,)
                    lines[child] = last_line = key_line
                    current[key] = item
                else:
                    child = path + (len(current),)
                    lines[child] = last_line = token_line
                    current.append(item)
                if kind == "punct":
                    open_lines[child] = token_line
                    stack.append((current, path, is_object))
                    current, path, is_object = item, child, value == "{"
                    state = _KEY if is_object else _ELEMENT
                    run_end = end
                    while value == "[" and len(stack) <= MAX_DEPTH:  # elements may nest this deep
                        run = _SCALAR_RUN.match(text, run_end)
                        items = None if run is None else _decode_run(run.group())
                        if items is None:
                            break
                        if values + len(items) > max_values:
                            raise JSONLimitError(
                                f"more than {max_values} values in one document, the reader's limit "
                                f"(at {_describe(path)})", token_line, run_end - line_start + 1)
                        values += len(items)
                        base = len(item)
                        item.extend(items)
                        lines.update(dict.fromkeys([path + (i,) for i in range(base, base + len(items))],
                                                   token_line))
                        last_line = token_line
                        run_end = run.end()  # type: ignore[union-attr]
                        if len(items) < _RUN_LENGTH:
                            break
                    if run_end != end:
                        end = run_end
                        restart = True  # matching goes on after the run
                else:
                    state = _SEPARATOR if stack else _END
            elif state == _SEPARATOR:
                if value == ",":
                    state = _KEY if is_object else _ELEMENT
                elif value == ("}" if is_object else "]"):
                    end_lines[path] = last_line
                    current, path, is_object = stack.pop()
                    state = _SEPARATOR if stack else _END
                else:
                    raise _found(f"expected ',' or '{'}' if is_object else ']'}'", value, token_line, pos, line_start)
            elif state == _KEY:
                if kind == "string":
                    key = _decode_string(value, token_line) if "\\" in value else value[1:-1]
                    key_line = token_line
                    state = _COLON
                elif value == "}":
                    end_lines[path] = last_line
                    current, path, is_object = stack.pop()
                    state = _SEPARATOR if stack else _END
                else:
                    raise _found("expected a string key", value, token_line, pos, line_start)
            elif state == _COLON:
                if value != ":":
                    raise _found("expected ':'", value, token_line, pos, line_start)
                state = _VALUE
            elif state == _ELEMENT:  # the ']' closing an array
                end_lines[path] = last_line
                current, path, is_object = stack.pop()
                state = _SEPARATOR if stack else _END
            else:
                raise _found("extra data after the document", value, token_line, pos, line_start)
            pos = end
            if restart:
                break
    if pos < n:
        raise JSONPositionError(f"unexpected character {text[pos]!r}", line, pos - line_start + 1)
    if state != _END:
        if values == 0:
            raise JSONPositionError("empty document", 1, 1)
        expected = _EXPECTED_AT_END.get(state) or f"expected ',' or '{'}' if is_object else ']'}'"
        raise JSONPositionError(f"{expected} (found end of file)", line, 1)
    return result


def _found(message: str, token: str, line: int, pos: int, line_start: int) -> JSONPositionError:
    return JSONPositionError(f"{message} (found {token[:20]!r})", line, pos - line_start + 1)


def _describe(path: Path) -> str:
    """A JSON path as written in messages: ``resources[0].tags``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


def _string_end(text: str, start: int, line: int, column: int) -> int:
    """The end of the string opening at ``start`` that one token match could
    not take (more escapes than _ESCAPES_PER_MATCH, or no closing quote)."""
    end = start + 1
    while True:
        end = _STRING_CHUNK.match(text, end).end()  # type: ignore[union-attr]  # it matches "" at worst
        if end >= len(text) or (text[end] == "\\" and end + 1 >= len(text)):
            raise JSONPositionError("unterminated string", line, column)
        if text[end] == '"':
            return end + 1
        # Stopped at a backslash after _ESCAPES_PER_MATCH escapes: go on.


def _decode_run(run: str) -> Optional[List[Any]]:
    """The scalars of a _SCALAR_RUN (each followed by a comma); None for a
    number Python will not convert from that many digits."""
    try:
        return _RUN_DECODER.decode("[" + run[:-1] + "]")
    except ValueError:
        return None


def _number(token: str) -> Any:
    if "." not in token and "e" not in token and "E" not in token:
        try:
            return int(token)
        except ValueError:  # more digits than Python converts: a number all the same
            return float(token)
    return float(token)


def _decode_string(token: str, line: int) -> str:
    try:
        # ARM's reader accepts raw line breaks inside strings; so do we.
        return json.loads(token, strict=False)
    except ValueError as exc:
        raise JSONPositionError(f"invalid string: {exc.args[0]}", line, 1) from None


def parse_json(text: str, max_values: Optional[int] = None) -> PositionedJSON:
    """Parse JSON (with comments and trailing commas) keeping positions.
    Raises JSONPositionError; JSONLimitError past ``max_values`` values
    (default MAX_VALUES).

    A document is not kept in the parse cache: writing one there costs
    about twice its parsing and reading it back half (a 1.3 MB plan: 0.32 s
    to parse, 0.33 s more to store, 0.22 s from the cache), and the
    documents read here are plans (new on every run) and ARM templates,
    whose evaluated result is kept instead."""
    return _read(text, MAX_VALUES if max_values is None else max_values)
