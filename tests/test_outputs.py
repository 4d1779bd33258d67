"""Output formats: SARIF against the official 2.1.0 schema, text layout."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from iacguard.engine.checks import load_checks
from iacguard.report import Report, Summary, writer
from iacguard.scan import ScanOptions, scan

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text())
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _report(lang: str = "en") -> Report:
    checkset = load_checks()
    result = scan(ScanOptions(paths=[str(EXAMPLES)], cwd=EXAMPLES.parent), checkset)
    return Report(findings=result.findings, passed=result.passed, checks=checkset.checks,
                  summary=Summary(files=len(result.files), resources=len(result.resources),
                                  checks_run=result.checks_run, parse_errors=len(result.parse_errors)),
                  lang=lang)


def test_sarif_validates_against_the_official_schema() -> None:
    report = _report()
    assert report.findings, "the examples are meant to produce findings"
    doc = json.loads(writer("sarif")(report))
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    rule_ids = [r["id"] for r in rules]
    assert len(rule_ids) == len(set(rule_ids))
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert location["region"]["startLine"] >= 1
        assert result["partialFingerprints"]["iacguard/v1"]
    for rule in rules:
        float(rule["properties"]["security-severity"])
        assert rule["help"]["text"] and rule["help"]["markdown"]


def test_sarif_in_japanese() -> None:
    doc = json.loads(writer("sarif")(_report("ja")))
    jsonschema.validate(doc, SCHEMA)
    texts = [r["message"]["text"] for r in doc["runs"][0]["results"]]
    assert any(any("\u3040" <= ch <= "\u30ff" for ch in t) for t in texts)


def test_text_groups_by_file_and_ends_with_summary() -> None:
    text = writer("text")(_report())
    lines = text.rstrip("\n").splitlines()
    assert "findings" in lines[-1] and "passed" in lines[-1]
    headers = [ln for ln in lines if ln and not ln.startswith(" ") and ln != lines[-1]]
    assert headers == sorted(set(headers)), "each file is one group, in order"


def test_text_output_strips_terminal_control_sequences() -> None:
    from iacguard.findings import Finding

    evil = Finding(check_id="IACG-AWS-001", severity="HIGH", format="terraform", file="a.tf", line=1,
                   end_line=1, resource="aws_s3_bucket.\x1b[31mred", resource_type="aws_s3_bucket",
                   attribute="acl", title={"en": "t", "ja": "t"}, message={"en": "m\x1b]0;x\x07", "ja": "m"},
                   controls=[])
    text = writer("text")(Report([evil], [], [], Summary()))
    assert "\x1b" not in text and "\x07" not in text


def test_reports_come_piece_by_piece(monkeypatch) -> None:
    """Large reports are written piece by piece, never held whole; the JSON
    pieces join to exactly what one json.dumps of the document writes."""
    from iacguard.report import common, pieces

    monkeypatch.setattr(common, "JSON_BATCH", 8)  # a small report in many pieces, as a large one is
    report = _report()
    assert len(report.findings) > 10
    for fmt in ("json", "text", "github", "junit", "markdown", "html"):
        assert len(list(pieces(fmt)(report))) > len(report.findings), fmt
    for fmt in ("json", "sarif"):
        written = writer(fmt)(report)
        assert written == json.dumps(json.loads(written), ensure_ascii=False, indent=2) + "\n", fmt
    doc = json.loads(writer("json")(report))
    assert len(doc["findings"]) == len(report.findings) and len(doc["passed"]) == len(report.passed)
    assert doc["findings"][0]["check_id"] == report.findings[0].check_id


def test_a_large_sarif_log_is_spooled_to_disk_and_comes_back_whole(monkeypatch) -> None:
    from iacguard.report import sarif

    report = _report()
    in_memory = writer("sarif")(report)
    monkeypatch.setattr(sarif, "SPOOL_BYTES", 1024)
    monkeypatch.setattr(sarif, "SPOOL_BLOCK", 7)  # blocks that split multi-byte characters
    assert writer("sarif")(report) == in_memory
    japanese = writer("sarif")(_report("ja"))
    monkeypatch.setattr(sarif, "SPOOL_BYTES", 1 << 24)
    monkeypatch.setattr(sarif, "SPOOL_BLOCK", 1 << 16)
    assert writer("sarif")(_report("ja")) == japanese


def test_format_table_is_what_the_command_line_offers() -> None:
    from iacguard.cli import build_parser
    from iacguard.report import FORMATS

    scan = next(a for a in build_parser()._subparsers._group_actions[0].choices["scan"]._actions
                if a.dest == "formats")
    assert list(scan.choices) == list(FORMATS)
    assert [name for name, spec in FORMATS.items() if spec.binary] == ["xlsx"]
    assert sorted(name for name, spec in FORMATS.items() if spec.audit) == ["html", "markdown", "xlsx"]
    for spec in FORMATS.values():
        assert callable(spec.load()), spec.name
