"""Evidence records: every file read with its SHA-256 and the results, and a
comparison that names what changed since."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import git, init_git_repository
from test_report_support import finding

from iacguard import evidence
from iacguard.report import ScanInfo

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


# -- the command line ---------------------------------------------------------------

BUCKET = 'resource "aws_s3_bucket" "b" {\n  acl = var.acl\n}\n\nvariable "acl" {\n  default = "private"\n}\n'


def _repo(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(BUCKET)
    (tmp_path / "terraform.tfvars").write_text('acl = "public-read"\n')
    init_git_repository(tmp_path)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "first")
    return tmp_path


def test_a_record_made_by_a_scan_verifies_until_a_file_changes(tmp_path: Path, run) -> None:
    repo = _repo(tmp_path)
    code, _, err = run(["scan", ".", "--check", "IACG-AWS-001", "--evidence", "evidence.json"], repo)
    assert code == 1, err
    record = json.loads((repo / "evidence.json").read_text())
    assert [f["path"] for f in record["files"]] == ["main.tf", "terraform.tfvars"]
    assert len(record["git"]["commit"]) == 40 and record["git"]["dirty"] is False
    assert [(r["check_id"], r["file"], r["line"]) for r in record["results"]["findings"]] == \
        [("IACG-AWS-001", "main.tf", 2)]
    assert record["configuration"]["checks"] == ["IACG-AWS-001"] and "format" not in record["configuration"]
    code, out, err = run(["evidence", "verify", "evidence.json"], repo)
    assert code == 0 and out == "" and "holds" in err
    # The tfvars file that made the bucket public changes: the file and the result are named.
    (repo / "terraform.tfvars").write_text('acl = "private"\n')
    code, out, err = run(["evidence", "verify", "evidence.json"], repo)
    assert code == 1 and "no longer holds" in err
    assert out.splitlines() == ["changed: terraform.tfvars", "result gone: main.tf:2 IACG-AWS-001 HIGH aws_s3_bucket.b"]


def test_a_record_never_allows_python_checks_by_itself(tmp_path: Path, run) -> None:
    repo = _repo(tmp_path)
    run(["scan", ".", "--check", "IACG-AWS-001", "--evidence", "evidence.json"], repo)
    record = json.loads((repo / "evidence.json").read_text())
    evil = tmp_path / "evil"
    (evil / "_predicates").mkdir(parents=True)
    marker = tmp_path / "ran"
    (evil / "_predicates" / "x.py").write_text(f"open({str(marker)!r}, 'w').write('x')\nPREDICATES = {{}}\n")
    record["configuration"].update(checks_dirs=[str(evil)], allow_python_checks=True)
    (repo / "evidence.json").write_text(json.dumps(record))
    code, _, err = run(["evidence", "verify", "evidence.json"], repo)
    assert not marker.exists()
    assert code == 2 and "--allow-python-checks" in err


def test_a_bad_record_is_a_usage_error(tmp_path: Path, run) -> None:
    (tmp_path / "evidence.json").write_text("[]")
    code, _, err = run(["evidence", "verify", "evidence.json"], tmp_path)
    assert code == 2 and "not an iacguard evidence record" in err
