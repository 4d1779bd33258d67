"""Runaway graphs and reads: dependencies between expanded blocks stay at
block level (edges grow with the sum of the instances, never their product,
and checks see the same neighbours); the module manifest is read once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

from iacguard.engine.checks import CheckSet
from iacguard.graph import ResourceGraph
from iacguard.model import Link, Location, Resource
from iacguard.scan import ScanOptions, scan

COUNT = 300


def _resources(root: Path) -> List[Resource]:
    result = scan(ScanOptions(paths=[str(root)], cwd=root), CheckSet([], {}))
    return [r for r in result.resources]


def test_depends_on_between_counted_blocks_is_one_edge_per_instance(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(f"""resource "aws_s3_bucket" "a" {{
  count  = {COUNT}
  bucket = "a-${{count.index}}"
}}

resource "aws_s3_bucket" "b" {{
  count      = {COUNT}
  bucket     = "b-${{count.index}}"
  depends_on = [aws_s3_bucket.a]
}}
""")
    resources = _resources(tmp_path)
    graph = ResourceGraph(resources)
    assert graph.graph.number_of_edges() == COUNT  # each b[i] -> the group of a
    by_address = {r.address: r for r in resources}
    a0, b7 = by_address["aws_s3_bucket.a[0]"], by_address["aws_s3_bucket.b[7]"]
    bucket = {"aws_s3_bucket"}
    assert len(graph.neighbours(b7, "out", types=bucket)) == COUNT
    assert len(graph.neighbours(a0, "in", types=bucket)) == COUNT
    assert graph.neighbours(a0, "out") == []
    assert graph.neighbours(b7, "in") == []
    assert graph.has_edge_to_type(b7, "aws_s3_bucket") and not graph.has_edge_to_type(a0, "aws_s3_bucket")
    assert graph.neighbours(b7, "out", via={"bucket"}) == []  # depends_on orders only
    assert graph.neighbours(a0, "in", via={"bucket"}, types=bucket) == []
    assert len(graph.neighbours(a0, "in", via={""}, types=bucket)) == COUNT


def test_a_member_referring_to_its_own_group_is_not_its_own_neighbour() -> None:
    members = [Resource(address=f"t.a[{i}]", type="t", format="terraform", provider="aws", attributes={},
                        location=Location("f.tf", 1), links=[Link("ns", "t.a", "x")], namespace="ns")
               for i in range(3)]
    graph = ResourceGraph(members)
    for direction in ("out", "in"):
        assert {r.address for r in graph.neighbours(members[0], direction)} == {"t.a[1]", "t.a[2]"}
    assert graph.has_edge_to_type(members[0], "t")
    alone = ResourceGraph(members[:1] + [Resource(address="u.b[0]", type="u", format="terraform", provider="aws",
                                                  attributes={}, location=Location("f.tf", 1), namespace="ns")])
    assert not alone.has_edge_to_type(members[0], "t")


def test_arm_copy_loops_depending_on_each_other_link_loop_to_loop(tmp_path: Path) -> None:
    loops = []
    for i in range(3):
        body = {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2022-09-01",
                "name": f"[concat('s{i}', copyIndex())]", "location": "japaneast", "kind": "StorageV2",
                "sku": {"name": "Standard_LRS"}, "copy": {"name": f"loop{i}", "count": 50}, "properties": {}}
        if i:
            body["dependsOn"] = [f"loop{j}" for j in range(i)]
        loops.append(body)
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "resources": loops}
    (tmp_path / "azuredeploy.json").write_text(json.dumps(template, indent=1))
    resources = _resources(tmp_path)
    assert len(resources) == 150
    assert sum(len(r.links) for r in resources) == 50 * 1 + 50 * 2
    graph = ResourceGraph(resources)
    assert graph.graph.number_of_edges() == 150
    by_address = {r.address: r for r in resources}
    last = by_address["Microsoft.Storage/storageAccounts/s249"]
    first = by_address["Microsoft.Storage/storageAccounts/s00"]
    storage = {"microsoft.storage/storageaccounts"}
    assert len(graph.neighbours(last, "out", types=storage)) == 100
    assert len(graph.neighbours(first, "in", types=storage)) == 100


def test_the_module_manifest_is_read_once_for_all_module_calls(tmp_path: Path, monkeypatch) -> None:
    """Read per call, a manifest of thousands of modules cost seconds for
    every registry module a configuration uses."""
    (tmp_path / ".terraform" / "modules" / "m").mkdir(parents=True)
    (tmp_path / ".terraform" / "modules" / "m" / "main.tf").write_text(
        'resource "aws_s3_bucket" "x" {\n  acl = "public-read"\n}\n')
    modules = [{"Key": "", "Source": "", "Dir": "."}] + [
        {"Key": f"m{i}", "Source": "registry.terraform.io/x/y/aws", "Version": "1.0.0", "Dir": ".terraform/modules/m"}
        for i in range(30)]
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(json.dumps({"Modules": modules}))
    (tmp_path / "main.tf").write_text("".join(f'module "m{i}" {{\n  source = "x/y/aws"\n}}\n' for i in range(30)))
    reads: List[str] = []
    real_loads = json.loads

    def counting(text, *args, **kwargs):
        if isinstance(text, str) and '"Modules"' in text:
            reads.append(text)
        return real_loads(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting)
    resources = _resources(tmp_path)
    assert sorted(r.address for r in resources if r.type == "aws_s3_bucket") == sorted(
        f"module.m{i}.aws_s3_bucket.x" for i in range(30))
    assert len(reads) == 1
