"""Property-based fuzzing of every input format, seeded from the real fixtures.

Templates from every check's fixtures (fail/ and pass/) and fixtures/_scenarios/ are
mutated - lines, tokens and characters deleted, duplicated, swapped or
spliced; Unicode text and raw bytes (NUL, invalid UTF-8) inserted; values
nested deeply in the file's own syntax; very long lines added - and scanned
with every built-in check. Whatever the input, the scan must:

* let no exception escape, and leave no check error and no internal error;
* report IACG-000 findings, like every finding, on an existing file and a
  line inside it;
* render a JSON report that parses, and give the same report when the same
  input is scanned again (in-process, and through the CLI with a cold and a
  warm parse cache);
* finish (hang guards elsewhere bound the work; no example is timed here:
  a loaded machine must not fail the suite).

The mutation engine is shared with bench/fuzz.py (the long-running fuzzer):
it draws every choice through a ``Chooser``, which hypothesis or a seeded
``random.Random`` implements. Runs are derandomized (fixed seed, no example
database), so CI sees the same examples every time.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import pytest
from conftest import copy_of
from fixture_paths import check_fixture_dirs
from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st

from iacguard.cli import main as cli_main
from iacguard.discovery import detect_format
from iacguard.engine.checks import load_checks
from iacguard.findings import PARSE_ERROR_ID
from iacguard.report import Report, Summary, writer
from iacguard.scan import ScanOptions, ScanResult, scan

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CHECKS = load_checks()


# -- seeds -------------------------------------------------------------------------

FAMILIES = ("terraform", "terraform-json", "tfvars", "cloudformation-yaml", "cloudformation-json", "arm",
            "tfplan")


@dataclass(frozen=True)
class Seed:
    path: Path                 # the file that is mutated
    family: str
    context: Tuple[Path, ...]  # files copied beside it (a scenario's modules, tfvars, parameters)

    @property
    def label(self) -> str:
        return str(self.path.relative_to(FIXTURES))


def family_of(path: Path, text: str) -> Optional[str]:
    name = path.name.lower()
    if name.endswith(".tf.json"):
        return "terraform-json"
    if name.endswith((".tfvars", ".tfvars.json")):
        return "tfvars"
    fmt = detect_format(path.name, text)
    if fmt == "cloudformation":
        return "cloudformation-json" if text.lstrip("\ufeff \t\n").startswith("{") else "cloudformation-yaml"
    return fmt


def collect_seeds() -> Dict[str, List[Seed]]:
    seeds: Dict[str, List[Seed]] = {f: [] for f in FAMILIES}
    for path in sorted(p for directory in check_fixture_dirs() for p in directory.glob("*/*")):
        if path.parent.name not in ("fail", "pass") or not path.is_file():
            continue
        family = family_of(path, path.read_text(encoding="utf-8", errors="replace"))
        if family:
            seeds[family].append(Seed(path, family, ()))
    for case in sorted(p for p in (FIXTURES / "_scenarios").glob("*/*") if p.is_dir()):
        files = sorted(p for p in case.rglob("*") if p.is_file() and p.name != "scenario.yaml")
        for path in files:
            family = family_of(path, path.read_text(encoding="utf-8", errors="replace"))
            if family:
                seeds[family].append(Seed(path, family, tuple(f for f in files if f != path)))
    return {f: s for f, s in seeds.items() if s}


SEEDS = collect_seeds()


# -- the mutation engine (shared with bench/fuzz.py) ------------------------------------


class Chooser:
    """Where every random choice of a mutation comes from."""

    def integer(self, lo: int, hi: int) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    def choice(self, items: Sequence[Any]) -> Any:
        return items[self.integer(0, len(items) - 1)]

    def unicode(self, max_size: int) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def raw(self, max_size: int) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError


class HypothesisChooser(Chooser):
    def __init__(self, data: Any) -> None:
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))

    def unicode(self, max_size: int) -> str:
        return self.data.draw(st.text(max_size=max_size))

    def raw(self, max_size: int) -> bytes:
        return self.data.draw(st.binary(max_size=max_size))


class RandomChooser(Chooser):
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def unicode(self, max_size: int) -> str:
        out = []
        for _ in range(self.rng.randint(0, max_size)):
            pick = self.rng.random()
            if pick < 0.5:
                cp = self.rng.randint(0x20, 0x7e)
            elif pick < 0.7:
                cp = self.rng.randint(0, 0x1f)
            elif pick < 0.9:
                cp = self.rng.randint(0x80, 0xffff)
            else:
                cp = self.rng.randint(0x10000, 0x10ffff)
            if 0xd800 <= cp <= 0xdfff:  # lone surrogates are not encodable
                cp = 0xfffd
            out.append(chr(cp))
        return "".join(out)

    def raw(self, max_size: int) -> bytes:
        return bytes(self.rng.randint(0, 255) for _ in range(self.rng.randint(0, max_size)))


SPECIAL_TEXT = ["\x00", "\ufeff", "\u2028", "\u2029", "\x85", "\u202e", "\x1b[31m", "\x1b]0;t\x07", "\r", "\r\n",
                "\t", "\x0b", "\x0c", "\ufffd", "\uffff", "\U0010ffff", "\U0001f600", "\uff71", "e\u0301",
                "\u00a0", "\u3000", "<script>", "%0A", "::error::x"]
SPECIAL_BYTES = [b"\x00", b"\xff", b"\xfe\xff", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"\xed\xa0\x80",
                 b"\xf4\x90\x80\x80", b"\x80", b"\xc0\xaf", b"\r", b"\x1a"]

HCL_TOKENS = ["{", "}", "[", "]", "(", ")", "=", '"', "${", "%{", "<<EOT\n", "\nEOT\n", "<<-EOT\n", "#", "//",
              "/*", "*/", "for", "in", ":", "=>", "...", "?", "null", "true", "count.index", "each.key",
              "each.value", "var.x", "local.x", "module.m.x", "data.d.x.y", "self", "[*]", ".*", "\\",
              'dynamic "ingress" {\ncontent {}\n}\n', 'module "m" {\nsource = "./"\n}\n', "count = 3",
              'for_each = toset(["a", "b"])', "try(", "can(", "jsonencode(", 'file("main.tf")', "range(50)",
              '"0.0.0.0/0"', '"public-read"', "1e308", "-1", "0", "\"\"", "%{ for x in [1] }", "%{ endfor }",
              "%{ if true }", "%{ endif }", "~}", "${~", "locals {\n", "variable \"x\" {\n", "\n}\n"]
YAML_TOKENS = ["!Ref ", "!GetAtt ", "!Sub ", "!If [", "!Join [", "!Select [", "!FindInMap [", "!Condition ",
               "!Equals [", "!Not [", "!Base64 ", "!Cidr [", "!Split [", "!ImportValue ", "!Transform ",
               "&a ", "*a", "<<: ", "- ", ": ", "{", "}", "[", "]", "|", ">-", "---", "...", "%YAML 1.1\n",
               "!!binary ", "!!str ", "? ", '"', "'", "#", "Fn::ForEach::", "Condition: ", "DependsOn: ",
               "AWS::CloudFormation::Stack", "TemplateURL: ./", "Transform: AWS::Serverless-2016-10-31",
               "AWS::NoValue", "0.0.0.0/0", "PublicRead", "~", "null", "0x1F", "1e400", ".nan", "\t"]
JSON_TOKENS = ["{", "}", "[", "]", ":", ",", '"', '\\"', "\\\\", "\\u0000", "1e999", "-0", "null", "true",
               "//", "/*", "*/", '"[concat(', "')]", '"[parameters(\'p\')]"', '"[variables(\'v\')]"',
               '"copy": {"name": "c", "count": 50}', '"Ref"', '"Fn::GetAtt"', '"Fn::If"', '"resources": [',
               '"type": "Microsoft.Resources/deployments"', '"templateLink": {"relativePath": "x.json"}',
               '"address"', '"after_unknown"', '"child_modules": [', '"[[literal]"', '"[copyIndex()]"',
               '"[reference(\'x\').y]"', '"[if(true(), 1, 2)]"', '"[json(\'{}\')]"', '"0.0.0.0/0"', "0.1e-7"]

TOKEN_RE = re.compile(rb"[A-Za-z0-9_.\-]+|\s+|.", re.S)


def tokens_for(family: str) -> List[str]:
    if family in ("terraform", "tfvars"):
        return HCL_TOKENS
    if family == "cloudformation-yaml":
        return YAML_TOKENS
    return JSON_TOKENS


def _lines(data: bytes) -> List[bytes]:
    return data.split(b"\n")


def m_delete_lines(data: bytes, family: str, ch: Chooser) -> bytes:
    lines = _lines(data)
    i = ch.integer(0, len(lines) - 1)
    n = ch.integer(1, 3)
    return b"\n".join(lines[:i] + lines[i + n:])


def m_duplicate_lines(data: bytes, family: str, ch: Chooser) -> bytes:
    lines = _lines(data)
    i = ch.integer(0, len(lines) - 1)
    n = ch.integer(1, 4)
    j = ch.integer(0, len(lines))
    return b"\n".join(lines[:j] + lines[i:i + n] + lines[j:])


def m_swap_lines(data: bytes, family: str, ch: Chooser) -> bytes:
    lines = _lines(data)
    i, j = ch.integer(0, len(lines) - 1), ch.integer(0, len(lines) - 1)
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def _tokens(data: bytes) -> List[bytes]:
    return TOKEN_RE.findall(data) or [b""]


def m_delete_token(data: bytes, family: str, ch: Chooser) -> bytes:
    toks = _tokens(data)
    i = ch.integer(0, len(toks) - 1)
    return b"".join(toks[:i] + toks[i + ch.integer(1, 2):])


def m_duplicate_token(data: bytes, family: str, ch: Chooser) -> bytes:
    toks = _tokens(data)
    i = ch.integer(0, len(toks) - 1)
    return b"".join(toks[:i] + [toks[i]] * ch.integer(2, 5) + toks[i + 1:])


def m_swap_tokens(data: bytes, family: str, ch: Chooser) -> bytes:
    toks = _tokens(data)
    i, j = ch.integer(0, len(toks) - 1), ch.integer(0, len(toks) - 1)
    toks[i], toks[j] = toks[j], toks[i]
    return b"".join(toks)


def m_splice_token(data: bytes, family: str, ch: Chooser) -> bytes:
    """Replace a token with another token of the file, or a piece of the syntax."""
    toks = _tokens(data)
    i = ch.integer(0, len(toks) - 1)
    if ch.integer(0, 1):
        new = toks[ch.integer(0, len(toks) - 1)]
    else:
        new = ch.choice(tokens_for(family)).encode("utf-8")
    if ch.integer(0, 1):
        return b"".join(toks[:i] + [new] + toks[i + 1:])
    return b"".join(toks[:i] + [new] + toks[i:])


def m_delete_chars(data: bytes, family: str, ch: Chooser) -> bytes:
    if not data:
        return data
    i = ch.integer(0, len(data) - 1)
    return data[:i] + data[i + ch.integer(1, 8):]


def m_duplicate_chars(data: bytes, family: str, ch: Chooser) -> bytes:
    if not data:
        return data
    i = ch.integer(0, len(data) - 1)
    n = ch.integer(1, 16)
    return data[:i] + data[i:i + n] * ch.integer(2, 4) + data[i + n:]


def m_swap_chars(data: bytes, family: str, ch: Chooser) -> bytes:
    if len(data) < 2:
        return data
    i, j = sorted((ch.integer(0, len(data) - 1), ch.integer(0, len(data) - 1)))
    if i == j:
        return data
    return data[:i] + data[j:j + 1] + data[i + 1:j] + data[i:i + 1] + data[j + 1:]


def m_insert_unicode(data: bytes, family: str, ch: Chooser) -> bytes:
    text = ch.choice(SPECIAL_TEXT) if ch.integer(0, 2) == 0 else ch.unicode(12)
    i = ch.integer(0, len(data))
    return data[:i] + text.encode("utf-8") + data[i:]


def m_insert_bytes(data: bytes, family: str, ch: Chooser) -> bytes:
    raw = ch.choice(SPECIAL_BYTES) if ch.integer(0, 2) == 0 else ch.raw(8)
    i = ch.integer(0, len(data))
    return data[:i] + raw + data[i:]


def nested_value(family: str, kind: str, depth: int) -> str:
    if family in ("terraform", "tfvars"):
        if kind == "list":
            return "[" * depth + "1" + "]" * depth
        if kind == "object":
            return "{ a = " * depth + "1" + " }" * depth
        if kind == "call":
            return "abs(" * depth + "1" + ")" * depth
        return "(" * depth + "1" + ")" * depth
    if kind == "object":
        return '{"a": ' * depth + "1" + "}" * depth
    return "[" * depth + "1" + "]" * depth


def deep_insertion(data: bytes, family: str, ch: Chooser, depth: int) -> bytes:
    """Insert a deeply nested value where the syntax allows a new member."""
    lines = _lines(data)
    kinds = ["list", "object", "call", "paren"] if family in ("terraform", "tfvars") else ["list", "object"]
    value = nested_value(family, ch.choice(kinds), depth)
    if family in ("terraform", "tfvars"):
        i = ch.integer(0, len(lines))
        return b"\n".join(lines[:i] + [f"iacguard_deep = {value}".encode()] + lines[i:])
    if family == "cloudformation-yaml":
        keyed = [i for i, line in enumerate(lines) if re.match(rb"^\s*[A-Za-z0-9_:\-]+:", line)] or [0]
        i = ch.choice(keyed)
        indent = re.match(rb"^\s*", lines[i]).group(0) if lines else b""
        return b"\n".join(lines[:i] + [indent + f"IacguardDeep: {value}".encode()] + lines[i:])
    openers = [i for i, line in enumerate(lines) if line.rstrip().endswith(b"{")] or [0]
    i = ch.choice(openers)
    return b"\n".join(lines[:i + 1] + [f'"iacguard_deep": {value},'.encode()] + lines[i + 1:])


def m_deep_nesting(data: bytes, family: str, ch: Chooser) -> bytes:
    return deep_insertion(data, family, ch, ch.choice([10, 30, 60]))


def long_line(data: bytes, family: str, ch: Chooser, size: int) -> bytes:
    lines = _lines(data)
    kind = ch.integer(0, 2)
    if family in ("terraform", "tfvars"):
        line = ['# ' + "a" * size, 'iacguard_long = "%s"' % ("a" * size),
                "iacguard_long = [%s1]" % ("1," * (size // 2))][kind]
    elif family == "cloudformation-yaml":
        line = ["# " + "a" * size, "IacguardLong: " + "a" * size, "IacguardLong: [%sb]" % ("a," * (size // 2))][kind]
    else:
        line = ['"iacguard_long": "%s",' % ("a" * size), '"iacguard_long": [%s1],' % ("1," * (size // 2)),
                '"iacguard_long": "%s",' % ("\\u00e9" * (size // 6))][kind]
    openers = [i + 1 for i, text in enumerate(lines) if text.rstrip().endswith(b"{")] if family not in (
        "terraform", "tfvars", "cloudformation-yaml") else list(range(len(lines) + 1))
    i = ch.choice(openers or [0])
    if family == "cloudformation-yaml" and kind and i < len(lines):
        indent = re.match(rb"^\s*", lines[i]).group(0)
        line = indent.decode() + line
    return b"\n".join(lines[:i] + [line.encode("utf-8")] + lines[i:])


def m_long_line(data: bytes, family: str, ch: Chooser) -> bytes:
    return long_line(data, family, ch, ch.choice([1000, 20000, 100000]))


STRUCTURAL: List[Callable[[bytes, str, Chooser], bytes]] = [
    m_delete_lines, m_duplicate_lines, m_swap_lines, m_delete_token, m_duplicate_token, m_swap_tokens,
    m_splice_token, m_delete_chars, m_duplicate_chars, m_swap_chars]
ENCODING: List[Callable[[bytes, str, Chooser], bytes]] = [m_insert_unicode, m_insert_bytes]
ALL_MUTATORS = STRUCTURAL + ENCODING + [m_deep_nesting, m_long_line]


def mutate(data: bytes, family: str, ch: Chooser, mutators: Sequence[Callable[[bytes, str, Chooser], bytes]],
           steps: int) -> bytes:
    for _ in range(steps):
        data = ch.choice(mutators)(data, family, ch)
    return data


# -- running one input ---------------------------------------------------------------


def materialise(seed: Seed, data: bytes, directory: Path) -> Path:
    """A repository holding the seed's context and the mutated file; returns its root."""
    root = directory / "repo"
    (root / ".git").mkdir(parents=True)
    base = seed.path.parent
    if seed.context:
        base = Path(os.path.commonpath([str(seed.path.parent)] + [str(p.parent) for p in seed.context]))
        for other in seed.context:
            target = root / other.relative_to(base)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(other, target)
    target = root / seed.path.relative_to(base)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return root


