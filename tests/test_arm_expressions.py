"""The ARM template expression language: parsing, evaluation, hostile input.

Values are evaluated as Azure Resource Manager evaluates them; what only the
deployment knows is unknown; what ARM would reject is unknown too; nothing
raises and nothing runs away.
"""

from __future__ import annotations

import json
import textwrap
import time
from typing import Any, Dict, List, Optional

import pytest

from iacguard.model import UNKNOWN, UNKNOWN_PRESENT, is_unknown
from iacguard.parsers.arm.expressions import (
    MAX_EXPRESSION_CHARS,
    Call,
    ExpressionError,
    Index,
    Literal,
    Member,
    Session,
    evaluate_text,
    is_expression,
    literal_text,
    parse_expression,
)
from iacguard.parsers.arm.resources import parse_arm
from iacguard.parsers.arm.template import CopyScope, TemplateScope
from iacguard.parsers.arm.values import MaybeDict, ResourceRef, Target

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def scope_of(template: Optional[Dict[str, Any]] = None, supplied: Optional[Dict[str, Any]] = None,
             session: Optional[Session] = None) -> TemplateScope:
    return TemplateScope(template or {}, session or Session(), supplied or {}, set())


def ev(text: str, template: Optional[Dict[str, Any]] = None, sink: Optional[List[Target]] = None,
       scope: Any = None, session: Optional[Session] = None) -> Any:
    session = session or Session()
    return evaluate_text(text, scope or scope_of(template, session=session), session, [] if sink is None else sink)


# -- syntax ---------------------------------------------------------------------------

def test_parse_calls_literals_and_access() -> None:
    node = parse_expression("concat('it''s', parameters('a').b[0], -1)")
    assert node == Call("concat", (
        Literal("it's"),
        Index(Member(Call("parameters", (Literal("a"),)), "b"), Literal(0)),
        Literal(-1),
    ))
    assert parse_expression("ns.fn( 'x' )") == Call("ns.fn", (Literal("x"),))


@pytest.mark.parametrize("body", [
    "concat('a'", "concat('a'))", "concat('a',)", "'unterminated", "parameters", "true", "a b",
    "", "  ", "concat('a')[", "x.()", "f(1.5)", "f(\"double\")", "]", "f(,)",
])
def test_invalid_expressions_are_errors(body: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(body)


def test_an_integer_past_pythons_digit_limit_is_an_invalid_expression_not_a_broken_file() -> None:
    """Python converts at most ``sys.get_int_max_str_digits()`` digits; a
    longer literal costs its expression (unknown), not the file."""
    huge = "9" * 5000
    with pytest.raises(ExpressionError, match="integer of 5000 digits"):
        parse_expression(f"add({huge}, 1)")
    template = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "variables": {"n": f"[add({huge}, 1)]"},
                "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
                               "name": "st", "location": "japaneast",
                               "properties": {"minimumTlsVersion": "[variables('n')]",
                                              "supportsHttpsTrafficOnly": False}}]}
    parsed = parse_arm("main.json", json.dumps(template, indent=2))
    assert [e.message for e in parsed.errors] == []
    (resource,) = parsed.resources
    assert is_unknown(resource.attributes["properties"]["minimumTlsVersion"])
    assert resource.attributes["properties"]["supportsHttpsTrafficOnly"] is False


def test_brackets_and_escapes() -> None:
    assert is_expression("[parameters('a')]")
    assert not is_expression("[[parameters('a')]")
    assert not is_expression("[test] value")
    assert not is_expression("plain")
    assert literal_text("[[test value]") == "[test value]"
    assert literal_text("[test] value") == "[test] value"
    assert ev("[[parameters('a')]") == "[parameters('a')]"
    assert ev("[concat('a']") is UNKNOWN  # malformed: unknown, not an error
    assert ev("[concat('a'") == "[concat('a'"  # not an expression: ARM keeps the text


