"""``--format xlsx``: the checklist workbook, read back with openpyxl: one
sheet per framework, a row per control with its evidence, validated sign-off
columns, and sign-offs carried over only where status and evidence held."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Dict, Tuple

import openpyxl
import openpyxl.utils
from test_report_support import check, finding, report

from iacguard.findings import Passed
from iacguard.report import ScanInfo
from iacguard.report.workbook import COLUMNS, REVIEW_AGAIN, REVIEW_CARRIED, read_sign_offs, render

HEAD = {c.key: c.heading for c in COLUMNS}


def _report(line: int = 4, lang: str = "ja"):
    checks = [check("IACG-AWS-001", controls=["NISC-4.1.5-1"], cis=["CIS AWS Foundations 1.5.0 2.1.5"]),
              check("IACG-AWS-004", controls=["NISC-4.1.4-3"])]
    findings = [finding("IACG-AWS-001", resource="aws_s3_bucket.site", file="web/s3.tf", line=line)]
    passed = [Passed("IACG-AWS-004", "aws_security_group.web", "aws_security_group", "net/sg.tf", 1)]
    return report(findings, passed, checks, lang=lang)


def _rows(data: bytes, sheet: str) -> Dict[str, Dict[str, object]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = book[sheet].iter_rows(values_only=True)
    header = next(rows)
    return {str(values[0]): dict(zip(header, values, strict=True)) for values in rows}


def test_one_sheet_per_framework_and_a_row_per_control() -> None:
    scanned = _report()
    scanned.info = ScanInfo("2026-12-06T10:00:00+09:00", ("infra",), "abc1234", dirty=True, checkset_digest="c" * 64)
    data = render(scanned)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["概要 Summary", "NISC", "MIC", "CIS"]
    nisc = _rows(data, "NISC")
    failing = nisc["NISC-4.1.5-1"]
    assert failing[HEAD["status"]] == "不適合"
    assert failing[HEAD["checks"]] == "IACG-AWS-001"
    assert failing[HEAD["evidence"]] == "✗ web/s3.tf:4 IACG-AWS-001 (aws_s3_bucket.site)"
    assert failing[HEAD["commit"]] == "abc1234"
    assert failing[HEAD["requirement_ja"]] and failing[HEAD["requirement_en"]]
    assert failing[HEAD["requirement_ja"]] != failing[HEAD["requirement_en"]]
    assert nisc["NISC-4.1.4-3"][HEAD["status"]] == "適合"
    assert nisc["NISC-4.1.4-3"][HEAD["evidence"]] == "✓ net/sg.tf:1 IACG-AWS-004 (aws_security_group.web)"
    assert all(row[HEAD["setter_name"]] is None and row[HEAD["manager_result"]] is None for row in nisc.values())
    assert "CIS AWS Foundations 1.5.0 2.1.5" in _rows(data, "CIS")
    summary = {row[0]: row[1] for row in book["概要 Summary"].iter_rows(values_only=True)}
    assert summary["コミット / Commit"].startswith("abc1234 (") and summary["対象 / Paths"] == "infra"
    assert summary["実施日時 / Scanned at"] == "2026-12-06T10:00:00+09:00"
    assert summary["チェックセット / Check set (SHA-256)"] == "c" * 64


def test_sign_off_columns_are_validated() -> None:
    book = openpyxl.load_workbook(io.BytesIO(render(_report())))
    sheet = book["NISC"]
    letters = {c.key: openpyxl.utils.get_column_letter(i) for i, c in enumerate(COLUMNS, 1)}
    by_type: Dict[str, set] = {}
    for validation in sheet.data_validations.dataValidation:
        by_type.setdefault(validation.type, set()).update(
            str(r).split(":")[0].rstrip("0123456789") for r in validation.sqref.ranges)
    assert {letters["setter_result"], letters["manager_result"]} <= by_type["list"]
    assert {letters["setter_date"], letters["manager_date"]} <= by_type["date"]
    assert sheet.column_dimensions[letters["digest"]].hidden


def _sign(data: bytes, controls: Tuple[str, ...]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["NISC"]
    index = {c.key: i for i, c in enumerate(COLUMNS, 1)}
    for number in range(2, sheet.max_row + 1):
        if sheet.cell(number, 1).value in controls:
            sheet.cell(number, index["setter_name"]).value = "山田 太郎"
            sheet.cell(number, index["setter_date"]).value = dt.datetime(2026, 12, 1)
            sheet.cell(number, index["manager_result"]).value = "確認済 / confirmed"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_sign_offs_carry_over_only_where_status_and_evidence_held() -> None:
    signed = _sign(render(_report(line=4)), ("NISC-4.1.5-1", "NISC-4.1.4-3"))
    assert set(read_sign_offs(signed)) == {("NISC", "NISC-4.1.5-1"), ("NISC", "NISC-4.1.4-3")}
    # The failing bucket moved to line 9: its evidence changed, the other row did not.
    again = _rows(render(_report(line=9), read_sign_offs(signed)), "NISC")
    moved, same = again["NISC-4.1.5-1"], again["NISC-4.1.4-3"]
    assert moved[HEAD["review"]] == REVIEW_AGAIN and moved[HEAD["setter_name"]] is None
    assert same[HEAD["review"]] == REVIEW_CARRIED
    assert same[HEAD["setter_name"]] == "山田 太郎" and same[HEAD["manager_result"]] == "確認済 / confirmed"
    assert same[HEAD["setter_date"]] == dt.datetime(2026, 12, 1)
    # A row nobody signed is neither carried nor marked.
    assert all(row[HEAD["review"]] is None for cid, row in again.items() if cid not in ("NISC-4.1.5-1", "NISC-4.1.4-3"))


def test_a_previous_workbook_in_english_lays_out_the_same() -> None:
    signed = _sign(render(_report(lang="en")), ("NISC-4.1.4-3",))
    again = _rows(render(_report(lang="ja"), read_sign_offs(signed)), "NISC")
    assert again["NISC-4.1.4-3"][HEAD["review"]] == REVIEW_CARRIED
    assert _rows(signed, "NISC")["NISC-4.1.4-3"][HEAD["status"]] == "Pass"


def test_the_command_line_writes_and_carries_over_the_workbook(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n')
    code, _, err = run(["scan", "main.tf", "--check", "IACG-AWS-001", "--format", "xlsx", "--output", "list.xlsx"],
                       tmp_path)
    assert code == 1 and "wrote xlsx to list.xlsx" in err
    first = (tmp_path / "list.xlsx").read_bytes()
    assert _rows(first, "NISC")["NISC-4.1.5-1"][HEAD["status"]] in ("Fail", "不適合")
    (tmp_path / "signed.xlsx").write_bytes(_sign(first, ("NISC-4.1.5-1",)))
    code, _, _ = run(["scan", "main.tf", "--check", "IACG-AWS-001", "--format", "xlsx", "--output", "again.xlsx",
                      "--checklist-from", "signed.xlsx"], tmp_path)
    row = _rows((tmp_path / "again.xlsx").read_bytes(), "NISC")["NISC-4.1.5-1"]
    assert row[HEAD["review"]] == REVIEW_CARRIED and row[HEAD["setter_name"]] == "山田 太郎"


def test_a_checklist_that_is_no_workbook_is_refused_before_scanning(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n')
    (tmp_path / "old.xlsx").write_text("not a workbook")
    code, _, err = run(["scan", "main.tf", "--format", "xlsx", "--output", "new.xlsx", "--checklist-from", "old.xlsx"],
                       tmp_path)
    assert code == 2 and "--checklist-from old.xlsx" in err and not (tmp_path / "new.xlsx").exists()


def test_text_from_templates_is_never_a_formula_or_a_control_character() -> None:
    checks = [check("IACG-AWS-001", controls=["NISC-4.1.5-1"])]
    findings = [finding("IACG-AWS-001", resource='=HYPERLINK("https://evil.example","x")', file="=cmd|x.tf",
                        line=2, message="\x1b[31m\x00bad\ud800")]
    book = openpyxl.load_workbook(io.BytesIO(render(report(findings, [], checks))))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    text = "\n".join(str(c.value) for c in cells)
    assert '=HYPERLINK("https://evil.example","x")' in text and "\x00" not in text and "\x1b" not in text
