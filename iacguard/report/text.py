"""``--format text``: findings grouped by file, each with its source lines,
then a summary line. ``--quiet``: only the findings that fail the run, no
summary. ``--compact``: ``file:line: ID SEVERITY message``, one a line.

Everything that comes from a template (paths, resource names, messages,
source lines) passes through ``terminal_safe``; colour is used only when the
CLI says so (``Report.color``).
"""

from __future__ import annotations

from itertools import groupby
from types import MappingProxyType
from typing import Iterator, List

from ..findings import Finding
from .common import encodable, message, provenance_text, summary_line, terminal_safe
from .i18n import t
from .model import Report

_COLOURS = MappingProxyType({"CRITICAL": "1;35", "HIGH": "1;31", "MEDIUM": "33", "LOW": "36",
                             "file": "1", "dim": "2", "summary": "1"})


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled:
            return text
        return f"\x1b[{_COLOURS[style]}m{text}\x1b[0m"


def _shown(report: Report) -> List[Finding]:
    findings = report.failing() if report.quiet else report.unsuppressed
    return sorted(findings, key=lambda f: f.sort_key())


def pieces(report: Report) -> Iterator[str]:
    """The report line by line."""
    for line in (_compact(report) if report.compact else _lines(report)):
        yield encodable(line) + "\n"


def _lines(report: Report) -> Iterator[str]:
    lang = report.lang
    paint = _Paint(report.color)
    failing = {id(f) for f in report.failing()}
    for file, group in groupby(_shown(report), key=lambda f: f.file):
        yield paint(terminal_safe(file), "file")
        for f in group:
            severity = paint(f"{f.severity:<8}", f.severity)
            below = ("" if id(f) in failing else
                     "  " + t("text.below_threshold", lang, threshold=report.severity_threshold))
            yield (f"  {terminal_safe(f.file)}:{f.line}  {severity} {f.check_id}  "
                   f"{terminal_safe(f.text('title', lang))}{below}")
            if f.resource:
                yield f"      {t('label.resource', lang)}: {terminal_safe(f.resource)}"
            detail = _detail(f, lang)
            if detail:
                yield f"      {terminal_safe(detail)}"
            if f.provenance:
                yield f"      {terminal_safe(provenance_text(f, lang))}"
            width = len(str(max((n for n, _ in f.snippet), default=0)))
            for number, source in f.snippet:
                gutter = paint(f"{number:>{width}} |", "dim")
                yield f"      {gutter} {terminal_safe(source.rstrip())}"
            if f.controls:
                yield f"      {t('label.controls', lang)}: {terminal_safe(', '.join(f.controls))}"
        yield ""
    if report.quiet:
        return
    if not report.unsuppressed:
        yield t("text.none", lang)
    summary = summary_line(report)
    if len(failing) != len(report.unsuppressed):
        # A threshold leaves some findings shown but not failing: say which count.
        summary += t("text.failing", lang, count=len(failing), threshold=report.severity_threshold)
    yield paint(summary, "summary")


def _detail(f: Finding, lang: str) -> str:
    """The message without the title the line above already shows:
    ``ingress[0].cidr_blocks[0] = 0.0.0.0/0``."""
    text, title = message(f, lang), f.text("title", lang)
    if not title or not text.startswith(title):
        return text
    rest = text[len(title):].strip()
    for opener, closer in (("(", ")"), ("（", "）")):
        if rest.startswith(opener) and rest.endswith(closer) and rest.count(opener) == 1:
            return rest[1:-1]
    return rest


def _compact(report: Report) -> Iterator[str]:
    """``file:line: ID SEVERITY message``: what editors and grep understand."""
    for f in _shown(report):
        yield f"{terminal_safe(f.file)}:{f.line}: {f.check_id} {f.severity} {terminal_safe(message(f, report.lang))}"