# -- functions ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("[concat('a', 'b', 1)]", "ab1"),
    ("[concat(createArray(1, 2), createArray(3))]", [1, 2, 3]),
    ("[format('{0}-{1:D3}-{{x}}-{2,4}', 'vm', 7, 'r')]", "vm-007-{x}-   r"),
    ("[format('{0}', true())]", "True"),
    ("[if(equals(1, 1), 'yes', fail('not evaluated'))]", "yes"),
    ("[equals('Abc', 'abc')]", False),
    ("[equals(createObject('A', 1), createObject('a', 1))]", True),
    ("[not(false())]", True),
    ("[and(true(), false())]", False),
    ("[or(false(), true())]", True),
    ("[empty('')]", True),
    ("[empty(createObject())]", True),
    ("[empty(null())]", True),
    ("[empty(createArray(0))]", False),
    ("[contains('OneTwo', 'Two')]", True),
    ("[contains('OneTwo', 'two')]", False),
    ("[contains(createObject('Key', 1), 'key')]", True),
    ("[contains(createArray('a', 'b'), 'b')]", True),
    ("[union(createObject('a', createObject('x', 1)), createObject('a', createObject('y', 2), 'b', 3))]",
     {"a": {"x": 1, "y": 2}, "b": 3}),
    ("[union(createArray(1, 2), createArray(2, 3))]", [1, 2, 3]),
    ("[createObject('k', createArray(1, 'two'))]", {"k": [1, "two"]}),
    ("[toLower('ABC')]", "abc"),
    ("[toUpper('abc')]", "ABC"),
    ("[replace('a-b-c', '-', '/')]", "a/b/c"),
    ("[split('a,b;c', createArray(',', ';'))]", ["a", "b", "c"]),
    ("[split('a/b', '/')[1]]", "b"),
    ("[string(createObject('a', true(), 'b', createArray(1)))]", '{"a":true,"b":[1]}'),
    ("[string(false())]", "False"),
    ("[string(42)]", "42"),
    ("[int('42')]", 42),
    ("[bool('TRUE')]", True),
    ("[bool(0)]", False),
    ("[json('{\"a\": [1, 2]}').a[1]]", 2),
    ("[json('null')]", None),
    ("[length('abc')]", 3),
    ("[length(createArray(1, 2))]", 2),
    ("[length(createObject('a', 1))]", 1),
    ("[first(createArray('x', 'y'))]", "x"),
    ("[last('xyz')]", "z"),
    ("[coalesce(null(), null(), 'third')]", "third"),
    ("[coalesce(null())]", None),
    ("[substring('hello', 1, 3)]", "ell"),
    ("[startsWith('Hello', 'he')]", True),
    ("[endsWith('Hello', 'LO')]", True),
    ("[trim('  x  ')]", "x"),
    ("[div(-7, 2)]", -3),
    ("[mod(-7, 2)]", -1),
    ("[range(2, 3)]", [2, 3, 4]),
    ("[take(skip(createArray(1, 2, 3, 4), 1), 2)]", [2, 3]),
    ("[padLeft('7', 3, '0')]", "007"),
    ("[base64ToString(base64('hi'))]", "hi"),
    ("[uri('https://example.com/a/b.json', 'c.json')]", "https://example.com/a/c.json"),
    ("[tryGet(createObject('a', createObject('b', 1)), 'a', 'b')]", 1),
    ("[tryGet(createObject('a', 1), 'missing')]", None),
    ("[map(createArray(1, 2), lambda('x', mul(lambdaVariables('x'), 10)))]", [10, 20]),
    ("[filter(createArray(1, 2, 3), lambda('x', greater(lambdaVariables('x'), 1)))]", [2, 3]),
    ("[reduce(createArray(1, 2, 3), 0, lambda('acc', 'x', add(lambdaVariables('acc'), lambdaVariables('x'))))]", 6),
    ("[items(createObject('b', 2, 'a', 1))[0].key]", "a"),
    ("[shallowMerge(createArray(createObject('a', 1), createObject('a', 2, 'b', 3)))]", {"a": 2, "b": 3}),
    ("[resourceGroup().type]", "Microsoft.Resources/resourceGroups"),
    ("[tenantResourceId('Microsoft.Authorization/policyDefinitions', 'p1')]",
     "/providers/Microsoft.Authorization/policyDefinitions/p1"),
])
def test_functions(text: str, expected: Any) -> None:
    assert ev(text) == expected


