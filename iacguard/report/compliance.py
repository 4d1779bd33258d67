"""``--format markdown`` and ``--format html``: a compliance report written for
an auditor, in the language of ``--lang``.

``build`` computes one model from the ``Report`` and the control catalogue;
``markdown_pieces`` and ``html_pieces`` only lay it out, line by line. For every control of
the catalogue (NISC ch. 4.1/4.2 rows grouped by section, MIC rows grouped by
category) and every CIS item the checks cite, the status is:

- ``fail``: a check citing it has an unsuppressed finding;
- ``pass``: the checks citing it ran, examined resources, found nothing unsuppressed;
- ``not_applicable``: the checks citing it ran but found no resource to examine;
- ``no_check``: checkable from IaC, but no check of this run cites it;
- ``not_checkable``: the catalogue says IaC cannot show it (with the reason).

Each control lists what its checks found as ``file: line, line`` per check
and outcome; each check with failures or suppressions then gets one section
with its remediation, its failing resources (grouped by what is wrong) and
its suppressions with their reasons.
"""

from __future__ import annotations

import html
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Sequence, Tuple

from ..engine.checks import known_controls
from . import Report, ScanInfo
from .common import (SEVERITIES, Examined, examined, location, message, one_line, parse_errors,
                     suppression_kind, suppression_reason, xml_safe)
from .i18n import has, t

STATUSES = ("fail", "pass", "not_applicable", "no_check", "not_checkable")
# "CIS AWS Foundations 1.5.0 2.1.5" (benchmark and version, item), or
# "CIS Microsoft 365 Foundations 4.13" when no version is given.
_CIS = re.compile(r"^(CIS\b.*?\d+(?:\.\d+)+|CIS\b.*?)\s+(\S+)$")
_CODE_SPAN = re.compile(r"`([^`]+)`")


# --- the model -----------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    check_id: str
    resource: str
    resource_type: str
    file: str
    line: int
    result: str  # pass | fail | suppressed

    @property
    def location(self) -> str:
        return location(self.file, self.line)


@dataclass(frozen=True)
class Failure:
    check_id: str
    severity: str
    resource: str
    location: str
    message: str


@dataclass(frozen=True)
class Suppression:
    check_id: str
    resource: str
    location: str
    reason: str
    kind: str  # inSource | external


@dataclass
class ControlRow:
    id: str
    title: str
    status: str
    checks: List[str] = field(default_factory=list)
    note: str = ""
    evidence: List[Evidence] = field(default_factory=list)
    failures: List[Failure] = field(default_factory=list)
    suppressions: List[Suppression] = field(default_factory=list)
    label: str = ""  # heading of its details: "NISC-4.1.5-1 title", "CIS AWS Foundations 1.5.0 2.1.5"

    @property
    def examined_count(self) -> int:
        """Resources examined, counted as the report's header counts them
        (provider blocks that a check also reads are not resources)."""
        return len({(e.file, e.resource) for e in self.evidence if e.resource_type != "provider"})

    @property
    def detailed(self) -> bool:
        return bool(self.evidence or self.failures or self.suppressions)


@dataclass
class Group:
    anchor: str
    title: str
    rows: List[ControlRow] = field(default_factory=list)


@dataclass
class Part:
    key: str  # nisc | mic | other | cis
    title: str
    groups: List[Group] = field(default_factory=list)

    def counts(self) -> Dict[str, int]:
        counts = {s: 0 for s in STATUSES}
        for group in self.groups:
            for row in group.rows:
                counts[row.status] += 1
        return counts


@dataclass(frozen=True)
class ParseError:
    file: str
    line: int
    message: str


@dataclass
class CheckSection:
    """A check with failures or suppressions: its remediation once, and every
    failing and suppressed resource (controls refer to it by id)."""

    check_id: str
    title: str
    severity: str
    remediation: str
    failures: List[Failure] = field(default_factory=list)
    suppressions: List[Suppression] = field(default_factory=list)


@dataclass
class Compliance:
    lang: str
    version: str
    files: int
    resources: int
    checks_run: int
    parts: List[Part]
    by_severity: Dict[str, int]
    suppressed: int
    parse_errors: List[ParseError]
    checks: List[CheckSection] = field(default_factory=list)
    base: str = ""  # the directory every location below is relative to ("" for none)
    info: ScanInfo = field(default_factory=ScanInfo)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-").lower() or "x"


def _version_key(text: str) -> Tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\s]", text))


