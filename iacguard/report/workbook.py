"""``--format xlsx``: the compliance checklist as an Excel workbook, with
columns for the sign-off of the person who made a setting (設定者) and the
person who manages and checks it (設定管理者), as Japanese local-government
guidelines ask work procedures to keep.

One sheet per framework (NISC, MIC, the CIS benchmarks, other controls), one
row per control: its requirement in Japanese and English, the checks that
judge it, the status, the evidence (file:line, failures first) and the commit
scanned. The sign-off columns are empty, with data validation on dates and
results. Given the previous workbook (``--checklist-from``), sign-offs are
carried over for rows whose status and evidence did not change; every other
row that had a sign-off is marked for re-review.

The model is the compliance report's (``compliance.build``); this module only
lays it out. Reading a previous workbook takes cell values only: openpyxl
never evaluates formulas, and nothing in a workbook runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .common import encodable, xml_safe
from .compliance import Compliance, ControlRow, build
from .i18n import both, t
from .model import Report

SIGNERS = ("setter", "manager")
SIGN_FIELDS = ("name", "date", "result", "comment")
RESULTS = tuple(both(f"wb.result.{r}") for r in ("confirmed", "needs_fix", "not_applicable"))
REVIEW_CARRIED = both("wb.review.carried")
REVIEW_AGAIN = both("wb.review.again")
# Excel refuses a cell longer than this.
MAX_CELL = 32_767
_SHEETS = {"nisc": "NISC", "mic": "MIC", "cis": "CIS", "other": "Other"}


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    width: int


def _sign_heading(signer: str, name: str) -> str:
    """``設定者氏名 / Setter name``."""
    signer_key, field_key = f"wb.signer.{signer}", f"wb.field.{name}"
    return f"{t(signer_key, 'ja')}{t(field_key, 'ja')} / {t(signer_key, 'en')} {t(field_key, 'en')}"


# A previous workbook's sign-offs are found by these headings: they must not change.
COLUMNS: Tuple[Column, ...] = (
    Column("control", both("wb.col.control"), 18),
    Column("group", both("wb.col.group"), 24),
    Column("requirement_ja", t("wb.col.requirement", "ja"), 40),
    Column("requirement_en", t("wb.col.requirement", "en"), 40),
    Column("checks", both("wb.col.checks"), 20),
    Column("status", both("col.status"), 16),
    Column("evidence", both("wb.col.evidence"), 48),
    Column("commit", both("wb.commit"), 14),
    *(Column(f"{signer}_{name}", _sign_heading(signer, name), 30 if name == "comment" else 16)
      for signer in SIGNERS for name in SIGN_FIELDS),
    Column("review", both("wb.col.review"), 18),
    Column("digest", both("wb.col.digest"), 20),
)
_INDEX = {c.key: i + 1 for i, c in enumerate(COLUMNS)}
SIGN_OFF_KEYS = tuple(f"{signer}_{name}" for signer in SIGNERS for name in SIGN_FIELDS)


def _evidence(row: ControlRow) -> str:
    failing = sorted({f"{f.location} {f.check_id} ({f.resource})" for f in row.failures})
    suppressed = sorted({f"{s.location} {s.check_id} ({s.resource}): {s.reason}" for s in row.suppressions})
    examined = sorted({f"{e.location} {e.check_id} ({e.resource})" for e in row.evidence if e.result == "pass"})
    lines = [f"✗ {x}" for x in failing] + [f"– {x}" for x in suppressed] + [f"✓ {x}" for x in examined]
    text = xml_safe(encodable("\n".join(lines)))  # as the cell will hold it
    if len(text) > MAX_CELL:
        cut = text[:MAX_CELL - 40].rsplit("\n", 1)[0]
        text = f"{cut}\n… ({len(lines) - cut.count(chr(10)) - 1} more)"
    return text


def _digest(row: ControlRow, evidence: str) -> str:
    """Status and evidence, hashed: the row's sign-off stands while it holds."""
    return hashlib.sha256(f"{row.status}\n{evidence}".encode("utf-8")).hexdigest()[:16]


def _rows(ja: Compliance, en: Compliance) -> Dict[str, List[Tuple[str, ControlRow, ControlRow]]]:
    """Sheet name -> (group title, Japanese row, English row); both models are
    built from the same report, so they have the same rows in the same order."""
    sheets: Dict[str, List[Tuple[str, ControlRow, ControlRow]]] = {}
    for part_ja, part_en in zip(ja.parts, en.parts, strict=True):
        rows = sheets.setdefault(_SHEETS.get(part_ja.key, part_ja.key), [])
        for group_ja, group_en in zip(part_ja.groups, part_en.groups, strict=True):
            for row_ja, row_en in zip(group_ja.rows, group_en.rows, strict=True):
                rows.append((group_ja.title if ja.lang == "ja" else group_en.title, row_ja, row_en))
    return sheets


SignOffs = Dict[Tuple[str, str], Tuple[str, Dict[str, object]]]


class WorkbookError(Exception):
    """A previous workbook that cannot be read; the message is for the user."""


