"""Hostile values inside otherwise valid templates.

A template that holds one absurd value (a 5000-digit number, NaN, an invalid
regular expression, an expression that exhausts a budget) must cost that value
only: it becomes unknown, and every other finding of the file is still
reported. Nothing may escape ``scan()``, no check may raise, and no parser or
evaluator bug may surface as an "internal error" IACG-000.

Everything here runs in-process and is quick; cases that need minutes are in
test_limits.py. Reproducers of the known bugs: fixtures/_hostile/<name>/.
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

from iacguard.engine.checks import load_checks
from iacguard.findings import PARSE_ERROR_ID
from iacguard.scan import ScanOptions, ScanResult, scan

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "fixtures" / "_hostile"
CHECKS = load_checks()
GUARD_S = 30


class _Guard(BaseException):
    """Raised by the alarm; a BaseException so that no catch-all swallows it."""


@contextmanager
def hang_guard(seconds: int = GUARD_S) -> Iterator[None]:
    if sys.platform == "win32":  # pragma: no cover
        yield
        return

    def expire(*_: object) -> None:
        raise _Guard(f"still running after {seconds}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def scan_tree(tmp_path: Path, files: Dict[str, str], explicit: Optional[str] = None) -> ScanResult:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    with hang_guard():
        return scan(ScanOptions(paths=[str(root / explicit) if explicit else str(root)], cwd=root), CHECKS)


def scan_hostile(tmp_path: Path, name: str, only: Optional[str] = None) -> ScanResult:
    root = tmp_path / "repo"
    if only:
        root.mkdir(parents=True)
        shutil.copy(HOSTILE / name / only, root / only)
    else:
        shutil.copytree(HOSTILE / name, root, ignore=shutil.ignore_patterns("README.md", "make.py"))
    (root / ".git").mkdir(exist_ok=True)
    with hang_guard():
        return scan(ScanOptions(paths=[str(root)], cwd=root), CHECKS)


def problems(result: ScanResult) -> List[str]:
    """What must never happen: check errors, internal errors, internal-error IACG-000."""
    out = [f"check error {e.check_id} on {e.resource}: {e.message}" for e in result.check_errors]
    out += [f"internal error: {e.strip().splitlines()[-1]}" for e in getattr(result, "internal_errors", []) or []]
    out += [f"IACG-000 {f.file}:{f.line}: {f.message['en']}" for f in result.findings
            if f.check_id == PARSE_ERROR_ID and "internal error" in f.message["en"]]
    return out


def assert_value_costs_only_itself(result: ScanResult, check_id: str) -> None:
    assert problems(result) == []
    found = sorted({(f.check_id, f.file, f.line, f.message["en"][:80]) for f in result.findings})
    assert check_id in {f.check_id for f in result.findings}, found
    assert PARSE_ERROR_ID not in {f.check_id for f in result.findings}, found


# -- Terraform expressions -----------------------------------------------------

TF_BUCKET = 'resource "aws_s3_bucket" "b" {\n  acl  = "public-read"\n  tags = { x = %s }\n}\n'

TF_EXPRESSIONS = [
    # numbers and arithmetic
    "1e400", "-1e400", "1e308 * 10", "1 / 0", "1 % 0", "0 / 0", "1.7976931348623157e308 + 1e308",
    "floor(1e400)", "ceil(-1e400)", "abs(-1e400)", "parseint(\"zz\", 99)", "parseint(\"1\", 1)",
    "parseint(\"" + "9" * 5000 + "\", 10)", "tonumber(\"nan\")", "tonumber(\"inf\")", "tonumber(\"1e99999\")",
    "max()", "min([]...)", "sum([])", "pow(10, 100000)", "log(0, 10)", "signum(\"x\")",
    # strings
    "substr(\"abc\", 99999999999999999999, 5)", "substr(\"abc\", -99, -99)", "format(\"%\")", "format(\"%[99]s\", 1)",
    "format(\"%d\", \"x\")", "format(\"%v\", {a = [1, {b = null}]})", "formatlist(\"%s\", [1])",
    "replace(\"a\", \"\", \"b\")", "replace(\"aaa\", \"/(/\", \"x\")", "split(\"\", \"abc\")", "join(\"\", [[1]])",
    "regexall(\"(?P<x>a)(?P<x>b)\", \"ab\")", "regex(\"(?i\", \"x\")", "trimprefix(\"abc\", \"\")",
    "trimsuffix(\"abc\", \"\")", "indent(99999, \"a\")", "title(\"\\u0000\")", "lower(\"\\uDFFF\")",
    "base64decode(\"!!!\")", "base64decode(\"/w==\")", "urlencode(\"\\u0000\")", "sha256(\"\\u0000\")",
    "strrev(\"\\U0001F600a\")", "chomp(\"\\r\\n\")",
    # collections
    "element([], 0)", "element([1], -1)", "element([1], 99999999999999999999)", "[1, 2][5]", "[1][-1]",
    "{a = 1}[\"b\"]", "{a = 1}.b", "null.x", "null[0]", "(null)[*].x", "[for x in \"abc\" : x]",
    "[for k, v in {a = 1} : k if v]", "{for k, v in {a = 1} : k => v...}", "{for x in [1, 1] : x => x}",
    "slice([1, 2], 2, 1)", "slice([1], -1, 99)", "chunklist([1, 2], -1)", "zipmap([\"a\"], [])",
    "lookup({}, \"a\")", "one([1, 2])", "index([1], 2)", "flatten([[[[[[1]]]]]])", "setproduct([1], [])",
    "merge({a = 1}, [1])", "keys([1])", "values(\"x\")", "transpose({a = [1]})", "coalesce()", "coalescelist()",
    "contains(null, 1)", "distinct(null)", "toset([[1], [1]])", "tomap([1])", "tolist({a = 1})", "sort([[1]])",
    "reverse(\"abc\")", "length(null)", "range(0, 10, 0)", "range(10, 0, 1)", "range(\"a\")", "range()",
    "range(1, 2, 3, 4)", "cidrsubnet(\"10.0.0.0/8\", 99, 1)", "cidrsubnet(\"::/0\", 999999999, 1)",
    "cidrsubnet(\"10.0.0.0/8\", -1, 1)", "cidrhost(\"10.0.0.0/8\", 99999999999999999999)",
    "cidrnetmask(\"::/0\")", "cidrsubnets(\"10.0.0.0/8\", 99, 99)", "jsondecode(\"[\")",
    "jsondecode(\"" + "[" * 1000 + "]" * 1000 + "\")", "jsondecode(\"" + "1" * 5000 + "\")",
    "jsondecode(\"NaN\")", "jsondecode(\"{\\\"a\\\": 1, \\\"a\\\": 2}\")",
    "yamldecode(\"!!python/object:os.system x\")",
    "yamldecode(\"a: [\")", "yamldecode(\"" + "[" * 500 + "]" * 500 + "\")", "csvdecode(\"a\\n\\\"\")",
    "jsonencode(1e400)", "jsonencode(0 / 0)",
    # references and special forms
    "var.nope", "local.nope", "module.nope.x", "data.nope.x.y", "each.value", "count.index", "self.x",
    "path.module", "terraform.workspace", "try()", "try(1 / 0)", "can()", "can(1, 2)", "try(null.x, \"ok\")",
    "can(regex(\"(\", \"x\"))", "try(regex(\"(\", \"x\"), 1)", "true ? 1 : null.x", "false && null.x",
    "!\"x\"", "-\"x\"", "-true", "\"a\" + 1", "[1] == [1]", "{} == []", "1 < \"a\"",
    "timestamp()", "uuid()", "bcrypt(\"x\")", "file(\"\")", "file(\"/\")", "file(\"\\u0000\")",
    "templatefile(\"main.tf\", 1)", "templatefile(\"main.tf\", {})", "fileexists(\"\")", "filebase64(\"main.tf\")",
    "provider::aws::arn_parse(\"x\")", "unknownfunction(1)",
    "\"${\"${\"${1}\"}\"}\"", "\"%{if true}a%{else}b%{endif}\"", "\"%{for x in [1]}${x}%{endfor}\"",
    "\"%{endif}\"", "\"%{ else }\"", "\"$${x}%%{y}\"",
]
def _tf_param(expression: str):
    return expression


@pytest.mark.parametrize("expression", [_tf_param(e) for e in TF_EXPRESSIONS])
def test_terraform_hostile_expression(tmp_path: Path, expression: str) -> None:
    result = scan_tree(tmp_path, {"main.tf": TF_BUCKET % expression})
    assert_value_costs_only_itself(result, "IACG-AWS-001")


@pytest.mark.parametrize("expression", [
    "\"%{if}x%{endif}\"", "\"%{for}x%{endfor}\"", "[for]", "{a = }", "1 +", "a.", "\"${\"", "<<EOT", "x[",
    "!", "? :", "... x", "\"\\q\"", "0x10", "1e", "\"\\u12\"",
])
def test_terraform_syntax_errors_are_a_clean_iacg000(tmp_path: Path, expression: str) -> None:
    """What Terraform itself rejects as syntax is IACG-000 on the attribute's line, nothing worse."""
    result = scan_tree(tmp_path, {"main.tf": TF_BUCKET % expression})
    assert problems(result) == []
    errors = [(f.file, f.line) for f in result.findings if f.check_id == PARSE_ERROR_ID]
    if errors:
        assert errors == [("main.tf", 3)] or errors == [("main.tf", 4)], errors
    else:  # accepted: then the value is merely unknown and the ACL finding stays
        assert "IACG-AWS-001" in {f.check_id for f in result.findings}