def _base(report: Report) -> str:
    """The directory all examined files share ("dir/" or ""): written once in
    the header rather than in front of every location."""
    dirs = {f.file.rsplit("/", 1)[0] + "/" if "/" in f.file else "" for f in (*report.findings, *report.passed)
            if f.file}
    if not dirs:
        return ""
    prefix = os.path.commonprefix(sorted(dirs))
    return prefix[: prefix.rfind("/") + 1]


class _Rows:
    """Turns control ids and the checks citing them into rows."""

    def __init__(self, report: Report, base: str) -> None:
        self.lang = report.lang
        self.cut = len(base)
        self.by_check: Dict[str, List[Examined]] = defaultdict(list)
        for entry in examined(report):
            self.by_check[entry.check_id].append(entry)

    def row(self, control_id: str, title: str, check_ids: Sequence[str], checkable: str = "yes",
            reason: str = "") -> ControlRow:
        check_ids = list(dict.fromkeys(check_ids))
        entries = [e for cid in check_ids for e in self.by_check.get(cid, [])]
        if check_ids:
            status = "fail" if any(e.failures for e in entries) else "pass" if entries else "not_applicable"
        else:
            status = "not_checkable" if checkable == "no" else "no_check"
        note = ""
        if reason and status == "not_checkable":
            note = reason
        elif reason and checkable == "partial":
            note = t("c.partial", self.lang, reason=reason)
        row = ControlRow(control_id, title, status, list(check_ids), note, label=f"{control_id} {title}".strip())
        for e in entries:
            row.evidence.append(Evidence(e.check_id, e.resource, e.resource_type, e.file[self.cut:], e.line,
                                         e.outcome))
            for f in e.failures:
                row.failures.append(Failure(f.check_id, f.severity, f.resource,
                                            location(f.file[self.cut:], f.line), message(f, self.lang)))
            for f in e.suppressed:
                row.suppressions.append(Suppression(f.check_id, f.resource, location(f.file[self.cut:], f.line),
                                                    suppression_reason(f), suppression_kind(f)))
        return row


def _citations(report: Report) -> Tuple[Dict[str, List[str]], Dict[str, List[str]], Dict[str, str]]:
    """control id -> check ids citing it, CIS item -> check ids, check id -> title."""
    controls: Dict[str, List[str]] = defaultdict(list)
    cis: Dict[str, List[str]] = defaultdict(list)
    titles: Dict[str, str] = {}
    for check in report.checks:
        titles[check.id] = check.text("title", report.lang)
        for cid in check.controls:
            controls[cid].append(check.id)
        for item in check.cis:
            cis[item].append(check.id)
    for f in report.findings:  # findings of a check that is not in the list still count
        if f.check_id in titles or not (f.controls or f.cis):
            continue
        titles[f.check_id] = f.text("title", report.lang)
        for cid in f.controls:
            controls[cid].append(f.check_id)
        for item in f.cis:
            cis[item].append(f.check_id)
    return controls, cis, titles


def _localised(entry: Dict, key: str, lang: str) -> str:
    """A catalogue text in the report's language (``key_ja``), else as written."""
    return str(entry.get(f"{key}_{lang}") or entry.get(key) or "")


