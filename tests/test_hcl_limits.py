"""What a .tf file may hold before Lark reads it (syntax.check_size): a token
count and the length of one string, heredoc or comment. Beyond either, the
file is an HCLSyntaxError (IACG-000) on the line where the limit is passed;
ordinary files never meet them. The limits are lowered here so that the
cases stay small; tests/test_limits.py runs the 10 MB reproducers."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.engine.checks import load_checks
from iacguard.findings import PARSE_ERROR_ID
from iacguard.parsers.terraform import ast, syntax
from iacguard.parsers.terraform.syntax import HCLSyntaxError, check_size, parse_expression, parse_hcl
from iacguard.scan import ScanOptions, scan

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syntax, "MAX_HCL_TOKENS", 50)
    monkeypatch.setattr(syntax, "MAX_HCL_TOKEN_CHARS", 100)


def _line(text: str) -> int:
    with pytest.raises(HCLSyntaxError) as info:
        check_size(text)
    return info.value.line


@pytest.mark.usefixtures("small_limits")
def test_too_many_tokens_is_reported_where_the_count_passes_the_limit() -> None:
    text = "a = 1\nb = [%s1]\n" % ("1, " * 40)
    assert _line(text) == 2
    with pytest.raises(HCLSyntaxError, match="more than 50 tokens"):
        parse_hcl(text)


@pytest.mark.usefixtures("small_limits")
@pytest.mark.parametrize("text, line", [
    ('a = 1\nb = "%s"\n' % ("x" * 120), 2),
    ('a = 1\nb = "%s"\n' % ("xxxxxxxx\n" * 15), 2),                # the lexer lets a string span lines
    ('a = 1\nb = "%s"\n' % ('xxxxxxxx\\"' * 12), 2),               # escaped quotes do not end it
    ('# a "quote\na = 1\nb = "${"i"}%s"\n' % ("x" * 120), 3),      # nor do quotes in comments and ${ }
    ('a = 1\nb = <<EOT\n%sEOT\n' % ("xxxxxxxx\n" * 15), 2),
    ('a = 1\n/*\n%s*/\n' % ("xxxxxxxx\n" * 15), 2),
    ('a = 1\nb = "%s\n' % ("x" * 120), 2),                          # unterminated: to the end
])
def test_a_long_string_heredoc_or_comment_is_reported_where_it_starts(text: str, line: int) -> None:
    assert _line(text) == line


@pytest.mark.usefixtures("small_limits")
@pytest.mark.parametrize("text", [
    'a = "%s"\nb = "%s"\n' % ("x" * 90, "y" * 90),                 # each part is short
    'a = "%s${b}%s"\n' % ("x" * 90, "y" * 90),                     # split by an interpolation
    "a = %s\n" % ("x" * 150),                                       # a long name costs Lark nothing
    "%s\na = 1\n" % ("# " + "x" * 48 + "\n") * 3,                  # line comments neither
])
def test_what_stays_within_the_limits_is_parsed(text: str) -> None:
    check_size(text)


@pytest.mark.usefixtures("small_limits")
def test_an_interpolation_beyond_the_limits_is_unparsed_not_parsed() -> None:
    assert isinstance(parse_expression("[%s1]" % ("1, " * 40)), ast.Unparsed)
    assert not isinstance(parse_expression("[1, 2]"), ast.Unparsed)


def test_ordinary_files_are_far_below_the_limits() -> None:
    for path in sorted(EXAMPLES.rglob("*.tf")):
        check_size(path.read_text(encoding="utf-8"))


def test_a_file_beyond_the_limit_costs_only_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syntax, "MAX_HCL_TOKENS", 200)
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n')
    (root / "big.tf").write_text('locals {\n  a = 1\n  list = [%s1]\n}\n' % ("1, " * 200))
    result = scan(ScanOptions(paths=[str(root)], cwd=root), load_checks())
    found = {(f.check_id, f.file, f.line) for f in result.findings}
    assert (PARSE_ERROR_ID, "big.tf", 3) in found
    assert ("IACG-AWS-001", "main.tf", 2) in found
