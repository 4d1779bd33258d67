"""What cannot be read is reported, never skipped in silence: deep
modules, unreadable nested and linked templates, broken variable files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from iacguard.parsers.terraform.project import MAX_MODULE_DEPTH

PUBLIC_IF_SET = """variable "acl" {
  default = "private"
}

resource "aws_s3_bucket" "b" {
  bucket = "x"
  acl    = var.acl
}
"""


def _findings(run, tmp_path: Path, *args: str) -> Tuple[int, List[Dict[str, object]]]:
    code, out, err = run(["scan", ".", "--no-cache", "--format", "json", *args], tmp_path)
    assert code in (0, 1), err
    return code, json.loads(out)["findings"]


def _at(findings: List[Dict[str, object]], check_id: str) -> List[Tuple[str, int]]:
    return [(f["file"], f["line"]) for f in findings if f["check_id"] == check_id]


def _write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _module_chain(root: Path, depth: int) -> None:
    """A root module calling m1, m1 calling m2 ... m<depth> holding a public bucket."""
    files = {"main.tf": 'module "m" {\n  source = "./m1"\n}\n'}
    for level in range(1, depth):
        files[f"m{level}/main.tf"] = f'module "m" {{\n  source = "../m{level + 1}"\n}}\n'
    files[f"m{depth}/main.tf"] = 'resource "aws_s3_bucket" "deep" {\n  acl = "public-read"\n}\n'
    _write(root, files)


def test_modules_nested_past_the_depth_limit_are_reported(tmp_path: Path, run) -> None:
    _module_chain(tmp_path, MAX_MODULE_DEPTH + 2)
    code, findings = _findings(run, tmp_path)
    assert code == 1
    # The root is level 1: the module called from level 32 is the one not loaded.
    assert _at(findings, "IACG-000") == [(f"m{MAX_MODULE_DEPTH - 1}/main.tf", 1)]
    message = next(f["message"] for f in findings if f["check_id"] == "IACG-000")
    assert "MAX_MODULE_DEPTH" in message


def test_modules_just_within_the_depth_limit_are_checked(tmp_path: Path, run) -> None:
    depth = MAX_MODULE_DEPTH - 1
    _module_chain(tmp_path, depth)
    _, findings = _findings(run, tmp_path)
    assert _at(findings, "IACG-000") == []
    assert (f"m{depth}/main.tf", 2) in _at(findings, "IACG-AWS-001")


PARENT_STACK = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ./stacks/child.yaml
"""


@pytest.mark.parametrize("child, why", [
    ("Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: [unclosed\n", "cannot be parsed"),
    (None, "not found"),
    ("- just\n- a list\n", "not a template"),
    (b"Resources: {}\n\xff\xfe\n", "not read"),
])
def test_a_nested_stack_that_cannot_be_read_is_iacg000_on_its_template_url(
        tmp_path: Path, run, child, why: str) -> None:
    _write(tmp_path / "cfn", {"parent.yaml": PARENT_STACK})
    if isinstance(child, bytes):
        (tmp_path / "cfn" / "stacks").mkdir()
        (tmp_path / "cfn" / "stacks" / "child.yaml").write_bytes(child)
    elif child is not None:
        _write(tmp_path / "cfn", {"stacks/child.yaml": child})
    code, out, err = run(["scan", "cfn/parent.yaml", "--no-cache", "--format", "json"], tmp_path)
    findings = json.loads(out)["findings"]
    assert code == 1
    assert _at(findings, "IACG-000") == [("cfn/parent.yaml", 6)]
    assert why in findings[0]["message"] and "Child" in findings[0]["message"]


ARM_PARENT = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [{
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "linked",
        "properties": {"mode": "Incremental", "templateLink": {"relativePath": "linked/child.json"}},
    }],
}


@pytest.mark.parametrize("child, why", [
    ('{"resources": [\n', "not read"),
    (None, "not found"),
    ("[1, 2]\n", "not a template"),
])
def test_a_linked_template_that_cannot_be_read_is_iacg000_on_its_template_link(
        tmp_path: Path, run, child, why: str) -> None:
    (tmp_path / "azuredeploy.json").write_text(json.dumps(ARM_PARENT, indent=2))
    line = json.dumps(ARM_PARENT, indent=2).splitlines().index('        "templateLink": {') + 1
    if child is not None:
        _write(tmp_path, {"linked/child.json": child})
    code, findings = _findings(run, tmp_path)
    assert code == 1
    assert _at(findings, "IACG-000") == [("azuredeploy.json", line)]
    assert why in findings[0]["message"]


@pytest.mark.parametrize("name, text, line", [
    ("terraform.tfvars", 'acl = "public-read"\nbroken = [\n', 3),
    ("prod.auto.tfvars", 'acl = "public-read"\n' + "x = [" + "1," * 120_000 + "]\n", 2),
    ("terraform.tfvars.json", '{"acl": "public-read",\n "broken": }\n', 2),
])
def test_a_variable_file_that_cannot_be_read_is_iacg000_and_its_variables_unknown(
        tmp_path: Path, run, name: str, text: str, line: int) -> None:
    _write(tmp_path, {"main.tf": PUBLIC_IF_SET, name: text})
    _, findings = _findings(run, tmp_path)
    assert _at(findings, "IACG-000") == [(name, line)]
    # Not the default ("private"), which would pass; unknown decides nothing.
    undecided = _verbose_undecided(run, tmp_path)
    assert "IACG-AWS-001 undecided on aws_s3_bucket.b" in undecided


