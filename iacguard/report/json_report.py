"""``--format json``: the machine-readable contract (schema_version 1)."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Iterator, Sequence

from . import Report
from .common import encodable


def finding_dict(finding: Any, lang: str) -> Dict[str, Any]:
    return {
        "check_id": finding.check_id,
        "title": finding.text("title", lang),
        "severity": finding.severity,
        "format": finding.format,
        "file": finding.file,
        "line": finding.line,
        "end_line": finding.end_line,
        "resource": finding.resource,
        "resource_type": finding.resource_type,
        "message": finding.text("message", lang),
        "controls": list(finding.controls),
        "suppressed": finding.suppressed,
        "suppression": finding.suppression,
        "fingerprint": finding.fingerprint,
    }


def _document(report: Report) -> Dict[str, Any]:
    summary = report.summary
    return {
        "schema_version": 1,
        "tool": {"name": "iacguard", "version": report.tool_version},
        "summary": {
            "files": summary.files,
            "resources": summary.resources,
            "checks_run": summary.checks_run,
            "passed": len(report.passed),
            "failed": len(report.unsuppressed),
            "suppressed": len(report.findings) - len(report.unsuppressed),
            "parse_errors": summary.parse_errors,
            "by_severity": report.by_severity(),
        },
        "findings": _Converted(report.findings, lambda f: finding_dict(f, report.lang)),
        "passed": _Converted(report.passed, _passed_dict),
    }


def _passed_dict(p: Any) -> Dict[str, Any]:
    return {"check_id": p.check_id, "resource": p.resource, "resource_type": p.resource_type,
            "file": p.file, "line": p.line}


class _Converted(list):
    """A list the JSON encoder walks item by item, each made only when the
    encoder reaches it, so the findings never exist twice over. Only the
    indenting encoder (pure Python) may see it: it iterates with __iter__,
    where the C encoder would read the (empty) list storage itself."""

    def __init__(self, items: Sequence[Any], convert: Callable[[Any], Any]) -> None:
        super().__init__()
        self._items, self._convert = items, convert

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return map(self._convert, self._items)


def pieces(report: Report) -> Iterator[str]:
    encoder = json.JSONEncoder(ensure_ascii=False, indent=2)
    for chunk in encoder.iterencode(_document(report)):
        yield encodable(chunk)
    yield "\n"