@pytest.mark.parametrize("text", [
    "[uniqueString(resourceGroup().id)]", "[guid('a', 'b')]", "[newGuid()]", "[resourceGroup().location]",
    "[subscription().subscriptionId]", "[deployment().name]", "[utcNow()]", "[reference('x')]",
    "[listKeys('x', '2023-01-01')]", "[concat('st', uniqueString(resourceGroup().id))]",
])
def test_deployment_time_values_are_unknown_but_present(text: str) -> None:
    assert ev(text) is UNKNOWN_PRESENT


@pytest.mark.parametrize("text", [
    "[parameters('missing')]", "[variables('missing')]", "[int('x')]", "[substring('a', 5)]",
    "[createArray(1)[3]]", "[createObject('a', 1).b]", "[fail('stop')]", "[concat('a', createArray())]",
    "[div(1, 0)]", "[nosuchfunction()]", "[if('yes', 1, 2)]", "[json('{')]", "[copyIndex()]",
    "[add(9223372036854775807, 1)]", "[format('{1}', 'a')]", "[range(0, 100000)]",
])
def test_what_arm_rejects_is_unknown(text: str) -> None:
    assert ev(text) is UNKNOWN


def test_unknown_inputs_give_unknown_outputs() -> None:
    template = {"parameters": {"p": {"type": "string"}, "n": {"type": "string", "nullable": True}}}
    assert ev("[parameters('p')]", template) is UNKNOWN_PRESENT  # required: it will have a value
    assert ev("[parameters('n')]", template) is UNKNOWN  # nullable: may be null
    assert ev("[toLower(parameters('p'))]", template) is UNKNOWN_PRESENT
    assert ev("[coalesce(parameters('n'), 'x')]", template) is UNKNOWN
    assert ev("[equals(parameters('p'), 'x')]", template) is UNKNOWN_PRESENT
    assert ev("[and(false(), equals(parameters('p'), 'x'))]", template) is False
    assert ev("[or(true(), equals(parameters('p'), 'x'))]", template) is True
    assert ev("[contains(createArray('x', parameters('p')), 'x')]", template) is True
    assert is_unknown(ev("[contains(createArray('y', parameters('p')), 'x')]", template))
    assert ev("[if(equals(parameters('p'), 'x'), 'same', 'same')]", template) == "same"
    assert ev("[if(equals(parameters('p'), 'x'), 'a', null())]", template) is UNKNOWN
    assert ev("[createObject('a', parameters('n'))]", template) == {"a": UNKNOWN}
    assert ev("[length(createArray(parameters('p'), 1))]", template) == 2


def test_unknown_branch_keeps_what_both_agree_on() -> None:
    template = {"parameters": {"c": {"type": "bool"}}}
    merged = ev("[shallowMerge(createArray(createObject('a', 1, 'b', 2), "
                "if(parameters('c'), createObject('x', 9), createObject())))]", template)
    assert isinstance(merged, MaybeDict)
    assert merged == {"a": 1, "b": 2, "x": UNKNOWN}  # x may be absent
    assert is_unknown(ev("[length(if(parameters('c'), createObject('x', 1), createObject()))]", template))
    assert ev("[empty(if(parameters('c'), createObject('a', 1, 'x', 1), createObject('a', 1)))]", template) is False
    assert ev("[if(parameters('c'), createObject('a', 1, 'b', 1), createObject('a', 1, 'b', 2))]", template) == \
        {"a": 1, "b": UNKNOWN_PRESENT}


