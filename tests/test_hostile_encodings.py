"""Encodings and line endings: the same template, saved differently, gives the
same findings on the same lines; what cannot be decoded is a clear IACG-000
on the right line, never a crash and never a silently skipped template.

The samples are real failing fixtures (every format), copied with their
directory (modules, parameter files) and re-encoded one file at a time.
"""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pytest
from fixture_paths import check_fixture_dirs, check_fixtures

from iacguard.discovery import detect_format
from iacguard.engine.checks import load_checks
from iacguard.findings import PARSE_ERROR_ID
from iacguard.scan import ScanOptions, ScanResult, scan

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
HOSTILE = FIXTURES / "_hostile"
CHECKS = load_checks()


def _samples(per_format: int = 4) -> List[Path]:
    """A few failing fixture files of every format, spread over the checks."""
    by_format: Dict[str, List[Path]] = {}
    failing = sorted(p for directory in check_fixture_dirs() for p in directory.glob("fail/*"))
    for path in failing + sorted(FIXTURES.glob("_scenarios/*/*/*")):
        if not path.is_file() or path.name in ("expected.yaml", "scenario.yaml", "settings.yaml"):
            continue
        try:
            fmt = detect_format(path.name, path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            continue
        if fmt:
            key = f"{fmt}-{path.suffix}"
            by_format.setdefault(key, []).append(path)
    chosen: List[Path] = []
    for key in sorted(by_format):
        paths = by_format[key]
        step = max(len(paths) // per_format, 1)
        chosen.extend(paths[::step][:per_format])
    return chosen


SAMPLES = _samples()

ENCODINGS: Dict[str, Callable[[str], bytes]] = {
    "crlf": lambda t: t.replace("\n", "\r\n").encode("utf-8"),
    "cr": lambda t: t.replace("\n", "\r").encode("utf-8"),
    "mixed-endings": lambda t: "".join(line + ("\r\n", "\n", "\r")[i % 3]
                                       for i, line in enumerate(t.split("\n")[:-1])).encode("utf-8")
    + t.split("\n")[-1].encode("utf-8"),
    "utf8-bom": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf8-bom-crlf": lambda t: codecs.BOM_UTF8 + t.replace("\n", "\r\n").encode("utf-8"),
    "utf16-le": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf16-be": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf16-le-crlf": lambda t: codecs.BOM_UTF16_LE + t.replace("\n", "\r\n").encode("utf-16-le"),
}


def _copy_case(sample: Path, tmp_path: Path) -> Tuple[Path, Path]:
    root = tmp_path / "repo"
    shutil.copytree(sample.parent, root)
    (root / ".git").mkdir(exist_ok=True)
    return root, root / sample.name


def _findings(result: ScanResult, file: str) -> List[Tuple[str, int, str, str]]:
    return sorted((f.check_id, f.line, f.resource, f.attribute) for f in result.findings if f.file == file)


def _scan(root: Path) -> ScanResult:
    return scan(ScanOptions(paths=[str(root)], cwd=root), CHECKS)


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_same_findings_on_the_same_lines(sample: Path, encoding: str, tmp_path: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    root, target = _copy_case(sample, tmp_path)
    expected = _findings(_scan(root), target.name)
    assert expected, "a failing fixture reports something"
    target.write_bytes(ENCODINGS[encoding](text))
    result = _scan(root)
    assert result.check_errors == []
    assert _findings(result, target.name) == expected


# -- what cannot be decoded ------------------------------------------------------------


def _with_bad_byte(sample: Path, line: int, bad: bytes) -> bytes:
    lines = sample.read_bytes().split(b"\n")
    lines[line - 1] = lines[line - 1] + b" # " + bad if sample.suffix in (".tf", ".yaml") else lines[line - 1] + bad
    return b"\n".join(lines)


@pytest.mark.parametrize("bad", [b"\xff", b"\xe9", b"\xc3", b"\xed\xa0\x80", b"\x80\x80"],
                         ids=["ff", "latin1-e9", "truncated", "encoded-surrogate", "continuation"])
def test_non_utf8_terraform_is_iacg000_on_its_line(tmp_path: Path, bad: bytes) -> None:
    sample = check_fixtures("IACG-AWS-004/fail/main.tf")
    root, target = _copy_case(sample, tmp_path)
    target.write_bytes(_with_bad_byte(sample, 5, bad))
    result = _scan(root)
    errors = [(f.file, f.line) for f in result.findings if f.check_id == PARSE_ERROR_ID]
    assert errors == [("main.tf", 5)], [(f.check_id, f.file, f.line, f.message["en"]) for f in result.findings]


@pytest.mark.parametrize("name", ["template.yaml", "template.json", "azuredeploy.json"])
def test_non_utf8_template_given_explicitly_is_iacg000_on_its_line(tmp_path: Path, name: str) -> None:
    sample = next(p for p in SAMPLES if p.name == name)
    root, target = _copy_case(sample, tmp_path)
    target.write_bytes(_with_bad_byte(sample, 3, b"\xe9"))
    result = scan(ScanOptions(paths=[str(target)], cwd=root), CHECKS)
    errors = [(f.file, f.line) for f in result.findings if f.check_id == PARSE_ERROR_ID]
    assert errors == [(name, 3)]


@pytest.mark.parametrize("name", ["template.yaml", "template.json", "azuredeploy.json"])
def test_non_utf8_template_in_a_directory_is_reported(tmp_path: Path, name: str) -> None:
    sample = next(p for p in SAMPLES if p.name == name)
    root, target = _copy_case(sample, tmp_path)
    target.write_bytes(_with_bad_byte(sample, 3, b"\xe9"))
    result = _scan(root)
    errors = [(f.file, f.line) for f in result.findings if f.check_id == PARSE_ERROR_ID]
    assert errors == [(name, 3)]


def test_shift_jis_cloudformation_in_a_directory(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(HOSTILE / "cfn-shift-jis", root)
    (root / ".git").mkdir()
    ids = {f.check_id for f in _scan(root).findings}
    assert ids & {PARSE_ERROR_ID, "IACG-AWS-004"}


@pytest.mark.parametrize("data", [
    b"\x00" * 64, b'resource "a" "b" {\x00}\n', codecs.BOM_UTF32_LE + 'x = 1\n'.encode("utf-32-le"),
    'x = 1\n'.encode("utf-16-le"), codecs.BOM_UTF16_LE + b"\x00\xd8", codecs.BOM_UTF16_LE + b"x",
    codecs.BOM_UTF8 + codecs.BOM_UTF8 + b"x = 1\n", b"\xef\xbb", b"",
], ids=["nuls", "nul-inside", "utf32-bom", "utf16-no-bom", "utf16-lone-surrogate", "utf16-odd-length",
        "double-bom", "truncated-bom", "empty"])
def test_undecodable_terraform_is_a_clean_iacg000(tmp_path: Path, data: bytes) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "main.tf").write_bytes(data)
    (root / "ok.tf").write_text('resource "aws_s3_bucket" "ok" {\n  acl = "public-read"\n}\n')
    result = _scan(root)
    assert result.check_errors == [] and not getattr(result, "internal_errors", [])
    assert all(f.line >= 1 for f in result.findings)
    assert all("internal error" not in f.message["en"] for f in result.findings)


# -- line separators other than LF ---------------------------------------------------


@pytest.mark.parametrize("name", ["template.yaml", "template.json"])
def test_unicode_line_separators_inside_strings_do_not_shift_lines(tmp_path: Path, name: str) -> None:
    source = HOSTILE / "yaml-line-separator" / name
    text = source.read_text(encoding="utf-8")
    plain = text.replace("\u2028", " ").replace("\u0085", " ")
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / name).write_text(plain, encoding="utf-8")
    expected = _findings(_scan(root), name)
    assert expected
    (root / name).write_text(text, encoding="utf-8")
    assert _findings(_scan(root), name) == expected


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085", "\x0c", "\x0b", "\x1c"])
def test_unicode_line_separators_in_terraform_and_arm_do_not_shift_lines(tmp_path: Path, separator: str) -> None:
    for sample, insert in ((check_fixtures("IACG-AWS-004/fail/main.tf"), "# a {} b\n"),
                           (check_fixtures("IACG-AZURE-001/fail/azuredeploy.json"), None)):
        root, target = _copy_case(sample, tmp_path / sample.suffix[1:])
        text = sample.read_text(encoding="utf-8")
        if insert:
            plain, odd = insert.format(" ") + text, insert.format(separator) + text
        else:
            plain = text.replace('"contentVersion"', '"x": "a b",\n  "contentVersion"', 1)
            odd = text.replace('"contentVersion"', f'"x": "a{separator}b",\n  "contentVersion"', 1)
        target.write_text(plain, encoding="utf-8")
        expected = _findings(_scan(root), target.name)
        target.write_text(odd, encoding="utf-8")
        assert _findings(_scan(root), target.name) == expected, (sample.name, repr(separator))


def test_yaml_control_character_is_reported_on_its_line(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(HOSTILE / "yaml-control-char", root)
    (root / ".git").mkdir()
    errors = [(f.file, f.line) for f in _scan(root).findings if f.check_id == PARSE_ERROR_ID]
    assert errors == [("template.yaml", 5)]


# -- Windows-style paths ----------------------------------------------------------------

MODULE = ('variable "cidr" {\n  default = "0.0.0.0/0"\n}\n\nresource "aws_security_group" "ssh" {\n'
          '  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = "tcp"\n'
          '    cidr_blocks = [var.cidr]\n  }\n}\n')


@pytest.mark.parametrize("source", ["./modules/ssh", ".\\\\modules\\\\ssh", ".\\\\modules/ssh",
                                    ".\\\\modules\\\\ssh\\\\"])
def test_backslash_module_source_is_loaded(tmp_path: Path, source: str) -> None:
    root = tmp_path / "repo"
    (root / "modules" / "ssh").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "modules" / "ssh" / "main.tf").write_text(MODULE)
    (root / "main.tf").write_text('module "ssh" {\n  source = "%s"\n  cidr   = "0.0.0.0/0"\n}\n' % source)
    result = _scan(root)
    found = [(f.check_id, f.file, f.line, f.resource) for f in result.findings if f.check_id == "IACG-AWS-004"]
    assert ("IACG-AWS-004", "modules/ssh/main.tf", 10, "module.ssh.aws_security_group.ssh") in found, found


def test_backslash_module_source_is_not_also_a_root(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(HOSTILE / "tf-backslash-module-source", root)
    (root / ".git").mkdir()
    result = _scan(root)
    assert [f for f in result.findings if f.check_id == "IACG-AWS-004"] == []
    assert [r.address for r in result.resources] == ["module.ssh.aws_security_group.ssh"]