def report_json(result: ScanResult) -> str:
    report = Report(
        findings=result.findings, passed=result.passed, checks=CHECKS.checks,
        summary=Summary(files=len(result.files), resources=len(result.resources), checks_run=result.checks_run,
                        skipped_files=result.skipped_files, parse_errors=len(result.parse_errors),
                        check_errors=len(result.check_errors)))
    return writer("json")(report)


def _line_count(path: Path) -> int:
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    # Generous: every character any parser might take for a line break counts.
    return max(len(text.splitlines()), data.count(b"\n"), data.count(b"\r"),
               len(data.decode("utf-16", errors="replace").splitlines()) if data[:2] in (b"\xff\xfe", b"\xfe\xff")
               else 0) + 1


def check_result(result: ScanResult, root: Path) -> str:
    """The invariants of one scan; returns its JSON report."""
    assert result.check_errors == [], [(e.check_id, e.resource, e.message) for e in result.check_errors]
    internal = list(getattr(result, "internal_errors", []) or [])
    assert internal == [], internal[0][-2000:] if internal else ""
    for finding in result.findings:
        path = root / finding.file
        assert path.exists() or path.is_symlink(), f"finding on a file that does not exist: {finding.file!r}"
        assert 1 <= finding.line <= _line_count(path), (finding.check_id, finding.file, finding.line,
                                                        finding.message["en"][:200])
        assert finding.end_line >= finding.line
        if finding.check_id == PARSE_ERROR_ID:
            assert finding.message["en"].strip()
            assert "internal error" not in finding.message["en"], finding.message["en"]
    text = report_json(result)
    json.loads(text)
    return text