def test_terraform_5000_digit_integer_literal(tmp_path: Path) -> None:
    result = scan_hostile(tmp_path, "hcl-bigint")
    assert_value_costs_only_itself(result, "IACG-AWS-001")


def test_terraform_nan(tmp_path: Path) -> None:
    result = scan_hostile(tmp_path, "hcl-nan")
    assert_value_costs_only_itself(result, "IACG-AWS-001")


def test_terraform_invalid_regex(tmp_path: Path) -> None:
    result = scan_hostile(tmp_path, "hcl-regex-invalid")
    assert_value_costs_only_itself(result, "IACG-AWS-001")


@pytest.mark.parametrize("name, check_id", [
    pytest.param("main.tf.json", "IACG-AWS-001"),
    pytest.param("azuredeploy.json", "IACG-AZURE-001"),
    pytest.param("plan.json", "IACG-AWS-001"),
])
def test_json_5000_digit_number(tmp_path: Path, name: str, check_id: str) -> None:
    result = scan_hostile(tmp_path, "json-bignum", only=name)
    assert_value_costs_only_itself(result, check_id)


def test_cloudformation_5000_digit_number_is_a_clean_iacg000(tmp_path: Path) -> None:
    """cfn-lint refuses the number; that is a parse error, reported as such."""
    text = ('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  B:\n    Type: AWS::S3::Bucket\n'
            '    Properties:\n      AccessControl: PublicRead\n      Tags: [{Key: n, Value: %s}]\n' % ("1" * 5000))
    result = scan_tree(tmp_path, {"template.yaml": text})
    assert problems(result) == []
    assert {f.check_id for f in result.findings} <= {PARSE_ERROR_ID, "IACG-AWS-001", "IACG-AWS-100",
                                                     "IACG-AWS-013"} | {c.id for c in CHECKS.checks}


