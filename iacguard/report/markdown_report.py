"""``--format markdown``: the compliance report as Markdown, in the language
of ``--lang``, written line by line as it is laid out."""

from __future__ import annotations

import re
from typing import Iterable, Iterator, Sequence

from ..findings import SEVERITIES
from .common import location, one_line, xml_safe
from .compliance import STATUSES, Compliance, ControlRow, Failure, build
from .i18n import t
from .layout import (
    CODE_SPAN,
    DASH,
    about,
    by_file,
    check_tables,
    failures_by_detail,
    group_notes,
    intro,
    joined,
    overview,
    overview_heads,
    passed_places,
    status_counts,
    tallies,
)
from .model import Report

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")


def _md(text: str) -> str:
    """Prose in a table cell or paragraph: one line, Markdown and HTML inert."""
    return _md_inert(one_line(text))


def _md_inert(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", xml_safe(text))


def _md_code(text: str) -> str:
    text = one_line(xml_safe(text))
    if not text:
        return ""
    if "`" in text:
        return _md(text)
    return "`" + text.replace("|", "\\|") + "`"


def _md_rich(text: str) -> str:
    """Check-authored text: its `code` spans stay code spans, the rest is prose."""
    pieces = CODE_SPAN.split(one_line(text))
    return "".join(_md_inert(p) if i % 2 == 0 else _md_code(p) for i, p in enumerate(pieces))


def _md_cell(kind: str, text: str, lang: str) -> str:
    if kind in ("code", "id", "loc"):
        return _md_code(text)
    if kind == "ids":
        return ", ".join(_md_code(i) for i in text.split(", "))
    if kind == "rich":
        return _md_rich(text)
    if kind == "status":
        return f"**{_md(t(f'status.{text}', lang))}**"
    return _md(text)


def _md_table(heads: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> Iterator[str]:
    align = ["---:" if i in numeric else "---" for i in range(len(heads))]
    yield "| " + " | ".join(heads) + " |"
    yield "| " + " | ".join(align) + " |"
    for row in rows:
        yield "| " + " | ".join(row) + " |"
    yield ""


def pieces(report: Report) -> Iterator[str]:
    return joined(_markdown_lines(build(report)))


def _markdown_lines(m: Compliance) -> Iterator[str]:
    lang = m.lang
    yield from [f"# {_md(t('c.title', lang))}", "", _md(intro(m)), "",
                *[f"- {_md(label)}: {_md_cell(kind, value, lang)}" for label, kind, value in about(m)], "",
                *([_md(t("c.base", lang)) + " " + _md_code(m.base), ""] if m.base else []),
                f"## {_md(t('c.summary', lang))}", "", f"### {_md(t('c.status_counts', lang))}", ""]
    heads, rows = status_counts(m)
    yield from _md_table([_md(h) for h in heads],
                         [[f"**{_md(t('col.total', lang))}**" if r[0] == "total" else _md(t(f"status.{r[0]}", lang))]
                          + r[1:] for r in rows], numeric=range(1, len(heads)))
    yield from [f"### {_md(t('c.severity_counts', lang))}", ""]
    yield from _md_table([_md(t("col.severity", lang)), _md(t("col.count", lang))],
                         [[_md(t(f"severity.{s}", lang)), str(m.by_severity.get(s, 0))] for s in reversed(SEVERITIES)],
                         numeric=[1])
    yield from [_md(t("c.suppressed_count", lang, count=m.suppressed)), ""]
    if m.parse_errors:
        yield from ["> " + _md(t("c.parse_warning", lang, count=len(m.parse_errors))), ""]
    yield from [f"### {_md(t('c.legend', lang))}", ""]
    yield from [f"- **{_md(t(f'status.{s}', lang))}**: {_md(t(f'status.{s}.help', lang))}" for s in STATUSES]
    yield from ["", _md(t("c.catalogue_note", lang)), ""]
    for part in m.parts:
        yield from [f"## {_md(part.title)}", ""]
        for group in part.groups:
            yield from [f"### {_md(group.title)}", ""]
            yield from _md_table([_md(h) for h in overview_heads(part, lang)],
                                 ([_md_cell(k, v, lang) for k, v in overview(row)] + [_md_checks(row, lang)]
                                  for row in group.rows), numeric=[3])
            notes = group_notes(group)
            if notes:
                yield from [f"- {', '.join(_md_code(i) for i in ids)}: {_md(note)}" for ids, note in notes]
                yield ""
    if m.checks:
        yield from [f"## {_md(t('c.by_check', lang))}", "", _md(t("c.by_check_note", lang)), ""]
    for section in m.checks:
        yield from [f"### {_md_code(section.check_id)} {_md(section.title)} "
                    f"({_md(t(f'severity.{section.severity}', lang))})", ""]
        if section.failures and section.remediation:
            yield from [f"**{_md(t('c.remedies', lang))}**: {_md_rich(section.remediation)}", ""]
        if section.failures:
            yield from [f"**{_md(t('c.failures', lang))}**", ""]
            for detail, failures in failures_by_detail(section):
                places = "; ".join(f"{_md_code(file)}{': ' + lines if lines else ''} ({_md_names(group)})"
                                   for file, lines, group in by_file(failures))
                yield f"- {_md(detail)}: {places}" if detail else f"- {places}"
            yield ""
        for heading, cols, cells in check_tables(section, lang):
            yield from [f"**{_md(heading)}**", ""]
            yield from _md_table([_md(c) for c in cols], ([_md_cell(k, v, lang) for k, v in r] for r in cells))
    yield from [f"## {_md(t('c.parse_errors', lang))}", ""]
    if m.parse_errors:
        yield from _md_table([_md(t("col.location", lang)), _md(t("col.error", lang))],
                             ([_md_code(location(e.file, e.line)), _md(e.message)] for e in m.parse_errors))
    else:
        yield from [_md(t("c.none", lang)), ""]
    yield from ["---", "", _md(t("c.footer", lang, version=m.version)), ""]


def _md_names(failures: Iterable[Failure]) -> str:
    return ", ".join(_md_code(f.resource) for f in failures)


def _md_checks(row: ControlRow, lang: str) -> str:
    """The checks cell: each check with failures or suppressions with its
    counts (its section says where), then the others."""
    if not row.checks:
        return DASH
    detailed, others = tallies(row)
    parts = [f"{_md_code(x.check_id)} " + " ".join(
        _md(t("c.check_result", lang, result=t(f"result.{r}", lang), count=n)) for r, n in x.results())
        for x in detailed]
    if others:
        parts.append(", ".join(_md_code(x.check_id) for x in others))
    places = passed_places(row)
    if places:
        parts.append(f"{_md(t('c.passed_at', lang))}: " + "; ".join(_md_code(p) for p in places))
    return "; ".join(parts)
