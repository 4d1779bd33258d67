"""``--format github``: GitHub Actions workflow commands, one annotation per
unsuppressed finding::

    ::error file=main.tf,line=6,endLine=6,title=IACG-AWS-004 (HIGH)%3A ...::message

CRITICAL and HIGH are ``error``, MEDIUM ``warning``, LOW ``notice``; files
that could not be parsed are errors. The most severe come first, because
GitHub shows only the first 10 annotations of each kind per step
(actions/toolkit, docs/problem-matchers.md); a plain line says so when a run
writes more. Values are escaped as actions/toolkit's command.ts does:
``%``, CR and LF in the message, and also ``:`` and ``,`` in properties.
"""

from __future__ import annotations

from collections import Counter
from types import MappingProxyType
from typing import Dict, Iterator

from ..findings import Finding
from .common import LEVEL, by_priority, encodable, message, summary_line, terminal_safe
from .i18n import t
from .model import Report

ANNOTATIONS_SHOWN_PER_KIND = 10
_COMMAND = MappingProxyType({"error": "error", "warning": "warning", "note": "notice"})


def escape_data(text: str) -> str:
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return terminal_safe(escaped, "")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, properties: Dict[str, str], data: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items() if value)
    return f"::{kind} {props}::{escape_data(data)}" if props else f"::{kind}::{escape_data(data)}"


def _annotation(f: Finding, lang: str) -> str:
    start = max(f.line, 1)
    properties = {
        "file": f.file,
        "line": str(start),
        "endLine": str(max(f.end_line, start)),
        "title": t("github.title", lang, id=f.check_id, severity=f.severity, title=f.text("title", lang)),
    }
    body = [message(f, lang)]
    if f.resource:
        body.append(f"{t('label.resource', lang)}: {f.resource}")
    remediation = f.text("remediation", lang)
    if remediation:
        body.append(f"{t('label.remediation', lang)}: {remediation}")
    return command(_COMMAND[LEVEL[f.severity]], properties, "\n".join(body))


def pieces(report: Report) -> Iterator[str]:
    """One workflow command per finding, then the summary."""
    shown = by_priority(report.unsuppressed)
    for f in shown:
        yield encodable(_annotation(f, report.lang)) + "\n"
    counts = Counter(_COMMAND[LEVEL[f.severity]] for f in shown)
    for kind in ("error", "warning", "notice"):
        if counts[kind] > ANNOTATIONS_SHOWN_PER_KIND:
            yield encodable(t("github.limit", report.lang, count=counts[kind], level=kind,
                              limit=ANNOTATIONS_SHOWN_PER_KIND)) + "\n"
    yield encodable(summary_line(report)) + "\n"