def test_long_chain_of_locals(tmp_path: Path) -> None:
    body = "".join(f"  l{i} = [local.l{i - 1}]\n" for i in range(1, 400))
    text = 'locals {\n  l0 = ["a"]\n%s}\n' % body + TF_BUCKET % "local.l399"
    result = scan_tree(tmp_path, {"main.tf": text})
    assert problems(result) == []
    assert "IACG-AWS-001" in {f.check_id for f in result.findings}


@pytest.mark.parametrize("name, own_error", [
    pytest.param("tf-module-without-tf-files", False),
    pytest.param("tf-module-unreadable", True),
])
def test_unusable_module_directory_costs_only_the_module(tmp_path: Path, name: str, own_error: bool) -> None:
    result = scan_hostile(tmp_path, name)
    assert problems(result) == []
    found = {(f.check_id, f.file) for f in result.findings}
    assert ("IACG-AWS-001", "main.tf") in found, sorted(found)
    if own_error:
        assert (PARSE_ERROR_ID, "modules/storage/main.tf") in found, sorted(found)


# -- ARM expressions ----------------------------------------------------------------

ARM = ('{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", '
       '"contentVersion": "1.0.0.0", %s"resources": [{"type": "Microsoft.Storage/storageAccounts", '
       '"apiVersion": "2023-01-01", "name": "sa", "tags": {"x": %s}, '
       '"properties": {"allowBlobPublicAccess": true}}]}')

