"""Configuration files, `config show`, `init`, baselines and the pre-commit
mode through the command line."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import git, init_git_repository

PUBLIC = 'resource "aws_s3_bucket" "b" {{\n  acl = "{acl}"\n}}\n'




def _findings(out: str):
    return [(f["check_id"], f["file"], f["line"], f["suppressed"]) for f in json.loads(out)["findings"]]


def test_config_file_found_upward_and_overridden_by_the_command_line(tmp_path: Path, run, work_tree) -> None:
    work_tree(tmp_path)  # the search goes up to the repository root
    (tmp_path / ".iacguard.yaml").write_text(textwrap.dedent("""\
        checks: [IACG-AWS-001]
        severity_threshold: critical
        skip:
          - id: IACG-AWS-001
            paths: ["infra/legacy/**"]
            reason: frozen, to be deleted
        """))
    (tmp_path / "infra" / "legacy").mkdir(parents=True)
    (tmp_path / "infra" / "main.tf").write_text(PUBLIC.format(acl="public-read"))
    (tmp_path / "infra" / "legacy" / "main.tf").write_text(PUBLIC.format(acl="public-read"))
    code, out, _ = run(["scan", "infra", "--format", "json"], tmp_path)
    assert code == 0  # HIGH is below the configured CRITICAL threshold
    assert sorted(_findings(out)) == [("IACG-AWS-001", "infra/legacy/main.tf", 2, True),
                                      ("IACG-AWS-001", "infra/main.tf", 2, False)]
    code, _, _ = run(["scan", "infra", "--severity-threshold", "HIGH"], tmp_path)
    assert code == 1


def test_pyproject_section(tmp_path: Path, run) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.iacguard]\nskip_checks = ["IACG-AWS-001"]\n')
    (tmp_path / "main.tf").write_text(PUBLIC.format(acl="public-read"))
    code, out, _ = run(["scan", ".", "--format", "json", "--check", "IACG-AWS-001,IACG-AWS-004"],
                       tmp_path)
    assert code == 0 and _findings(out) == []


@pytest.mark.parametrize("content,expected", [
    ("severity_treshold: HIGH\n", "unknown key 'severity_treshold' (did you mean 'severity_threshold'?)"),
    ("checks: [IACG-AWS-0001]\n", "unknown check id 'IACG-AWS-0001' in 'checks' (did you mean 'IACG-AWS-001'?)"),
    ("skip:\n  - id: IACG-AWS-001\n", "needs a 'reason'"),
    ("frameworks: [terrafrom]\n", "did you mean 'terraform'?"),
    ("severity_threshold: URGENT\n", "'severity_threshold' must be one of"),
    ("- just a list\n", "must be a mapping"),
    ("limits: {max_file_byte: 10}\n", "unknown limit 'max_file_byte' in 'limits' (did you mean 'max_file_bytes'?)"),
    ("limits: {max_file_bytes: 0}\n", "limit 'max_file_bytes' must be a positive whole number, not 0"),
    ("limits: [max_file_bytes]\n", "'limits' takes NAME=NUMBER, not 'max_file_bytes'"),
])
def test_config_errors_name_the_file_and_key(tmp_path: Path, run, content: str, expected: str) -> None:
    (tmp_path / ".iacguard.yaml").write_text(content)
    code, _, err = run(["scan", "."], tmp_path)
    assert code == 2
    assert ".iacguard.yaml" in err and expected in err


def test_limits_from_the_file_and_the_command_line(tmp_path: Path, run) -> None:
    (tmp_path / ".iacguard.yaml").write_text("limits:\n  max_file_bytes: 20\n  max_nested_stacks: 5\n")
    (tmp_path / "main.tf").write_text(PUBLIC.format(acl="public-read"))
    code, out, _ = run(["scan", ".", "--format", "json"], tmp_path)
    assert code == 1 and _findings(out) == [("IACG-000", "main.tf", 1, False)]
    assert "larger than the 20 bytes limit (max_file_bytes)" in json.loads(out)["findings"][0]["message"]
    code, out, _ = run(["scan", ".", "--format", "json", "--limit", "max_file_bytes=4096"], tmp_path)
    assert ("IACG-AWS-001", "main.tf", 2, False) in _findings(out)
    assert "IACG-000" not in {f[0] for f in _findings(out)}
    code, out, _ = run(["config", "show"], tmp_path)
    assert "max_nested_stacks" in out and ".iacguard.yaml" in out
    code, _, err = run(["scan", ".", "--limit", "max_files=3"], tmp_path)
    assert code == 2 and "unknown limit 'max_files'" in err


def test_config_show_says_where_values_come_from(tmp_path: Path, run) -> None:
    (tmp_path / "team.yaml").write_text("allowed_regions: [ap-northeast-1]\n")
    code, out, _ = run(["config", "show", "--config", "team.yaml"], tmp_path)
    assert code == 0
    lines = {ln.split("=")[0].strip(): ln for ln in out.splitlines() if "=" in ln}
    assert "ap-northeast-1" in lines["allowed_regions"] and "team.yaml" in lines["allowed_regions"]
    assert lines["severity_threshold"].rstrip().endswith("# default")


def test_allowed_regions_from_the_command_line(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text('provider "aws" {\n  region = "us-east-1"\n}\n')
    code, out, _ = run(["scan", ".", "--format", "json"], tmp_path)
    assert code == 0 and _findings(out) == []  # not configured: not checked
    code, out, _ = run(["scan", ".", "--format", "json", "--allowed-regions", "ap-northeast-1,ap-northeast-3"],
                       tmp_path)
    assert code == 1 and _findings(out) == [("IACG-GEN-001", "main.tf", 2, False)]


def test_create_and_use_a_baseline(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text(PUBLIC.format(acl="public-read"))
    code, _, _ = run(["scan", ".", "--check", "IACG-AWS-001", "--create-baseline", "base.json"], tmp_path)
    assert code == 0 and json.loads((tmp_path / "base.json").read_text())["findings"]
    (tmp_path / "main.tf").write_text("# moved\n\n" + PUBLIC.format(acl="public-read"))
    code, out, _ = run(["scan", ".", "--check", "IACG-AWS-001", "--baseline", "base.json", "--format", "json"],
                       tmp_path)
    assert code == 0 and _findings(out) == [("IACG-AWS-001", "main.tf", 4, True)]
    code, _, err = run(["scan", ".", "--baseline", "missing.json"], tmp_path)
    assert code == 2 and "missing.json" in err


def test_init_writes_config_and_hook_once(tmp_path: Path, run) -> None:
    code, out, _ = run(["init"], tmp_path)
    assert code == 0 and "wrote .iacguard.yaml" in out
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())
    assert hooks["repos"][0]["hooks"][0]["id"] == "iacguard"
    code, out, _ = run(["scan", ".", "--format", "json"], tmp_path)  # the starter config is valid
    assert code == 0
    code, out, _ = run(["init"], tmp_path)
    assert "exists" in out and "already runs iacguard" in out


def test_init_appends_to_an_existing_pre_commit_config(tmp_path: Path, run) -> None:
    (tmp_path / ".pre-commit-config.yaml").write_text(
        "# my hooks\nrepos:\n  - repo: https://example.invalid/hooks\n    rev: v1\n    hooks:\n      - id: other\n")
    run(["init"], tmp_path)
    text = (tmp_path / ".pre-commit-config.yaml").read_text()
    assert text.startswith("# my hooks")
    ids = [h["id"] for r in yaml.safe_load(text)["repos"] for h in r["hooks"]]
    assert ids == ["other", "iacguard"]



@pytest.mark.skipif(subprocess.run(["git", "--version"], capture_output=True).returncode != 0, reason="needs git")
def test_pre_commit_mode_scans_module_context_and_reports_only_given_files(tmp_path: Path, run) -> None:
    repo = init_git_repository(tmp_path)
    (repo / "variables.tf").write_text('variable "acl" {\n  default = "public-read"\n}\n')
    (repo / "bucket.tf").write_text('resource "aws_s3_bucket" "b" {\n  acl = var.acl\n}\n')
    (repo / "other.tf").write_text('resource "aws_s3_bucket" "o" {\n  acl = "public-read"\n}\n')
    (repo / "guard.tf").write_text(
        'resource "aws_s3_bucket_public_access_block" "o" {\n  bucket = aws_s3_bucket.o.id\n'
        '  block_public_acls = true\n  block_public_policy = true\n  ignore_public_acls = true\n'
        '  restrict_public_buckets = true\n}\n')
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "initial")

    # Only bucket.tf changed: its value comes from variables.tf (context), and
    # other.tf's own finding is not reported.
    code, out, _ = run(["scan", "--pre-commit", "bucket.tf", "--format", "json",
                        "--check", "IACG-AWS-001,IACG-AWS-100"], repo)
    assert sorted(_findings(out)) == [("IACG-AWS-001", "bucket.tf", 1 + 1, False),
                                      ("IACG-AWS-100", "bucket.tf", 1, False)]
    assert code == 1

    # Deleting guard.tf alone: the module is scanned and the now unguarded
    # bucket in another file is reported.
    git(repo, "rm", "-q", "guard.tf")
    code, out, _ = run(["scan", "--pre-commit", "--format", "json", "--check", "IACG-AWS-100"], repo)
    assert code == 1 and ("IACG-AWS-100", "other.tf", 1, False) in _findings(out)

    # Nothing to look at: a quick pass.
    git(repo, "commit", "-qm", "remove guard")
    code, out, _ = run(["scan", "--pre-commit"], repo)
    assert code == 0 and out == ""