def test_parameters_variables_and_copy_in_variables() -> None:
    template = {
        "parameters": {"env": {"type": "string", "defaultValue": "dev"},
                       "name": {"type": "string", "defaultValue": "[concat('app-', parameters('env'))]"}},
        "variables": {
            "isProd": "[equals(parameters('env'), 'prod')]",
            "copy": [{"name": "ports", "count": 2, "input": "[add(8080, copyIndex('ports'))]"}],
            "disks": {"copy": [{"name": "items", "count": 2, "input": {"lun": "[copyIndex('items', 10)]"}}],
                      "kind": "data"},
            "a": "[variables('b')]",
            "b": "[variables('a')]",
        },
    }
    assert ev("[parameters('NAME')]", template) == "app-dev"  # names are case-insensitive
    assert ev("[variables('isProd')]", template) is False
    assert ev("[variables('ports')]", template) == [8080, 8081]
    assert ev("[variables('disks')]", template) == {"kind": "data", "items": [{"lun": 10}, {"lun": 11}]}
    assert ev("[variables('a')]", template) is UNKNOWN  # a cycle: ARM rejects it
    session = Session()
    supplied = scope_of(template, {"env": "prod"}, session)
    assert ev("[parameters('name')]", scope=supplied, session=session) == "app-prod"


def test_copy_index_with_offset_and_loop_name() -> None:
    session = Session()
    outer = CopyScope(scope_of(session=session), "vms", 2, resource_loop=True)
    inner = CopyScope(outer, "disks", 5, resource_loop=False)
    assert ev("[copyIndex()]", scope=inner, session=session) == 2
    assert ev("[copyIndex(1)]", scope=inner, session=session) == 3
    assert ev("[copyIndex('disks')]", scope=inner, session=session) == 5
    assert ev("[copyIndex('DISKS', 10)]", scope=inner, session=session) == 15
    assert ev("[copyIndex('other')]", scope=inner, session=session) is UNKNOWN


def test_user_defined_functions() -> None:
    template = {"functions": [{"namespace": "tools", "members": {
        "name": {"parameters": [{"name": "base", "type": "string"}, {"name": "n", "type": "int"}],
                 "output": {"type": "string", "value": "[format('{0}-{1}', parameters('base'), parameters('n'))]"}},
        "double": {"parameters": [{"name": "x", "type": "string"}],
                   "output": {"type": "string",
                              "value": "[concat(tools.name(parameters('x'), 1), tools.name(parameters('x'), 2))]"}},
        "leaky": {"parameters": [], "output": {"type": "string", "value": "[variables('v')]"}},
        "loop": {"parameters": [], "output": {"type": "string", "value": "[tools.loop()]"}},
    }}], "variables": {"v": "x"}}
    assert ev("[tools.name('vm', 3)]", template) == "vm-3"
    assert ev("[TOOLS.double('a')]", template) == "a-1a-2"
    assert ev("[tools.leaky()]", template) is UNKNOWN  # a function sees only its parameters
    assert ev("[tools.loop()]", template) is UNKNOWN
    assert ev("[tools.name('vm')]", template) is UNKNOWN


def test_resource_ids_and_references_name_their_targets() -> None:
    sink: List[Target] = []
    value = ev("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'sn')]", sink=sink)
    assert isinstance(value, ResourceRef) and is_unknown(value)  # the group is the deployment's
    assert sink == [Target("Microsoft.Network/virtualNetworks/subnets", "vnet/sn")]
    full = ev("[resourceId('sub-1', 'rg-1', 'Microsoft.Storage/storageAccounts', 'st1')]")
    assert full == "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Storage/storageAccounts/st1"
    assert ev("[subscriptionResourceId('sub-1', 'Microsoft.Authorization/roleDefinitions', 'r')]") == \
        "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/r"
    assert ev("[extensionResourceId('/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/st',"
              " 'Microsoft.Authorization/locks', 'lock')]") == \
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/st/providers/" \
        "Microsoft.Authorization/locks/lock"
    sink = []
    assert ev("[reference(resourceId('Microsoft.Web/sites', 'app')).defaultHostName]", sink=sink) is UNKNOWN
    assert Target("Microsoft.Web/sites", "app") in sink
    sink = []
    template = {"parameters": {"n": {"type": "string"}}}
    ev("[resourceId('Microsoft.Network/networkSecurityGroups', parameters( 'n' ))]", template, sink=sink)
    assert sink == [Target("Microsoft.Network/networkSecurityGroups", "[parameters('n')]")]