ARM_EXPRESSIONS = [
    "[padLeft('a', 100000000, 'x')]", "[range(0, 100000000)]", "[range(0, -5)]",
    "[" + "concat(" * 300 + "'a'" + ")" * 300 + "]", "[json('" + "[" * 500 + "1" + "]" * 500 + "')]",
    "[json('{')]", "[json('" + "1" * 5000 + "')]", "[int('" + "1" * 5000 + "')]",
    "[add(9223372036854775807, 1)]", "[mul(9223372036854775807, 9223372036854775807)]", "[div(1, 0)]",
    "[mod(1, 0)]", "[base64ToString('!!!!')]", "[base64ToString('/w==')]", "[uriComponentToString('%ZZ')]",
    "[substring('abc', 5, 99999999999)]", "[substring('abc', -1, -5)]", "[split('', '')]",
    "[replace('abc', '', 'x')]", "[take('abc', 99999999999999999999)]", "[skip(createArray(1, 2), -1)]",
    "[first(createArray())]", "[last('')]", "[createArray(1)[5]]", "[createArray(1)[-1]]",
    "[createObject('a', 1).b]", "[concat('a'", "[concat('a)]", "[@@@]", "[]", "[parameters('nope')]",
    "[variables('nope')]", "[reference('x').a.b.c]", "[guid()]", "[concat(" + ",".join(["'a'"] * 20000) + ")]",
    "[dataUriToString('data:;base64,!!!')]", "[format('{0} {5}', 'a')]", "[format('{0,999999999}', 'a')]",
    "[dateTimeAdd('9999-12-31T23:59:59Z', 'P1000Y')]", "[dateTimeAdd('x', 'y')]",
    "[dateTimeFromEpoch(99999999999999999)]", "[intersection(1, 2)]", "[cidrSubnet('10.0.0.0/8', 999, 99999999)]",
    "[parseCidr('nope')]", "[objectKeys(1)]", "[toLower(1)]", "[coalesce()]", "[if('x', 1, 2)]",
    "[copyIndex('nope', 5)]", "[string(json('" + '{\\"a\\":' * 150 + "1" + "}" * 150 + "'))]",
    "[[not an expression]", "[ ]", "['unterminated]", "[concat('\\u0000')]", "[length(string(range(0, 10000)))]",
]


@pytest.mark.parametrize("expression", ARM_EXPRESSIONS)
def test_arm_hostile_expression(tmp_path: Path, expression: str) -> None:
    result = scan_tree(tmp_path, {"azuredeploy.json": ARM % ("", json.dumps(expression))})
    assert_value_costs_only_itself(result, "IACG-AZURE-001")


@pytest.mark.parametrize("declarations, value", [
    ('"variables": {"a": "[variables(\'b\')]", "b": "[variables(\'a\')]"}, ', "[variables('a')]"),
    ('"variables": {' + ", ".join(f'"v{i}": "[concat(variables(\'v{i - 1}\'), variables(\'v{i - 1}\'))]"'
                                  for i in range(1, 60)) + ', "v0": "abcdefgh"}, ', "[variables('v59')]"),
    ('"variables": {' + ", ".join(f'"v{i}": "[variables(\'v{i - 1}\')]"' for i in range(1, 2000))
     + ', "v0": "x"}, ', "[variables('v1999')]"),
    ('"functions": [{"namespace": "n", "members": {"f": {"parameters": [{"name": "x", "type": "string"}], '
     '"output": {"type": "string", "value": "[n.f(parameters(\'x\'))]"}}}}], ', "[n.f('a')]"),
    ('"parameters": {"a": {"type": "string", "defaultValue": "[parameters(\'b\')]"}, '
     '"b": {"type": "string", "defaultValue": "[parameters(\'a\')]"}}, ', "[parameters('a')]"),
    ('"variables": {"copy": [{"name": "x", "count": 1000000, "input": "[copyIndex(\'x\')]"}]}, ',
     "[length(variables('x'))]"),
], ids=["variable-cycle", "variable-doubling", "variable-chain-2000", "recursive-function",
        "parameter-default-cycle", "variable-copy-million"])
def test_arm_hostile_declarations(tmp_path: Path, declarations: str, value: str) -> None:
    result = scan_tree(tmp_path, {"azuredeploy.json": ARM % (declarations, json.dumps(value))})
    assert_value_costs_only_itself(result, "IACG-AZURE-001")


