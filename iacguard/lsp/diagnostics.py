"""Findings as LSP diagnostics."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence

from lsprotocol import types

from ..engine.checks import Check
from ..findings import Finding
from ..report.common import message

SOURCE = "iacguard"
_SEVERITY = {
    "CRITICAL": types.DiagnosticSeverity.Error,
    "HIGH": types.DiagnosticSeverity.Error,
    "MEDIUM": types.DiagnosticSeverity.Warning,
    "LOW": types.DiagnosticSeverity.Information,
}


def line_range(lines: Sequence[str], first: int, last: int) -> types.Range:
    """Lines ``first``..``last`` (1-based) from their first non-blank
    character to their end; past the text, the range clamps to it."""
    start = max(first, 1) - 1
    end = max(last, first, 1) - 1
    text = lines[start] if start < len(lines) else ""
    end_text = lines[end] if end < len(lines) else ""
    return types.Range(types.Position(start, len(text) - len(text.lstrip())),
                       types.Position(end, len(end_text)))


def to_diagnostic(finding: Finding, lines: Sequence[str], root: Path, checks: Mapping[str, Check],
                  lang: str) -> types.Diagnostic:
    check = checks.get(finding.check_id)
    return types.Diagnostic(
        range=line_range(lines, finding.line, finding.end_line),
        message=message(finding, lang),
        severity=_SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.check_id,
        # The check's own definition is its documentation (description,
        # remediation, controls, examples).
        code_description=types.CodeDescription(Path(check.source).resolve().as_uri()) if check else None,
        source=SOURCE,
        related_information=related_information(finding, root) or None,
    )


def related_information(finding: Finding, root: Path) -> List[types.DiagnosticRelatedInformation]:
    """Where the deciding value came from (a variable default, a tfvars
    file, a parameter), when the finding says."""
    out: List[types.DiagnosticRelatedInformation] = []
    for step in getattr(finding, "provenance", None) or []:
        file, line, what = _field(step, "file"), _field(step, "line"), _field(step, "what")
        if not isinstance(file, str) or not file:
            continue
        line = line if isinstance(line, int) and line > 0 else 1
        location = types.Location((root / file).resolve().as_uri(),
                                  types.Range(types.Position(line - 1, 0), types.Position(line - 1, 0)))
        out.append(types.DiagnosticRelatedInformation(location, str(what or "value defined here")))
    return out


def _field(step: Any, name: str) -> Optional[Any]:
    return step.get(name) if isinstance(step, Mapping) else getattr(step, name, None)
