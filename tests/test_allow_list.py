"""checks/_predicates/allow_list.py: values judged against an allow-list the
organisation sets (allowed_vm_extensions)."""

from __future__ import annotations

from typing import Any, Dict, List

from iacguard.engine.checks import load_checks
from iacguard.engine.conditions import Context, Tri, compile_condition
from iacguard.graph import ResourceGraph
from iacguard.model import UNKNOWN, Location, Resource

PREDICATES = load_checks().predicates
SPEC = {"predicate": "not_in_setting",
        "args": {"setting": "allowed_vm_extensions", "paths": ["type", "extension[*].type"]}}


def _judge(attributes: Dict[str, Any], approved: List[str]):
    subject = Resource("azurerm_virtual_machine_extension.x", "azurerm_virtual_machine_extension",
                       "terraform", "azure", attributes, Location("main.tf", 1))
    ctx = Context(subject, ResourceGraph([subject]), PREDICATES, subject.attributes,
                  settings={"allowed_vm_extensions": approved})
    return compile_condition(SPEC).evaluate(ctx)


def test_a_type_outside_the_list_is_reported_with_its_path() -> None:
    result = _judge({"type": "CustomScript"}, ["AzureMonitorLinuxAgent"])
    assert result.state is Tri.TRUE
    assert [(e.path, e.value) for e in result.evidence] == [(("type",), "CustomScript")]


def test_listed_types_match_without_regard_to_case() -> None:
    assert _judge({"type": "azuremonitorlinuxagent"}, ["AzureMonitorLinuxAgent"]).state is Tri.FALSE


def test_every_inline_extension_is_judged() -> None:
    result = _judge({"extension": [{"type": "MDE.Linux"}, {"type": "CustomScript"}]}, ["MDE.Linux"])
    assert [e.path for e in result.evidence] == [("extension", 1, "type")]


def test_no_list_means_not_checked_and_unknown_is_undecided() -> None:
    assert _judge({"type": "CustomScript"}, []).state is Tri.FALSE
    assert _judge({"type": UNKNOWN}, ["MDE.Linux"]).state is Tri.UNKNOWN
    assert _judge({"type": ["MDE.Linux"]}, ["MDE.Linux"]).state is Tri.FALSE
