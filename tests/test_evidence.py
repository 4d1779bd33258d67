"""Evidence records: every file read with its SHA-256 and the results, and a
comparison that names what changed since."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from iacguard import evidence
from iacguard.report import ScanInfo
from test_report_support import finding

INFO = ScanInfo("2026-12-06T10:00:00+09:00", ("infra",), "0123abc", False, "c" * 64, "e" * 64)


def _record(tmp_path: Path, findings=None):
    return evidence.make_record(INFO, {"lang": "en"}, ["infra/main.tf", "infra/prod.tfvars"], tmp_path,
                                findings if findings is not None else [finding(file="infra/main.tf", line=3)], 4)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n')
    (tmp_path / "infra" / "prod.tfvars").write_text('env = "prod"\n')
    return tmp_path


def test_the_record_holds_files_rules_and_results(tree: Path) -> None:
    record = _record(tree)
    assert record["evidence_version"] == 1 and record["git"] == {"commit": "0123abc", "dirty": False}
    assert record["checkset_sha256"] == "c" * 64 and record["configuration"] == {"lang": "en"}
    assert [f["path"] for f in record["files"]] == ["infra/main.tf", "infra/prod.tfvars"]
    assert record["files"][1]["sha256"] == hashlib.sha256(b'env = "prod"\n').hexdigest()
    assert record["results"]["passed"] == 4
    assert record["results"]["findings"][0]["check_id"] == "IACG-AWS-001"
    json.dumps(record)  # plain data


def test_an_unchanged_tree_and_scan_hold(tree: Path) -> None:
    assert evidence.compare(_record(tree), _record(tree), tree).holds


def test_a_changed_file_and_result_are_named(tree: Path) -> None:
    recorded = _record(tree)
    (tree / "infra" / "prod.tfvars").write_text('env = "dev"\n')
    fresh = _record(tree, [finding(file="infra/main.tf", line=3), finding(file="infra/main.tf", line=9,
                                                                          resource="aws_s3_bucket.c")])
    verdict = evidence.compare(recorded, fresh, tree)
    assert not verdict.holds
    assert verdict.changed_files == ["infra/prod.tfvars"] and not verdict.missing_files
    assert [r["resource"] for r in verdict.new_results] == ["aws_s3_bucket.c"] and not verdict.gone_results
    assert "changed: infra/prod.tfvars" in verdict.lines()


def test_missing_files_gone_results_and_other_rules(tree: Path) -> None:
    recorded = _record(tree)
    (tree / "infra" / "prod.tfvars").unlink()
    fresh = _record(tree, [])
    fresh["checkset_sha256"] = "d" * 64
    verdict = evidence.compare(recorded, fresh, tree)
    assert verdict.missing_files == ["infra/prod.tfvars"]
    assert [r["line"] for r in verdict.gone_results] == [3]
    assert verdict.rules == ["the check set differs from the record's"]


@pytest.mark.parametrize("text", ["not json", "[]", '{"evidence_version": 2}', "[" * 100000])
def test_a_bad_record_is_an_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "record.json"
    path.write_text(text)
    with pytest.raises(evidence.EvidenceError):
        evidence.load(path)
