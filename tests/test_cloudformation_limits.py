"""Limits CloudFormation templates meet before cfn-lint's transforms run: each
is reported where it is hit, and the rest of the template is still judged."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import List, Tuple

from iacguard.engine.checks import load_checks
from iacguard.findings import PARSE_ERROR_ID
from iacguard.scan import ScanOptions, scan

HOSTILE = Path(__file__).resolve().parent.parent / "fixtures" / "_hostile"
CHECKS = load_checks()


def _findings(tmp_path: Path, name: str) -> List[Tuple[str, str, int, str]]:
    root = tmp_path / "repo"
    shutil.copytree(HOSTILE / name, root)
    (root / ".git").mkdir()
    result = scan(ScanOptions(paths=[str(root)], cwd=root), CHECKS)
    return [(f.check_id, f.file, f.line, f.message["en"]) for f in result.findings]


def test_foreach_fan_out_is_reported_at_the_loop(tmp_path: Path) -> None:
    errors = [f for f in _findings(tmp_path, "cfn-foreach-bomb") if f[0] == PARSE_ERROR_ID]
    assert [(f[1], f[2]) for f in errors] == [("template.yaml", 6)]
    assert "Fn::ForEach makes more than 10000 copies" in errors[0][3]


def test_nested_stack_fan_out_stops_reading_but_keeps_the_parent(tmp_path: Path) -> None:
    found = _findings(tmp_path, "cfn-nested-stack-fanout")
    errors = [f for f in found if f[0] == PARSE_ERROR_ID]
    # Every levelN.yaml is also a template of its own whose fan-out hits the limit.
    assert errors and all(f[3] == "more than 200 nested stacks; the rest are not read" for f in errors)
    assert ("IACG-AWS-001", "parent.yaml") in {(f[0], f[1]) for f in found}


def test_alias_bomb_under_a_transform_is_reported_not_expanded(tmp_path: Path) -> None:
    errors = [f for f in _findings(tmp_path, "cfn-sam-alias-bomb") if f[0] == PARSE_ERROR_ID]
    assert errors and all(f[1] == "template.yaml" for f in errors)
    assert any("transforms not applied" in f[3] for f in errors)
