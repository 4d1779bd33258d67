"""Inline suppressions, CloudFormation Metadata, configured skips and baselines."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path
from typing import List

from iacguard import baseline
from iacguard.engine.checks import load_checks
from iacguard.scan import ScanOptions, scan
from iacguard.suppress import SkipRule, SuppressionSettings

CHECKS = load_checks()
TODAY = dt.date(2026, 11, 23)


def _scan(root: Path, **settings):
    options = ScanOptions(paths=[str(root)], cwd=root, checks=["IACG-AWS-001", "IACG-AWS-004"],
                          suppression=SuppressionSettings(today=TODAY, **settings))
    from iacguard.scan import select_checks

    return scan(options, select_checks(CHECKS, ["IACG-AWS-001", "IACG-AWS-004"], []))


def _write(root: Path, name: str, text: str) -> None:
    (root / name).write_text(textwrap.dedent(text).lstrip("\n"))


def _summary(result) -> List[tuple]:
    return sorted((f.check_id, f.line, f.suppressed, (f.suppression or {}).get("kind")) for f in result.findings)


def test_inline_hcl_positions_and_scopes(tmp_path: Path) -> None:
    _write(tmp_path, "main.tf", '''
        # iacguard:ignore IACG-AWS-001 public website, reviewed by security 2026-10
        resource "aws_s3_bucket" "site" {
          acl = "public-read"
        }

        resource "aws_s3_bucket" "trailing" { // iacguard:ignore IACG-AWS-001 demo bucket
          acl = "public-read"
        }

        resource "aws_security_group" "sg" {
          ingress {
            from_port = 22
            to_port   = 22
            protocol  = "tcp"
            # iacguard:ignore IACG-AWS-004 bastion, replaced next quarter
            cidr_blocks = ["0.0.0.0/0"]
          }
          ingress {
            from_port   = 3389
            to_port     = 3389
            protocol    = "tcp"
            cidr_blocks = ["0.0.0.0/0"]
          }
        }
    ''')
    result = _scan(tmp_path)
    assert _summary(result) == [
        ("IACG-AWS-001", 3, True, "inSource"),
        ("IACG-AWS-001", 7, True, "inSource"),
        ("IACG-AWS-004", 16, True, "inSource"),  # the attribute below the comment only
        ("IACG-AWS-004", 22, False, None),
    ]
    suppressed = [f for f in result.findings if f.suppressed]
    assert suppressed[0].suppression["reason"] == "public website, reviewed by security 2026-10"


def test_missing_reason_does_not_suppress_and_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, "main.tf", '''
        resource "aws_s3_bucket" "site" { # iacguard:ignore IACG-AWS-001
          acl = "public-read"
        }
        resource "aws_s3_bucket" "other" { # iacguard:ignore IACG-AWS-001 until=someday reason
          acl = "public-read"
        }
    ''')
    result = _scan(tmp_path)
    assert _summary(result) == [
        ("IACG-001", 1, False, None), ("IACG-001", 4, False, None),
        ("IACG-AWS-001", 2, False, None), ("IACG-AWS-001", 5, False, None),
    ]
    meta = [f for f in result.findings if f.check_id == "IACG-001"]
    assert all(f.severity == "LOW" for f in meta)
    assert "until=someday" in meta[1].message["en"]


def test_several_ids_globs_expiry_and_unused(tmp_path: Path) -> None:
    _write(tmp_path, "main.tf", '''
        # iacguard:ignore IACG-AWS-001, IACG-AWS-004 until=2026-01-31 accepted until the migration
        resource "aws_s3_bucket" "expired" {
          acl = "public-read"
        }

        # iacguard:ignore IACG-AWS-* until=2027-03-31 sandbox account
        resource "aws_s3_bucket" "glob" {
          acl = "public-read"
        }

        # iacguard:ignore IACG-AWS-004 nothing to suppress here
        resource "aws_s3_bucket" "private" {
          acl = "private"
        }
    ''')
    result = _scan(tmp_path, report_unused=True)
    assert _summary(result) == [
        ("IACG-002", 11, False, None),
        ("IACG-AWS-001", 3, False, "inSource"),
        ("IACG-AWS-001", 8, True, "inSource"),
    ]
    expired = next(f for f in result.findings if f.line == 3)
    assert "expired on 2026-01-31" in expired.message["en"] and expired.suppression["expired"]


def test_yaml_comments_and_cloudformation_metadata(tmp_path: Path) -> None:
    _write(tmp_path, "template.yaml", '''
        AWSTemplateFormatVersion: "2010-09-09"
        Resources:
          # iacguard:ignore IACG-AWS-001 marketing site
          Site:
            Type: AWS::S3::Bucket
            Properties:
              AccessControl: PublicRead
          Docs:
            Type: AWS::S3::Bucket
            Metadata:
              iacguard:
                ignore:
                  - id: IACG-AWS-001
                    reason: public documentation
            Properties:
              AccessControl: PublicRead
          Other:
            Type: AWS::S3::Bucket
            Properties:
              AccessControl: PublicRead
    ''')
    assert _summary(_scan(tmp_path)) == [
        ("IACG-AWS-001", 7, True, "inSource"),
        ("IACG-AWS-001", 16, True, "inSource"),
        ("IACG-AWS-001", 20, False, None),
    ]


def test_arm_line_comments(tmp_path: Path) -> None:
    _write(tmp_path, "azuredeploy.json", '''
        {
          "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "resources": [
            // iacguard:ignore IACG-AZURE-001 public download site
            {
              "type": "Microsoft.Storage/storageAccounts",
              "apiVersion": "2023-01-01",
              "name": "downloads",
              "properties": {"allowBlobPublicAccess": true}
            }
          ]
        }
    ''')
    from iacguard.scan import select_checks

    options = ScanOptions(paths=[str(tmp_path)], cwd=tmp_path, suppression=SuppressionSettings(today=TODAY))
    result = scan(options, select_checks(CHECKS, ["IACG-AZURE-001"], []))
    assert [(f.check_id, f.line, f.suppressed) for f in result.findings] == [("IACG-AZURE-001", 9, True)]


def test_configured_skip_by_path(tmp_path: Path) -> None:
    (tmp_path / "legacy").mkdir()
    _write(tmp_path, "legacy/main.tf", 'resource "aws_s3_bucket" "a" {\n  acl = "public-read"\n}\n')
    _write(tmp_path, "main.tf", 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n')
    rule = SkipRule(("IACG-AWS-001",), ("legacy/**",), "frozen code, to be deleted", ".iacguard.yaml")
    result = _scan(tmp_path, skips=[rule])
    assert sorted((f.file, f.suppressed) for f in result.findings) == [("legacy/main.tf", True), ("main.tf", False)]
    skipped = next(f for f in result.findings if f.suppressed)
    assert skipped.suppression == {"kind": "external", "reason": "frozen code, to be deleted",
                                   "source": ".iacguard.yaml"}


def test_baseline_survives_moves_and_catches_new_findings(tmp_path: Path) -> None:
    _write(tmp_path, "main.tf", '''
        resource "aws_s3_bucket" "old" {
          acl = "public-read"
        }
    ''')
    first = _scan(tmp_path)
    recorded = tmp_path / "baseline.json"
    recorded.write_text(baseline.render(first.findings))
    accepted = baseline.load(recorded)
    assert len(accepted) == 1

    # Move the resource down, add unrelated code, and add a new problem.
    _write(tmp_path, "main.tf", '''
        resource "aws_s3_bucket" "logs" {
          acl = "private"
        }

        # comments and blank lines push everything down


        resource "aws_s3_bucket" "old" {
          bucket = "renamed-but-same-resource"
          acl    = "public-read"
        }

        resource "aws_s3_bucket" "new" {
          acl = "public-read"
        }
    ''')
    second = _scan(tmp_path, baseline=accepted)
    assert sorted((f.resource, f.line, f.suppressed) for f in second.findings) == [
        ("aws_s3_bucket.new", 14, False),
        ("aws_s3_bucket.old", 10, True),
    ]
    old = next(f for f in second.findings if f.suppressed)
    assert old.suppression["kind"] == "external"

    # A different resource address or check is a different finding.
    _write(tmp_path, "main.tf", 'resource "aws_s3_bucket" "older" {\n  acl = "public-read"\n}\n')
    assert not any(f.suppressed for f in _scan(tmp_path, baseline=accepted).findings)


def test_baseline_file_format(tmp_path: Path) -> None:
    _write(tmp_path, "main.tf", 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n')
    data = json.loads(baseline.render(_scan(tmp_path).findings))
    assert data["version"] == 1
    assert set(data["findings"][0]) == {"fingerprint", "check_id", "file", "resource", "attribute"}


def test_skip_path_patterns_are_relative_to_the_configuration(tmp_path: Path) -> None:
    from iacguard.findings import Finding

    def finding(file: str) -> Finding:
        return Finding(check_id="IACG-AWS-001", severity="HIGH", format="terraform", file=file, line=1, end_line=1,
                       resource="r", resource_type="t", attribute="acl", title={}, message={}, controls=[])

    base = tmp_path / "repo"
    anchored = SkipRule(("IACG-AWS-*",), ("infra/legacy/**",), "why", "cfg", base)
    anywhere = SkipRule(("IACG-AWS-001",), ("legacy",), "why", "cfg", base)
    assert anchored.matches(finding("repo/infra/legacy/a.tf"), tmp_path)
    assert not anchored.matches(finding("repo/other/infra/legacy/a.tf"), tmp_path)
    assert anywhere.matches(finding("repo/x/legacy/y/a.tf"), tmp_path)
    assert not anywhere.matches(finding("repo/x/legacy.tf/a.tf"), tmp_path)
    assert not anywhere.matches(finding("outside/legacy/a.tf"), tmp_path)