def scan_twice(root: Path) -> str:
    options = ScanOptions(paths=[str(root)], cwd=root)
    first = check_result(scan(options, CHECKS), root)
    second = check_result(scan(options, CHECKS), root)
    assert first == second, "the same input gave two different reports"
    return first


# Known bugs, each with its own xfail(strict=True) test and reproducer under
# fixtures/_hostile/: an example that trips one is set aside (hypothesis'
# reject()), so the properties keep looking for new failures. Every bug found
# so far is fixed, so any crash now fails the property.
KNOWN_BUGS: List[Tuple[str, "re.Pattern[str]"]] = []


def known_bug(text: str) -> Optional[str]:
    for name, pattern in KNOWN_BUGS:
        if pattern.search(text):
            return name
    return None


def run_example_or_reject(seed: Seed, data: bytes) -> str:
    try:
        return run_example(seed, data)
    except Exception as exc:  # noqa: BLE001 - classified, then re-raised
        name = known_bug("".join(traceback.format_exception(exc)))
        if name:
            event(f"known bug: {name}")
            reject()
        raise


def run_example(seed: Seed, data: bytes) -> str:
    with tempfile.TemporaryDirectory(prefix="iacguard-fuzz-") as tmp:
        root = materialise(seed, data, Path(tmp))
        return scan_twice(root)