def build(report: Report) -> Compliance:
    lang = report.lang
    base = _base(report)
    rows = _Rows(report, base)
    cites, cis_cites, titles = _citations(report)
    catalogue = known_controls()
    nisc: Dict[str, Group] = {}
    mic: Dict[str, Group] = {}
    for cid, entry in catalogue.items():
        title = entry.get(f"title_{lang}") or entry.get("title_en") or ""
        checkable, reason = str(entry.get("iac_checkable", "no")), _localised(entry, "not_checkable_reason", lang)
        if entry.get("not_decidable") and not cites.get(cid):
            # The catalogue hoped for a check; we found it cannot be judged from a template.
            checkable, reason = "no", _localised(entry, "not_decidable", lang)
        row = rows.row(cid, title, cites.get(cid, []), checkable, reason)
        section = str(entry.get("section") or "")
        if section:
            number = section.split()[0]
            key = f"section.{number}"
            group = nisc.setdefault(number, Group(f"nisc-{_slug(number)}", t(key, lang) if has(key) else section))
        else:
            category = str(entry.get("mic_category") or "other")
            key = f"mic.{category}"
            group = mic.setdefault(category, Group(f"mic-{_slug(category)}", t(key, lang) if has(key) else category))
        group.rows.append(row)
    parts = [
        Part("nisc", t("c.part.nisc", lang), [nisc[k] for k in sorted(nisc, key=_version_key)]),
        Part("mic", t("c.part.mic", lang), list(mic.values())),
    ]
    others = sorted(cid for cid in cites if cid not in catalogue)
    if others:
        parts.append(Part("other", t("c.part.other", lang), [Group("other", t("c.group.other", lang), [
            rows.row(cid, "", cites[cid]) for cid in others])]))
    benchmarks: Dict[str, Group] = {}
    for item in sorted(cis_cites, key=lambda i: (_CIS.sub(r"\1", i), _version_key(_CIS.sub(r"\2", i)))):
        match = _CIS.match(item)
        benchmark, number = (match.group(1), match.group(2)) if match else ("CIS", item)
        group = benchmarks.setdefault(benchmark, Group(f"cis-{_slug(benchmark)}", benchmark))
        check_ids = list(dict.fromkeys(cis_cites[item]))
        row = rows.row(number, " / ".join(dict.fromkeys(titles[c] for c in check_ids)), check_ids)
        row.label = item
        group.rows.append(row)
    if benchmarks:
        parts.append(Part("cis", t("c.part.cis", lang), list(benchmarks.values())))
    return Compliance(
        lang=lang, version=report.tool_version, files=report.summary.files,
        resources=report.summary.resources, checks_run=report.summary.checks_run, parts=parts,
        by_severity=report.by_severity(), suppressed=len(report.findings) - len(report.unsuppressed),
        parse_errors=[ParseError(f.file, f.line, message(f, lang)) for f in parse_errors(report)],
        checks=_check_sections(report, titles, len(base)), base=base, info=report.info)


def _about(m: Compliance) -> List[Tuple[str, str, str]]:
    """(label, kind, value) rows of the header: when, what, with which rules."""
    info, lang = m.info, m.lang
    commit = info.commit + (f" ({t('c.info.dirty', lang)})" if info.dirty and info.commit else "")
    rows = [("c.info.started", "text", info.started), ("c.info.paths", "code", ", ".join(info.paths)),
            ("c.info.commit", "code", commit), ("c.info.version", "text", f"iacguard {m.version}"),
            ("c.info.checkset", "code", info.checkset_digest), ("c.info.config", "code", info.config_digest)]
    return [(t(key, lang), kind, value) for key, kind, value in rows if value]


def _detail(text: str, title: str) -> str:
    """A finding's message without the check's title it starts with (the
    section's heading says it): ``(acl = public-read)`` rather than the whole."""
    if text.startswith(title) and len(text) > len(title):
        return text[len(title):].strip()
    return "" if text == title else text


def _check_sections(report: Report, titles: Dict[str, str], cut: int) -> List[CheckSection]:
    lang = report.lang
    checks = {c.id: c for c in report.checks}
    sections: Dict[str, CheckSection] = {}
    for f in sorted(report.findings, key=lambda f: (f.check_id, f.file, f.line, f.resource)):
        if f.check_id not in titles:
            continue  # parse errors and suppression notices are not checks of a control
        section = sections.get(f.check_id)
        if section is None:
            check = checks.get(f.check_id)
            remediation = check.text("remediation", lang) if check else f.text("remediation", lang)
            section = sections[f.check_id] = CheckSection(f.check_id, titles[f.check_id], f.severity, remediation)
        if f.suppressed:
            section.suppressions.append(Suppression(f.check_id, f.resource, location(f.file[cut:], f.line),
                                                    suppression_reason(f), suppression_kind(f)))
        else:
            section.failures.append(Failure(f.check_id, f.severity, f.resource, location(f.file[cut:], f.line),
                                            _detail(message(f, lang), titles[f.check_id])))
    return [sections[k] for k in sorted(sections)]


# --- shared layout -------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceLine:
    """What one check found for one control, compactly: the resources in
    each outcome as ``file: line, line`` (complete, and short on paper)."""

    check_id: str
    result: str  # fail | suppressed | pass
    by_file: List[Tuple[str, List[int]]]
    entries: List[Evidence]

    @property
    def count(self) -> int:
        return len(self.entries)


RESULTS = ("fail", "suppressed", "pass")


