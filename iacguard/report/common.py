"""What the reporters share: text hygiene, severity order, suppression
details, and what each check examined (one entry per check and resource).

Reporters import from here instead of re-implementing these, so every
format agrees on order, escaping and grouping.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Sequence, Tuple

from ..findings import PARSE_ERROR_ID, SEVERITY_ORDER, Finding
from .i18n import t
from .model import Report

# SARIF result levels; GitHub's workflow commands call the lowest one "notice".
LEVEL: Mapping[str, str] = MappingProxyType(
    {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note"})

# C0 and C1 control characters except tab and newline: what a terminal (or a
# browser-rendered log) would interpret rather than print.
# Control characters, line breaks included: a template value must not start a
# line of its own (CI systems read "::command::" lines from the output).
_TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
# Characters XML 1.0 does not allow at all, plus the C1 controls it discourages.
_XML_INVALID = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> str:
    """Text that encodes as UTF-8. A template escape such as ``"\\ud800"``
    leaves a lone surrogate in a name, which no encoder writes: it becomes
    U+FFFD (a surrogate pair written as two escapes becomes its character)."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


class Converted(list):
    """A list the JSON encoder walks item by item, each made only when the
    encoder reaches it, so a report's findings never exist twice over. Only
    the indenting encoder (pure Python, see ``json_pieces``) may see it: it
    iterates with __iter__, where the C encoder reads the list storage."""

    def __init__(self, items: Sequence[Any], convert: Callable[[Any], Any]) -> None:
        super().__init__()
        self._items, self._convert = items, convert

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return map(self._convert, self._items)


# The JSON encoder's chunks are a few characters each: they are made
# encodable this many at a time.
JSON_BATCH = 4096


def json_pieces(document: Any) -> Iterator[str]:
    """``json.dumps(document, ensure_ascii=False, indent=2) + "\\n"`` piece by
    piece (``JSON_BATCH`` encoder chunks each), encodable as UTF-8. A string
    is always within one chunk, so a surrogate pair never spans two pieces."""
    chunks: List[str] = []
    batch = JSON_BATCH
    for chunk in json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(document):
        chunks.append(chunk)
        if len(chunks) >= batch:
            yield encodable("".join(chunks))
            chunks.clear()
    chunks.append("\n")
    yield encodable("".join(chunks))


def terminal_safe(text: str, replacement: str = "?") -> str:
    """No terminal control sequence from template content reaches a screen."""
    return _TERMINAL_CONTROLS.sub(replacement, text)


def xml_safe(text: str) -> str:
    """Text that may be put into an XML document (after the usual escaping)."""
    return _XML_INVALID.sub("", text)


def one_line(text: str) -> str:
    return " ".join(text.split())


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - len(ellipsis), 0)] + ellipsis


def location(file: str, line: int) -> str:
    return f"{file}:{line}" if line and line > 0 else file


def severity_rank(severity: str) -> int:
    return SEVERITY_ORDER.get(severity, -1)


def by_priority(findings: Iterable[Finding]) -> List[Finding]:
    """Unsuppressed before suppressed, then most severe first, then by place."""
    return sorted(findings, key=lambda f: (f.suppressed, -severity_rank(f.severity), f.sort_key()))


def worst_severity(findings: Iterable[Finding]) -> str:
    ranked = sorted((f.severity for f in findings), key=severity_rank, reverse=True)
    return ranked[0] if ranked else "LOW"


def suppression_reason(finding: Finding) -> str:
    return str((finding.suppression or {}).get("reason") or "")


def suppression_kind(finding: Finding) -> str:
    """SARIF's two kinds: ``inSource`` (a comment or metadata in the template)
    or ``external`` (configuration file, baseline)."""
    kind = str((finding.suppression or {}).get("kind") or "inSource")
    return "inSource" if kind in ("inSource", "inline", "comment", "metadata", "source") else "external"


def provenance_text(finding: Finding, lang: str) -> str:
    """``value from var.admin_cidr default, variables.tf:3 <- ...``, outermost
    last; "" when the value is written where the finding points."""
    if not finding.provenance:
        return ""
    steps = [t("label.provenance_step", lang, what=s.what, file=s.file, line=s.line) for s in finding.provenance]
    return t("label.provenance", lang, chain=" <- ".join(steps))


def message(finding: Finding, lang: str) -> str:
    return finding.text("message", lang) or finding.text("title", lang) or finding.check_id


@dataclass
class Examined:
    """One resource as one check saw it: passed, or with its findings."""

    check_id: str
    resource: str
    resource_type: str
    file: str
    line: int
    passed: bool = False
    findings: List[Finding] = field(default_factory=list)

    @property
    def failures(self) -> List[Finding]:
        return [f for f in self.findings if not f.suppressed]

    @property
    def suppressed(self) -> List[Finding]:
        return [f for f in self.findings if f.suppressed]

    @property
    def outcome(self) -> str:
        """``fail``, ``suppressed`` (only suppressed findings) or ``pass``."""
        if self.failures:
            return "fail"
        return "suppressed" if self.findings else "pass"


def examined(report: Report) -> List[Examined]:
    """Every (check, file, resource) the scan looked at, from the passed list
    and the findings, in check id then file order. Parse errors are not
    resources and are left out (see ``parse_errors``)."""
    table: Dict[Tuple[str, str, str], Examined] = {}
    for p in report.passed:
        key = (p.check_id, p.file, p.resource)
        entry = table.get(key)
        if entry is None:
            table[key] = Examined(p.check_id, p.resource, p.resource_type, p.file, p.line, passed=True)
        else:
            entry.passed = True
            entry.line = min(entry.line, p.line) if entry.line > 0 else p.line
    for f in report.findings:
        if f.check_id == PARSE_ERROR_ID:
            continue
        key = (f.check_id, f.file, f.resource)
        entry = table.get(key)
        if entry is None:
            entry = table[key] = Examined(f.check_id, f.resource, f.resource_type, f.file, f.line)
        elif not entry.passed:  # no resource line from the passed list: the first finding's
            entry.line = min(entry.line, f.line)
        entry.findings.append(f)
    for entry in table.values():
        entry.findings.sort(key=Finding.sort_key)
    return sorted(table.values(), key=lambda e: (e.check_id, e.file, e.line, e.resource))


def parse_errors(report: Report) -> List[Finding]:
    return [f for f in report.findings if f.check_id == PARSE_ERROR_ID]


def summary_line(report: Report) -> str:
    """``5 files, 20 resources, 36 checks: 25 findings (HIGH 10, ...), ...``"""
    by = ", ".join(f"{k} {v}" for k, v in report.by_severity().items() if v)
    s = report.summary
    # The checks selected and, when some need a setting not given
    # (allowed_regions), how many of them ran.
    checks: object = s.checks_run
    if report.checks and len(report.checks) != s.checks_run:
        checks = t("text.checks_of", report.lang, run=s.checks_run, total=len(report.checks))
    line = t("text.summary", report.lang, files=s.files, resources=s.resources, checks=checks,
             failed=len(report.unsuppressed), by=by, passed=len(report.passed),
             suppressed=len(report.findings) - len(report.unsuppressed), errors=s.parse_errors)
    line = line.replace(" ()", "").replace("（）", "")
    return line + (t("text.limited", report.lang, limited=s.limits_reached) if s.limits_reached else "")