FUZZ = dict(derandomize=True, database=None, deadline=None, print_blob=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                   HealthCheck.filter_too_much, HealthCheck.large_base_example])


def _seed_for(data: Any, family: str) -> Seed:
    return data.draw(st.sampled_from(SEEDS[family]), label="seed")


FUZZED_FAMILIES = sorted(SEEDS)


@pytest.mark.parametrize("family", FUZZED_FAMILIES)
@settings(max_examples=60, **FUZZ)
@given(data=st.data())
def test_structural_mutations(family: str, data: Any) -> None:
    seed = _seed_for(data, family)
    ch = HypothesisChooser(data)
    mutated = mutate(seed.path.read_bytes(), family, ch, STRUCTURAL, ch.integer(1, 4))
    run_example_or_reject(seed, mutated)


@pytest.mark.parametrize("family", FUZZED_FAMILIES)
@settings(max_examples=40, **FUZZ)
@given(data=st.data())
def test_unicode_and_byte_insertions(family: str, data: Any) -> None:
    seed = _seed_for(data, family)
    ch = HypothesisChooser(data)
    mutated = mutate(seed.path.read_bytes(), family, ch, ENCODING + STRUCTURAL[:3], ch.integer(1, 3))
    run_example_or_reject(seed, mutated)


@pytest.mark.parametrize("family", FUZZED_FAMILIES)
@settings(max_examples=6, **FUZZ)
@given(data=st.data())
def test_deep_nesting_200_levels(family: str, data: Any) -> None:
    seed = _seed_for(data, family)
    ch = HypothesisChooser(data)
    run_example_or_reject(seed, deep_insertion(seed.path.read_bytes(), family, ch, 200))


