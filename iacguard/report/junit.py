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

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, Iterator, List

from ..findings import PARSE_ERROR_ID, Finding
from .common import Examined, examined, location, message, parse_errors, suppression_reason, worst_severity, xml_safe
from .i18n import t
from .model import Report


@dataclass
class _Suite:
    """A suite's header and the entries its cases are made from, one at a
    time while the document is written."""

    name: str
    properties: Dict[str, str] = field(default_factory=dict)
    entries: List[Examined] = field(default_factory=list)
    parse_errors: List[Finding] = field(default_factory=list)

    @property
    def tests(self) -> int:
        return len(self.entries) + len(self.parse_errors)

    @property
    def failures(self) -> int:
        return sum(1 for e in self.entries if e.failures)

    @property
    def skipped(self) -> int:
        return sum(1 for e in self.entries if not e.failures and e.suppressed)


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


def _case(entry: Examined, lang: str) -> ET.Element:
    case = _el("testcase", name=f"{entry.file}::{entry.resource}", classname=entry.check_id,
               file=entry.file, line=str(max(entry.line, 0)), time="0")
    failures, suppressed = entry.failures, entry.suppressed
    if failures:
        first = failures[0]
        summary = message(first, lang) if len(failures) == 1 else \
            f"{t('label.findings', lang, count=len(failures))}: {message(first, lang)}"
        text = "\n".join(_finding_lines(failures + suppressed, lang))
        case.append(_el("failure", text, message=f"{location(first.file, first.line)}: {summary}",
                        type=worst_severity(failures)))
    elif suppressed:
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
        suites[entry.check_id].entries.append(entry)
    errors = parse_errors(report)
    if errors:
        suites[PARSE_ERROR_ID] = _Suite(PARSE_ERROR_ID, {"title": t("junit.parse_error", lang), "severity": "HIGH"},
                                        parse_errors=errors)
    return list(suites.values())


# ElementTree's own layout (ET.indent with two spaces, then tostring), written
# one test case at a time: a large report never exists as one tree or string.
_INDENT = "  "


def pieces(report: Report) -> Iterator[str]:
    lang = report.lang
    suites = _suites(report)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    root = _el("testsuites", name="iacguard", tests=str(sum(s.tests for s in suites)),
               failures=str(sum(s.failures for s in suites)), errors=str(sum(len(s.parse_errors) for s in suites)),
               time="0")
    if not suites:
        yield ET.tostring(root, encoding="unicode") + "\n"
        return
    yield _start_tag(root)
    for suite in suites:
        yield "\n" + _INDENT
        element = _el("testsuite", name=suite.name, tests=str(suite.tests), failures=str(suite.failures),
                      errors=str(len(suite.parse_errors)), skipped=str(suite.skipped), time="0")
        children: Iterator[ET.Element] = itertools.chain(
            _properties(suite), (_case(e, lang) for e in suite.entries),
            (_parse_case(f, lang) for f in suite.parse_errors))
        first = next(children, None)
        if first is None:
            yield ET.tostring(element, encoding="unicode")
            continue
        yield _start_tag(element)
        for child in itertools.chain((first,), children):
            ET.indent(child, space=_INDENT, level=2)
            yield "\n" + _INDENT * 2 + ET.tostring(child, encoding="unicode")
        yield "\n" + _INDENT + "</testsuite>"
    yield "\n</testsuites>\n"


def _properties(suite: _Suite) -> Iterator[ET.Element]:
    properties = _el("properties")
    for name, value in suite.properties.items():
        if value:
            properties.append(_el("property", name=name, value=value))
    if len(properties):
        yield properties


def _start_tag(element: ET.Element) -> str:
    """``<tag attr="...">`` with ElementTree's escaping (it writes an element
    without children or text as ``<tag attr="..." />``)."""
    return ET.tostring(element, encoding="unicode")[: -len(" />")] + ">"
