"""What the ARM reader tells the model about ARM's own rules, so that the
graph and the checks need not know the format: a resource may be named by
its name alone, and property names compare without regard to case."""

from __future__ import annotations

import json

from iacguard.engine.checks import load_checks
from iacguard.engine.runner import run_checks
from iacguard.graph import ResourceGraph
from iacguard.parsers.arm.resources import parse_arm

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def _template(*resources: dict) -> str:
    return json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": list(resources)}, indent=2)


ACCOUNT = {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "acct",
           "location": "japaneast", "properties": {}}


def test_depends_on_by_name_alone_links_to_the_resource() -> None:
    site = {"type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "app", "location": "japaneast",
            "dependsOn": ["acct"], "properties": {}}
    parsed = parse_arm("azuredeploy.json", _template(ACCOUNT, site))
    account, app = parsed.resources
    assert account.aliases == ("acct",)
    graph = ResourceGraph(parsed.resources)
    assert graph.neighbours(app, "out") == [account]
    assert graph.neighbours(account, "in") == [app]


def test_a_property_named_in_another_case_is_judged() -> None:
    account = dict(ACCOUNT, properties={"AllowBlobPublicAccess": True})
    text = _template(account)
    parsed = parse_arm("azuredeploy.json", text)
    checks = load_checks()
    run = run_checks(checks, parsed.resources, ResourceGraph(parsed.resources), {})
    line = next(n for n, row in enumerate(text.split("\n"), 1) if "AllowBlobPublicAccess" in row)
    assert [(f.check_id, f.line) for f in run.findings if f.check_id == "IACG-AZURE-001"] == [
        ("IACG-AZURE-001", line)]
