"""The compliance model of ``--format markdown``, ``html`` and ``xlsx``:
what an auditor reads, computed once from the ``Report`` and the control
catalogue; the renderers only lay it out.

For every control of the catalogue (NISC ch. 4.1/4.2 rows grouped by
section, MIC rows grouped by category) and every CIS item the checks cite,
the status is:

- ``fail``: a check citing it has an unsuppressed finding;
- ``pass``: the checks citing it ran, examined resources, found nothing unsuppressed;
- ``not_applicable``: the checks citing it ran but found no resource to examine;
- ``no_check``: checkable from IaC, but no check of this run cites it;
- ``not_checkable``: the catalogue says IaC cannot show it (with the reason).

Each control keeps what its checks examined (``Evidence``); each check with
failures or suppressions gets one ``CheckSection`` with its remediation, its
failing resources and its suppressions with their reasons.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from ..engine.checks import known_controls
from .common import Examined, examined, location, message, parse_errors, suppression_kind, suppression_reason
from .i18n import has, t
from .model import Report, ScanInfo

STATUSES = ("fail", "pass", "not_applicable", "no_check", "not_checkable")
# "CIS AWS Foundations 1.5.0 2.1.5" (benchmark and version, item), or
# "CIS Microsoft 365 Foundations 4.13" when no version is given.
_CIS = re.compile(r"^(CIS\b.*?\d+(?:\.\d+)+|CIS\b.*?)\s+(\S+)$")


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
    file: str
    line: int
    message: str

    @property
    def location(self) -> str:
        return location(self.file, self.line)


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


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-").lower() or "x"


def _version_key(text: str) -> Tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\s]", text))


def _base(report: Report) -> str:
    """The directory all examined files share ("dir/" or ""): written once in
    the header rather than in front of every location."""
    files = [f.file for f in report.findings] + [p.file for p in report.passed]
    dirs = {file.rsplit("/", 1)[0] + "/" if "/" in file else "" for file in files if file}
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
                row.failures.append(Failure(f.check_id, f.severity, f.resource, f.file[self.cut:], f.line,
                                            message(f, self.lang)))
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
            group = nisc.setdefault(number, Group(f"nisc-{slug(number)}", t(key, lang) if has(key) else section))
        else:
            category = str(entry.get("mic_category") or "other")
            key = f"mic.{category}"
            group = mic.setdefault(category, Group(f"mic-{slug(category)}", t(key, lang) if has(key) else category))
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
        group = benchmarks.setdefault(benchmark, Group(f"cis-{slug(benchmark)}", benchmark))
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
            section.failures.append(Failure(f.check_id, f.severity, f.resource, f.file[cut:], f.line,
                                            _detail(message(f, lang), titles[f.check_id])))
    return [sections[k] for k in sorted(sections)]
