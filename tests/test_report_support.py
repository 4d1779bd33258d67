"""Factories the reporter tests share (imported by the other test_report_*
modules), and tests of the helpers the reporters share."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from iacguard.engine.checks import Check, load_checks
from iacguard.findings import PARSE_ERROR_ID, PARSE_ERROR_TITLE, Finding, Passed
from iacguard.report import Report, Summary
from iacguard.report.common import by_priority, examined, json_pieces, terminal_safe, xml_safe
from iacguard.scan import ScanOptions, scan

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCHEMAS = Path(__file__).resolve().parent / "schemas"

# Strings a template author controls, each aimed at one of the formats.
HOSTILE = ("evil<script>alert(1)</script>]]>&amp;\"'`|x|`"
           "\x00\x07\x1b[31m\x1b]0;title\x07\x0b\x0c\ufffe\r\n::error::injected,%0A:%3A"
           "[link](javascript:alert(1))<img src=x onerror=alert(1)>*bold*_u_ #h")


def check(check_id: str = "IACG-AWS-001", severity: str = "HIGH", controls: Sequence[str] = ("NISC-4.1.5-1",),
          cis: Sequence[str] = ("CIS AWS Foundations 1.5.0 2.1.5",), provider: str = "aws",
          title: Optional[Dict[str, str]] = None, description: Optional[Dict[str, str]] = None) -> Check:
    return Check(
        id=check_id, severity=severity, provider=provider,
        title=title or {"en": f"{check_id} title", "ja": f"{check_id} のタイトル"},
        description=description or {"en": f"{check_id} description", "ja": f"{check_id} の説明"},
        remediation={"en": "Set `acl = \"private\"`.", "ja": "`acl = \"private\"` を設定する。"},
        controls=list(controls), cis=list(cis), clauses=[], source="test")


def finding(check_id: str = "IACG-AWS-001", severity: str = "HIGH", file: str = "main.tf", line: int = 3,
            resource: str = "aws_s3_bucket.b", attribute: str = "acl", message: str = "bucket is public",
            suppression: Optional[Dict[str, Any]] = None, controls: Sequence[str] = ("NISC-4.1.5-1",),
            snippet: Optional[List[Tuple[int, str]]] = None, end_line: Optional[int] = None) -> Finding:
    return Finding(
        check_id=check_id, severity=severity, format="terraform", file=file, line=line,
        end_line=end_line if end_line is not None else line, resource=resource,
        resource_type=resource.split(".")[0] if "." in resource else "t", attribute=attribute,
        title={"en": f"{check_id} title", "ja": f"{check_id} のタイトル"},
        message={"en": message, "ja": f"{message}（日本語）"}, controls=list(controls),
        cis=["CIS AWS Foundations 1.5.0 2.1.5"],
        remediation={"en": "Set `acl = \"private\"`.", "ja": "`acl = \"private\"` を設定する。"},
        suppressed=suppression is not None, suppression=suppression,
        snippet=snippet if snippet is not None else [(line, '  acl = "public-read"'), (line + 1, "}")])


def parse_error(file: str = "broken.tf", line: int = 2, text: str = "unexpected '}'") -> Finding:
    return Finding(check_id=PARSE_ERROR_ID, severity="HIGH", format="terraform", file=file, line=line,
                   end_line=line, resource="", resource_type="", attribute="", title=PARSE_ERROR_TITLE,
                   message={"en": text, "ja": f"解析できません: {text}"}, controls=[])


def report(findings: Sequence[Finding] = (), passed: Sequence[Passed] = (), checks: Sequence[Check] = (),
           lang: str = "en", **kwargs: Any) -> Report:
    parse_errors = sum(1 for f in findings if f.check_id == PARSE_ERROR_ID)
    return Report(findings=list(findings), passed=list(passed), checks=list(checks),
                  summary=Summary(files=3, resources=5, checks_run=len(checks), parse_errors=parse_errors),
                  lang=lang, **kwargs)


@lru_cache(maxsize=None)
def _examples_scan() -> Tuple[Any, Tuple[Check, ...]]:
    checkset = load_checks()
    result = scan(ScanOptions(paths=[str(EXAMPLES)], cwd=ROOT), checkset)
    return result, tuple(checkset.checks)


def examples_report(lang: str = "en") -> Report:
    """The bundled examples, scanned once per test session, paths relative to the repository."""
    result, checks = _examples_scan()
    return Report(findings=list(result.findings), passed=list(result.passed), checks=list(checks),
                  summary=Summary(files=len(result.files), resources=len(result.resources),
                                  checks_run=result.checks_run, parse_errors=len(result.parse_errors)),
                  lang=lang)


# --- the shared helpers ---------------------------------------------------------------


def test_xml_safe_keeps_text_and_drops_what_xml_forbids() -> None:
    assert xml_safe("a\tb\nc\rd 日本語 😀") == "a\tb\nc\rd 日本語 😀"
    assert xml_safe("a\x00b\x1bc\x0bd\ufffee\ud800f\x85g") == "abcdefg"


def test_terminal_safe_replaces_control_characters_and_line_breaks() -> None:
    # A template value must not start a line of its own (CI reads "::command::" lines).
    assert terminal_safe("a\x1b[31mb\x07\n\tc\x9b\u2028") == "a?[31mb??\tc??"


def test_examined_is_one_entry_per_check_file_and_resource() -> None:
    rep = report(
        findings=[finding(attribute="a", line=4), finding(attribute="b", line=3),
                  finding(resource="aws_s3_bucket.c", suppression={"kind": "inSource", "reason": "ok"}),
                  parse_error()],
        passed=[Passed("IACG-AWS-001", "aws_s3_bucket.d", "aws_s3_bucket", "main.tf", 9)])
    entries = {(e.check_id, e.resource): e for e in examined(rep)}
    assert set(entries) == {("IACG-AWS-001", "aws_s3_bucket.b"), ("IACG-AWS-001", "aws_s3_bucket.c"),
                            ("IACG-AWS-001", "aws_s3_bucket.d")}
    assert [f.line for f in entries["IACG-AWS-001", "aws_s3_bucket.b"].findings] == [3, 4]
    assert [e.outcome for e in entries.values()] == ["fail", "suppressed", "pass"]


def test_priority_puts_unsuppressed_and_severe_first() -> None:
    items = [finding(severity="LOW"), finding(severity="CRITICAL", suppression={"kind": "x", "reason": "r"}),
             finding(severity="MEDIUM"), finding(severity="CRITICAL")]
    assert [(f.severity, f.suppressed) for f in by_priority(items)] == [
        ("CRITICAL", False), ("MEDIUM", False), ("LOW", False), ("CRITICAL", True)]


def output_text(path: Path) -> str:
    """A written report as text, to search: a workbook's cell values, one a
    line (and none of them may be a formula: text from templates stays
    text); every other format as written."""
    data = path.read_bytes()
    if not data.startswith(b"PK"):
        return data.decode("utf-8")
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    lines = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}: {cell.value!r}"
                if cell.value is not None:
                    lines.append(str(cell.value))
    return "\n".join(lines)


def test_json_pieces_is_the_indented_dump_with_lone_surrogates_replaced_in_any_batch(monkeypatch) -> None:
    from iacguard.report import common

    document = {"items": [{"name": f"r{i}", "n": i, "ok": i % 2 == 0} for i in range(50)],
                "lone": "a\ud800b", "pair": "\ud83d\ude00", "nested": [["x\udfff"], {"k": None}]}
    expected = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    expected = expected.replace("\ud800", "\ufffd").replace("\udfff", "\ufffd").replace("\ud83d\ude00", "\U0001F600")
    for batch in (1, 2, 7, 4096):
        monkeypatch.setattr(common, "JSON_BATCH", batch)
        pieces = list(json_pieces(document))
        assert "".join(pieces) == expected
        assert all(p.encode("utf-8") for p in pieces)
