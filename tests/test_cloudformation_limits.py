"""Limits CloudFormation templates meet before cfn-lint's transforms run: each
is reported where it is hit, and the rest of the template is still judged."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import List, Optional, Tuple

from iacguard.engine.checks import load_checks
from iacguard.findings import PARSE_ERROR_ID
from iacguard.scan import ScanOptions, scan
from iacguard.source import Limits

HOSTILE = Path(__file__).resolve().parent.parent / "fixtures" / "_hostile"
CHECKS = load_checks()


def _findings(tmp_path: Path, name: str, limits: Optional[Limits] = None) -> List[Tuple[str, str, int, str]]:
    root = tmp_path / "repo"
    shutil.copytree(HOSTILE / name, root)
    (root / ".git").mkdir()
    result = scan(ScanOptions(paths=[str(root)], cwd=root, limits=limits or Limits()), CHECKS)
    return [(f.check_id, f.file, f.line, f.message["en"]) for f in result.findings]


def test_foreach_fan_out_is_reported_at_the_loop(tmp_path: Path) -> None:
    errors = [f for f in _findings(tmp_path, "cfn-foreach-bomb") if f[0] == PARSE_ERROR_ID]
    assert [(f[1], f[2]) for f in errors] == [("template.yaml", 6)]
    assert "Fn::ForEach makes more than 10000 copies" in errors[0][3]


def test_nested_stack_fan_out_stops_reading_but_keeps_the_parent(tmp_path: Path) -> None:
    found = _findings(tmp_path, "cfn-nested-stack-fanout")
    errors = [f for f in found if f[0] == PARSE_ERROR_ID]
    # Every levelN.yaml is also a template of its own whose fan-out hits the limit.
    message = "more than 200 nested stacks (max_nested_stacks); the rest are not read"
    assert errors and all(f[3] == message for f in errors)
    assert ("IACG-AWS-001", "parent.yaml") in {(f[0], f[1]) for f in found}


def test_alias_bomb_under_a_transform_is_reported_not_expanded(tmp_path: Path) -> None:
    errors = [f for f in _findings(tmp_path, "cfn-sam-alias-bomb") if f[0] == PARSE_ERROR_ID]
    assert errors and all(f[1] == "template.yaml" for f in errors)
    assert any("transforms not applied" in f[3] for f in errors)


def test_limits_can_be_raised_or_lowered(tmp_path: Path) -> None:
    lowered = _findings(tmp_path / "a", "cfn-nested-stack-fanout", Limits(max_nested_stacks=3))
    assert any(f[3].startswith("more than 3 nested stacks") for f in lowered)
    small = _findings(tmp_path / "b", "cfn-foreach-bomb", Limits(max_cloudformation_bytes=100))
    assert [(f[0], f[1], f[2]) for f in small] == [(PARSE_ERROR_ID, "template.yaml", 1)]
    assert "larger than the 100 bytes limit (max_cloudformation_bytes" in small[0][3]
    # Raised enough, the three loops of 10 (a smaller copy of the bomb) are expanded and judged.
    root = tmp_path / "c"
    root.mkdir()
    text = (HOSTILE / "cfn-foreach-bomb" / "template.yaml").read_text(encoding="utf-8")
    for letter in "abc":
        text = text.replace(", ".join(f"{letter}{i}" for i in range(10, 100)), "")
        text = text.replace(f"{letter}9, ]", f"{letter}9]")
    (root / "template.yaml").write_text(text, encoding="utf-8")
    result = scan(ScanOptions(paths=[str(root)], cwd=root, limits=Limits(max_cloudformation_copies=2000)), CHECKS)
    public = [f for f in result.findings if f.check_id == "IACG-AWS-001"]
    assert len(public) == 1000 and PARSE_ERROR_ID not in {f.check_id for f in result.findings}


def test_foreach_over_an_unresolvable_collection_reads_the_same_every_time(tmp_path: Path) -> None:
    # Two processes: each starts its random generator from the system.
    import json
    import subprocess
    import sys

    root = tmp_path / "repo"
    shutil.copytree(HOSTILE / "cfn-foreach-random-names", root)
    (root / ".git").mkdir()
    runs = []
    for n in range(2):
        out = tmp_path / f"{n}.json"
        subprocess.run([sys.executable, "-m", "iacguard", "scan", str(root), "--no-cache", "--format", "json",
                        "--output", str(out)], check=False, capture_output=True)
        runs.append([(f["check_id"], f["resource"], f["fingerprint"])
                     for f in json.loads(out.read_text(encoding="utf-8"))["findings"]])
    assert runs[0] == runs[1] and any(f[0] == "IACG-AWS-001" for f in runs[0])


def test_values_limit_holds_for_templates_without_aliases(tmp_path: Path) -> None:
    """Values are counted only where they could outnumber the characters
    (aliases, or a text longer than the limit): a long plain list still counts."""
    from iacguard.parsers.cloudformation.document import read_template

    items = "".join(f"        - v{i}\n" for i in range(300))
    text = ("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Metadata:\n      List:\n" + items)
    assert not read_template(text, limits=Limits(max_cloudformation_values=1000)).problems
    problems = read_template(text, limits=Limits(max_cloudformation_values=200)).problems
    assert [p[0] for p in problems] == [1] and "more than 200 values" in problems[0][1]
