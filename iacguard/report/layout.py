"""What the Markdown and HTML compliance reports lay out alike: a control's
checks counted, a check's failures by what is wrong and by file, the
overview table's cells, the header rows.
Each cell is (kind, text); the kind tells a renderer how to show it:
``text`` (prose), ``code`` (resources), ``loc`` (file:line, never broken
inside a name or number), ``id``/``ids``, ``status``, ``num``, ``rich``."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Protocol, Sequence, Tuple, TypeVar

from .compliance import STATUSES, CheckSection, Compliance, ControlRow, Failure, Group, Part
from .i18n import t

# Check-authored text marks code with backticks; nothing else is markup.
CODE_SPAN = re.compile(r"`([^`]+)`")


# A control names at most this many checks that found nothing; more are
# counted, their ids folded (HTML) so a row stays a line or two on paper.
INLINE_CHECKS = 3


@dataclass(frozen=True)
class Tally:
    """What one check citing a control found: resources failing, suppressed
    and passing. A check with failures or suppressions has its section in
    "Failures by check", where every one is listed by file and line."""

    check_id: str
    failed: int = 0
    suppressed: int = 0

    @property
    def detailed(self) -> bool:
        return bool(self.failed or self.suppressed)

    def results(self) -> List[Tuple[str, int]]:
        """(result, count), failures first, of what it has."""
        return [(result, n) for result, n in (("fail", self.failed), ("suppressed", self.suppressed)) if n]


def tallies(row: ControlRow) -> Tuple[List[Tally], List[Tally]]:
    """The row's checks with failures or suppressions, and the others, each
    in the order the row names them."""
    counts: Dict[str, Dict[str, int]] = {cid: defaultdict(int) for cid in row.checks}
    for e in row.evidence:
        counts.setdefault(e.check_id, defaultdict(int))[e.result] += 1
    out = [Tally(cid, c["fail"], c["suppressed"]) for cid, c in counts.items()]
    return [x for x in out if x.detailed], [x for x in out if not x.detailed]


class Placed(Protocol):
    @property
    def file(self) -> str: ...

    @property
    def line(self) -> int: ...


P = TypeVar("P", bound=Placed)


def by_file(items: Sequence[P]) -> List[Tuple[str, str, List[P]]]:
    """(file, its lines as ``10, 20``, its items), files in order of first
    appearance: each place is said once, the file once for all its lines."""
    grouped: Dict[str, List[P]] = {}
    for f in items:
        grouped.setdefault(f.file, []).append(f)
    return [(file, ", ".join(dict.fromkeys(str(f.line) for f in group if f.line > 0)), group)
            for file, group in grouped.items()]


def passed_places(row: ControlRow) -> List[str]:
    """Where the row's checks found nothing wrong, ``["main.tf: 3, 9", "b.tf"]``:
    the passing evidence, each file once (what the Resources column counts)."""
    passing = [e for e in row.evidence if e.result == "pass" and e.resource_type != "provider"]
    return [f"{file}: {lines}" if lines else file for file, lines, _ in by_file(passing)]


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


DASH = "—"


def overview(row: ControlRow) -> List[Tuple[str, str]]:
    """The row's cells but its checks (each renderer lays those out: linked,
    counted, folded)."""
    examined_count = str(row.examined_count) if row.checks else DASH
    return [("id", row.id), ("text", row.title), ("status", row.status), ("num", examined_count)]


def overview_heads(part: Part, lang: str) -> List[str]:
    first, second = ("col.item", "col.looks_for") if part.key == "cis" else ("col.id", "col.control")
    return [t(k, lang) for k in (first, second, "col.status", "col.examined", "col.checks")]


def group_notes(group: Group) -> List[Tuple[List[str], str]]:
    """The group's notes below its table, full width: controls that share a
    note (often the reason they cannot be checked) are named together."""
    by_note: Dict[str, List[str]] = {}
    for row in group.rows:
        if row.note:
            by_note.setdefault(row.note, []).append(row.id)
    return [(ids, note) for note, ids in by_note.items()]


def status_counts(model: Compliance) -> Tuple[List[str], List[List[str]]]:
    heads = [t("col.status", model.lang)] + [p.title for p in model.parts]
    counts = [p.counts() for p in model.parts]
    rows = [[status] + [str(c[status]) for c in counts] for status in STATUSES]
    rows.append(["total"] + [str(sum(c.values())) for c in counts])
    return heads, rows


def intro(m: Compliance) -> str:
    return t("c.intro", m.lang, version=m.version, files=m.files, resources=m.resources, checks=m.checks_run)


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
