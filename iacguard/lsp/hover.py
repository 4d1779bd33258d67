"""Hover: the ``checks explain`` text of the findings on a line."""

from __future__ import annotations

from typing import Mapping, Optional, Sequence

from lsprotocol import types

from ..engine.checks import Check
from ..findings import Finding
from ..report.common import message
from ..report.explain import explain


def hover_text(findings: Sequence[Finding], line: int, checks: Mapping[str, Check], lang: str) -> Optional[str]:
    """Markdown for the findings whose lines (1-based) cover ``line``; None
    when there are none."""
    parts = []
    for finding in findings:
        if not finding.line <= line <= max(finding.end_line, finding.line):
            continue
        check = checks.get(finding.check_id)
        body = explain(check, lang) if check is not None else message(finding, lang)
        parts.append(f"**{finding.check_id}** ({finding.severity})\n\n```text\n{body}\n```")
    return "\n\n---\n\n".join(dict.fromkeys(parts)) or None


def to_hover(text: str) -> types.Hover:
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))
