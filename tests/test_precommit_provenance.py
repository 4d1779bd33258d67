"""The pre-commit hook, run by the real pre-commit in a temporary git
repository, catches a value made unsafe outside the resource's own file:
a variable default, a tfvars file (new, changed or deleted), a local, a
module input or output, a CloudFormation or ARM parameters file. A commit
that touches nothing a finding depends on stays quiet."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest
import yaml
from conftest import git, init_git_repository
from test_provenance import CFN, SSH, nsg_parameters, nsg_template

from iacguard.project_setup import HOOK

BIN = Path(sys.executable).parent
PRE_COMMIT = shutil.which("pre-commit", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")

pytestmark = pytest.mark.skipif(shutil.which("git") is None or PRE_COMMIT is None,
                                reason="needs git and pre-commit")

SECURITY_GROUP = SSH  # cidr_blocks on line 6
VARIABLE = 'variable "admin_cidr" {\n  type    = string\n  default = "%s"\n}\n'
SAFE, OPEN = "10.0.0.0/8", "0.0.0.0/0"


def _repository(tmp_path: Path, files: Dict[str, str]) -> Path:
    """A repository with ``files`` committed and the hook ``iacguard init`` writes."""
    repo = init_git_repository(tmp_path / "repo")
    files = {".pre-commit-config.yaml": yaml.safe_dump({"repos": [HOOK]}, sort_keys=False), **files}
    _write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    return repo


def _write(repo: Path, files: Dict[str, Optional[str]]) -> None:
    for name, text in files.items():
        path = repo / name
        if text is None:
            git(repo, "rm", "-q", name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        git(repo, "add", name)


def _commit_hook(repo: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """pre-commit on what is staged, as ``git commit`` would run it."""
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"), NO_COLOR="1",
               PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run([str(PRE_COMMIT), "run"], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=600)


def _blocks(repo: Path, tmp_path: Path, where: str, source: str) -> None:
    run = _commit_hook(repo, tmp_path)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert f"{where}  HIGH     IACG-AWS-004" in output, output
    assert f"value from {source}" in output, output


def test_variable_default_in_another_file(tmp_path: Path) -> None:
    repo = _repository(tmp_path, {"main.tf": SECURITY_GROUP % "var.admin_cidr",
                                  "variables.tf": VARIABLE % SAFE})
    _write(repo, {"variables.tf": VARIABLE % OPEN})
    _blocks(repo, tmp_path, "main.tf:6", "var.admin_cidr default, variables.tf:3")


def test_new_terraform_tfvars(tmp_path: Path) -> None:
    repo = _repository(tmp_path, {"main.tf": SECURITY_GROUP % "var.admin_cidr",
                                  "variables.tf": VARIABLE % SAFE})
    _write(repo, {"terraform.tfvars": f'\nadmin_cidr = "{OPEN}"\n'})
    _blocks(repo, tmp_path, "main.tf:6", "var.admin_cidr, terraform.tfvars:2")


def test_changed_auto_tfvars(tmp_path: Path) -> None:
    repo = _repository(tmp_path, {"main.tf": SECURITY_GROUP % "var.admin_cidr",
                                  "variables.tf": 'variable "admin_cidr" {}\n',
                                  "net.auto.tfvars": f'admin_cidr = "{SAFE}"\n'})
    _write(repo, {"net.auto.tfvars": f'admin_cidr = "{OPEN}"\n'})
    _blocks(repo, tmp_path, "main.tf:6", "var.admin_cidr, net.auto.tfvars:1")


def test_deleted_tfvars_that_kept_the_value_safe(tmp_path: Path) -> None:
    repo = _repository(tmp_path, {"main.tf": SECURITY_GROUP % "var.admin_cidr",
                                  "variables.tf": VARIABLE % OPEN,
                                  "terraform.tfvars": f'admin_cidr = "{SAFE}"\n'})
    assert _commit_hook(repo, tmp_path).returncode == 0  # nothing staged yet
    _write(repo, {"terraform.tfvars": None})
    _blocks(repo, tmp_path, "main.tf:6", "var.admin_cidr default, variables.tf:3")


def test_local_in_another_file(tmp_path: Path) -> None:
    repo = _repository(tmp_path, {"main.tf": SECURITY_GROUP % "local.admin_cidr",
                                  "locals.tf": f'locals {{\n  admin_cidr = "{SAFE}"\n}}\n'})
    _write(repo, {"locals.tf": f'locals {{\n  admin_cidr = "{OPEN}"\n}}\n'})
    _blocks(repo, tmp_path, "main.tf:6", "local.admin_cidr, locals.tf:2")


def test_calling_module_input(tmp_path: Path) -> None:
    call = 'module "net" {\n  source     = "./modules/net"\n  admin_cidr = "%s"\n}\n'
    repo = _repository(tmp_path, {"main.tf": call % SAFE,
                                  "modules/net/main.tf": SECURITY_GROUP % "var.admin_cidr",
                                  "modules/net/variables.tf": 'variable "admin_cidr" {}\n'})
    _write(repo, {"main.tf": call % OPEN})
    _blocks(repo, tmp_path, "modules/net/main.tf:6", "input admin_cidr of module.net, main.tf:3")


def test_called_module_output(tmp_path: Path) -> None:
    output = 'output "cidr" {\n  value = "%s"\n}\n'
    repo = _repository(tmp_path, {
        "main.tf": 'module "cfg" {\n  source = "./modules/cfg"\n}\n\n' + SECURITY_GROUP % "module.cfg.cidr",
        "modules/cfg/outputs.tf": output % SAFE})
    _write(repo, {"modules/cfg/outputs.tf": output % OPEN})
    _blocks(repo, tmp_path, "main.tf:10", "output cidr of module.cfg, modules/cfg/outputs.tf:2")


def test_cloudformation_parameters_file(tmp_path: Path) -> None:
    parameters = '[\n  {"ParameterKey": "Cidr", "ParameterValue": "%s"}\n]\n'
    repo = _repository(tmp_path, {"stack.yaml": CFN,
                                  "params/prod.json": parameters % SAFE,
                                  ".iacguard.yaml": "parameters: [params/prod.json]\n"})
    _write(repo, {"params/prod.json": parameters % OPEN})
    _blocks(repo, tmp_path, "stack.yaml:12", "parameter Cidr, params/prod.json:2")


def test_arm_parameters_file(tmp_path: Path) -> None:
    template = nsg_template('"source": {"type": "string"}', "", "[parameters('source')]")
    repo = _repository(tmp_path, {"nsg.json": template, "nsg.parameters.json": nsg_parameters(SAFE)})
    _write(repo, {"nsg.parameters.json": nsg_parameters("Internet")})
    run = _commit_hook(repo, tmp_path)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "nsg.json:16" in output and "IACG-AZURE-" in output, output
    assert "value from parameter source, nsg.parameters.json:5" in output, output


def test_untouched_inputs_stay_quiet(tmp_path: Path) -> None:
    """An old finding whose value the commit did not touch is not reported,
    even when a file of the same module changes."""
    repo = _repository(tmp_path, {"main.tf": SECURITY_GROUP % "var.admin_cidr",
                                  "variables.tf": VARIABLE % OPEN,
                                  "other.tf": 'variable "unused" {\n  default = "a"\n}\n'})
    _write(repo, {"other.tf": 'variable "unused" {\n  default = "b"\n}\n'})
    run = _commit_hook(repo, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    _write(repo, {"variables.tf": VARIABLE % OPEN + "# touched\n"})
    _blocks(repo, tmp_path, "main.tf:6", "var.admin_cidr default, variables.tf:3")
