"""The position-keeping JSON reader (iacguard/parsers/common/json_positions.py):
linear memory on long strings, one-line arrays read in bulk with the same
values and lines as token by token, and a clear error past MAX_VALUES."""

from __future__ import annotations

import json
import textwrap
import time
import tracemalloc

import pytest

from iacguard.parsers.arm.resources import parse_arm
from iacguard.parsers.common import json_positions
from iacguard.parsers.common.json_positions import JSONLimitError, JSONPositionError, parse_json
from iacguard.parsers.terraform.plan import parse_tfplan


def _peak_mb(text: str) -> float:
    tracemalloc.start()
    try:
        parse_json(text)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("body", ["a" * 1_000_000, "\\n" * 500_000, "ab\\\"" * 250_000],
                         ids=["plain", "escapes", "mixed"])
def test_a_long_string_costs_memory_for_its_text_only(body: str) -> None:
    # The old pattern kept a backtracking entry per character: 117-229 MB here.
    assert _peak_mb('{"a": "%s", "b": 1}' % body) < 20


def test_strings_with_more_escapes_than_one_match_takes() -> None:
    count = json_positions._ESCAPES_PER_MATCH * 2 + 5
    text = '{\n"a": "x%sy",\n"b": "%s"\n}' % ("\\n" * count, "\\\\" * count)
    doc = parse_json(text)
    assert doc.value == json.loads(text)
    # Matching goes on after the long string: the next key keeps its line.
    assert doc.lines == {("a",): 2, ("b",): 3}


def test_raw_line_breaks_inside_strings_move_later_lines() -> None:
    doc = parse_json('{"a": "1\n2\n3",\n"b": 4}')
    assert doc.value == {"a": "1\n2\n3", "b": 4}
    assert doc.lines[("b",)] == 4


@pytest.mark.parametrize("text, line, column", [
    ('{\n  "a": "open', 2, 8),
    ('{\n  "a": "ends with a backslash\\', 2, 8),
    ('["' + "\\t" * 9000, 1, 2),
])
def test_unterminated_string_is_an_error_at_its_start(text: str, line: int, column: int) -> None:
    with pytest.raises(JSONPositionError) as info:
        parse_json(text)
    assert "unterminated string" in str(info.value)
    assert (info.value.line, info.value.column) == (line, column)


def test_numbers_keep_their_json_types() -> None:
    doc = parse_json('[1, -0, 2.5, 1e3, -1E-2, 1e400, %s]' % ("9" * 5000))
    assert [type(v) for v in doc.value] == [int, int, float, float, float, float, float]
    assert doc.value[:5] == [1, 0, 2.5, 1000.0, -0.01]


@pytest.mark.parametrize("rows", [
    [[str(i) for i in range(10_000)]],
    [['true', 'null', '"a,b"', '"x\ty"', '-1.5e3', '""'] * 2000],
    [["1", "2", "3"], ["4", "5"], ["6"]],
    [["1", '"a\\"b"', "2", "[3]", '{"k": 4}', "5", "6", "7"]],
    [["1"] * 5000, ["2"] * 5000, ['"x"'] * 3],
], ids=["numbers", "mixed-scalars", "short-lines", "escape-and-containers", "long-lines"])
def test_scalar_arrays_read_in_bulk_match_the_token_reader(rows: list) -> None:
    text = "[" + ",\n".join(", ".join(row) for row in rows) + "]"
    doc = parse_json(text)
    plain = json.loads(text, strict=False)
    assert doc.value == plain and [type(v) for v in doc.value] == [type(v) for v in plain]
    expected = [line for line, row in enumerate(rows, 1) for _ in row]
    assert [doc.lines[(i,)] for i in range(len(plain))] == expected
    assert len([p for p in doc.lines if len(p) == 1]) == len(plain)


def test_bulk_reading_stops_at_comments_and_trailing_commas() -> None:
    doc = parse_json("[1, 2, // two\n 3, 4,]")
    assert doc.value == [1, 2, 3, 4]
    assert [doc.lines[(i,)] for i in range(4)] == [1, 1, 2, 2]
    assert doc.comments == {1: "// two"}


def test_bulk_reading_keeps_the_nesting_limit() -> None:
    depth = json_positions.MAX_DEPTH
    parse_json("[" * depth + "1, 2,]" + "]" * (depth - 1))
    with pytest.raises(JSONPositionError, match="nesting deeper"):
        parse_json("[" * (depth + 1) + "1, 2,]" + "]" * depth)


def test_end_lines_are_the_last_line_inside_each_container() -> None:
    doc = parse_json(textwrap.dedent('''\
        {
          "a": [
            1,
            {"b": {}}
          ],
          "c": []
        }
        '''))
    assert doc.end_lines[()] == 6
    assert doc.end_lines[("a",)] == 4
    assert doc.end_lines[("a", 1)] == 4
    assert doc.end_lines[("c",)] <= doc.open_lines[("c",)]  # empty: nothing inside


@pytest.mark.parametrize("text, line", [
    ('{"a": [1, 2,\n 3, 4, 5]}', 2),  # token by token
    ('{"a": {"b": [' + ", ".join(["7"] * 50) + "]}}", 1),  # a run read in bulk
])
def test_more_values_than_the_limit_is_a_limit_error(text: str, line: int) -> None:
    with pytest.raises(JSONLimitError) as info:
        parse_json(text, max_values=5)
    assert info.value.line == line
    assert "more than 5 values" in str(info.value)
    assert "(at a" in str(info.value)
    parse_json(text, max_values=200)


def test_the_limit_counts_every_value_once() -> None:
    text = '{"a": [1, 2, 3], "b": {"c": null}}'  # the object, a, 1, 2, 3, b, c
    parse_json(text, max_values=7)
    with pytest.raises(JSONLimitError):
        parse_json(text, max_values=6)


def test_templates_and_plans_past_the_limit_are_reported_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_positions, "MAX_VALUES", 50)
    tags = "[" + ", ".join(["1"] * 100) + "]"
    arm = parse_arm("t.json", '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/'
                    'deploymentTemplate.json#",\n "resources": [{"type": "Microsoft.Storage/storageAccounts", '
                    '"name": "sa",\n "tags": %s}]}' % tags)
    assert [(e.line, e.message.split(":")[0]) for e in arm.errors] == [(3, "template not read")]
    assert "more than 50 values" in arm.errors[0].message and "resources[0].tags" in arm.errors[0].message
    plan = parse_tfplan("plan.json", '{"planned_values": {"root_module": {"resources": [{"address": "a.b", '
                        '"type": "a", "values": {"x": %s}}]}}}' % tags)
    assert plan.errors and plan.errors[0].message.startswith("plan not read: more than 50 values")


def test_many_plan_resources_are_read_in_linear_time() -> None:
    resources = [{"address": f"aws_s3_bucket.b{i}", "mode": "managed", "type": "aws_s3_bucket", "name": f"b{i}",
                  "values": {"bucket": f"b{i}", "acl": "private", "tags": {"n": str(i)}}} for i in range(4000)]
    text = json.dumps({"format_version": "1.2", "planned_values": {"root_module": {"resources": resources}}},
                      indent=1)
    start = time.process_time()
    plan = parse_tfplan("plan.json", text)
    elapsed = time.process_time() - start
    assert len(plan.resources) == 4000
    last = plan.resources[-1]
    assert last.line_of(("tags", "n")) == text.split("\n").index('       "n": "3999"') + 1
    assert set(last.attribute_lines) == {("bucket",), ("acl",), ("tags",), ("tags", "n")}
    assert elapsed < 10, elapsed  # one pass over the document, not one per resource (~minutes)
