"""The coarse AWS checks split into one check per setting: suppressions written
for the retired ids keep covering every piece, so upgrading does not reopen
findings a team has already accepted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

TEMPLATE = """\
resource "aws_s3_bucket" "site" {
  bucket = "example-site"
}

# iacguard:ignore IACG-AWS-002 public website, reviewed
resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = false
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# iacguard:ignore IACG-AWS-018 console passwords are not used
resource "aws_iam_account_password_policy" "legacy" {
  minimum_password_length = 8
}
"""


def _findings(out: str) -> Dict[str, List[dict]]:
    found: Dict[str, List[dict]] = {}
    for finding in json.loads(out)["findings"]:
        found.setdefault(finding["check_id"], []).append(finding)
    return found


def test_suppressions_by_retired_ids_cover_the_split_checks(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text(TEMPLATE)
    code, out, err = run(["scan", "main.tf", "--format", "json", "--check", "IACG-AWS-10*,IACG-AWS-11*"], tmp_path)
    findings = _findings(out)
    assert code == 0
    assert [(f["line"], f["suppression"]["retired_id"]) for f in findings["IACG-AWS-101"]] == [(8, "IACG-AWS-002")]
    assert [(f["line"], f["suppression"]["retired_id"]) for f in findings["IACG-AWS-102"]] == [(9, "IACG-AWS-002")]
    for check_id in ("IACG-AWS-105", "IACG-AWS-106", "IACG-AWS-107", "IACG-AWS-108", "IACG-AWS-109",
                     "IACG-AWS-110", "IACG-AWS-111"):
        assert [f["suppression"]["retired_id"] for f in findings[check_id]] == ["IACG-AWS-018"], check_id
    assert "IACG-AWS-002 is retired" in err and "IACG-AWS-018 is retired" in err


def test_check_selection_by_a_retired_id_runs_its_replacements(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text(TEMPLATE.replace("# iacguard:ignore", "# note:"))
    code, out, _ = run(["scan", "main.tf", "--format", "json", "--check", "IACG-AWS-002"], tmp_path)
    assert code == 1
    assert sorted(_findings(out)) == ["IACG-AWS-101", "IACG-AWS-102"]
