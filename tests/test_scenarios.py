"""Whole-configuration scenarios: evaluation features end to end.

Each directory under fixtures/_scenarios/<format>/<case>/ holds a small
configuration and a ``scenario.yaml``:

    checks: [IACG-AWS-001]            # the checks whose findings are compared
    vars: ["name=value"]              # optional Terraform --var
    var_files: [prod.tfvars]          # optional, relative to the case
    env: {TF_VAR_x: "..."}            # optional environment
    parameters: [params.json]         # optional CloudFormation/ARM parameter files
    expect:                           # exactly these findings of those checks
      - {check: IACG-AWS-001, file: main.tf, line: 5, resource: aws_s3_bucket.b}
        # optional per entry: message: "a piece of the English message"
    notes: ["substring of an expected note"]   # optional
    parse_errors:                     # optional: the IACG-000 entries expected
      - {file: main.json, line: 3, message: "a piece of the message"}

Cases are where a scanner that does not evaluate would be wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from iacguard.engine.checks import load_checks
from iacguard.parsers.terraform.inputs import TerraformInputs
from iacguard.scan import ScanOptions, scan, select_checks

SCENARIOS = Path(__file__).resolve().parent.parent / "fixtures" / "_scenarios"
CHECKSET = load_checks()


def _cases() -> List[Path]:
    return sorted(p.parent for p in SCENARIOS.glob("*/*/scenario.yaml"))


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_scenario(case: Path) -> None:
    spec: Dict[str, Any] = yaml.safe_load((case / "scenario.yaml").read_text(encoding="utf-8"))
    checks = select_checks(CHECKSET, spec["checks"], [])
    assert len(checks.checks) == len(spec["checks"]), "scenario names an unknown check"
    options = ScanOptions(
        paths=[str(case)], cwd=case,
        terraform=TerraformInputs(
            var_files=[str(case / f) for f in spec.get("var_files", [])],
            vars=spec.get("vars", []),
            environ=spec.get("env", {}),
        ),
        parameters=[str(case / f) for f in spec.get("parameters", [])],
    )
    result = scan(options, checks)
    errors = [(e.file, e.line) for e in result.parse_errors]
    assert errors == [(e["file"], e["line"]) for e in spec.get("parse_errors", [])], result.parse_errors
    for error, entry in zip(result.parse_errors, spec.get("parse_errors", []), strict=True):
        assert entry["message"] in error.message
    assert not result.check_errors, [(e.check_id, e.resource, e.message) for e in result.check_errors]
    found = sorted((f.check_id, f.file, f.line, f.resource) for f in result.findings if f.check_id != "IACG-000")
    expected = sorted((e["check"], e["file"], e["line"], e["resource"]) for e in spec.get("expect") or [])
    assert found == expected
    for entry in spec.get("expect") or []:
        if "message" in entry:  # a piece the English message must contain
            finding = next(f for f in result.findings if (f.file, f.line) == (entry["file"], entry["line"]))
            assert entry["message"] in finding.message["en"], finding.message["en"]
    notes = "\n".join(result.notes + [n for f in result.files for n in f.notes])
    for note in spec.get("notes", []):
        assert note in notes, notes
