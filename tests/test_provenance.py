"""Where a finding's value came from (``provenance``), in every format that
shows it, for each way a value can reach an attribute."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

from conftest import make_work_tree

SSH = """resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [%s]
  }
}
"""


def _tree(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _ssh_finding(run, cwd: Path, *args: str) -> Dict:
    code, out, _ = run(["scan", ".", "--check", "IACG-AWS-004", "--format", "json", *args], cwd)
    (finding,) = json.loads(out)["findings"]
    assert code == 1 and finding["check_id"] == "IACG-AWS-004"
    return finding


def _chain(finding: Dict) -> List[tuple]:
    return [(p["file"], p["line"], p["what"]) for p in finding["provenance"]]


def test_var_file_and_json_tfvars_lines(run, tmp_path: Path) -> None:
    _tree(tmp_path, {"main.tf": SSH % "var.cidr", "variables.tf": 'variable "cidr" {}\n',
                     "x.auto.tfvars.json": '{\n  "other": 1,\n  "cidr": "10.0.0.0/8"\n}\n',
                     "prod.tfvars": '# production\ncidr = "0.0.0.0/0"\n'})
    finding = _ssh_finding(run, tmp_path, "--var-file", "prod.tfvars")
    assert (finding["file"], finding["line"]) == ("main.tf", 6)
    assert _chain(finding) == [("prod.tfvars", 2, "var.cidr")]
    (tmp_path / "x.auto.tfvars.json").write_text('{\n  "other": 1,\n  "cidr": "0.0.0.0/0"\n}\n')
    assert _chain(_ssh_finding(run, tmp_path)) == [("x.auto.tfvars.json", 3, "var.cidr")]


def test_chain_through_locals_and_modules_is_outermost_last(run, tmp_path: Path) -> None:
    _tree(tmp_path, {
        "main.tf": 'module "outer" {\n  source = "./outer"\n  cidr   = local.cidr\n}\n',
        "locals.tf": 'locals {\n  cidr = var.cidr\n}\nvariable "cidr" {\n  default = "0.0.0.0/0"\n}\n',
        "outer/main.tf": 'variable "cidr" {}\nmodule "inner" {\n  source = "../inner"\n  admin = var.cidr\n}\n',
        "inner/main.tf": 'variable "admin" {}\n' + SSH % "var.admin"})
    finding = _ssh_finding(run, tmp_path)
    assert (finding["file"], finding["line"]) == ("inner/main.tf", 7)
    assert _chain(finding) == [
        ("outer/main.tf", 4, "input admin of module.outer.module.inner"),
        ("main.tf", 3, "input cidr of module.outer"),
        ("locals.tf", 2, "local.cidr"),
        ("locals.tf", 5, "var.cidr default"),
    ]


def test_for_each_feeds_the_attributes_that_read_each(run, tmp_path: Path) -> None:
    _tree(tmp_path, {"main.tf": 'variable "cidrs" {\n  default = { a = "0.0.0.0/0" }\n}\n' +
                     SSH.replace('"ssh" {', '"ssh" {\n  for_each = var.cidrs') % "each.value"})
    finding = _ssh_finding(run, tmp_path)
    assert finding["line"] == 10 and _chain(finding) == [("main.tf", 2, "var.cidrs default")]


def test_written_in_place_has_no_provenance(run, tmp_path: Path) -> None:
    _tree(tmp_path, {"main.tf": SSH % '"0.0.0.0/0"'})
    assert _ssh_finding(run, tmp_path)["provenance"] == []


CFN = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Cidr:
    Type: String
    Default: 0.0.0.0/0
Resources:
  Ssh:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: ssh
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Cidr}
"""


def test_cloudformation_parameter_default_and_file(run, tmp_path: Path) -> None:
    _tree(tmp_path, {"stack.yaml": CFN, "params.json": '{\n  "Parameters": {\n    "Cidr": "0.0.0.0/0"\n  }\n}\n'})
    finding = _ssh_finding(run, tmp_path)
    assert (finding["file"], finding["line"]) == ("stack.yaml", 12)
    assert _chain(finding) == [("stack.yaml", 5, "parameter Cidr default")]
    finding = _ssh_finding(run, tmp_path, "--parameters", "params.json")
    assert _chain(finding) == [("params.json", 3, "parameter Cidr")]


