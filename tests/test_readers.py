"""The table of readers and discovery's use of it: each file gets the
format of the first reader that recognises it, with its repository; files
only read as another's input are never templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from iacguard.discovery import discover, identify
from iacguard.parsers import READERS
from iacguard.source import Limits

ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
ARM = json.dumps({"$schema": ARM_SCHEMA, "contentVersion": "1.0.0.0", "resources": []})
ARM_PARAMETERS = json.dumps({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
    "contentVersion": "1.0.0.0", "parameters": {}})
PLAN = json.dumps({"format_version": "1.2", "planned_values": {"root_module": {}}})
CFN = "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"


def test_each_file_gets_its_format_and_repository(tmp_path: Path) -> None:
    files = {"main.tf": 'resource "aws_s3_bucket" "b" {}\n', "azuredeploy.json": ARM,
             "azuredeploy.parameters.json": ARM_PARAMETERS, "plan.json": PLAN, "stack.yaml": CFN,
             "notes.yaml": "title: not a template\n",
             # A variable file is read for its module, whatever it looks like.
             "prod.tfvars.json": ARM,
             # The first reader that recognises a file wins: by its name, Terraform.
             "odd.tf.json": ARM}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    found = discover(["."], tmp_path)
    identified = identify(found.candidates, ["."], [r.format for r in READERS], Limits(), {})
    assert sorted((t.display, t.format) for t in identified.templates) == [
        ("azuredeploy.json", "arm"), ("main.tf", "terraform"), ("odd.tf.json", "terraform"),
        ("plan.json", "tfplan"), ("stack.yaml", "cloudformation")]
    assert {t.repository for t in identified.templates} == {tmp_path.resolve()}
    assert identified.skipped == 3 and identified.unreadable == []


def test_formats_not_asked_for_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n')
    (tmp_path / "stack.yaml").write_text(CFN)
    found = discover(["."], tmp_path)
    identified = identify(found.candidates, ["."], ["cloudformation"], Limits(), {})
    assert [(t.display, t.format) for t in identified.templates] == [("stack.yaml", "cloudformation")]
    assert identified.skipped == 1


def test_a_template_too_large_to_read_is_an_error_with_its_sniffed_format(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(CFN + "# padding\n" * 50)
    (tmp_path / "notes.yaml").write_text("title: not a template\n" + "# padding\n" * 50)
    found = discover(["."], tmp_path)
    identified = identify(found.candidates, ["."], [r.format for r in READERS], Limits(max_file_bytes=100), {})
    assert identified.templates == [] and identified.skipped == 1
    [parsed] = identified.unreadable
    assert (parsed.path, parsed.format) == ("stack.yaml", "cloudformation")
    assert [(e.line, e.format, "max_file_bytes" in e.message) for e in parsed.errors] == [(1, "cloudformation", True)]


def test_the_evidence_record_names_the_files_each_reader_reads_beside_a_template(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n')
    (tmp_path / "terraform.tfvars").write_text('acl = "private"\n')
    (tmp_path / "azuredeploy.json").write_text(ARM)
    (tmp_path / "azuredeploy.parameters.json").write_text(ARM_PARAMETERS)
    (tmp_path / "stack.yaml").write_text(CFN)
    run(["scan", ".", "--evidence", "evidence.json"], tmp_path)
    record = json.loads((tmp_path / "evidence.json").read_text())
    assert [f["path"] for f in record["files"]] == [
        "azuredeploy.json", "azuredeploy.parameters.json", "main.tf", "stack.yaml", "terraform.tfvars"]


def test_templates_named_later_are_read_last_and_kept_in_order(tmp_path: Path) -> None:
    from iacguard.model import ParsedFile
    from iacguard.parsers.readers import ReadSettings, Template, read_each

    names = ["a.yaml", "b.yaml", "c.yaml", "d.yaml", "e.yaml"]
    templates = [Template(tmp_path / n, n, tmp_path, "cloudformation", "") for n in names]
    read: list = []

    def parse(template: Template, context: object) -> Optional[ParsedFile]:
        read.append(template.display)
        if template.display in ("b.yaml", "d.yaml"):
            raise ValueError(template.display)  # a parser bug, reported in the order given
        return None if template.display == "e.yaml" else ParsedFile(template.display, "cloudformation")

    result = read_each(templates, ReadSettings(tmp_path), parse, later=lambda t: t.display in ("a.yaml", "d.yaml"))
    assert read == ["b.yaml", "c.yaml", "e.yaml", "a.yaml", "d.yaml"]
    assert [f.path for f in result.files] == ["a.yaml", "b.yaml", "c.yaml", "d.yaml"]
    assert [e.message for f in result.files for e in f.errors] == [
        "internal error while reading: ValueError: b.yaml", "internal error while reading: ValueError: d.yaml"]
    assert ["ValueError: b.yaml" in t for t in result.internal_errors] == [True, False]
    assert result.skipped == 1
