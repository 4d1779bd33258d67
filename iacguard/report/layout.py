"""What the Markdown and HTML compliance reports lay out alike: evidence
grouped by check and outcome, the overview table's cells, the header rows.
Each cell is (kind, text); the kind tells a renderer how to show it:
``text`` (prose), ``code`` (resources), ``loc`` (file:line, never broken
inside a name or number), ``id``/``ids``, ``status``, ``num``, ``rich``."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Sequence, Tuple

from .compliance import STATUSES, CheckSection, Compliance, ControlRow, Evidence, Failure, Group, Part
from .i18n import t

# Check-authored text marks code with backticks; nothing else is markup.
CODE_SPAN = re.compile(r"`([^`]+)`")


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


def evidence_lines(row: ControlRow) -> List[EvidenceLine]:
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


def lines_text(lines: Sequence[int]) -> str:
    return ", ".join(str(n) for n in lines)


def failures_by_detail(section: CheckSection) -> List[Tuple[str, List[Failure]]]:
    """A check's failures grouped by what is wrong (the message's detail), in
    order of first appearance: ten clusters without deletion protection are
    one line, not ten."""
    grouped: Dict[str, List[Failure]] = {}
    for f in section.failures:
        grouped.setdefault(f.message, []).append(f)
    return list(grouped.items())


def check_tables(section: CheckSection, lang: str) -> List[Tuple[str, List[str], List[List[Tuple[str, str]]]]]:
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


def overview(row: ControlRow) -> List[Tuple[str, str]]:
    dash = "—"
    examined_count = str(row.examined_count) if row.checks else dash
    return [("id", row.id), ("text", row.title), ("status", row.status),
            ("ids", ", ".join(row.checks)) if row.checks else ("text", dash), ("num", examined_count)]


def overview_heads(part: Part, lang: str) -> List[str]:
    first, second = ("col.item", "col.looks_for") if part.key == "cis" else ("col.id", "col.control")
    return [t(k, lang) for k in (first, second, "col.status", "col.checks", "col.examined")]


def group_notes(group: Group) -> List[Tuple[List[str], str]]:
    """The group's notes below its table, full width: controls that share a
    note (often the reason they cannot be checked) are named together."""
    by_note: Dict[str, List[str]] = {}
    for row in group.rows:
        if row.note:
            by_note.setdefault(row.note, []).append(row.id)
    return [(ids, note) for note, ids in by_note.items()]


def details_shown(part: Part) -> bool:
    """CIS items cite the same checks as the NISC and MIC controls, whose
    details already hold every piece of evidence: not repeated there."""
    return part.key != "cis"


def status_counts(model: Compliance) -> Tuple[List[str], List[List[str]]]:
    heads = [t("col.status", model.lang)] + [p.title for p in model.parts]
    counts = [p.counts() for p in model.parts]
    rows = [[status] + [str(c[status]) for c in counts] for status in STATUSES]
    rows.append(["total"] + [str(sum(c.values())) for c in counts])
    return heads, rows


def about(m: Compliance) -> List[Tuple[str, str, str]]:
    """(label, kind, value) rows of the header: when, what, with which rules."""
    info, lang = m.info, m.lang
    commit = info.commit + (f" ({t('c.info.dirty', lang)})" if info.dirty and info.commit else "")
    rows = [("c.info.started", "text", info.started), ("c.info.paths", "code", ", ".join(info.paths)),
            ("c.info.commit", "code", commit), ("c.info.version", "text", f"iacguard {m.version}"),
            ("c.info.checkset", "code", info.checkset_digest), ("c.info.config", "code", info.config_digest)]
    return [(t(key, lang), kind, value) for key, kind, value in rows if value]


def joined(lines: Iterable[str]) -> Iterator[str]:
    """``"\\n".join(lines)``, piece by piece: a report is written as it is made."""
    separator = ""
    for line in lines:
        yield separator + line
        separator = "\n"
