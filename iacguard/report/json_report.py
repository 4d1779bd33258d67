"""``--format json``: the machine-readable contract (schema_version 1)."""

from __future__ import annotations

from typing import Any, Dict, Iterator

from .common import Converted, json_pieces
from .model import Report


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
        "provenance": [{"file": s.file, "line": s.line, "what": s.what} for s in finding.provenance],
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
            "limits_reached": summary.limits_reached,
            "by_severity": report.by_severity(),
        },
        "findings": Converted(report.findings, lambda f: finding_dict(f, report.lang)),
        "passed": Converted(report.passed, _passed_dict),
    }


def _passed_dict(p: Any) -> Dict[str, Any]:
    return {"check_id": p.check_id, "resource": p.resource, "resource_type": p.resource_type,
            "file": p.file, "line": p.line}


def pieces(report: Report) -> Iterator[str]:
    return json_pieces(_document(report))