# -- hostile input -----------------------------------------------------------------------

def _quick(seconds: float = 5.0):
    """A bound on the CPU time this process spends (not wall-clock time: a
    loaded machine must not fail it), with a wide margin: the budgets hold
    the work to a small fraction of it."""
    start = time.process_time()

    def check() -> None:
        assert time.process_time() - start < seconds
    return check


@pytest.mark.parametrize("text", [
    "[" + "concat(" * 10_000 + "'a'" + ")" * 10_000 + "]",
    "[" + "f(" * 5_000 + ")" * 5_000 + "]",
    "[createArray()" + "[0]" * 5_000 + "]",
    "[createObject()" + ".a" * 5_000 + "]",
    "[" + "(" * 10_000 + "]",
    "[" + "'" * 10_001 + "]",
    "[concat('a', " + "'b', " * 20_000 + "'c')]",
], ids=["concat-10000-deep", "call-5000-deep", "index-5000-deep", "member-5000-deep", "open-parens",
        "quotes", "too-long"])
def test_hostile_expressions_end_quickly_unknown(text: str) -> None:
    done = _quick()
    assert ev(text) is UNKNOWN
    done()


def test_deep_nesting_is_a_clear_error() -> None:
    with pytest.raises(ExpressionError, match="nested deeper"):
        parse_expression("f(" * 5_000 + ")" * 5_000)
    with pytest.raises(ExpressionError, match="longer than"):
        parse_expression("f(" * MAX_EXPRESSION_CHARS + ")")


def test_growth_is_bounded() -> None:
    doubling = {"variables": dict([("v0", "x")] + [(f"v{i}", f"[concat(variables('v{i - 1}'), variables('v{i - 1}'))]")
                                                   for i in range(1, 64)])}
    done = _quick()
    assert is_unknown(ev("[length(variables('v63'))]", doubling))  # past the size limit
    arrays = {"variables": dict([("v0", ["x"])] + [(f"v{i}", f"[union(variables('v{i - 1}'), variables('v{i - 1}'), "
                                                   f"createArray({i}))]") for i in range(1, 40)])}
    assert ev("[length(variables('v39'))]", arrays) == 40  # each evaluated once, not 2**39 times
    chain = {"variables": dict([("v0", "x")] + [(f"v{i}", f"[variables('v{i - 1}')]") for i in range(1, 5_000)])}
    assert ev("[variables('v4999')]", chain) is UNKNOWN
    assert ev("[map(range(0, 10000), lambda('i', map(range(0, 10000), lambda('j', 1))))]") is UNKNOWN
    done()


def _template(resources: Any, **sections: Any) -> str:
    return json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0", **sections, "resources": resources})


def test_huge_copy_counts_end_quickly_with_a_note() -> None:
    done = _quick()
    parsed = parse_arm("t.json", _template([{
        "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01",
        "name": "[concat('nsg-', copyIndex())]", "copy": {"name": "loop", "count": 1_000_000_000},
        "properties": {"copy": [{"name": "securityRules", "count": "[mul(1000000, 1000000)]", "input": {}}]},
    }], variables={"copy": [{"name": "v", "count": 99999999, "input": "x"}]}))
    done()
    assert not parsed.errors
    # One instance stands for the loop ARM would refuse; its index is unknown.
    assert [r.address for r in parsed.resources] == [
        "Microsoft.Network/networkSecurityGroups/[concat('nsg-', copyIndex())]"]
    assert parsed.resources[0].attributes["properties"]["securityRules"] is UNKNOWN_PRESENT
    assert any("exceeds ARM's limit of 800" in n for n in parsed.notes)


