"""``--limit max_file_bytes`` reaches every file a reader reads, not only
the scanned ones: Terraform variable files (read by themselves or given
with --var-file) and the files of a module a configuration calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

MAIN = ('variable "name" {\n  type = string\n}\n'
        'module "store" {\n  source = "./modules/store"\n}\n')
# Over 2,000 bytes, under the default limit.
BIG_NAME = "x" * 3000
MODULE = f'resource "aws_s3_bucket" "b" {{\n  bucket = "{BIG_NAME}"\n}}\n'
LIMIT = ["--limit", "max_file_bytes=2000"]


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(MAIN)
    (tmp_path / "modules" / "store").mkdir(parents=True)
    (tmp_path / "modules" / "store" / "main.tf").write_text(MODULE)
    return tmp_path


def _errors(run, args: List[str], cwd: Path) -> List[Tuple[str, int, str]]:
    code, out, _ = run(["scan", *args, "--format", "json"], cwd)
    assert code == 1
    return sorted((f["file"], f["line"], f["message"]) for f in json.loads(out)["findings"]
                  if f["check_id"] == "IACG-000")


def test_the_limit_applies_to_a_module_file_read_for_its_caller(tmp_path: Path, run) -> None:
    _tree(tmp_path)
    assert _errors(run, ["main.tf", *LIMIT], tmp_path) == [
        ("modules/store/main.tf", 1,
         "file is 3047 bytes, larger than the 2000 bytes limit (max_file_bytes); not scanned")]


def test_the_limit_applies_to_a_variable_file_terraform_reads_by_itself(tmp_path: Path, run) -> None:
    _tree(tmp_path)
    (tmp_path / "modules" / "store" / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n')
    (tmp_path / "terraform.tfvars").write_text(f'name = "{BIG_NAME}"\n')
    assert _errors(run, ["main.tf", *LIMIT], tmp_path) == [
        ("terraform.tfvars", 1,
         "variable file not read: file is 3010 bytes, larger than the 2000 bytes limit (max_file_bytes); "
         "not scanned; the variables of the module it is read for are unknown")]


def test_the_limit_applies_to_a_variable_file_given_on_the_command_line(tmp_path: Path, run) -> None:
    _tree(tmp_path)
    (tmp_path / "modules" / "store" / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n')
    (tmp_path / "prod.tfvars").write_text(f'name = "{BIG_NAME}"\n')
    errors = _errors(run, ["main.tf", "--var-file", "prod.tfvars", *LIMIT], tmp_path)
    assert [(file, line) for file, line, _ in errors] == [("prod.tfvars", 1)]
    assert "larger than the 2000 bytes limit (max_file_bytes)" in errors[0][2]


def test_under_the_limit_the_same_files_are_read(tmp_path: Path, run) -> None:
    _tree(tmp_path)
    (tmp_path / "terraform.tfvars").write_text(f'name = "{BIG_NAME}"\n')
    code, out, _ = run(["scan", "main.tf", "--format", "json", "--limit", "max_file_bytes=4000"], tmp_path)
    findings = json.loads(out)["findings"]
    assert [f for f in findings if f["check_id"] == "IACG-000"] == []
    assert {f["resource"] for f in findings} == {"module.store.aws_s3_bucket.b"}


def test_a_caller_over_the_limit_is_not_read_to_find_a_module_s_callers(tmp_path: Path) -> None:
    from iacguard.parsers.terraform.callers import calling_directories
    from iacguard.source import Limits

    _tree(tmp_path)
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "main.tf").write_text('module "store" {\n  source = "../modules/store"\n}\n'
                                              + "# padding\n" * 300)
    module = tmp_path / "modules" / "store"
    assert sorted(calling_directories([module], tmp_path, Limits())) == [tmp_path, tmp_path / "big"]
    assert calling_directories([module], tmp_path, Limits(max_file_bytes=2000)) == [tmp_path]


def test_the_hook_looks_for_callers_within_the_configured_limit(tmp_path: Path, run, monkeypatch) -> None:
    from iacguard import precommit

    seen: List[int] = []
    real_plan = precommit.plan

    def recording_plan(*args, **kwargs):
        seen.append(kwargs["limits"].max_file_bytes)
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(precommit, "plan", recording_plan)
    _tree(tmp_path)
    run(["scan", "--pre-commit", "modules/store/main.tf", *LIMIT], tmp_path)
    assert seen == [2000]


def test_a_module_file_over_the_limit_is_reported_once(tmp_path: Path, run) -> None:
    # Scanned as a file of the tree and read again for its caller: one error, said once.
    _tree(tmp_path)
    assert _errors(run, [".", *LIMIT], tmp_path) == [
        ("modules/store/main.tf", 1,
         "file is 3047 bytes, larger than the 2000 bytes limit (max_file_bytes); not scanned")]
