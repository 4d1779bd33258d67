"""``--format junit``: JUnit XML as Jenkins and GitLab read it.

One ``testsuite`` per check, one ``testcase`` per resource the check examined
(``classname`` the check id, ``name`` ``file::resource``, with ``file`` and
``line`` attributes). A resource with unsuppressed findings has one
``failure`` listing them with file, line and remediation; one whose findings
are all suppressed is ``skipped`` with the reasons. Files that could not be
parsed form the ``IACG-000`` suite, each an ``error``.

The layout follows Jenkins' JUnit format (``tests/schemas/junit-jenkins.xsd``
says which parts). Every text goes through ``xml_safe`` and ElementTree's
escaping, so template content cannot break the document.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, List

from ..findings import PARSE_ERROR_ID, Finding
from . import Report
from .common import (Examined, examined, location, message, parse_errors, suppression_reason,
                     worst_severity, xml_safe)
from .i18n import t


@dataclass
class _Suite:
    name: str
    properties: Dict[str, str] = field(default_factory=dict)
    cases: List[ET.Element] = field(default_factory=list)
    failures: int = 0
    errors: int = 0
    skipped: int = 0


def _el(tag: str, text: str = "", **attrs: str) -> ET.Element:
    element = ET.Element(tag, {k.rstrip("_"): xml_safe(v) for k, v in attrs.items()})
    if text:
        element.text = xml_safe(text)
    return element


def _finding_lines(findings: List[Finding], lang: str) -> List[str]:
    lines = []
    for f in findings:
        lines.append(f"{location(f.file, f.line)}: {f.check_id} {f.severity} {message(f, lang)}")
        if f.resource:
            lines.append(f"  {t('label.resource', lang)}: {f.resource}")
        remediation = f.text("remediation", lang)
        if remediation and not f.suppressed:
            lines.append(f"  {t('label.remediation', lang)}: {remediation}")
        if f.suppressed:
            lines.append(f"  {t('label.suppressed', lang, reason=suppression_reason(f))}")
    return lines


def _case(entry: Examined, lang: str, suite: _Suite) -> ET.Element:
    case = _el("testcase", name=f"{entry.file}::{entry.resource}", classname=entry.check_id,
               file=entry.file, line=str(max(entry.line, 0)), time="0")
    failures, suppressed = entry.failures, entry.suppressed
    if failures:
        suite.failures += 1
        first = failures[0]
        summary = message(first, lang) if len(failures) == 1 else \
            f"{t('label.findings', lang, count=len(failures))}: {message(first, lang)}"
        text = "\n".join(_finding_lines(failures + suppressed, lang))
        case.append(_el("failure", text, message=f"{location(first.file, first.line)}: {summary}",
                        type=worst_severity(failures)))
    elif suppressed:
        suite.skipped += 1
        reasons = "; ".join(dict.fromkeys(suppression_reason(f) for f in suppressed if suppression_reason(f)))
        case.append(_el("skipped", "\n".join(_finding_lines(suppressed, lang)),
                        message=t("label.suppressed", lang, reason=reasons)))
    return case


def _parse_case(f: Finding, lang: str) -> ET.Element:
    case = _el("testcase", name=f.file, classname=PARSE_ERROR_ID, file=f.file, line=str(max(f.line, 0)),
               time="0")
    case.append(_el("error", f"{location(f.file, f.line)}: {message(f, lang)}",
                    message=f"{location(f.file, f.line)}: {message(f, lang)}",
                    type=t("junit.parse_error", lang)))
    return case


def _suites(report: Report) -> List[_Suite]:
    lang = report.lang
    suites: Dict[str, _Suite] = {}
    for check in report.checks:
        suites[check.id] = _Suite(check.id, {
            "title": check.text("title", lang), "severity": check.severity, "provider": check.provider,
            "controls": ", ".join(check.controls), "cis": ", ".join(check.cis)})
    for entry in examined(report):
        if entry.check_id not in suites:
            first = entry.findings[0] if entry.findings else None
            suites[entry.check_id] = _Suite(entry.check_id, {
                "title": first.text("title", lang) if first else "",
                "severity": first.severity if first else ""})
        suite = suites[entry.check_id]
        suite.cases.append(_case(entry, lang, suite))
    errors = parse_errors(report)
    if errors:
        suite = suites[PARSE_ERROR_ID] = _Suite(PARSE_ERROR_ID, {"title": t("junit.parse_error", lang),
                                                                 "severity": "HIGH"})
        for f in errors:
            suite.cases.append(_parse_case(f, lang))
            suite.errors += 1
    return list(suites.values())


def render(report: Report) -> str:
    suites = _suites(report)
    root = _el("testsuites", name="iacguard", tests=str(sum(len(s.cases) for s in suites)),
               failures=str(sum(s.failures for s in suites)), errors=str(sum(s.errors for s in suites)),
               time="0")
    for suite in suites:
        element = _el("testsuite", name=suite.name, tests=str(len(suite.cases)), failures=str(suite.failures),
                      errors=str(suite.errors), skipped=str(suite.skipped), time="0")
        properties = _el("properties")
        for name, value in suite.properties.items():
            if value:
                properties.append(_el("property", name=name, value=value))
        if len(properties):
            element.append(properties)
        element.extend(suite.cases)
        root.append(element)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
