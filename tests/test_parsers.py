"""Parsers keep values, nested blocks and the line of every attribute."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iacguard.model import UNKNOWN, UNKNOWN_PRESENT, Link, PartialDocument, PartialString, is_unknown
from iacguard.parsers.arm.resources import parse_arm
from iacguard.parsers.cloudformation.resources import parse_cloudformation
from iacguard.parsers.common.json_positions import JSONPositionError, parse_json
from iacguard.parsers.terraform.plan import parse_tfplan
from iacguard.parsers.terraform.project import Project


def load_module(files, directory="."):
    """Evaluate one module directory (display path, text) as a root module."""
    root = Path("/nonexistent-root")
    project = Project([root], root)
    project.add_files(root / directory, files)
    return project.evaluate()


def _tf(text: str, name: str = "main.tf"):
    files = load_module([(name, textwrap.dedent(text).lstrip("\n"))])
    assert not files[0].errors, files[0].errors
    return {r.address: r for r in files[0].resources}


def test_terraform_literals_nested_blocks_and_lines() -> None:
    resources = _tf('''
        resource "aws_security_group" "web" {
          name = "web"
          ingress {
            from_port   = 22
            to_port     = 22
            cidr_blocks = [
              "10.0.0.0/8",
              "0.0.0.0/0",
            ]
          }
          egress {
            from_port = 0
          }
          tags = { Team = "ops" }
        }
    ''')
    sg = resources["aws_security_group.web"]
    assert sg.type == "aws_security_group" and sg.provider == "aws" and sg.format == "terraform"
    assert sg.location.line == 1 and sg.location.end_line == 15
    assert sg.attributes["ingress"][0]["cidr_blocks"] == ["10.0.0.0/8", "0.0.0.0/0"]
    assert sg.attributes["tags"] == {"Team": "ops"}
    assert sg.line_of(("name",)) == 2
    assert sg.line_of(("ingress", 0)) == 3
    assert sg.line_of(("ingress", 0, "cidr_blocks")) == 6
    assert sg.line_of(("ingress", 0, "cidr_blocks", 1)) == 8
    assert sg.line_of(("egress", 0, "to_port")) == 11  # absent: nearest written parent
    assert sg.line_of(("missing",)) == 1


def test_terraform_references_are_unknown_and_become_references() -> None:
    resources = _tf('''
        resource "aws_s3_bucket" "b" {
          bucket = "x-${var.env}"
          acl    = var.acl
        }
        resource "aws_s3_bucket_public_access_block" "b" {
          bucket            = aws_s3_bucket.b.id
          block_public_acls = true
        }
    ''')
    bucket = resources["aws_s3_bucket.b"]
    assert is_unknown(bucket.attributes["bucket"])
    assert bucket.attributes["acl"] is UNKNOWN
    pab = resources["aws_s3_bucket_public_access_block.b"]
    assert pab.links == [Link(".::", "aws_s3_bucket.b", "bucket")]
    assert pab.attributes["block_public_acls"] is True


def test_terraform_provider_argument_links_to_its_configuration() -> None:
    resources = _tf('''
        provider "aws" {
          alias  = "osaka"
          region = "ap-northeast-3"
        }
        resource "aws_s3_bucket" "replica" {
          provider = aws.osaka
          bucket   = "replica"
        }
        resource "aws_s3_bucket" "plain" {
          bucket = "plain"
        }
    ''')
    assert resources["aws_s3_bucket.replica"].links == [Link(".::", "provider.aws.osaka", "provider")]
    assert "provider" not in resources["aws_s3_bucket.replica"].attributes
    assert resources["aws_s3_bucket.plain"].links == []


def test_terraform_expressions_of_literals_evaluate() -> None:
    resources = _tf('''
        resource "aws_instance" "a" {
          count     = 2
          ami       = "ami-${1 + 1}"
          monitored = !false && true
          policy    = jsonencode({ Version = "2012-10-17" })
          doc       = <<-EOT
            {"a": 1}
            EOT
          names     = [for n in ["a", "b"] : upper(n)]
          chosen    = 3 > 2 ? "yes" : "no"
        }
    ''')
    assert set(resources) == {"aws_instance.a[0]", "aws_instance.a[1]"}
    a = resources["aws_instance.a[0]"].attributes
    assert a["ami"] == "ami-2"
    assert a["monitored"] is True
    assert a["policy"] == '{"Version":"2012-10-17"}'
    assert a["doc"] == '{"a": 1}\n'
    assert a["names"] == ["A", "B"]
    assert a["chosen"] == "yes"


def test_terraform_json_with_unknowns_keeps_its_structure() -> None:
    resources = _tf('''
        resource "aws_s3_bucket_policy" "p" {
          policy = jsonencode({
            Statement = [{ Effect = "Allow", Principal = "*", Resource = "${aws_s3_bucket.b.arn}/*" }]
          })
          heredoc = <<-EOT
            {"Statement": [{"Effect": "Allow", "Resource": "${aws_s3_bucket.b.arn}"}]}
            EOT
          text = "${var.prefix}-logs"
        }
    ''')
    attrs = resources["aws_s3_bucket_policy.p"].attributes
    assert isinstance(attrs["policy"], PartialDocument)
    assert attrs["policy"].document["Statement"][0]["Principal"] == "*"
    assert is_unknown(attrs["policy"].document["Statement"][0]["Resource"])
    assert isinstance(attrs["heredoc"], PartialDocument)
    assert attrs["heredoc"].document["Statement"][0]["Effect"] == "Allow"
    assert attrs["text"].parts == (None, "-logs")  # a string whose known piece is kept


def test_terraform_count_zero_and_literal_for_each() -> None:
    resources = _tf('''
        resource "aws_s3_bucket" "none" {
          count = 0
        }
        resource "aws_s3_bucket" "each" {
          for_each = { logs = "private", site = "public-read" }
          acl      = each.value
        }
    ''')
    assert "aws_s3_bucket.none" not in resources and not any(a.startswith("aws_s3_bucket.none") for a in resources)
    assert resources['aws_s3_bucket.each["site"]'].attributes["acl"] == "public-read"
    assert resources['aws_s3_bucket.each["logs"]'].attributes["acl"] == "private"


def test_terraform_dynamic_blocks_expand_or_stay_unknown() -> None:
    resources = _tf('''
        resource "aws_security_group" "known" {
          dynamic "ingress" {
            for_each = [22, 443]
            content {
              from_port = ingress.value
            }
          }
        }
        resource "aws_security_group" "unknown" {
          dynamic "ingress" {
            for_each = var.rules
            content {
              from_port = ingress.value
            }
          }
        }
    ''')
    assert [i["from_port"] for i in resources["aws_security_group.known"].attributes["ingress"]] == [22, 443]
    assert resources["aws_security_group.unknown"].attributes["ingress"] is UNKNOWN


def test_terraform_json_syntax() -> None:
    resources = _tf('''
        {
          "resource": {
            "aws_s3_bucket": {
              "b": {
                "acl": "public-read",
                "bucket": "${var.name}"
              }
            }
          }
        }
    ''', name="main.tf.json")
    bucket = resources["aws_s3_bucket.b"]
    assert bucket.attributes["acl"] == "public-read"
    assert bucket.attributes["bucket"].parts == (None,)  # a string, whatever var.name is
    assert bucket.line_of(("acl",)) == 5


def test_terraform_syntax_error_has_line() -> None:
    files = load_module([("bad.tf", 'resource "a" "b" {\n  x = \n}\n')])
    assert files[0].errors and files[0].errors[0].line in (2, 3)
    assert "HCL syntax error" in files[0].errors[0].message


CFN_YAML = textwrap.dedent('''\
    AWSTemplateFormatVersion: "2010-09-09"
    Parameters:
      Acl:
        Type: String
    Resources:
      Bucket:
        Type: AWS::S3::Bucket
        Properties:
          AccessControl: !Ref Acl
          BucketName: !Sub "${AWS::StackName}-logs"
          VersioningConfiguration:
            Status: Enabled
      Policy:
        Type: AWS::S3::BucketPolicy
        DependsOn: Bucket
        Properties:
          Bucket: !Ref Bucket
          PolicyDocument:
            Statement:
              - Effect: Allow
                Principal: "*"
    ''')


def test_cloudformation_yaml_short_tags_lines_and_references() -> None:
    parsed = parse_cloudformation("t.yaml", CFN_YAML)
    assert parsed is not None and not parsed.errors
    resources = {r.address: r for r in parsed.resources}
    bucket = resources["Bucket"]
    assert bucket.location.line == 6
    assert bucket.attributes["AccessControl"] is UNKNOWN_PRESENT
    assert bucket.attributes["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket.line_of(("VersioningConfiguration", "Status")) == 12
    policy = resources["Policy"]
    assert policy.links == [Link("t.yaml", "Bucket", ""), Link("t.yaml", "Bucket", "Bucket")]
    assert policy.line_of(("PolicyDocument",)) == 18
    assert policy.line_of(("PolicyDocument", "Statement", 0, "Principal")) == 21


def test_cloudformation_base64_of_a_partly_known_text_keeps_the_text() -> None:
    template = textwrap.dedent("""\
        Resources:
          Host:
            Type: AWS::EC2::Instance
            Properties:
              UserData:
                Fn::Base64: !Sub "#!/bin/bash\\necho ${AWS::StackName} ready\\n"
              Tags:
                - Key: note
                  Value: !Base64 plain
        """)
    parsed = parse_cloudformation("t.yaml", template)
    assert parsed is not None and not parsed.errors
    host = parsed.resources[0].attributes
    user_data = host["UserData"]
    assert isinstance(user_data, PartialString) and user_data.certainly_contains(" ready")
    assert host["Tags"][0]["Value"] == "cGxhaW4="


def test_cloudformation_json_resource_line_is_its_opening_brace() -> None:
    text = '{\n  "Resources": {\n    "B":\n    {\n      "Type": "AWS::S3::Bucket",\n' \
           '      "Properties": {"AccessControl": "PublicRead"}\n    }\n  }\n}\n'
    parsed = parse_cloudformation("t.json", text)
    assert parsed is not None
    bucket = parsed.resources[0]
    assert bucket.location.line == 4
    assert bucket.line_of(("AccessControl",)) == 6


def test_cloudformation_invalid_yaml_is_an_error_with_line() -> None:
    parsed = parse_cloudformation("t.yaml", "AWSTemplateFormatVersion: x\nResources:\n  B: [\n")
    assert parsed is not None and parsed.errors
    assert parsed.errors[0].line >= 3


def test_yaml_that_is_not_a_template_is_skipped() -> None:
    assert parse_cloudformation("e.json", '{"fragment": {"Resources": {}}, "Type": "AWS::S3::Bucket"}') is None


ARM = textwrap.dedent('''\
    {
      "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      // comments are allowed in ARM templates
      "resources": [
        {
          "type": "Microsoft.Storage/storageAccounts",
          "apiVersion": "2023-01-01",
          "name": "acct",
          "properties": {
            "allowBlobPublicAccess": true,
            "minimumTlsVersion": "[parameters('tls')]"
          },
          "resources": [
            {
              "type": "blobServices/containers",
              "name": "default/data",
              "dependsOn": ["acct"],
              "properties": {"publicAccess": "Container"}
            }
          ]
        },
      ]
    }
    ''')


def test_arm_lines_children_comments_and_expressions() -> None:
    parsed = parse_arm("azuredeploy.json", ARM)
    assert not parsed.errors
    account, container = parsed.resources
    assert account.address == "Microsoft.Storage/storageAccounts/acct"
    assert account.location.line == 5
    assert account.attributes["properties"]["allowBlobPublicAccess"] is True
    # 'tls' is not declared: ARM would reject the expression, so it is unknown.
    assert account.attributes["properties"]["minimumTlsVersion"] is UNKNOWN
    assert account.line_of(("properties", "allowBlobPublicAccess")) == 10
    assert container.type == "Microsoft.Storage/storageAccounts/blobServices/containers"
    assert container.address == "Microsoft.Storage/storageAccounts/blobServices/containers/acct/default/data"
    assert container.line_of(("properties", "publicAccess")) == 18
    assert 3 in parsed.comments


def test_arm_symbolic_resources_and_nested_deployment() -> None:
    text = textwrap.dedent('''\
        {
          "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "languageVersion": "2.0",
          "resources": {
            "inner": {
              "type": "Microsoft.Resources/deployments",
              "name": "nested",
              "properties": {
                "template": {
                  "resources": [
                    {"type": "Microsoft.Compute/disks", "name": "d1", "properties": {}}
                  ]
                }
              }
            }
          }
        }
        ''')
    parsed = parse_arm("t.json", text)
    assert [r.address for r in parsed.resources] == [
        "Microsoft.Resources/deployments/nested", "nested/Microsoft.Compute/disks/d1"]
    assert parsed.resources[1].location.line == 11


def test_json_reader_errors_point_at_the_line() -> None:
    with pytest.raises(JSONPositionError) as info:
        parse_json('{\n  "a": 1\n  "b": 2\n}')
    assert info.value.line == 3
    with pytest.raises(JSONPositionError):
        parse_json("[" * 1000)


def test_tfplan_values_unknowns_and_modules() -> None:
    text = textwrap.dedent('''\
        {
          "format_version": "1.2",
          "planned_values": {
            "root_module": {
              "child_modules": [{
                "address": "module.store",
                "resources": [{
                  "address": "module.store.aws_s3_bucket.b",
                  "mode": "managed",
                  "type": "aws_s3_bucket",
                  "name": "b",
                  "values": {"acl": "public-read"}
                }]
              }]
            }
          },
          "resource_changes": [{
            "address": "module.store.aws_s3_bucket.b",
            "change": {"after_unknown": {"arn": true}}
          }]
        }
        ''')
    parsed = parse_tfplan("plan.json", text)
    (bucket,) = parsed.resources
    assert bucket.address == "module.store.aws_s3_bucket.b"
    assert bucket.module_path == ("store",)
    assert bucket.attributes == {"acl": "public-read", "arn": UNKNOWN}
    assert bucket.line_of(("acl",)) == 12
    assert bucket.location.line == 7


def test_arm_child_resources_link_to_their_parent() -> None:
    text = textwrap.dedent('''\
        {
          "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "parameters": {"unknownName": {"type": "string"}},
          "resources": [
            {"type": "Microsoft.Web/sites", "name": "app", "properties": {},
             "resources": [{"type": "config", "name": "logs", "properties": {}}]},
            {"type": "Microsoft.Web/sites/config", "name": "app/web",
             "properties": {"http20Enabled": true}},
            {"type": "Microsoft.Web/sites/config", "name": "[concat(parameters('unknownName'), '/web')]",
             "properties": {}},
            {"type": "Microsoft.Web/sites/config", "name": "other/web", "properties": {}}
          ]
        }
        ''')
    parsed = parse_arm("t.json", text)
    site, nested, separate, unnamed, orphan = parsed.resources
    assert [(link.address, link.via) for link in nested.links] == [("Microsoft.Web/sites/app", "parent")]
    assert [(link.address, link.via) for link in separate.links] == [("Microsoft.Web/sites/app", "parent")]
    assert separate.line_of(("properties", "http20Enabled")) == 8
    assert unnamed.links == []  # the parent's name is not known: no guess
    assert not any(link.via == "parent" and link.address == site.address for link in orphan.links)
