"""The Terraform evaluator's budget reaches every walk of a value: shared
structure that is cheap to build but huge to write out, YAML aliases, and
regular expressions that backtrack. What the budget stops is unknown (never
an error that try()/can() would see), and the rest of the resource is judged.

Each scan runs in a forked child (tests/test_limits.py ``run_isolated``) so
that a regression shows as a killed child, not a hung suite.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict

import pytest
from test_limits import assert_bounded, assert_still_finds, repo, run_isolated

# l0 .. l40, each holding the previous one twice: 2^40 strings, 41 small lists.
DOUBLING = "locals {\n  l0 = [\"a\", \"b\"]\n" + "".join(
    f"  l{i} = [local.l{i - 1}, local.l{i - 1}]\n" for i in range(1, 41)) + "}\n"
REDOS = 'regex("^(a|aa)+$", "%s!")' % ("a" * 60)  # years of backtracking in Python's re


def _bucket(value: str, head: str = "") -> Dict[str, str]:
    return {"main.tf": head + 'resource "aws_s3_bucket" "b" {\n  acl  = "public-read"\n  tags = { x = %s }\n}\n'
            % value}


def _tag(tmp_path: Path, value: str, head: str = "", guard: float = 10.0) -> str:
    """repr of the bucket's ``tags.x`` after a bounded scan that still finds
    the ACL ("UNKNOWN" when the budget ran out: then all of ``tags`` is)."""
    root = repo(tmp_path, _bucket(value, head), name=f"repo{len(list(tmp_path.iterdir()))}")
    outcome = run_isolated([root], root, guard=guard)
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-001")
    tags = outcome.attributes["aws_s3_bucket.b"]["tags"]
    if tags == "UNKNOWN":
        return tags
    assert tags.startswith("{'x': ") and tags.endswith("}"), tags
    return tags[len("{'x': "):-1]


@pytest.mark.parametrize("value", [
    "local.l40",                      # referred to directly: checks would walk it
    "concat(local.l40, local.l40)",
    "flatten(local.l40)",
    "toset(local.l40)",
    "distinct(local.l40)",
    "contains(local.l40, \"c\")",
    "local.l40 == local.l40",
    "format(\"%v\", local.l40)",
    "join(\",\", flatten(local.l40))",
    "sort(local.l40)",
])
def test_shared_lists_are_bounded_wherever_they_are_walked(tmp_path: Path, value: str) -> None:
    assert "'a'" not in _tag(tmp_path, value, DOUBLING)


def _doubled(times: int) -> object:
    value: object = ["a", "b"]
    for _ in range(times):
        value = [value, value]
    return value


def test_a_shared_list_of_modest_size_is_still_encoded_exactly(tmp_path: Path) -> None:
    compact = (",", ":")
    assert _tag(tmp_path, "jsonencode(local.l3)", DOUBLING) == repr(json.dumps(_doubled(3), separators=compact))
    # 65 536 strings: well inside the budget, encoded in full.
    assert _tag(tmp_path, "length(jsonencode(local.l15))", DOUBLING) == repr(
        len(json.dumps(_doubled(15), separators=compact)))


@pytest.mark.parametrize("value", [
    'yamldecode("a: &a [*a]")',              # a list inside itself
    'jsonencode(yamldecode("a: &a [*a]"))',
    "length(flatten(yamldecode(local.bomb)))",
])
def test_yaml_aliases_are_charged_for_what_they_expand_to(tmp_path: Path, value: str) -> None:
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\\n" for i in range(1, 9))
    assert _tag(tmp_path, value, 'locals {\n  bomb = "%s"\n}\n' % bomb) == "UNKNOWN"


def test_a_small_yaml_document_with_aliases_is_decoded(tmp_path: Path) -> None:
    value = _tag(tmp_path, 'yamldecode("base: &b {k: v}\\nuse: *b")')
    assert value == repr({"base": {"k": "v"}, "use": {"k": "v"}})


@pytest.mark.parametrize("value", [
    REDOS,
    REDOS.replace("regex(", "regexall("),
    'replace("%s!", "/^(a|aa)+$/", "x")' % ("a" * 60),
    "can(%s)" % REDOS,                      # unknown, not false: the match may succeed
    'try(%s, "fallback")' % REDOS,          # unknown, not the fallback: it is no error
    "[for i in range(100000) : %s]" % REDOS,  # the time is charged: the loop ends too
])
def test_a_backtracking_regular_expression_is_unknown(tmp_path: Path, value: str) -> None:
    assert _tag(tmp_path, value) == "UNKNOWN"


@pytest.mark.parametrize("value, expected", [
    ('regex("(?P<n>[a-z]+)-(?P<d>[0-9]+)", "abc-123")', {"n": "abc", "d": "123"}),
    ('regex("([a-z]+)-([0-9]+)", "abc-123")', ["abc", "123"]),
    ('regex("[0-9]+", "abc-123")', "123"),
    ('regexall("[0-9]", "a1b2")', ["1", "2"]),
    ('regexall("([a-z])([0-9])", "a1b2")', [["a", "1"], ["b", "2"]]),   # groups, as regex() gives them
    ('regexall("(?P<k>[a-z])=(?P<v>[0-9])", "a=1,b=2")', [{"k": "a", "v": "1"}, {"k": "b", "v": "2"}]),
    ('replace("a-b-c", "/-(.)/", "_$1")', "a_b_c"),
    ('can(regex("^(a|aa)+$", "aaaa"))', True),
    ('can(regex("(", "x"))', False),            # an invalid pattern is an error, as in Terraform
    ('can(regex("(?P<x>a)(?P<x>b)", "ab"))', False),
    ('try(regex("[0-9]", "abc"), "none")', "none"),
])
def test_regular_expressions_still_match(tmp_path: Path, value: str, expected: object) -> None:
    assert _tag(tmp_path, value) == repr(expected)


@pytest.mark.parametrize("value, expected", [
    ('setintersection(["a", "b", "c"], ["b", "c", "d"], ["c", "b"])', ["b", "c"]),
    ('setsubtract(["a", "b", "a"], ["b"])', ["a"]),
    ('setintersection([{x = 1}, {x = 2}], [{x = 2}])', [{"x": 2}]),
    ('length(setintersection(range(50000), range(25000, 75000)))', 25000),   # linear, not quadratic
    ('length(setsubtract(range(50000), range(25000, 75000)))', 25000),
])
def test_set_functions(tmp_path: Path, value: str, expected: object) -> None:
    assert _tag(tmp_path, value) == repr(expected)


def test_replace_that_would_build_a_huge_string_is_unknown(tmp_path: Path) -> None:
    head = 'locals {\n  big = join("", [for i in range(1000) : "aaaaaaaaaa"])\n}\n'
    assert _tag(tmp_path, 'length(replace(local.big, "a", local.big))', head) == "UNKNOWN"
    assert _tag(tmp_path, 'length(replace(local.big, "/a/", local.big))', head) == "UNKNOWN"
    assert _tag(tmp_path, 'length(replace(local.big, "a", "bb"))', head) == "20000"
