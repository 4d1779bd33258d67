"""Evaluated ARM templates come back from the parse cache unchanged, and
only while everything they were read from is unchanged: the template, its
parameters file, its linked templates and the limits."""

from __future__ import annotations

import inspect
import json
import sys
from functools import partial
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple, TypeVar

import pytest
from test_provenance import nsg_parameters, nsg_template

from iacguard.cache import ParseCache
from iacguard.engine.checks import load_checks
from iacguard.model import UNKNOWN_PRESENT, TemplateContext
from iacguard.parsers.arm.evaluated_cache import Evaluations
from iacguard.parsers.arm.resources import parse_arm
from iacguard.report import Report, Summary, writer
from iacguard.scan import ScanOptions, scan
from iacguard.source import Limits

ROOT = Path(__file__).resolve().parent.parent
CHECKS = load_checks()
NSG = "IACG-AZURE-003"

# A deployment of linked.json passing the template's own parameter on, and an
# inline (inner scope) template given an address of its own: two NSGs there,
# one in main.json itself.
MAIN = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"source": {"type": "string"}},
  "resources": [
    {
      "type": "Microsoft.Network/networkSecurityGroups",
      "apiVersion": "2023-04-01",
      "name": "top",
      "location": "[resourceGroup().location]",
      "properties": {"securityRules": [{"name": "ssh", "properties": {
        "access": "Allow", "direction": "Inbound", "protocol": "Tcp", "priority": 100,
        "sourcePortRange": "*", "destinationPortRange": "22", "destinationAddressPrefix": "*",
        "sourceAddressPrefix": "[parameters('source')]"}}]}
    },
    {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "linked",
      "properties": {
        "mode": "Incremental",
        "templateLink": {"relativePath": "linked.json"},
        "parameters": {"source": {"value": "[parameters('source')]"}}
      }
    },
    {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "inline",
      "properties": {
        "mode": "Incremental",
        "expressionEvaluationOptions": {"scope": "inner"},
        "parameters": {"source": {"value": "Internet"}},
        "template": %s
      }
    }
  ]
}
"""


def _tree(root: Path, files: Dict[str, Optional[str]]) -> Path:
    for name, text in files.items():
        if text is None:
            (root / name).unlink()
        else:
            (root / name).write_text(text)
    return root


def _linked(source: str = "[parameters('source')]") -> str:
    return nsg_template('"source": {"type": "string"}', "", source)


def _nested_tree(root: Path, source: str = "*") -> Path:
    root.mkdir()
    return _tree(root, {"main.json": MAIN % _linked(), "linked.json": _linked(),
                        "main.parameters.json": nsg_parameters(source)})


def _scan(tree: Path, cache: Optional[ParseCache], limits: Optional[Limits] = None) -> Tuple[str, List[Tuple]]:
    """The JSON report, and (file, line, address) of each NSG finding."""
    result = scan(ScanOptions(paths=[str(tree)], cwd=tree, cache=cache, limits=limits or Limits()), CHECKS)
    report = Report(result.findings, result.passed, CHECKS.checks,
                    Summary(files=len(result.files), resources=len(result.resources)))
    text = writer("json")(report)
    found = sorted((f["file"], f["line"], f["resource"]) for f in json.loads(text)["findings"]
                   if f["check_id"] == NSG)
    return text, found


def _cached_scans(tree: Path, directory: Path, limits: Optional[Limits] = None) -> Tuple[str, ParseCache]:
    """A scan with a fresh ParseCache on ``directory`` (to count its hits)."""
    cache = ParseCache(directory)
    return _scan(tree, cache, limits)[0], cache


TOP = ("main.json", 14, "Microsoft.Network/networkSecurityGroups/top")
INLINE = ("main.json", 49, "inline/Microsoft.Network/networkSecurityGroups/nsg")
# linked.json read on its own has no value for source: only through main.json.
OPEN = [("linked.json", 16, "linked/Microsoft.Network/networkSecurityGroups/nsg"), TOP, INLINE]


def test_nested_linked_and_parameters_warm_equals_cold(tmp_path: Path) -> None:
    tree = _nested_tree(tmp_path / "tree")
    plain, found = _scan(tree, None)
    assert found == OPEN
    cold, first = _cached_scans(tree, tmp_path / "cache")
    warm, second = _cached_scans(tree, tmp_path / "cache")
    assert first.hits == 0 and second.misses == 0
    assert second.hits == 2  # main.json and linked.json (also a template of its own)
    assert plain == cold == warm


def test_parsed_file_comes_back_with_the_same_unknowns(tmp_path: Path) -> None:
    tree = _nested_tree(tmp_path / "tree")
    context = TemplateContext(tree / "main.json", "main.json", tree, cwd=tree, cache=ParseCache(tmp_path / "c"))
    text = (tree / "main.json").read_text()
    cold = Evaluations().read("main.json", text, context)
    warm = Evaluations().read("main.json", text, context)
    assert context.cache.hits == 1 and warm is not cold
    assert warm == cold == parse_arm("main.json", text, context)  # dataclass equality: sentinels by identity
    top = warm.resources[0].attributes
    assert top["location"] is UNKNOWN_PRESENT
    assert warm.loaded_files == ["linked.json"]


@pytest.mark.parametrize("change, expected", [
    ({"main.parameters.json": nsg_parameters("10.0.0.0/8")}, [INLINE]),
    ({"linked.json": _linked("10.0.0.0/8")}, [TOP, INLINE]),
    ({"main.parameters.json": None}, [INLINE]),  # no value: unknown, no finding of its own
])
def test_a_changed_input_misses_and_gives_the_new_result(tmp_path: Path, change, expected) -> None:
    tree = _nested_tree(tmp_path / "tree")
    _cached_scans(tree, tmp_path / "cache")
    _tree(tree, change)
    warm, _ = _cached_scans(tree, tmp_path / "cache")
    assert warm == _scan(tree, None)[0]
    assert _scan(tree, ParseCache(tmp_path / "cache"))[1] == expected


def test_a_linked_template_added_or_removed_misses(tmp_path: Path) -> None:
    tree = _nested_tree(tmp_path / "tree")
    linked = _linked()
    _tree(tree, {"linked.json": None})
    _, missing = _scan(tree, ParseCache(tmp_path / "cache"))
    assert missing == OPEN[1:]
    errors = [f for f in json.loads(_scan(tree, ParseCache(tmp_path / "cache"))[0])["findings"]
              if f["check_id"] == "IACG-000"]
    assert [(e["file"], e["line"]) for e in errors] == [("main.json", 22)]
    _tree(tree, {"linked.json": linked})
    assert _scan(tree, ParseCache(tmp_path / "cache"))[1] == OPEN
    _tree(tree, {"linked.json": None})
    assert _scan(tree, ParseCache(tmp_path / "cache"))[1] == OPEN[1:]


def test_another_limit_misses(tmp_path: Path) -> None:
    tree = _nested_tree(tmp_path / "tree")
    _cached_scans(tree, tmp_path / "cache")
    tight = Limits(max_arm_template_steps=5)
    warm, cache = _cached_scans(tree, tmp_path / "cache", tight)
    assert cache.hits == 0
    assert warm == _scan(tree, None, tight)[0]
    stopped = [(f["file"], f["line"], f["message"]) for f in json.loads(warm)["findings"]
               if f["check_id"] == "IACG-000"]
    assert [(file, line) for file, line, _ in stopped] == [("linked.json", 11), ("main.json", 10)]
    assert all("more than 5 evaluation steps" in message for _, _, message in stopped)


def test_a_corrupt_entry_is_ignored_with_a_note_and_read_again(tmp_path: Path) -> None:
    tree = _nested_tree(tmp_path / "tree")
    cold, _ = _cached_scans(tree, tmp_path / "cache")
    entries = list((tmp_path / "cache").rglob("*.json"))
    assert len(entries) == 2
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:40])
    again, cache = _cached_scans(tree, tmp_path / "cache")
    assert again == cold
    assert cache.hits == 0 and len(cache.notes) == 2
    assert all("is not readable" in note for note in cache.notes)
    assert _cached_scans(tree, tmp_path / "cache")[1].hits == 2  # written afresh


@pytest.mark.parametrize("fixtures", ["azure", "_scenarios/arm", "_hostile/arm-budget-evasion",
                                      "_hostile/lone-surrogate", "_hostile/json-bignum",
                                      "_hostile/output-escaping"])
def test_arm_fixtures_warm_equal_cold(tmp_path: Path, fixtures: str) -> None:
    tree = ROOT / "fixtures" / fixtures
    plain = _scan(tree, None)[0]
    cold, _ = _cached_scans(tree, tmp_path / "cache")
    warm, cache = _cached_scans(tree, tmp_path / "cache")
    assert cache.hits >= 1
    assert plain == cold == warm
    assert json.loads(plain)["findings"]


def test_an_object_written_like_a_kept_unknown_stays_an_object(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    forged = '{"\\u0000": "unknown"}'
    (tree / "main.json").write_text(nsg_template("", "", "*").replace(
        '"location": "japaneast",', f'"location": "japaneast",\n    "tags": {forged},'))
    context = TemplateContext(tree / "main.json", "main.json", tree, cwd=tree, cache=ParseCache(tmp_path / "c"))
    text = (tree / "main.json").read_text()
    cold = Evaluations().read("main.json", text, context)
    warm = Evaluations().read("main.json", text, context)
    assert cold.resources[0].attributes["tags"] == {"\0": "unknown"}
    assert warm == cold and context.cache.hits == 0  # not kept: it would read back as UNKNOWN


T = TypeVar("T")


def _with_stack_left(frames: int, call: Callable[[], T]) -> T:
    """``call()`` with only about ``frames`` Python frames left below the
    recursion limit, as from deeper in a program (the language server)."""
    def deeper(more: int) -> T:
        return call() if more <= 0 else deeper(more - 1)

    return deeper(sys.getrecursionlimit() - len(inspect.stack(0)) - frames)


@pytest.mark.parametrize("reported", [False, True])
def test_a_result_the_recursion_limit_cut_is_not_kept(tmp_path: Path, reported: bool) -> None:
    """How deep an expression can be evaluated depends on the stack the scan
    starts with, which is in no key: what Python's recursion limit cut in one
    scan (a value made unknown, or the whole template reported as nested too
    deeply) must not be what the next scan reads."""
    tree = tmp_path / "tree"
    tree.mkdir()
    nested = "[" + "concat(" * 90 + "'*'" + ")" * 90 + "]"
    (tree / "main.json").write_text(nsg_template("", "", nested))
    plain = _scan(tree, None)
    assert plain[1] == [("main.json", 16, "Microsoft.Network/networkSecurityGroups/nsg")]
    # From deep in a stack, a scan loses the finding...
    for frames in range(150, 1000, 10):
        directory = tmp_path / f"cache-{frames}"
        try:
            deep = _with_stack_left(frames, partial(_scan, tree, ParseCache(directory)))
        except RecursionError:
            continue
        if not deep[1] and ('"IACG-000"' in deep[0]) == reported:
            break
    else:
        pytest.skip("no stack depth cuts the template so and lets the scan finish")
    # ... which a scan from the usual depth then has all the same.
    assert _scan(tree, ParseCache(directory)) == plain


@pytest.mark.skipif(not hasattr(sys, "set_int_max_str_digits"), reason="no limit on converting digits to int")
def test_another_limit_on_int_digits_misses(tmp_path: Path) -> None:
    """A number of more digits than Python converts to int (its limit, set by
    PYTHONINTMAXSTRDIGITS) is read as a float: the limit shapes the result."""
    tree = tmp_path / "tree"
    tree.mkdir()
    digits = "[if(equals(length(string(variables('n'))), 5000), '*', '10.0.0.0/8')]"
    (tree / "main.json").write_text(nsg_template("", '"n": ' + "9" * 5000, digits))
    assert _scan(tree, ParseCache(tmp_path / "cache"))[1] == []  # a float: no 5000 digits
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # none
    try:
        plain = _scan(tree, None)
        assert plain[1] == [("main.json", 16, "Microsoft.Network/networkSecurityGroups/nsg")]
        assert _scan(tree, ParseCache(tmp_path / "cache")) == plain
    finally:
        sys.set_int_max_str_digits(limit)


@pytest.mark.skipif(sys.platform == "win32", reason="a working directory in use cannot be removed")
def test_a_removed_working_directory_reads_as_without_the_cache(tmp_path: Path, monkeypatch) -> None:
    """The language server is given the workspace as its cwd; the process's
    own working directory may since have been removed."""
    tree = _nested_tree(tmp_path / "tree")
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    plain = _scan(tree, None)
    assert plain[1] == OPEN
    assert _scan(tree, ParseCache(tmp_path / "cache")) == plain
    # Evaluating ahead in worker processes too.
    from iacguard.parsers.arm import evaluated_cache

    monkeypatch.setattr(evaluated_cache, "PARALLEL_CHARACTERS", 1)
    ahead = scan(ScanOptions(paths=[str(tree)], cwd=tree, cache=ParseCache(tmp_path / "ahead"), workers=2), CHECKS)
    assert sorted((f.file, f.line, f.resource) for f in ahead.findings if f.check_id == NSG) == OPEN
    assert not ahead.internal_errors