def test_arm_budget_exhaustion_does_not_hide_literal_values(tmp_path: Path) -> None:
    result = scan_hostile(tmp_path, "arm-budget-evasion")
    assert_value_costs_only_itself(result, "IACG-AZURE-001")


# -- CloudFormation intrinsics -----------------------------------------------------

CFN = ('AWSTemplateFormatVersion: "2010-09-09"\n%sResources:\n  B:\n    Type: AWS::S3::Bucket\n'
       '    Properties:\n      AccessControl: PublicRead\n      BucketName: %s\n')

CFN_CASES = {
    "condition-cycle": ("Conditions:\n  A: !Condition B\n  B: !Condition A\n", "!If [A, x, y]"),
    "condition-self": ("Conditions:\n  A: !And [!Condition A, !Condition A]\n", "!If [A, x, y]"),
    "condition-doubling": ("Conditions:\n  C0: !Equals [a, a]\n" + "".join(
        f"  C{i}: !And [!Condition C{i - 1}, !Condition C{i - 1}]\n" for i in range(1, 60)), "!If [C59, x, y]"),
    "undefined-condition": ("", "!If [Nope, x, y]"),
    "sub-nested": ("", "!Sub ['${A}${A}${A}${A}', {A: !Sub ['${B}${B}${B}${B}', {B: !Sub ['${C}${C}${C}${C}', "
                       "{C: " + "x" * 1000 + "}]}]}]"),
    "sub-unterminated": ("", "!Sub 'a${'"),
    "sub-bad-variables": ("", "!Sub [a, b, c]"),
    "join-nested": ("", "!Join ['', [" + "!Join ['', [" * 100 + "a" + "]]" * 100 + "]]"),
    "join-not-a-list": ("", "!Join ['', a]"),
    "select-huge": ("", "!Select [99999999999999999999, [a]]"),
    "select-negative": ("", "!Select [-1, [a]]"),
    "select-float": ("", "!Select [1.5, [a, b]]"),
    "split-empty": ("", "!Select [0, !Split ['', abc]]"),
    "base64-novalue": ("", "!Base64 {Ref: AWS::NoValue}"),
    "findinmap-missing": ("Mappings:\n  M: {a: {b: c}}\n", "!FindInMap [M, x, y]"),
    "findinmap-nested": ("Mappings:\n  M: {a: {b: c}}\n", "!FindInMap [M, " + "!FindInMap [M, " * 200
                         + "a, b]" + ", b]" * 200),
    "ref-self": ("", "!Ref B"),
    "getatt-garbage": ("", "!GetAtt [B, [x], {y: z}]"),
    "list-parameter": ("Parameters:\n  P: {Type: 'List<Number>', Default: '" + ",".join(["1"] * 100000)
                       + "'}\n", "!Join [',', !Ref P]"),
    "getazs": ("", "!Select [0, !GetAZs '']"),
    "cidr-huge": ("", "!Select [0, !Cidr ['10.0.0.0/8', 99999999, 99]]"),
    "cidr-v6": ("", "!Select [0, !Cidr ['::/0', 256, 128]]"),
    "unknown-tag": ("", "!Nope [x]"),
    "tag-on-mapping": ("", "!Ref {a: b}"),
    "null": ("", "null"),
    "huge-float": ("", "1e400"),
    "nan": ("", ".nan"),
    "binary": ("", "!!binary AAAA"),
    "timestamp": ("", "2001-12-14t21:59:43.10-05:00"),
    "merge-key": ("x: &m {AccessControl: Private}\n", "{<<: *m}"),
}


@pytest.mark.parametrize("case", sorted(CFN_CASES))
def test_cloudformation_hostile_intrinsic(tmp_path: Path, case: str) -> None:
    head, value = CFN_CASES[case]
    result = scan_tree(tmp_path, {"template.yaml": CFN % (head, value)})
    assert_value_costs_only_itself(result, "IACG-AWS-001")


# -- the reproducers stay reproducers ----------------------------------------------


def test_every_hostile_reproducer_is_documented() -> None:
    """fixtures/_hostile/README.md lists every reproducer directory."""
    index = (HOSTILE / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in HOSTILE.iterdir() if p.is_dir() and f"`{p.name}/`" not in index]
    assert missing == []
