"""Files read by reference (variable and parameter files, module files,
modules.json) stay inside the scanned repository and within max_file_bytes,
as scanned files do; and the repository is no wider than the git work tree
(or the directory) that was scanned. Each planted payload carries a canary
that must not appear in any output format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from test_limits import cli_outputs

from iacguard.engine.checks import load_checks
from iacguard.scan import ScanOptions, scan
from iacguard.source import Limits

CHECKS = load_checks()
CANARY = "CANARY-private-key-MIIEvQIBADANBgkqhkiG9w0B"
# The value names the resource, so it shows in every format's findings.
BUCKETS = ('variable "name" {\n  type = string\n}\n'
           'resource "aws_s3_bucket" "b" {\n  for_each = toset([var.name])\n  acl      = "public-read"\n}\n')
ARM = json.dumps({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"name": {"type": "string", "defaultValue": "safe-default"}},
    "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
                   "name": "[parameters('name')]", "location": "japaneast",
                   "properties": {"allowBlobPublicAccess": True}}]}, indent=2) + "\n"


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.tfvars").write_text(f'name = "{CANARY}"\n')
    (outside / "secret.tfvars.json").write_text(json.dumps({"name": CANARY}))
    (outside / "secret.parameters.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "parameters": {"name": {"value": CANARY}}}))
    (outside / "modules.json").write_text(json.dumps({"Modules": [{"Key": "m", "Source": "x", "Dir": "."}]}))
    (outside / "main.tf").write_text(f'resource "aws_s3_bucket" "leak" {{\n  bucket = "{CANARY}"\n'
                                     '  acl    = "public-read"\n}\n')
    return outside


def _repository(tmp_path: Path, files: Dict[str, str], links: Optional[Dict[str, str]] = None) -> Path:
    """tmp/repo holding ``files``, and ``links`` to files of tmp/outside."""
    outside = _outside(tmp_path)
    repo = tmp_path / "repo"
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    for name, target in (links or {}).items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).symlink_to(outside / target)
    return repo


def _errors(root: Path, paths: List[Path] = ()) -> List[Tuple[str, int, str]]:
    result = scan(ScanOptions(paths=[str(p) for p in (paths or [root])], cwd=root), CHECKS)
    assert CANARY not in repr(result.resources)
    return [(f.file, f.line, f.message["en"]) for f in result.findings if f.check_id == "IACG-000"]


def _assert_no_canary(root: Path, tmp_path: Path, paths: List[Path] = ()) -> None:
    for fmt, text in cli_outputs(root, tmp_path, list(paths) or None).items():
        assert CANARY not in text, f"{fmt} output holds a value read from outside the repository"


def test_variable_files_linked_out_of_the_repository_are_refused(tmp_path: Path) -> None:
    repo = _repository(tmp_path, {"main.tf": BUCKETS}, {"terraform.tfvars": "secret.tfvars",
                                                       "z.auto.tfvars.json": "secret.tfvars.json"})
    errors = _errors(repo)
    assert [(file, line) for file, line, _ in errors] == [("terraform.tfvars", 1), ("z.auto.tfvars.json", 1)]
    assert all("symbolic link outside the repository" in message for _, _, message in errors)
    _assert_no_canary(repo, tmp_path)


def test_arm_parameter_file_linked_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    repo = _repository(tmp_path, {"azuredeploy.json": ARM},
                       {"azuredeploy.parameters.json": "secret.parameters.json"})
    errors = _errors(repo)
    assert [(file, line) for file, line, _ in errors] == [("azuredeploy.parameters.json", 1)]
    assert "outside the repository" in errors[0][2]
    _assert_no_canary(repo, tmp_path)


def test_a_module_file_linked_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    repo = _repository(tmp_path, {"main.tf": 'module "m" {\n  source = "./modules/m"\n}\n'},
                       {"modules/m/leak.tf": "main.tf"})
    errors = _errors(repo, [repo / "main.tf"])
    assert [(file, line) for file, line, _ in errors] == [("modules/m/leak.tf", 1)]
    _assert_no_canary(repo, tmp_path, [repo / "main.tf"])


def test_modules_json_linked_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    repo = _repository(tmp_path, {"main.tf": 'module "m" {\n  source = "registry.example/x/y/aws"\n}\n'},
                       {".terraform/modules/modules.json": "modules.json"})
    errors = _errors(repo)
    assert [(file, line) for file, line, _ in errors] == [("main.tf", 1)]
    assert "modules.json" in errors[0][2] and "outside the repository" in errors[0][2]


def test_a_referenced_file_over_max_file_bytes_is_an_error_on_it(tmp_path: Path) -> None:
    repo = _repository(tmp_path, {
        "main.tf": BUCKETS, "terraform.tfvars": f'name = "{"x" * 5000}"\n', "azuredeploy.json": ARM,
        "azuredeploy.parameters.json": json.dumps({"parameters": {"name": {"value": "y" * 5000}}})})
    result = scan(ScanOptions(paths=[str(repo)], cwd=repo, limits=Limits(max_file_bytes=4096)), CHECKS)
    errors = sorted((f.file, f.line) for f in result.findings if f.check_id == "IACG-000")
    assert errors == [("azuredeploy.parameters.json", 1), ("terraform.tfvars", 1)]
    assert all("max_file_bytes" in f.message["en"] for f in result.findings if f.check_id == "IACG-000")


def test_an_empty_git_file_in_an_ancestor_does_not_widen_the_repository(tmp_path: Path) -> None:
    repo = _repository(tmp_path, {"main.tf": 'module "m" {\n  source = "../outside"\n}\n'})
    (tmp_path / ".git").write_text("")  # any entry named .git used to make tmp_path the repository
    errors = _errors(repo)
    assert [(file, line) for file, line, _ in errors] == [("main.tf", 1)]
    _assert_no_canary(repo, tmp_path)


def test_two_scanned_paths_each_keep_their_own_repository(tmp_path: Path) -> None:
    repo = _repository(tmp_path, {"main.tf": 'module "m" {\n  source = "../outside"\n}\n'})
    other = tmp_path / "other"
    other.mkdir()
    (other / "hostname").write_text("host\n")  # the scanned paths' common parent used to be the repository
    errors = _errors(repo, [repo, other / "hostname"])
    assert [(file, line) for file, line, _ in errors] == [("main.tf", 1)]
    _assert_no_canary(repo, tmp_path, [repo, other / "hostname"])


def test_a_git_work_tree_is_the_repository_of_a_scanned_subdirectory(tmp_path: Path, work_tree) -> None:
    root = work_tree(tmp_path / "project")
    (root / "shared").mkdir()
    (root / "shared" / "main.tf").write_text('resource "aws_s3_bucket" "s" {\n  acl = "public-read"\n}\n')
    (root / "infra").mkdir()
    (root / "infra" / "main.tf").write_text('module "m" {\n  source = "../shared"\n}\n')
    result = scan(ScanOptions(paths=[str(root / "infra")], cwd=root), CHECKS)
    assert [r.address for r in result.resources] == ["module.m.aws_s3_bucket.s"]
    assert not result.parse_errors


def test_a_var_file_named_on_the_command_line_cannot_be_redirected(tmp_path: Path, run) -> None:
    repo = _repository(tmp_path, {"main.tf": BUCKETS}, {"prod.tfvars": "secret.tfvars"})
    outside = tmp_path / "outside"
    code, out, err = run(["scan", ".", "--var-file", "prod.tfvars", "--format", "sarif"], repo)
    assert code == 2 and "--var-file prod.tfvars is a symbolic link outside the repository" in err
    assert CANARY not in out + err
    # A file the user keeps outside the repository is the user's choice.
    code, out, err = run(["scan", ".", "--var-file", str(outside / "secret.tfvars"), "--format", "json"], repo)
    assert code == 1 and CANARY in out, err