@pytest.mark.parametrize("family", FUZZED_FAMILIES)
@settings(max_examples=4, **FUZZ)
@given(data=st.data())
def test_long_lines(family: str, data: Any) -> None:
    seed = _seed_for(data, family)
    ch = HypothesisChooser(data)
    run_example_or_reject(seed, long_line(seed.path.read_bytes(), family, ch, ch.choice([10000, 200000])))


# -- the CLI, for a subset --------------------------------------------------------------


def run_cli(args: List[str]) -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_main(args)
        except SystemExit as exc:  # pragma: no cover - main() returns, it should not exit
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


SARIF_SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@settings(max_examples=25, **FUZZ)
@given(data=st.data())
def test_cli_json_and_sarif(data: Any, installation_cache: Path) -> None:
    import jsonschema

    family = data.draw(st.sampled_from(FUZZED_FAMILIES), label="family")
    seed = _seed_for(data, family)
    ch = HypothesisChooser(data)
    mutated = mutate(seed.path.read_bytes(), family, ch, ALL_MUTATORS[:-1], ch.integer(1, 3))
    with tempfile.TemporaryDirectory(prefix="iacguard-fuzz-cli-") as tmp:
        root = materialise(seed, mutated, Path(tmp))
        # A cache without this tree's files: cold for the parse cache, and
        # the parse tables are not rebuilt for every example.
        cache = copy_of(installation_cache, Path(tmp) / "cache")
        outputs = []
        old = os.environ.get("XDG_CACHE_HOME")
        os.environ["XDG_CACHE_HOME"] = str(cache)
        try:
            for run in ("cold-cache", "warm-cache", "no-cache"):
                out_json, out_sarif = Path(tmp) / f"{run}.json", Path(tmp) / f"{run}.sarif"
                # Every unsuppressed finding fails the run at LOW, whatever the default.
                args = ["scan", str(root), "--format", "json", "--output", str(out_json),
                        "--format", "sarif", "--output", str(out_sarif), "--severity-threshold", "LOW"]
                if run == "no-cache":
                    args.append("--no-cache")
                try:
                    code, stdout, stderr = run_cli(args)
                except Exception as exc:  # noqa: BLE001
                    if known_bug("".join(traceback.format_exception(exc))):
                        reject()
                    raise
                if known_bug(stderr):
                    reject()
                assert code in (0, 1), (code, stderr[-2000:])
                assert "Traceback" not in stderr, stderr[-3000:]
                report = json.loads(out_json.read_text(encoding="utf-8"))
                sarif = json.loads(out_sarif.read_text(encoding="utf-8"))
                if not outputs:  # the other runs must equal this one (below)
                    jsonschema.validate(sarif, SARIF_SCHEMA)
                assert (code == 1) == any(not f["suppressed"] for f in report["findings"]), (code, report["summary"])
                outputs.append((code, report, sarif))
        finally:
            if old is None:
                os.environ.pop("XDG_CACHE_HOME", None)
            else:
                os.environ["XDG_CACHE_HOME"] = old
        assert outputs[0] == outputs[1] == outputs[2], "the parse cache changed the result"


# -- determinism across processes -------------------------------------------------------


def test_reports_do_not_depend_on_hash_seed(tmp_path: Path) -> None:
    """Set and dict iteration order must not leak into the output."""
    paths = [str(p) for p in [*check_fixture_dirs(), FIXTURES / "_scenarios"]][::3]
    paths.append(str(ROOT / "examples"))
    outputs = []
    for hash_seed in ("1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, XDG_CACHE_HOME=str(tmp_path / f"cache{hash_seed}"))
        proc = subprocess.run([sys.executable, "-m", "iacguard", "scan", *paths, "--format", "json", "--no-cache"],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
        outputs.append(proc.stdout)
    assert json.loads(outputs[0])["findings"], "the sample produces findings"
    assert outputs[0] == outputs[1]