def _verbose_undecided(run, tmp_path: Path) -> str:
    _, _, err = run(["scan", ".", "--no-cache", "--verbose", "--check", "IACG-AWS-001"], tmp_path)
    return err


def test_a_later_variable_value_still_counts_after_a_broken_file(tmp_path: Path, run) -> None:
    _write(tmp_path, {"main.tf": PUBLIC_IF_SET, "terraform.tfvars": "broken = [\n"})
    _, findings = _findings(run, tmp_path, "--var", "acl=public-read")
    assert _at(findings, "IACG-AWS-001") == [("main.tf", 7)]


def test_a_missing_var_file_is_a_usage_error(tmp_path: Path, run) -> None:
    _write(tmp_path, {"main.tf": PUBLIC_IF_SET})
    code, out, err = run(["scan", ".", "--var-file", "nonexistent.tfvars"], tmp_path)
    assert code == 2 and out == ""
    assert err == "iacguard: variable file nonexistent.tfvars not found\n"


def test_nested_stacks_past_the_nesting_limit_are_reported(tmp_path: Path, run) -> None:
    from iacguard.parsers.cloudformation.resources import MAX_NESTING

    levels = MAX_NESTING + 3
    for n in range(levels):
        text = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
        text += (f"  Next:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
                 f"      TemplateURL: ./s{n + 1}.yaml\n") if n + 1 < levels else \
            "  B:\n    Type: AWS::S3::Bucket\n"
        (tmp_path / f"s{n}.yaml").write_text(text)
    code, out, err = run(["scan", "s0.yaml", "--no-cache", "--format", "json", "--check", "IACG-000"], tmp_path)
    findings = json.loads(out)["findings"]
    assert _at(findings, "IACG-000") == [(f"s{MAX_NESTING}.yaml", 6)]  # s0 is the top: s1..s10 nest
    assert "MAX_NESTING" in findings[0]["message"]


def test_deployments_past_the_depth_limit_are_reported(tmp_path: Path, run) -> None:
    from iacguard.parsers.arm.resources import MAX_DEPLOYMENT_DEPTH

    inner: Dict[str, object] = {"resources": [{"type": "Microsoft.Storage/storageAccounts",
                                               "apiVersion": "2023-01-01", "name": "deep"}]}
    for n in range(MAX_DEPLOYMENT_DEPTH + 1):
        inner = {"resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
                                "name": f"d{n}", "properties": {"mode": "Incremental", "template": inner}}]}
    template = {"$schema": ARM_PARENT["$schema"], "contentVersion": "1.0.0.0", **inner}
    text = json.dumps(template, indent=1)
    (tmp_path / "azuredeploy.json").write_text(text)
    _, findings = _findings(run, tmp_path, "--check", "IACG-000")
    # The deployment not read is d0, the innermost; its object opens three
    # lines above its name ("type" and "apiVersion" come first).
    name_line = next(i for i, ln in enumerate(text.splitlines(), 1) if '"name": "d0"' in ln)
    assert _at(findings, "IACG-000") == [("azuredeploy.json", name_line - 3)]
    assert "MAX_DEPLOYMENT_DEPTH" in findings[0]["message"]


def test_a_value_a_limit_makes_unknown_is_noted_and_counted(tmp_path: Path, run) -> None:
    """Not an IACG-000 (unknown decides nothing), but never silent either."""
    costly = "length([for i in range(100000) : [for j in range(100) : j]])"  # 10 million steps
    _write(tmp_path, {"main.tf": f'resource "aws_s3_bucket" "b" {{\n  acl = {costly} > 0 ? "public-read" : "x"\n}}\n'})
    code, out, err = run(["scan", ".", "--no-cache", "--format", "json", "--check", "IACG-AWS-001"], tmp_path)
    doc = json.loads(out)
    assert (code, doc["findings"], doc["summary"]["limits_reached"]) == (0, [], 1)
    _, text, notes = run(["scan", ".", "--no-cache", "--verbose", "--check", "IACG-AWS-001"], tmp_path)
    assert "1 values unknown past a limit" in text.splitlines()[-1]
    assert "iacguard: note: .: a value on line 2 goes past an evaluation limit" in notes


def test_an_arm_value_over_its_budget_is_counted(tmp_path: Path, run, monkeypatch) -> None:
    from iacguard.parsers.arm import expressions as arm_expressions

    monkeypatch.setattr(arm_expressions, "MAX_STEPS", 20_000)
    account = {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "sa",
               "tags": {"costly": "[length(map(range(0, 1000), lambda('x', map(range(0, 1000), lambda('y', 1)))))]"}}
    (tmp_path / "azuredeploy.json").write_text(json.dumps({**ARM_PARENT, "resources": [account]}, indent=1))
    code, out, err = run(["scan", ".", "--no-cache", "--format", "json"], tmp_path)
    assert json.loads(out)["summary"]["limits_reached"] == 1


def test_dynamic_blocks_past_the_limit_are_noted_and_counted(tmp_path: Path, run, monkeypatch) -> None:
    from iacguard.parsers.terraform import module

    monkeypatch.setattr(module, "MAX_DYNAMIC_BLOCKS", 3)
    _write(tmp_path, {"main.tf": 'resource "aws_security_group" "g" {\n  dynamic "ingress" {\n'
                                 '    for_each = range(5)\n    content {\n      from_port = 22\n    }\n  }\n}\n'})
    _, out, notes = run(["scan", ".", "--no-cache", "--format", "json", "--verbose"], tmp_path)
    assert json.loads(out)["summary"]["limits_reached"] == 1
    assert "iacguard: note: .: a value on line 3 goes past an evaluation limit" in notes
