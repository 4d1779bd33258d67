"""ARM evaluation budgets: a step budget per value (each "[...]" string, as
the Terraform evaluator has per expression), a larger one per file, literal
values that cost no value steps, and attribute cuts that take a large value,
never the small ones beside it. An expensive value costs only itself; when
the file's budget runs out, the file is reported (IACG-000), not silently
judged on unknowns."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest

from iacguard.model import UNKNOWN_PRESENT, Resource, is_unknown
from iacguard.parsers.arm import expressions as arm_expressions
from iacguard.parsers.arm import resources as arm
from iacguard.parsers.arm.resources import parse_arm

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def _template(resources: List[Dict[str, Any]], **sections: Any) -> str:
    # One member per line, so that lines can be asserted.
    return json.dumps({"$schema": SCHEMA, "contentVersion": "1.0.0.0", **sections, "resources": resources},
                      indent=1)


def _account(name: str = "sa", **members: Any) -> Dict[str, Any]:
    return {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": name, **members}


def _line(text: str, fragment: str) -> int:
    (line,) = [i for i, ln in enumerate(text.split("\n"), 1) if fragment in ln]
    return line


def _only(resources: List[Resource], name: str) -> Resource:
    (found,) = [r for r in resources if r.address.endswith("/" + name)]
    return found


def _budget_notes(notes: List[str]) -> List[str]:
    return [n for n in notes if "budget exhausted" in n]


def test_an_expensive_value_is_unknown_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arm_expressions, "MAX_STEPS", 20_000)
    text = _template([_account(
        tags={"cheap": "[parameters('p')]",
              "costly": "[length(map(range(0, 1000), lambda('x', map(range(0, 1000), lambda('y', 1)))))]",
              "after": "[concat(parameters('p'), '-2')]"},
        properties={"allowBlobPublicAccess": True, "minimumTlsVersion": "[parameters('p')]"})],
        parameters={"p": {"type": "string", "defaultValue": "x"}})
    parsed = parse_arm("t.json", text)
    account = _only(parsed.resources, "sa")
    tags = account.attributes["tags"]
    assert is_unknown(tags["costly"])
    assert (tags["cheap"], tags["after"]) == ("x", "x-2")
    assert account.attributes["properties"] == {"allowBlobPublicAccess": True, "minimumTlsVersion": "x"}
    assert parsed.errors == []
    line = _line(text, '"costly"')
    assert _budget_notes(parsed.notes) == [
        f"t.json:{line}: evaluation step budget exhausted: a value needs more than 20000 steps; that value is unknown"]


def test_each_expression_has_a_budget_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two values of 6 000 steps each: a budget shared by the file (or the
    # resource) would leave the second unknown.
    monkeypatch.setattr(arm_expressions, "MAX_STEPS", 10_000)
    parsed = parse_arm("t.json", _template([_account(
        tags={"a": "[length(range(0, 6000))]", "b": "[length(range(0, 6000))]"})]))
    assert _only(parsed.resources, "sa").attributes["tags"] == {"a": 6000, "b": 6000}
    assert _budget_notes(parsed.notes) == []


def test_a_variable_costs_its_own_budget_not_its_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arm_expressions, "MAX_STEPS", 10_000)
    parsed = parse_arm("t.json", _template(
        [_account(tags={"sum": "[add(variables('v'), length(range(0, 6000)))]"})],
        variables={"v": "[length(range(0, 6000))]"}))
    assert _only(parsed.resources, "sa").attributes["tags"] == {"sum": 12000}


def test_literal_values_cost_no_value_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arm_expressions, "MAX_STEPS", 100)
    numbers = list(range(5000))
    keyed = {f"k{i}": i for i in range(1000)}
    parsed = parse_arm("t.json", _template([_account(
        tags={"numbers": numbers, "keyed": keyed, "text": ["[[not an expression]", "plain"]},
        properties={"allowBlobPublicAccess": True})]))
    account = _only(parsed.resources, "sa")
    assert account.attributes["tags"] == {"numbers": numbers, "keyed": keyed,
                                          "text": ["[not an expression]", "plain"]}
    assert account.attributes["properties"] == {"allowBlobPublicAccess": True}
    assert _budget_notes(parsed.notes) == [] and parsed.errors == []


def test_the_file_budget_is_reported_on_the_line_where_it_ran_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arm_expressions, "MAX_FILE_STEPS", 15_000)
    text = _template([
        _account("first", tags={"n": "[length(range(0, 9000))]"}),
        _account("second", tags={"m": "[length(range(0, 9000))]"}),
        _account("third", properties={"allowBlobPublicAccess": True}),
    ])
    parsed = parse_arm("t.json", text)
    line = _line(text, '"m"')
    assert [(e.line, e.message) for e in parsed.errors] == [(
        line, f"evaluation stopped at line {line}: the template needs more than 15000 evaluation steps "
              "(ARM expressions and copies of literal values); later values are unknown")]
    assert _only(parsed.resources, "first").attributes["tags"] == {"n": 9000}
    assert is_unknown(_only(parsed.resources, "second").attributes["tags"])
    # Past the file's budget nothing more is evaluated: unknown, and reported above.
    assert is_unknown(_only(parsed.resources, "third").attributes["properties"])
    assert len(_budget_notes(parsed.notes)) == 1


def test_copies_of_a_literal_value_count_against_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arm_expressions, "MAX_FILE_STEPS", 50_000)
    parsed = parse_arm("t.json", _template([_account(
        "[concat('sa', copyIndex())]", copy={"name": "c", "count": 800},
        tags={"numbers": list(range(1000))})]))
    assert len(parsed.resources) == 800
    assert [e.message.split(":")[0] for e in parsed.errors] == [
        f"evaluation stopped at line {parsed.errors[0].line}"]
    assert not is_unknown(parsed.resources[0].attributes["tags"])
    assert is_unknown(parsed.resources[-1].attributes["tags"])


def test_a_large_value_is_cut_never_the_small_ones_beside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arm, "MAX_ATTRIBUTE_NODES", 1000)
    parsed = parse_arm("t.json", _template([_account(
        tags={"numbers": list(range(5000))},
        properties={"big": list(range(5000)), "networkAcls": {"defaultAction": "Allow"},
                    "allowBlobPublicAccess": True})]))
    attributes = _only(parsed.resources, "sa").attributes
    assert attributes["properties"]["allowBlobPublicAccess"] is True
    assert attributes["properties"]["networkAcls"] == {"defaultAction": "Allow"}
    # The large ones are cut: the allowance goes to the first of them, whole
    # or in part, the rest is unknown (present: it is written).
    kept = 0
    for cut in (attributes["tags"]["numbers"], attributes["properties"]["big"]):
        assert cut is UNKNOWN_PRESENT or (len(cut) == 5000 and cut[-1] is UNKNOWN_PRESENT)
        kept += 0 if cut is UNKNOWN_PRESENT else sum(v is not UNKNOWN_PRESENT for v in cut)
    assert 900 < kept < 1000


def test_elements_of_a_one_line_array_take_its_line() -> None:
    one_line = "[" + ", ".join(str(i) for i in range(5000)) + "]"
    text = ('{"$schema": "%s",\n"resources": [{"type": "Microsoft.Storage/storageAccounts", "name": "sa",\n'
            '"tags": {"one": %s,\n"several": [1,\n2, "[concat(\'a\', \'b\')]",\n3]}}]}' % (SCHEMA, one_line))
    account = _only(parse_arm("t.json", text).resources, "sa")
    assert account.attributes["tags"]["several"] == [1, 2, "ab", 3]
    assert account.line_of(("tags", "one", 4999)) == 3
    assert [account.line_of(("tags", "several", i)) for i in range(4)] == [4, 5, 5, 6]
    assert len(account.attribute_lines) < 20  # not one entry per element of the one-line array


def test_the_budgets_are_set_through_the_scan_limits(tmp_path) -> None:
    from iacguard.engine.checks import load_checks
    from iacguard.findings import PARSE_ERROR_ID
    from iacguard.scan import ScanOptions, scan
    from iacguard.source import Limits

    text = _template([
        _account("first", tags={"n": "[length(range(0, 9000))]"}),
        _account("second", properties={"allowBlobPublicAccess": True}),
    ])
    (tmp_path / "azuredeploy.json").write_text(text, encoding="utf-8")

    def ids(limits: Limits) -> List[str]:
        result = scan(ScanOptions(paths=[str(tmp_path)], cwd=tmp_path, limits=limits), load_checks())
        return sorted({f.check_id for f in result.findings if f.check_id in (PARSE_ERROR_ID, "IACG-AZURE-001")})

    assert ids(Limits()) == ["IACG-AZURE-001"]
    assert ids(Limits(max_arm_template_steps=5_000)) == [PARSE_ERROR_ID]
    expression = scan(ScanOptions(paths=[str(tmp_path)], cwd=tmp_path, limits=Limits(max_arm_expression_steps=5_000)),
                      load_checks())
    assert any("needs more than 5000 steps" in note for note in expression.notes + [
        n for f in expression.files for n in f.notes])
