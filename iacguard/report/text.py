"""``--format text``: findings grouped by file, then a summary line."""

from __future__ import annotations

import re
from itertools import groupby
from typing import List

from . import Report

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_WORDS = {
    "en": {
        "summary": "{files} files, {resources} resources, {checks} checks: {failed} findings "
                   "({by}), {passed} passed, {suppressed} suppressed, {errors} parse errors",
        "none": "No findings.",
        "resource": "resource",
        "controls": "controls",
    },
    "ja": {
        "summary": "{files} ファイル・{resources} リソース・{checks} チェック: 検出 {failed} 件"
                   "（{by}）、合格 {passed} 件、抑止 {suppressed} 件、解析エラー {errors} 件",
        "none": "検出事項はありません。",
        "resource": "リソース",
        "controls": "管理策",
    },
}


def clean(text: str) -> str:
    """No terminal control sequences from template content reach the screen."""
    return _CONTROL_CHARS.sub("?", text)


def render(report: Report) -> str:
    if report.compact:
        return _compact(report)
    words = _WORDS.get(report.lang, _WORDS["en"])
    lines: List[str] = []
    shown = report.unsuppressed
    for file, group in groupby(sorted(shown, key=lambda f: f.sort_key()), key=lambda f: f.file):
        lines.append(clean(file))
        for f in group:
            lines.append(f"  {f.file}:{f.line}  {f.severity:<8} {f.check_id}  {clean(f.text('title', report.lang))}")
            if f.resource:
                lines.append(f"      {words['resource']}: {clean(f.resource)}")
            lines.append(f"      {clean(f.text('message', report.lang))}")
            if f.controls:
                lines.append(f"      {words['controls']}: {', '.join(f.controls)}")
        lines.append("")
    if report.quiet:
        return "\n".join(lines) + ("\n" if lines else "")
    if not shown:
        lines.append(words["none"])
    counts = report.by_severity()
    by = ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "-"
    s = report.summary
    lines.append(words["summary"].format(
        files=s.files, resources=s.resources, checks=s.checks_run, failed=len(shown), by=by,
        passed=len(report.passed), suppressed=len(report.findings) - len(shown), errors=s.parse_errors))
    return "\n".join(lines) + "\n"


def _compact(report: Report) -> str:
    """``file:line: ID SEVERITY message``: what editors and grep understand."""
    rows = [f"{clean(f.file)}:{f.line}: {f.check_id} {f.severity} {clean(f.text('message', report.lang))}"
            for f in sorted(report.unsuppressed, key=lambda f: f.sort_key())]
    return "\n".join(rows) + ("\n" if rows else "")
