"""Our CloudFormation reader reads every template as cfn-lint's decoder did:
the same values, the same container types, the same lines, the same
repeated-key reports and the same errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, List, Optional

import pytest

from iacguard.discovery import detect_format, discover
from iacguard.parsers.cloudformation.decoder import decode
from iacguard.parsers.cloudformation.document import convert, decode_with_cfn_lint
from iacguard.parsers.cloudformation.positioned import PositionedList, PositionedMap, PositionedText, line_table
from iacguard.source import SourceError, decode_bytes

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def _templates(root: Path) -> List[Path]:
    found = []
    for candidate in discover([str(root)], cwd=root).candidates:
        try:
            text = decode_bytes(candidate.path.read_bytes())
        except (OSError, SourceError):
            continue
        if detect_format(candidate.path.name, text) == "cloudformation":
            found.append(candidate.path)
    return found


def _reference(text: str) -> Any:
    template, duplicates = decode_with_cfn_lint(text)
    if not isinstance(template, tuple):
        template = convert(template, {}, line_table(text))
    return template, duplicates


def _difference(ours: Any, theirs: Any, where: str = "$") -> Optional[str]:
    """Where two decoded values differ in value, type or line; None if nowhere."""
    if type(ours) is not type(theirs):
        return f"{where}: {type(ours).__name__} != {type(theirs).__name__}"
    for attribute in ("line", "end_line"):
        if getattr(ours, attribute, None) != getattr(theirs, attribute, None):
            return f"{where}: {attribute} {getattr(ours, attribute, None)} != {getattr(theirs, attribute, None)}"
    if isinstance(ours, dict):
        if list(ours) != list(theirs):
            return f"{where}: keys {list(ours)[:5]} != {list(theirs)[:5]}"
        for (key, value), (their_key, their_value) in zip(ours.items(), theirs.items(), strict=True):
            found = _difference(key, their_key, f"{where}.{key}(key)") or \
                _difference(value, their_value, f"{where}.{key}")
            if found:
                return found
    elif isinstance(ours, (list, tuple)):
        if len(ours) != len(theirs):
            return f"{where}: {len(ours)} items != {len(theirs)}"
        for index, (item, their_item) in enumerate(zip(ours, theirs, strict=True)):
            found = _difference(item, their_item, f"{where}[{index}]")
            if found:
                return found
    elif ours != theirs and not (ours != ours and theirs != theirs):  # NaN equals NaN here
        return f"{where}: {ours!r} != {theirs!r}"
    return None


def _assert_same_as_cfn_lint(text: str) -> Any:
    ours, theirs = decode(text), _reference(text)
    assert ours[1] == theirs[1]
    assert _difference(ours[0], theirs[0]) is None, _difference(ours[0], theirs[0])
    return ours


def _assert_all_read_alike(root: Path) -> int:
    differing = []
    templates = _templates(root)
    for path in templates:
        text = decode_bytes(path.read_bytes())
        ours, theirs = decode(text), _reference(text)
        found = None if ours[1] == theirs[1] else f"repeated keys {ours[1]} != {theirs[1]}"
        found = found or _difference(ours[0], theirs[0])
        if found:
            differing.append(f"{path.relative_to(root)}: {found}")
    assert differing == []
    return len(templates)


def test_every_fixture_template_reads_as_cfn_lint_read_it() -> None:
    assert _assert_all_read_alike(ROOT / "fixtures") > 100


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not present")
def test_every_corpus_template_reads_as_cfn_lint_read_it() -> None:
    assert _assert_all_read_alike(CORPUS) > 100


def test_short_forms_become_long_forms_with_their_lines() -> None:
    text = ("Resources:\n"
            "  Bucket:\n"
            "    Type: AWS::S3::Bucket\n"
            "    Properties:\n"
            "      BucketName: !Sub '${AWS::StackName}-logs'\n"
            "      Tags: [!Ref Name, !GetAtt Role.Arn]\n"
            "      Other: !Join\n"
            "        - ','\n"
            "        - [a, !Ref B]\n"
            "      Flag: !If {Cond: x}\n")
    template, duplicates = _assert_same_as_cfn_lint(text)
    assert duplicates == []
    props = template["Resources"]["Bucket"]["Properties"]
    assert props["BucketName"] == {"Fn::Sub": "${AWS::StackName}-logs"}
    assert type(props["BucketName"]["Fn::Sub"]) is str
    tags = props["Tags"]
    assert tags == [{"Ref": "Name"}, {"Fn::GetAtt": ["Role", "Arn"]}]
    assert (tags.line, tags[0].line, tags[1].line, tags[1]["Fn::GetAtt"].line) == (6, 6, 6, 6)
    joined = props["Other"]
    assert joined == {"Fn::Join": [",", ["a", {"Ref": "B"}]]} and joined.line == 7
    # A short form's list argument has no line of its own; its items do.
    assert isinstance(joined["Fn::Join"], PositionedList) and joined["Fn::Join"].line == 0
    assert joined["Fn::Join"][1][0].line == 9
    assert props["Flag"] == {"Fn::If": {"Cond": "x"}} and props["Flag"]["Fn::If"].line == 0
    key = next(iter(props))
    assert isinstance(key, PositionedText) and key.line == 5


def test_get_att_in_every_form() -> None:
    text = "A: !GetAtt R.Arn.Part\nB: !GetAtt [R, Arn]\nC: !GetAtt {R: Arn}\nD: !GetAtt []\n"
    template, _ = _assert_same_as_cfn_lint(text)
    assert template["A"] == {"Fn::GetAtt": ["R", "Arn.Part"]}
    assert template["B"]["Fn::GetAtt"][1].line == 2
    # A mapping argument lost its lines in cfn-lint's copy and took the second line.
    assert template["C"]["Fn::GetAtt"] == {"R": "Arn"} and template["C"]["Fn::GetAtt"].line == 2
    assert template["D"] == {"Fn::GetAtt": []}


def test_a_repeated_key_is_reported_and_the_last_value_kept() -> None:
    text = "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Type: AWS::SQS::Queue\n"
    template, duplicates = _assert_same_as_cfn_lint(text)
    assert template["Resources"]["A"]["Type"] == "AWS::SQS::Queue"
    assert next(iter(template["Resources"]["A"])).line == 3  # the key as first written
    assert duplicates == [(3, "Duplicate found 'Type' (line 3); the last value is used"),
                          (4, "Duplicate found 'Type' (line 4); the last value is used")]


def test_repeated_keys_of_only_the_first_mapping_found_are_reported() -> None:
    text = "x:\n  a: 1\n  a: 2\n  a: 3\ny:\n  b: 1\n  b: 2\n"
    template, duplicates = _assert_same_as_cfn_lint(text)
    assert template == {"x": {"a": 3}, "y": {"b": 2}}
    assert [line for line, _ in duplicates] == [2, 3, 4]


def test_a_repeated_key_that_is_not_a_string_cannot_be_placed() -> None:
    assert _assert_same_as_cfn_lint("1: a\ntrue: b\n")[0] == (
        1, "cannot parse template: Template could not be parsed: 'int' object has no attribute 'start_mark'")
    assert _assert_same_as_cfn_lint("2001-01-01: a\n2001-01-01: b\n")[0][1].endswith(
        "'datetime.date' object has no attribute 'start_mark'")


def test_merge_keys_may_repeat_and_aliases_stay_shared() -> None:
    text = ("Base: &base {A: 1, L: [&s text]}\n"
            "Merged:\n"
            "  <<: *base\n"
            "  A: 2\n"
            "Copy: *base\n"
            "Texts: [*s, *s]\n")
    template, duplicates = _assert_same_as_cfn_lint(text)
    assert duplicates == []
    assert template["Merged"] == {"A": 2, "L": ["text"]} and template["Merged"].line == 3
    assert template["Copy"] is template["Base"]
    assert template["Texts"][0] is template["Texts"][1] and template["Texts"][0].line == 1


def test_yaml_scalars_are_typed_as_yaml_1_1() -> None:
    text = "a: 010\nb: yes\nc: 0x1F\nd: 1.5e+3\ne: ~\nf: 2024-01-02\ng: '010'\nh: 1.5e3\n"
    template, _ = _assert_same_as_cfn_lint(text)
    assert [template[k] for k in "abcegh"] == [8, True, 31, None, "010", "1.5e3"]
    assert template["d"] == 1500.0 and str(template["f"]) == "2024-01-02"


def test_json_template_lines() -> None:
    text = ('{\n  "Resources": {\n    "A": {\n      "Type": "AWS::S3::Bucket",\n'
            '      "Properties": {"Tags": ["x", {"Ref": "y"}]}\n    }\n  }\n}\n')
    template, _ = _assert_same_as_cfn_lint(text)
    resource = template["Resources"]["A"]
    assert next(iter(template["Resources"])).line == 3 and (resource.line, resource.end_line) == (3, 6)
    assert resource["Properties"]["Tags"][0].line == 5


def test_a_json_text_yaml_cannot_read_is_read_as_json() -> None:
    # An escape YAML does not know: the JSON reader reports it on its line.
    text = '{\n  "A": "\\/",\n  "B": [\n    "x"],\n  "C": "\\q"\n}\n'
    assert _assert_same_as_cfn_lint(text)[0] == (5, "cannot parse template: Invalid \\escape: 'q'")
    # Not JSON either: the YAML problem is the one reported (as cfn-lint did
    # for a value missing in a list; in an object it failed on its own bug).
    text = '{\n  "A": [1, ],\n  "B": "\\q"\n}\n'
    assert _assert_same_as_cfn_lint(text)[0] == (3, "cannot parse template: found unknown escape character")
    assert decode('{\n  "A": ,\n  "B": "\\q"\n}\n')[0] == (3, "cannot parse template: found unknown escape character")


def test_yaml_syntax_errors_keep_their_message_and_line() -> None:
    assert _assert_same_as_cfn_lint("Resources:\n  A: [1, 2\n  B: 3\n")[0] == (
        3, "cannot parse template: did not find expected ',' or ']'")
    assert _assert_same_as_cfn_lint("Resources:\n  A: b: c\n")[0] == (
        2, "cannot parse template: mapping values are not allowed in this context")
    assert _assert_same_as_cfn_lint("a: 1\n~: 2\n")[0] == (
        2, "cannot parse template: Null key '~' not supported (line 2)")
    assert _assert_same_as_cfn_lint("? [a]\n: 1\n")[0] == (
        1, "cannot parse template: Unhashable type \"['a']\" (line 1)")


def test_errors_the_loader_raises_are_reported_whole() -> None:
    line, message = _assert_same_as_cfn_lint("a: 1\n---\nb: 2\n")[0]
    assert line == 1 and "expected a single document in the stream" in message
    line, message = _assert_same_as_cfn_lint("a: *missing\n")[0]
    assert line == 1 and "found undefined alias" in message
    line, message = _assert_same_as_cfn_lint("a: &x [*x]\n")[0]
    assert line == 1 and "found unconstructable recursive node" in message
    line, message = _assert_same_as_cfn_lint("a: !<tag:example.com,2000:x> 1\n")[0]
    assert line == 1 and "could not determine a constructor" in message


def test_a_forbidden_character_is_reported_on_its_line() -> None:
    line, message = _assert_same_as_cfn_lint("a: 1\nb: 2\nc: \x01\n")[0]
    assert line == 3 and "unacceptable character #x0001" in message


def test_lines_count_as_editors_do_and_a_bom_is_read_past() -> None:
    # PyYAML also breaks lines at U+0085 and U+2028; editors do not.
    text = 'a: "x\x85y"\nb: "\u2028z"\nc:\n  - d\n'
    template, _ = _assert_same_as_cfn_lint(text)
    assert template["c"].line == 4 and template["c"][0].line == 4
    assert [key.line for key in template] == [1, 2, 3]
    template, _ = _assert_same_as_cfn_lint("\ufeffResources:\n  A: 1\n")
    assert template == {"Resources": {"A": 1}} and template["Resources"].line == 2


def test_an_empty_text_is_an_empty_template() -> None:
    template, duplicates = _assert_same_as_cfn_lint("")
    assert isinstance(template, PositionedMap) and template == {} and (template.line, duplicates) == (1, [])


def _imports_cfn_lint(template: str, tmp_path: Path) -> bool:
    path = tmp_path / "template.yaml"
    path.write_text(template, encoding="utf-8")
    code = ("import sys; from iacguard.parsers.cloudformation.document import read_template; "
            f"d = read_template(open({str(path)!r}, encoding='utf-8').read()); "
            "assert d.error is None and d.expanded['Resources'], d; print('cfnlint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    return out.stdout.strip() == "True"


def test_cfn_lint_is_imported_only_for_transforms(tmp_path: Path) -> None:
    plain = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: !Ref N}\n"
    assert not _imports_cfn_lint(plain, tmp_path)
    sam = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
           "    Properties: {Runtime: python3.12, Handler: a.b, InlineCode: x}\n")
    assert _imports_cfn_lint(sam, tmp_path)


def test_mutated_fixture_templates_read_alike_broken_or_not() -> None:
    """The fuzzer's mutations of fixture templates (lines, tokens and
    characters moved, odd Unicode inserted) reach the error paths; both
    readers must still agree, error message and line included."""
    import random

    import test_fuzz as engine  # the mutation engine the fuzz tests use

    rng = random.Random(2026)
    chooser = engine.RandomChooser(rng)
    families = ["cloudformation-yaml", "cloudformation-json"]
    broken, differing = 0, []
    for _ in range(300):
        family = rng.choice(families)
        seed = rng.choice(engine.SEEDS[family])
        data = engine.mutate(seed.path.read_bytes(), family, chooser, engine.STRUCTURAL + engine.ENCODING,
                             rng.randint(1, 3))
        try:
            text = decode_bytes(data)
        except SourceError:
            continue
        ours, theirs = decode(text), _reference(text)
        broken += isinstance(ours[0], tuple)
        found = None if ours[1] == theirs[1] else f"repeated keys {ours[1]} != {theirs[1]}"
        found = found or _difference(ours[0], theirs[0])
        if found:
            differing.append(f"{seed.path.name}: {found}")
    assert differing == []
    assert broken > 50  # the error paths were reached