def _evidence_lines(row: ControlRow) -> List[EvidenceLine]:
    grouped: Dict[Tuple[str, str], List[Evidence]] = defaultdict(list)
    for e in row.evidence:
        grouped[(e.check_id, e.result)].append(e)
    out = []
    for (check_id, result) in sorted(grouped, key=lambda k: (k[0], RESULTS.index(k[1]))):
        entries = sorted(set(grouped[(check_id, result)]), key=lambda e: (e.file, e.line, e.resource))
        files: Dict[str, List[int]] = {}
        for e in entries:
            lines = files.setdefault(e.file, [])
            if e.line not in lines:
                lines.append(e.line)
        out.append(EvidenceLine(check_id, result, list(files.items()), entries))
    return out


def _lines_text(lines: Sequence[int]) -> str:
    return ", ".join(str(n) for n in lines)


def _failures_by_detail(section: CheckSection) -> List[Tuple[str, List[Failure]]]:
    """A check's failures grouped by what is wrong (the message's detail), in
    order of first appearance: ten clusters without deletion protection are
    one line, not ten."""
    grouped: Dict[str, List[Failure]] = {}
    for f in section.failures:
        grouped.setdefault(f.message, []).append(f)
    return list(grouped.items())


def _check_tables(section: CheckSection, lang: str) -> List[Tuple[str, List[str], List[List[Tuple[str, str]]]]]:
    """(heading, column heads, rows of (kind, text)) for one check's
    suppressions (failures are a list: there are many). The kind tells each renderer how to lay a cell out:
    ``text`` (prose), ``code`` (resources), ``loc`` (file:line, never broken
    inside a name or number)."""
    tables = []
    if section.suppressions:
        tables.append((t("c.suppressions", lang),
                       [t(k, lang) for k in ("col.resource", "col.location", "col.reason", "col.kind")],
                       [[("code", s.resource), ("loc", s.location), ("text", s.reason),
                         ("text", t(f"kind.{s.kind}", lang))] for s in section.suppressions]))
    return tables


def _overview(row: ControlRow) -> List[Tuple[str, str]]:
    dash = "—"
    examined_count = str(row.examined_count) if row.checks else dash
    return [("id", row.id), ("text", row.title), ("status", row.status),
            ("ids", ", ".join(row.checks)) if row.checks else ("text", dash), ("num", examined_count)]


def _overview_heads(part: Part, lang: str) -> List[str]:
    first, second = ("col.item", "col.looks_for") if part.key == "cis" else ("col.id", "col.control")
    return [t(k, lang) for k in (first, second, "col.status", "col.checks", "col.examined")]


def _notes(group: Group) -> List[Tuple[List[str], str]]:
    """The group's notes below its table, full width: controls that share a
    note (often the reason they cannot be checked) are named together."""
    by_note: Dict[str, List[str]] = {}
    for row in group.rows:
        if row.note:
            by_note.setdefault(row.note, []).append(row.id)
    return [(ids, note) for note, ids in by_note.items()]


def _details_shown(part: Part) -> bool:
    """CIS items cite the same checks as the NISC and MIC controls, whose
    details already hold every piece of evidence: not repeated there."""
    return part.key != "cis"


def _status_counts(model: Compliance) -> Tuple[List[str], List[List[str]]]:
    heads = [t("col.status", model.lang)] + [p.title for p in model.parts]
    counts = [p.counts() for p in model.parts]
    rows = [[status] + [str(c[status]) for c in counts] for status in STATUSES]
    rows.append(["total"] + [str(sum(c.values())) for c in counts])
    return heads, rows


# --- Markdown --------------------------------------------------------------------

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
    pieces = _CODE_SPAN.split(one_line(text))
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


def _joined(lines: Iterable[str]) -> Iterator[str]:
    """``"\\n".join(lines)``, piece by piece: a report is written as it is made."""
    separator = ""
    for line in lines:
        yield separator + line
        separator = "\n"


def markdown_pieces(report: Report) -> Iterator[str]:
    return _joined(_markdown_lines(build(report)))


