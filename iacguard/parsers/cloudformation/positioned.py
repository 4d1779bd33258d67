"""The containers a decoded CloudFormation template is made of.

Plain dicts, lists and strings that also carry the 1-based lines they are
written on, so that findings point at the text. The parse cache stores them
(``PLAIN_ATTRS``: what it keeps beside the value).
"""

from __future__ import annotations

import re
from typing import List, Optional

# Line breaks as PyYAML counts them; editors and git count only LF (CRLF and
# lone CR are normalised to LF when the file is read).
_YAML_BREAKS = re.compile("[\n\x85\u2028\u2029]")


class PositionedMap(dict):
    """A mapping with the 1-based lines it starts and ends on."""

    __slots__ = ("line", "end_line")
    PLAIN_ATTRS = __slots__  # what the parse cache stores beside the items
    line: int
    end_line: int


class PositionedList(list):
    __slots__ = ("line", "end_line")
    PLAIN_ATTRS = __slots__
    line: int
    end_line: int


class PositionedText(str):
    """A string with the 1-based line it starts on."""

    PLAIN_ATTRS = ("line",)
    line: int


def positioned_map(line: int, end_line: int) -> PositionedMap:
    out = PositionedMap()
    out.line, out.end_line = line, end_line
    return out


def positioned_list(line: int, end_line: int) -> PositionedList:
    out = PositionedList()
    out.line, out.end_line = line, end_line
    return out


def positioned_text(text: str, line: int) -> PositionedText:
    out = PositionedText(text)
    out.line = line
    return out


def line_table(text: str) -> Optional[List[int]]:
    """For each line number PyYAML reports, the line an editor shows; None
    when they are the same (no U+0085, U+2028 or U+2029 in the text)."""
    if not any(ch in text for ch in "\x85\u2028\u2029"):
        return None
    table = [0]
    for match in _YAML_BREAKS.finditer(text):
        table.append(table[-1] + (match.group() == "\n"))
    return table


def editor_line(line: int, lines: Optional[List[int]]) -> int:
    """The 1-based editor line of a 0-based line as the decoder counted it."""
    if lines is not None and 0 <= line < len(lines):
        line = lines[line]
    return line + 1
