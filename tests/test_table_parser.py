"""The table driver builds exactly the tree Lark builds from python-hcl2's grammar."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, List

import pytest
from lark import Token, Tree

from iacguard.parsers.terraform import syntax

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def _shape(node: Any) -> Any:
    """A tree with every token's type, text and position spelled out (Lark's
    own equality compares tokens as strings only)."""
    if isinstance(node, Tree):
        return (node.data, [_shape(child) for child in node.children])
    if isinstance(node, Token):
        return (node.type, str(node), node.start_pos, node.end_pos, node.line, node.column,
                node.end_line, node.end_column)
    return node


def _assert_same_tree(text: str) -> None:
    driver = syntax.table_parser()
    assert driver is not None, "the installed Lark no longer fits the table driver"
    expected = syntax.parser().parse(text)
    assert _shape(driver.parse(text)) == _shape(expected)


TRICKY = [
    "",
    "# only a comment\n",
    'a = 1\nb = -2\nc = !true\n',
    'x = a\n  == b\n',  # a newline before an operator continues the expression
    'x = a # why\n  + b\n',
    'x = a /* c */ ? b :\n  c\n',
    'x = (\n  1 +\n  2\n)\n',
    'for = 1\nin = 2\nif = 3\nx = {for k, v in var.m : k => v if v != null}\ny = [for v in var.l : v if v]\n',
    'x = {for s in var.l : s => upper(s)...}\n',
    'x = "a ${var.b} %{ if c }d%{ else }e%{ endif } $${literal}"\n',
    'x = <<EOT\nline ${var.a}\n  %{for i in l}${i}%{endfor}\nEOT\ny = <<-EOT\n    indented\n    EOT\n',
    'resource "aws_s3_bucket" "b" {\r\n  bucket = "x"\r\n  tags = { a = 1, "b" = 2 }\r\n}\r\n',
    'module "m" {\n  source = "./m"\n  list = [1, 2.5e3, null, true, var.x[0].y[*].z, local.a.*.b]\n}\n',
    'x = f(a, b...)\ny = provider::aws::arn_parse("x")\n',
    'dynamic "d" {\n  for_each = var.l\n  content { v = d.value }\n}\n',
    'x = "ünïcødé ✓ \\u00e9 \\"q\\""\n',
    'x = 1 // trailing\n/* block\ncomment */\ny = 2\n',
]


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_tricky_texts_give_the_same_tree(text: str) -> None:
    _assert_same_tree(text + "\n")


def _tf_files(base: Path) -> List[Path]:
    return sorted(p for p in base.rglob("*.tf") if p.is_file())


def test_every_fixture_gives_the_same_tree() -> None:
    files = _tf_files(ROOT / "fixtures")
    assert len(files) > 100
    compared = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace") + "\n"
        try:
            syntax.parser().parse(text)
        except Exception:
            continue  # a broken-file fixture: see the error test below
        _assert_same_tree(text)
        compared += 1
    assert compared > 100


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside this checkout")
def test_every_corpus_file_gives_the_same_tree() -> None:
    files = _tf_files(CORPUS)
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace") + "\n"
        try:
            syntax.parser().parse(text)
        except Exception:
            continue
        _assert_same_tree(text)


_PIECES = ["\n", " ", '"', "{", "}", "(", ")", "[", "]", "${", "%{", "#", "//", "/*", "*/", "<<EOT\n",
           "\nEOT\n", "?", ":", "=>", "...", "==", "+", "-", "!", ",", ".", "*", "for ", " in ", "if ",
           "\\", "=", "\r\n", "\t", "é"]


def _mutated(text: str, rnd: random.Random) -> str:
    for _ in range(rnd.randint(1, 4)):
        i = rnd.randrange(len(text) + 1)
        roll = rnd.random()
        if roll < 0.4:
            text = text[:i] + rnd.choice(_PIECES) + text[i:]
        elif roll < 0.7:
            text = text[:i] + text[i + rnd.randint(1, 20):]
        else:
            j = rnd.randrange(len(text) + 1)
            text = text[:i] + text[j:j + rnd.randint(1, 40)] + text[i:]
    return text + "\n"


def _outcome(parse, text: str) -> Any:
    try:
        return _shape(parse(text))
    except Exception:
        return "fails"


def test_broken_variants_of_the_fixtures_agree_with_lark() -> None:
    """Mutated files either fail in both or give the same tree: the driver
    never accepts what Lark refuses, nor reads it otherwise."""
    rnd = random.Random(8)
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in _tf_files(ROOT / "fixtures")]
    texts = [t for t in texts if len(t) < 5000]
    driver, lark = syntax.table_parser(), syntax.parser()
    outcomes = {"fails": 0, "parses": 0}
    for _ in range(400):
        text = _mutated(rnd.choice(texts), rnd)
        expected = _outcome(lark.parse, text)
        assert _outcome(driver.parse, text) == expected, text
        outcomes["fails" if expected == "fails" else "parses"] += 1
    assert min(outcomes.values()) > 50  # both kinds were met


@pytest.mark.parametrize("text", [
    'resource "a" "b" {\n  x = \n}\n',
    'x = "unterminated\n',
    'x = 1 +\n',
    'a = 1\nb = (2\n',
    'x = @\n',
])
def test_errors_are_lark_s_own(text: str, monkeypatch) -> None:
    with pytest.raises(syntax.HCLSyntaxError) as fast:
        syntax.parse_hcl(text)
    monkeypatch.setattr(syntax, "table_parser", lambda: None)
    with pytest.raises(syntax.HCLSyntaxError) as plain:
        syntax.parse_hcl(text)
    assert (str(fast.value), fast.value.line) == (str(plain.value), plain.value.line)