def _markdown_lines(m: Compliance) -> Iterator[str]:
    lang = m.lang
    yield from [f"# {_md(t('c.title', lang))}", "",
                _md(t("c.intro", lang, version=m.version, files=m.files, resources=m.resources, checks=m.checks_run)),
                "", *[f"- {_md(label)}: {_md_cell(kind, value, lang)}" for label, kind, value in _about(m)], "",
                *([_md(t("c.base", lang)) + " " + _md_code(m.base), ""] if m.base else []), f"## {_md(t('c.summary', lang))}", "", f"### {_md(t('c.status_counts', lang))}", ""]
    heads, rows = _status_counts(m)
    yield from _md_table([_md(h) for h in heads],
                         [[f"**{_md(t('col.total', lang))}**" if r[0] == "total" else _md(t(f"status.{r[0]}", lang))]
                          + r[1:] for r in rows], numeric=range(1, len(heads)))
    yield from [f"### {_md(t('c.severity_counts', lang))}", ""]
    yield from _md_table([_md(t("col.severity", lang)), _md(t("col.count", lang))],
                         [[_md(t(f"severity.{s}", lang)), str(m.by_severity.get(s, 0))] for s in SEVERITIES],
                         numeric=[1])
    yield from [_md(t("c.suppressed_count", lang, count=m.suppressed)), ""]
    if m.parse_errors:
        yield from ["> " + _md(t("c.parse_warning", lang, count=len(m.parse_errors))), ""]
    yield from [f"### {_md(t('c.legend', lang))}", ""]
    yield from [f"- **{_md(t(f'status.{s}', lang))}**: {_md(t(f'status.{s}.help', lang))}" for s in STATUSES]
    yield from ["", _md(t("c.catalogue_note", lang)), ""]
    for part in m.parts:
        yield from [f"## {_md(part.title)}", ""]
        if not _details_shown(part):
            yield from [_md(t("c.cis_note", lang)), ""]
        for group in part.groups:
            yield from [f"### {_md(group.title)}", ""]
            yield from _md_table([_md(h) for h in _overview_heads(part, lang)],
                                 ([_md_cell(k, v, lang) for k, v in _overview(row)] for row in group.rows),
                                 numeric=[4])
            notes = _notes(group)
            if notes:
                yield from [f"- {', '.join(_md_code(i) for i in ids)}: {_md(note)}" for ids, note in notes]
                yield ""
            for row in group.rows:
                if row.detailed and _details_shown(part):
                    yield from [f"#### {_md(row.label)} — {_md(t(f'status.{row.status}', lang))}", ""]
                    yield from [f"- {_md_evidence(item, lang)}" for item in _evidence_lines(row)]
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
            for detail, failures in _failures_by_detail(section):
                places = "; ".join(f"{_md_code(f.location)} {_md_code(f.resource)}" for f in failures)
                yield f"- {_md(detail)}: {places}" if detail else f"- {places}"
            yield ""
        for heading, cols, cells in _check_tables(section, lang):
            yield from [f"**{_md(heading)}**", ""]
            yield from _md_table([_md(c) for c in cols], ([_md_cell(k, v, lang) for k, v in r] for r in cells))
    yield from [f"## {_md(t('c.parse_errors', lang))}", ""]
    if m.parse_errors:
        yield from _md_table([_md(t("col.location", lang)), _md(t("col.error", lang))],
                             ([_md_code(location(e.file, e.line)), _md(e.message)] for e in m.parse_errors))
    else:
        yield from [_md(t("c.none", lang)), ""]
    yield from ["---", "", _md(t("c.footer", lang, version=m.version)), ""]


def _md_evidence(item: EvidenceLine, lang: str) -> str:
    files = "; ".join(f"{_md_code(file)}: {_lines_text(lines)}" for file, lines in item.by_file)
    return f"{_md_code(item.check_id)} {_md(t(f'result.{item.result}', lang))} ({item.count}): {files}"


# --- HTML --------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Hiragino Kaku Gothic ProN",
       "Noto Sans CJK JP", "Noto Sans JP", "Yu Gothic", Meiryo, sans-serif;
       color: #1f2328; background: #fff; line-height: 1.6; margin: 2rem auto; max-width: 76rem; padding: 0 1.5rem; }