def read_sign_offs(data: bytes) -> SignOffs:
    """(sheet, control label) -> (match key, sign-off cells) of a previous
    workbook. Only rows with something signed are returned."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and its own errors alike
        raise WorkbookError(f"not an Excel workbook: {exc}") from None
    found: SignOffs = {}
    try:
        for sheet in book.worksheets:
            if sheet.title not in _SHEETS.values():
                continue
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            where = {str(h): i for i, h in enumerate(header) if h is not None}
            positions = {c.key: where.get(c.heading) for c in COLUMNS}
            if positions["control"] is None or positions["digest"] is None:
                continue
            for values in rows:
                cells = {key: _cell(values, index) for key, index in positions.items()}
                signed = {k: cells[k] for k in SIGN_OFF_KEYS if cells[k] not in (None, "")}
                if signed and cells["control"]:
                    found[(sheet.title, str(cells["control"]))] = (str(cells["digest"] or ""), signed)
    finally:
        book.close()
    return found


def _cell(values: Sequence[object], index: Optional[int]) -> object:
    return values[index] if index is not None and index < len(values) else None


def render(report: Report, carried: Optional[SignOffs] = None) -> bytes:
    """The workbook's bytes. ``carried``: the sign-offs of the last workbook
    (``read_sign_offs``), kept where a row's status and evidence are unchanged."""
    ja = build(dataclasses.replace(report, lang="ja"))
    en = build(dataclasses.replace(report, lang="en"))
    carried = carried or {}
    book = Workbook()
    _summary(book.active, report, ja)
    for name, rows in _rows(ja, en).items():
        _sheet(book.create_sheet(name), name, rows, report.lang, report.info.commit, carried)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary(sheet: Worksheet, report: Report, ja: Compliance) -> None:
    sheet.title = both("wb.summary", " ")
    info = report.info
    counts = {status: 0 for status in ("fail", "pass", "not_applicable", "no_check", "not_checkable")}
    for part in ja.parts:
        for status, count in part.counts().items():
            counts[status] += count
    rows: List[Tuple[str, object]] = [
        (both("wb.tool"), f"iacguard {report.tool_version}"),
        (both("c.info.started"), info.started),
        (both("wb.paths"), "\n".join(info.paths)),
        (both("wb.commit"), info.commit + (f" ({both('wb.dirty')})" if info.dirty else "")),
        (both("wb.checkset"), info.checkset_digest),
        (both("wb.config"), info.config_digest),
        (both("wb.files"), report.summary.files),
        (both("wb.resources"), report.summary.resources),
        (both("wb.checks_run"), report.summary.checks_run),
        *((both(f"status.{status}"), count) for status, count in counts.items()),
    ]
    for row in rows:
        _append(sheet, list(row))
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 60


def _sheet(sheet: Worksheet, name: str, rows: Sequence[Tuple[str, ControlRow, ControlRow]], lang: str,
           commit: str, carried: SignOffs) -> None:
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    sheet.append([c.heading for c in COLUMNS])
    for number, column in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
        sheet.cell(1, number).font = bold
        sheet.cell(1, number).alignment = wrap
    sheet.freeze_panes = "B2"
    review_fill = PatternFill("solid", fgColor="FFF2CC")
    for group, row_ja, row_en in rows:
        evidence = _evidence(row_en)
        digest = _digest(row_en, evidence)
        # A CIS row's id is the item number alone; its label names the benchmark.
        label = row_en.label if name == _SHEETS["cis"] else row_en.id
        values: Dict[str, object] = {
            "control": label, "group": group,
            "requirement_ja": row_ja.title, "requirement_en": row_en.title,
            "checks": ", ".join(row_en.checks), "status": t(f"status.{row_en.status}", lang),
            "evidence": evidence, "commit": commit, "digest": digest,
        }
        before = carried.get((name, label))
        if before is not None:
            if before[0] == digest:
                values.update(before[1])
                values["review"] = REVIEW_CARRIED
            else:
                values["review"] = REVIEW_AGAIN
        _append(sheet, [values.get(c.key) for c in COLUMNS])
        if values.get("review") == REVIEW_AGAIN:
            sheet.cell(sheet.max_row, _INDEX["review"]).fill = review_fill
        for number in (_INDEX["requirement_ja"], _INDEX["requirement_en"], _INDEX["evidence"]):
            sheet.cell(sheet.max_row, number).alignment = wrap
    _validate(sheet)
    sheet.column_dimensions[get_column_letter(_INDEX["digest"])].hidden = True
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(sheet.max_row, 2)}"


def _append(sheet: Worksheet, values: List[object]) -> None:
    """A row whose text comes from templates: every character one a workbook
    can hold (no control characters, no lone surrogates), and a text that
    begins with "=" stays text, never a formula."""
    sheet.append([xml_safe(encodable(v)) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def _validate(sheet: Worksheet) -> None:
    last = max(sheet.max_row, 2) + 500  # room for rows an auditor adds by hand
    results = DataValidation(type="list", formula1='"' + ",".join(RESULTS) + '"', allow_blank=True,
                             showErrorMessage=True, errorTitle=both("wb.valid.result"),
                             error=both("wb.valid.choose"))
    dates = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                           showErrorMessage=True, errorTitle=both("wb.valid.date"),
                           error=both("wb.valid.enter_date"))
    names = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="100", allow_blank=True)
    for validation in (results, dates, names):
        sheet.add_data_validation(validation)
    for signer in SIGNERS:
        for name, validation in (("result", results), ("date", dates), ("name", names)):
            letter = get_column_letter(_INDEX[f"{signer}_{name}"])
            validation.add(f"{letter}2:{letter}{last}")
        letter = get_column_letter(_INDEX[f"{signer}_date"])
        for number in range(2, sheet.max_row + 1):
            sheet[f"{letter}{number}"].number_format = "yyyy-mm-dd"