def test_expansion_is_bounded_by_budget_and_resource_cap() -> None:
    done = _quick(15.0)
    nested = parse_arm("t.json", _template([{
        "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "d",
        "copy": {"name": "outer", "count": 800},
        "properties": {"template": {"resources": [{
            "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "e",
            "copy": {"name": "inner", "count": 800},
            "properties": {"template": {"resources": [
                {"type": "Microsoft.Compute/disks", "name": "[string(copyIndex())]"}]}},
        }]}},
    }]))
    assert len(nested.resources) == 10_000
    assert any("more than 10000 resources" in e.message for e in nested.errors)
    busy = parse_arm("t.json", _template([{
        "type": "Microsoft.Network/networkSecurityGroups", "name": "[concat('n', copyIndex())]",
        "copy": {"name": "l", "count": 800},
        "properties": {"copy": [{"name": "rules", "count": 800, "input": {"a": "[concat('r', copyIndex('rules'))]"}}]},
    }]))
    assert len(busy.resources) == 800
    assert any("budget exhausted" in n for n in busy.notes)
    done()


@pytest.mark.parametrize("body", [
    {"type": "Microsoft.X/y", "name": "[concat(']", "properties": {"a": "[)]", "b": "[]", "c": "[ ]", "d": "[[[["}},
    {"type": "Microsoft.X/y", "name": 5, "condition": "[bogus(]", "copy": {"name": 1, "count": "x"}},
    {"type": "Microsoft.X/y", "name": "n", "copy": "not an object", "dependsOn": [1, None, "[resourceId(]"]},
    {"type": "Microsoft.Resources/deployments", "name": "d", "properties": {"template": "[x]", "templateLink": 3}},
    {"type": "Microsoft.Resources/deployments", "name": "d",
     "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "parameters": "[bad",
                    "template": {"parameters": {"p": {"type": "string"}}, "resources": [
                        {"type": "Microsoft.X/y", "name": "[parameters('p')]"}]}}},
    {"type": "Microsoft.X/y", "name": "n", "properties": {"copy": [{"name": "a", "count": -1, "input": 1}]}},
])
def test_malformed_resources_never_raise(body: Any) -> None:
    parsed = parse_arm("t.json", _template([body],
                                           functions=[{"namespace": 1}, "x", {"namespace": "n", "members": 3}],
                                           variables={"copy": "x", "v": "[variables('v')]"},
                                           parameters={"p": "not an object"}))
    assert not parsed.errors


# -- evaluated templates: links, lines, origins -------------------------------------------

def test_references_become_links_to_resources_of_the_file() -> None:
    text = _template([
        {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01",
         "name": "[parameters('nsgName')]", "copy": {"name": "nsgs", "count": 2}},
        {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet",
         "dependsOn": ["nsgs"],
         "properties": {"subnets": [{"name": "a", "properties": {"networkSecurityGroup": {
             "id": "[resourceId('Microsoft.Network/networkSecurityGroups', parameters('nsgName'))]"}}}],
             "note": "[reference(resourceId('Microsoft.Storage/storageAccounts', 'st1')).primaryEndpoints]"}},
        {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "st1",
         "properties": {"key": "[listKeys('st1', '2023-01-01').keys[0].value]"}},
    ], parameters={"nsgName": {"type": "string"}})
    parsed = parse_arm("t.json", text)
    by_address = {r.address: r for r in parsed.resources}
    assert list(by_address) == [
        "Microsoft.Network/networkSecurityGroups/[parameters('nsgName')][0]",
        "Microsoft.Network/networkSecurityGroups/[parameters('nsgName')][1]",
        "Microsoft.Network/virtualNetworks/vnet",
        "Microsoft.Storage/storageAccounts/st1",
    ]
    vnet = by_address["Microsoft.Network/virtualNetworks/vnet"]
    assert {(link.address, link.via) for link in vnet.links} == {
        ("copy(nsgs)", ""),  # the copy loop, as one group of its members
        ("Microsoft.Network/networkSecurityGroups/[parameters('nsgName')][0]", "properties.subnets"),
        ("Microsoft.Network/networkSecurityGroups/[parameters('nsgName')][1]", "properties.subnets"),
        ("Microsoft.Storage/storageAccounts/st1", "properties.note"),
    }
    assert vnet.attributes["properties"]["subnets"][0]["properties"]["networkSecurityGroup"]["id"] is UNKNOWN_PRESENT
    assert by_address["Microsoft.Storage/storageAccounts/st1"].links == []  # listKeys of itself


