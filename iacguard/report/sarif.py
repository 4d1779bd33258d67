"""``--format sarif``: SARIF 2.1.0 for code scanning and IDE viewers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import quote

from ..findings import PARSE_ERROR_ID, PARSE_ERROR_TITLE
from . import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note"}
# GitHub code scanning ranks alerts by this CVSS-like score.
_SECURITY_SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0"}
SRCROOT = "%SRCROOT%"


def _rule(check_id: str, name: str, short: str, full: str, remediation: str, severity: str,
          tags: List[str]) -> Dict[str, Any]:
    help_text = f"{full}\n\n{remediation}".strip()
    return {
        "id": check_id,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full or short},
        "help": {"text": help_text, "markdown": f"{full}\n\n**Remediation**: {remediation}".strip()},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": {"tags": tags, "security-severity": _SECURITY_SEVERITY[severity],
                       "problem.severity": _LEVEL[severity]},
    }


def _rules(report: Report) -> List[Dict[str, Any]]:
    lang = report.lang
    rules = []
    for check in report.checks:
        tags = ["security", "iac", check.provider] + check.controls + check.cis
        rules.append(_rule(check.id, check.id.replace("-", ""), check.text("title", lang),
                           check.text("description", lang), check.text("remediation", lang),
                           check.severity, tags))
    parse_title = PARSE_ERROR_TITLE.get(lang, PARSE_ERROR_TITLE["en"])
    rules.append(_rule(PARSE_ERROR_ID, "IACG000", parse_title, parse_title, "", "HIGH", ["iac"]))
    return rules


def render(report: Report) -> str:
    lang = report.lang
    rules = _rules(report)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    notifications = []
    for f in report.findings:
        region: Dict[str, Any] = {"startLine": max(f.line, 1), "endLine": max(f.end_line, f.line, 1)}
        result: Dict[str, Any] = {
            "ruleId": f.check_id,
            "ruleIndex": index.get(f.check_id, index[PARSE_ERROR_ID]),
            "level": _LEVEL[f.severity],
            "message": {"text": f.text("message", lang) or f.text("title", lang)},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(f.file), "uriBaseId": SRCROOT},
                    "region": region,
                },
                **({"logicalLocations": [{"fullyQualifiedName": f.resource, "kind": "resource"}]}
                   if f.resource else {}),
            }],
            "partialFingerprints": {"iacguard/v1": f.fingerprint},
        }
        if f.suppressed and f.suppression:
            result["suppressions"] = [{
                "kind": f.suppression.get("kind", "inSource"),
                "justification": f.suppression.get("reason", ""),
            }]
        results.append(result)
        if f.check_id == PARSE_ERROR_ID:
            notifications.append({
                "level": "error",
                "message": {"text": f.text("message", lang)},
                "locations": result["locations"],
                "descriptor": {"id": PARSE_ERROR_ID},
            })
    run = {
        "tool": {"driver": {
            "name": "iacguard",
            "version": report.tool_version,
            "semanticVersion": report.tool_version,
            "rules": rules,
        }},
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri() + "/"}},
        "invocations": [{
            "executionSuccessful": report.summary.check_errors == 0,
            "toolExecutionNotifications": notifications,
        }],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "language": lang,
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]},
                      ensure_ascii=False, indent=2) + "\n"