def test_text_and_sarif_show_the_chain(run, tmp_path: Path) -> None:
    _tree(tmp_path, {"main.tf": SSH % "var.cidr", "variables.tf": 'variable "cidr" {\n  default = "0.0.0.0/0"\n}\n'})
    _, out, _ = run(["scan", ".", "--check", "IACG-AWS-004"], tmp_path)
    assert "      value from var.cidr default, variables.tf:2\n" in out
    _, out, _ = run(["scan", ".", "--check", "IACG-AWS-004", "--lang", "ja"], tmp_path)
    assert "      値の出所: var.cidr default（variables.tf:2）\n" in out
    _, out, _ = run(["scan", ".", "--check", "IACG-AWS-004", "--format", "sarif"], tmp_path)
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["relatedLocations"] == [{
        "id": 0, "message": {"text": "var.cidr default"},
        "physicalLocation": {"artifactLocation": {"uri": "variables.tf", "uriBaseId": "%SRCROOT%"},
                             "region": {"startLine": 2}}}]


def test_sarif_uris_are_relative_to_the_repository_root(run, tmp_path: Path) -> None:
    _tree(tmp_path, {"repo/infra/main.tf": SSH % '"0.0.0.0/0"'})
    make_work_tree(tmp_path / "repo")
    for cwd, target in ((tmp_path, "repo/infra"), (tmp_path / "repo" / "infra", ".")):
        _, out, _ = run(["scan", target, "--check", "IACG-AWS-004", "--format", "sarif"], cwd)
        sarif = json.loads(out)["runs"][0]
        assert sarif["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (tmp_path / "repo").as_uri() + "/"
        location = sarif["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location == {"uri": "infra/main.tf", "uriBaseId": "%SRCROOT%"}


def test_pre_commit_reports_by_provenance_and_finds_callers(run, tmp_path: Path) -> None:
    _tree(tmp_path, {"main.tf": 'module "cfg" {\n  source = "./modules/cfg"\n}\n' + SSH % "module.cfg.cidr",
                     "modules/cfg/outputs.tf": 'output "cidr" {\n  value = "0.0.0.0/0"\n}\n',
                     "other/main.tf": SSH % '"0.0.0.0/0"'})
    code, out, _ = run(["scan", "--pre-commit", "modules/cfg/outputs.tf", "--compact"], tmp_path)
    assert code == 1
    assert out.splitlines() == ["main.tf:9: IACG-AWS-004 HIGH Security group allows SSH or RDP from the internet "
                                "(ingress[0].cidr_blocks[0] = 0.0.0.0/0)"]
    code, out, _ = run(["scan", "--pre-commit", "other/main.tf", "--compact", "--check", "IACG-AWS-004"], tmp_path)
    assert code == 1 and [line.split(":")[0] for line in out.splitlines()] == ["other/main.tf"]


def nsg_template(parameters: str, variables: str, source: str) -> str:
    """An ARM template of a network security group allowing SSH from ``source``."""
    return """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {%s},
  "variables": {%s},
  "resources": [{
    "type": "Microsoft.Network/networkSecurityGroups",
    "apiVersion": "2023-04-01",
    "name": "nsg",
    "location": "japaneast",
    "properties": {"securityRules": [{
      "name": "ssh",
      "properties": {
        "access": "Allow", "direction": "Inbound", "protocol": "Tcp", "priority": 100,
        "sourcePortRange": "*", "destinationPortRange": "22", "destinationAddressPrefix": "*",
        "sourceAddressPrefix": "%s"
      }
    }]}
  }]
}
""" % (parameters, variables, source)


def nsg_parameters(source: str) -> str:
    return ('{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",\n'
            '  "contentVersion": "1.0.0.0",\n  "parameters": {\n    "source": {"value": "%s"}\n  }\n}\n' % source)


def test_arm_expression_reading_several_inputs(run, tmp_path: Path) -> None:
    template = nsg_template('\n    "open": {"type": "bool", "defaultValue": true},'
                            '\n    "source": {"type": "string"}\n  ',
                            '"fallback": "[parameters(\'source\')]"',
                            "[if(parameters('open'), variables('fallback'), '10.0.0.0/8')]")
    _tree(tmp_path, {"nsg.json": template, "nsg.parameters.json": nsg_parameters("*")})
    code, out, _ = run(["scan", ".", "--format", "json"], tmp_path)
    (finding,) = [f for f in json.loads(out)["findings"] if f["line"] == 19]
    assert code == 1 and finding["file"] == "nsg.json"
    assert _chain(finding) == [("nsg.json", 5, "parameter open default"),
                               ("nsg.json", 8, "variables('fallback')"),
                               ("nsg.parameters.json", 5, "parameter source")]