def test_symbolic_references_and_existing_resources() -> None:
    text = json.dumps({"$schema": SCHEMA, "languageVersion": "2.0", "resources": {
        "kv": {"existing": True, "type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv1"},
        "app": {"type": "Microsoft.Web/sites", "apiVersion": "2023-01-01", "name": "app1",
                "properties": {"vault": "[reference('kv').vaultUri]"}, "dependsOn": ["kv"]},
    }})
    parsed = parse_arm("t.json", text)
    vault, app = parsed.resources
    assert (vault.kind, app.kind) == ("data", "resource")
    assert {(link.address, link.via) for link in app.links} == {
        ("Microsoft.KeyVault/vaults/kv1", ""), ("Microsoft.KeyVault/vaults/kv1", "properties.vault")}


def test_values_keep_the_lines_of_the_declaration_and_say_where_they_came_from() -> None:
    text = textwrap.dedent('''\
        {
          "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "parameters": {"public": {"type": "bool", "defaultValue": true}},
          "variables": {"tls": "TLS1_0"},
          "resources": [
            {
              "type": "Microsoft.Storage/storageAccounts",
              "apiVersion": "2023-01-01",
              "name": "[concat('st', copyIndex())]",
              "copy": {"name": "accounts", "count": 2},
              "properties": {
                "allowBlobPublicAccess": "[parameters('public')]",
                "minimumTlsVersion": "[variables('tls')]"
              }
            }
          ]
        }
        ''')
    first, second = parse_arm("t.json", text).resources
    assert (first.address, second.address) == ("Microsoft.Storage/storageAccounts/st0",
                                               "Microsoft.Storage/storageAccounts/st1")
    for account in (first, second):
        assert account.location.line == 6
        assert account.attributes["properties"] == {"allowBlobPublicAccess": True, "minimumTlsVersion": "TLS1_0"}
        assert account.line_of(("properties", "allowBlobPublicAccess")) == 12
        assert account.value_origins[("properties", "allowBlobPublicAccess")] == "parameters('public')"
        assert account.value_origins[("properties", "minimumTlsVersion")] == "variables('tls')"


def test_shared_structure_bombs_are_cut() -> None:
    """Arrays of references to one big array: tiny to write, huge to walk."""
    refs = ", ".join(["variables('v0')"] * 1_000)
    many = {f"k{i}": "[variables('v1')]" for i in range(3_000)}
    done = _quick(10.0)
    parsed = parse_arm("t.json", _template(
        [{"type": "Microsoft.X/y", "name": "n", "properties": {
            "bomb": "[variables('v2')]", "text": "[string(variables('v2'))]",
            "dedupe": "[length(union(range(0, 10000), range(5000, 10000)))]", "wide": many}}],
        variables={"v0": "[range(0, 500)]", "v1": f"[createArray({refs})]",
                   "v2": f"[createArray({', '.join(['variables(' + chr(39) + 'v1' + chr(39) + ')'] * 1_000)})]"}))
    done()
    properties = parsed.resources[0].attributes["properties"]
    assert properties["bomb"] is UNKNOWN  # 500 million values: past the weight limit
    assert is_unknown(properties["text"])
    assert properties["dedupe"] == 15_000  # range(start, count): 0..9999 and 5000..14999
    assert UNKNOWN_PRESENT in properties["wide"].values()  # cut past the resource's allowance