h1 { font-size: 1.75rem; border-bottom: 3px solid #1f2328; padding-bottom: .3rem; margin-bottom: .5rem; }
h2 { font-size: 1.4rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; margin-top: 2.5rem; }
h3 { font-size: 1.15rem; margin-top: 1.8rem; }
h4 { font-size: 1rem; margin: 0 0 .5rem; }
h5 { font-size: .95rem; margin: .8rem 0 .3rem; color: #424a53; }
p.meta, p.note, footer { color: #57606a; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1.2rem; font-size: .88rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .55rem; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary { width: auto; min-width: 28rem; }
table.about { width: auto; font-size: .84rem; margin: .2rem 0 .6rem; }
table.about th { background: #f6f8fa; font-weight: 600; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .86em;
       background: #f6f8fa; border-radius: 4px; padding: 0 .25em; overflow-wrap: anywhere; }
code.id { white-space: nowrap; overflow-wrap: normal; }
code.loc { overflow-wrap: normal; word-break: normal; }
ul.evidence { font-size: .86rem; padding-left: 1.2rem; margin: .2rem 0 .6rem; }
ul.evidence li { margin-bottom: .2rem; }
ul.evidence details { display: inline; margin-left: .4rem; }
details summary { display: inline; cursor: pointer; color: #57606a; font-size: .8rem; }
table.names { width: auto; margin: .2rem 0 .4rem; }
.result-fail { color: #a40e26; font-weight: 600; }
.result-suppressed { color: #7d4e00; }
.result-pass { color: #116329; }
article.check { border-top: 1px solid #d0d7de; margin-top: 1rem; }
article.check h3 { font-size: 1rem; margin: .6rem 0 .3rem; }
.severity { font-size: .8rem; font-weight: 600; color: #57606a; }
p.remedy { font-size: .88rem; margin: .2rem 0 .4rem; }
ul.failures { font-size: .86rem; padding-left: 1.2rem; margin: .2rem 0 .6rem; }
table.overview { table-layout: fixed; }
table.overview th:nth-child(1) { width: 17%; }
table.overview th:nth-child(3) { width: 14%; }
table.overview th:nth-child(4) { width: 22%; }
table.overview th:nth-child(5) { width: 9%; }
ul.notes { font-size: .84rem; color: #424a53; padding-left: 1.2rem; margin: -.6rem 0 1rem; }
table.overview code.id { white-space: normal; overflow-wrap: anywhere; }
th.num { white-space: nowrap; }
.status { display: inline-block; white-space: nowrap; border: 1px solid; border-radius: 1em; padding: 0 .6em;
          font-size: .82rem; font-weight: 600; }
.status-fail { background: #ffebe9; color: #a40e26; border-color: #ff8182; }
.status-pass { background: #dafbe1; color: #116329; border-color: #4ac26b; }
.status-not_applicable { background: #f6f8fa; color: #57606a; border-color: #afb8c1; }
.status-no_check { background: #fff8c5; color: #7d4e00; border-color: #d4a72c; }
.status-not_checkable { background: #ddf4ff; color: #0550ae; border-color: #54aeff; }
.warning { border-left: 4px solid #bf8700; background: #fff8c5; padding: .5rem .9rem; }
dl.legend { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; font-size: .9rem; }
dl.legend dd { margin: 0; }
article.control { border: 1px solid #d0d7de; border-radius: 6px; padding: .7rem 1rem .2rem; margin: 1rem 0; }
nav ol { columns: 2; font-size: .92rem; }
@page { size: A4; margin: 12mm 10mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 8.5pt; line-height: 1.4; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  section.part { break-before: page; }
  h1, h2, h3, h4, h5 { break-after: avoid; }
  tr, .warning { break-inside: avoid; }
  thead { display: table-header-group; }
  article.control { border-color: #8c959f; padding: .3rem .6rem 0; margin: .5rem 0; break-inside: avoid; }
  details { display: none; }

  table { font-size: 8pt; }
  h2 { margin-top: 1rem; }
  h3 { margin-top: .8rem; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

def _h(text: str) -> str:
    return html.escape(xml_safe(text), quote=True)


def _h_cell(kind: str, text: str, lang: str) -> str:
    if kind in ("id", "ids"):
        return "<td>" + ", ".join(f'<code class="id">{_h(i)}</code>' for i in text.split(", ")) + "</td>"
    if kind == "code":
        return f"<td><code>{_h(text)}</code></td>" if text else "<td></td>"
    if kind == "loc":
        return f"<td>{_h_loc(text)}</td>"
    if kind == "status":
        return f'<td><span class="status status-{_h(text)}">{_h(t(f"status.{text}", lang))}</span></td>'
    if kind == "num":
        return f'<td class="num">{_h(text)}</td>'
    if kind == "rich":
        return "<td>" + _h_rich(text) + "</td>"
    return f"<td>{_h(text)}</td>"


def _h_loc(text: str) -> str:
    """A path or file:line that may break after a slash, never inside a name
    or a number."""
    return '<code class="loc">' + _h(text).replace("/", "/<wbr>") + "</code>"


def _h_rich(text: str) -> str:
    """Check-authored text: `code` spans become <code>, nothing else is markup."""
    return _CODE_SPAN.sub(r"<code>\1</code>", _h(text))


def _h_table(heads: Sequence[str], rows: Iterable[str], css: str = "", numeric: Sequence[int] = ()) -> Iterator[str]:
    """The table's lines: its head, a row a line (an empty line when there
    are none), its end."""
    cls = f' class="{css}"' if css else ""
    head = "".join(f'<th class="num" scope="col">{_h(h)}</th>' if i in numeric else f'<th scope="col">{_h(h)}</th>'
                   for i, h in enumerate(heads))
    yield f"<table{cls}><thead><tr>{head}</tr></thead><tbody>"
    empty = True
    for row in rows:
        empty = False
        yield row
    if empty:
        yield ""
    yield "</tbody></table>"


def _h_row(cells: Iterable[Tuple[str, str]], lang: str) -> str:
    return "<tr>" + "".join(_h_cell(k, v, lang) for k, v in cells) + "</tr>"


def html_pieces(report: Report) -> Iterator[str]:
    return _joined(_html_lines(build(report)))


def _html_lines(m: Compliance) -> Iterator[str]:
    lang = m.lang
    yield from [
        "<!DOCTYPE html>", f'<html lang="{_h(lang)}">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(t('c.title', lang))}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
        f"<header><h1>{_h(t('c.title', lang))}</h1>",
        f'<p class="meta">{_h(t("c.intro", lang, version=m.version, files=m.files, resources=m.resources, checks=m.checks_run))}</p>',
        '<table class="about">' + "".join(f'<tr><th scope="row">{_h(label)}</th>{_h_cell(kind, value, lang)}</tr>'
                                          for label, kind, value in _about(m)) + "</table>",
        *([f'<p class="meta">{_h(t("c.base", lang))} {_h_loc(m.base)}</p>'] if m.base else []),
        "</header>",
    ]
    toc = [f'<li><a href="#summary">{_h(t("c.summary", lang))}</a></li>']
    toc += [f'<li><a href="#part-{p.key}">{_h(p.title)}</a></li>' for p in m.parts]
    if m.checks:
        toc.append(f'<li><a href="#by-check">{_h(t("c.by_check", lang))}</a></li>')
    toc.append(f'<li><a href="#parse-errors">{_h(t("c.parse_errors", lang))}</a></li>')
    yield from [f'<nav aria-label="{_h(t("c.contents", lang))}"><h2>{_h(t("c.contents", lang))}</h2><ol>',
                *toc, "</ol></nav>"]
    yield from ['<section id="summary">', f"<h2>{_h(t('c.summary', lang))}</h2>"]
    if m.parse_errors:
        yield f'<p class="warning" role="note">{_h(t("c.parse_warning", lang, count=len(m.parse_errors)))}</p>'
    yield f"<h3>{_h(t('c.status_counts', lang))}</h3>"
    heads, rows = _status_counts(m)
    status_rows = []
    for r in rows:
        label = (f"<th scope=\"row\">{_h(t('col.total', lang))}</th>" if r[0] == "total" else
                 f'<th scope="row"><span class="status status-{r[0]}">{_h(t(f"status.{r[0]}", lang))}</span></th>')
        status_rows.append("<tr>" + label + "".join(f'<td class="num">{_h(v)}</td>' for v in r[1:]) + "</tr>")
    yield from _h_table(heads, status_rows, "summary", numeric=range(1, len(heads)))
    yield f"<h3>{_h(t('c.severity_counts', lang))}</h3>"
    yield from _h_table([t("col.severity", lang), t("col.count", lang)],
                        [f'<tr><th scope="row">{_h(t(f"severity.{s}", lang))}</th>'
                         f'<td class="num">{m.by_severity.get(s, 0)}</td></tr>' for s in SEVERITIES],
                        "summary", numeric=[1])
    yield f'<p>{_h(t("c.suppressed_count", lang, count=m.suppressed))}</p>'
    yield f"<h3>{_h(t('c.legend', lang))}</h3>"
    yield '<dl class="legend">' + "".join(
        f'<dt><span class="status status-{s}">{_h(t(f"status.{s}", lang))}</span></dt>'
        f'<dd>{_h(t(f"status.{s}.help", lang))}</dd>' for s in STATUSES) + "</dl>"
    yield from [f'<p class="note">{_h(t("c.catalogue_note", lang))}</p>', "</section>"]
    for part in m.parts:
        yield from [f'<section class="part" id="part-{part.key}">', f"<h2>{_h(part.title)}</h2>"]
        if not _details_shown(part):
            yield f'<p class="note">{_h(t("c.cis_note", lang))}</p>'
        for group in part.groups:
            yield f'<h3 id="{_h(group.anchor)}">{_h(group.title)}</h3>'
            yield from _h_table(_overview_heads(part, lang),
                                (_h_row(_overview(row), lang) for row in group.rows), "overview", numeric=[4])
            notes = _notes(group)
            if notes:
                yield '<ul class="notes">' + "".join(
                    f"<li>{', '.join(_h_id(i) for i in ids)}: {_h(note)}</li>" for ids, note in notes) + "</ul>"
            for row in group.rows:
                if row.detailed and _details_shown(part):
                    yield from _h_control(row, group, lang)
        yield "</section>"
    if m.checks:
        yield from ['<section class="part" id="by-check">', f"<h2>{_h(t('c.by_check', lang))}</h2>",
                    f'<p class="note">{_h(t("c.by_check_note", lang))}</p>']
        for section in m.checks:
            yield from _h_check(section, lang)
        yield "</section>"
    yield from ['<section class="part" id="parse-errors">', f"<h2>{_h(t('c.parse_errors', lang))}</h2>"]
    if m.parse_errors:
        yield from _h_table([t("col.location", lang), t("col.error", lang)],
                            (_h_row([("code", location(e.file, e.line)), ("text", e.message)], lang)
                             for e in m.parse_errors))
    else:
        yield f"<p>{_h(t('c.none', lang))}</p>"
    yield from ["</section>", f"<footer><p>{_h(t('c.footer', lang, version=m.version))}</p></footer>",
                "</body>", "</html>", ""]


def _h_control(row: ControlRow, group: Group, lang: str) -> Iterator[str]:
    yield f'<article class="control" id="{_h(group.anchor)}-{_h(_slug(row.id))}">'
    yield (f'<h4>{_h(row.label)} '
           f'<span class="status status-{row.status}">{_h(t(f"status.{row.status}", lang))}</span></h4>')
    yield '<ul class="evidence">'
    for item in _evidence_lines(row):
        files = "; ".join(f"{_h_loc(file)}: {_lines_text(lines)}" for file, lines in item.by_file)
        check = (f'<a href="#check-{_h(_slug(item.check_id))}">{_h_id(item.check_id)}</a>'
                 if item.result != "pass" else _h_id(item.check_id))
        yield (f'<li>{check} <span class="result-{item.result}">{_h(t(f"result.{item.result}", lang))}</span> '
               f"({item.count}): {files}")
        # Resource names: folded on screen, left out on paper (file:line says where).
        yield f"<details><summary>{_h(t('c.resource_names', lang, count=item.count))}</summary>"
        yield from _h_table([t("col.resource", lang), t("col.location", lang)],
                            (_h_row([("code", e.resource), ("loc", e.location)], lang) for e in item.entries),
                            "names")
        yield "</details></li>"
    yield "</ul></article>"


def _h_id(check_id: str) -> str:
    return f'<code class="id">{_h(check_id)}</code>'


def _h_check(section: CheckSection, lang: str) -> Iterator[str]:
    yield f'<article class="check" id="check-{_h(_slug(section.check_id))}">'
    yield (f"<h3>{_h_id(section.check_id)} {_h(section.title)} "
           f'<span class="severity">{_h(t(f"severity.{section.severity}", lang))}</span></h3>')
    if section.failures and section.remediation:
        yield f'<p class="remedy"><strong>{_h(t("c.remedies", lang))}:</strong> {_h_rich(section.remediation)}</p>'
    if section.failures:
        yield f'<h5>{_h(t("c.failures", lang))}</h5><ul class="failures">'
        for detail, failures in _failures_by_detail(section):
            places = "; ".join(f"{_h_loc(f.location)} <code>{_h(f.resource)}</code>" for f in failures)
            yield f"<li>{_h(detail)}: {places}</li>" if detail else f"<li>{places}</li>"
        yield "</ul>"
    for heading, cols, cells in _check_tables(section, lang):
        yield f"<h5>{_h(heading)}</h5>"
        yield from _h_table(cols, (_h_row(c, lang) for c in cells), "findings")
    yield "</article>"
