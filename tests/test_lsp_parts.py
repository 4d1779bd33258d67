"""The language server's parts without a client: provenance as related
information, ranges, suppression comments (and that they suppress)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_paths import check_fixtures
from lsprotocol import types

from iacguard.engine.checks import load_checks
from iacguard.findings import Finding
from iacguard.lsp.actions import comment_prefix, suppression_actions
from iacguard.lsp.diagnostics import line_range, related_information
from iacguard.scan import ScanOptions, scan


def _finding(**extra) -> Finding:
    finding = Finding("IACG-AWS-004", "HIGH", "terraform", "main.tf", 7, 7, "aws_security_group.admin",
                      "aws_security_group", "ingress[0].cidr_blocks[0]", {"en": "t"}, {"en": "m"}, [])
    for name, value in extra.items():
        setattr(finding, name, value)
    return finding


def test_provenance_becomes_related_information(tmp_path: Path):
    finding = _finding(provenance=[{"file": "variables.tf", "line": 3, "what": "var.admin_cidr default"},
                                   {"file": "prod.tfvars", "line": 0, "what": ""}])
    first, second = related_information(finding, tmp_path)
    assert first.location.uri == (tmp_path / "variables.tf").resolve().as_uri()
    assert first.location.range.start == types.Position(2, 0)
    assert first.message == "var.admin_cidr default"
    assert second.location.range.start.line == 0 and second.message == "value defined here"


def test_a_finding_without_provenance_has_no_related_information(tmp_path: Path):
    assert related_information(_finding(), tmp_path) == []
    assert related_information(_finding(provenance=[{"line": 2}]), tmp_path) == []


def test_line_range_starts_at_the_text_and_clamps_past_the_end():
    lines = ["a = 1", "    b = [", "    ]"]
    assert line_range(lines, 2, 3) == types.Range(types.Position(1, 4), types.Position(2, 5))
    assert line_range(lines, 9, 9) == types.Range(types.Position(8, 0), types.Position(8, 0))


def test_comment_syntax_follows_the_format():
    assert comment_prefix("main.tf") == "#"
    assert comment_prefix("template.yaml") == "#"
    assert comment_prefix("azuredeploy.json") == "//"
    assert comment_prefix("main.tf.json") is None


def test_no_suppression_for_parse_errors_or_files_without_comments():
    diagnostic = types.Diagnostic(range=types.Range(types.Position(0, 0), types.Position(0, 1)), message="m",
                                  code="IACG-000", source="iacguard")
    assert suppression_actions("file:///x/main.tf", "main.tf", ["x"], [diagnostic]) == []
    diagnostic.code = "IACG-AWS-004"
    assert suppression_actions("file:///x/main.tf.json", "main.tf.json", ["x"], [diagnostic]) == []
    [action] = suppression_actions("file:///x/t.yaml", "t.yaml", ["  Prop: 1"], [diagnostic])
    assert action.edit.changes["file:///x/t.yaml"][0].new_text.startswith("  # iacguard:ignore IACG-AWS-004 ")


@pytest.mark.parametrize("fixture", ["IACG-AWS-004/fail/main.tf", "IACG-AWS-004/fail/template.yaml",
                                     "IACG-AZURE-001/fail/azuredeploy.json"])
def test_the_suppression_comment_suppresses_in_each_format(tmp_path: Path, fixture: str):
    source = check_fixtures(fixture)
    target = tmp_path / source.name
    text = source.read_text()
    target.write_text(text)
    checks = load_checks()
    before = [f for f in scan(ScanOptions(paths=["."], cwd=tmp_path), checks).findings if not f.suppressed]
    assert before
    lines = text.split("\n")
    first = before[0]
    diagnostic = types.Diagnostic(range=line_range(lines, first.line, first.end_line), message="m",
                                  code=first.check_id, source="iacguard")
    [action] = suppression_actions(target.as_uri(), target.name, lines, [diagnostic])
    [edit] = action.edit.changes[target.as_uri()]
    at = edit.range.start.line
    target.write_text("\n".join(lines[:at]) + "\n" + edit.new_text + "\n".join(lines[at:]))
    after = scan(ScanOptions(paths=["."], cwd=tmp_path), checks).findings
    suppressed = [f for f in after if f.suppressed]
    assert [(f.check_id, f.line) for f in suppressed] == [(first.check_id, first.line + 1)]
    assert not [f for f in after if f.check_id.startswith("IACG-00")]  # the comment itself is valid
