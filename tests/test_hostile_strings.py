"""Hostile strings in templates reach every output format escaped.

fixtures/_hostile/output-escaping/ holds templates whose resource names,
values, tags, comments, suppression reasons and one parse error carry HTML,
terminal escape sequences (CSI, OSC title and hyperlink, 8-bit CSI), characters
XML forbids, raw newlines and carriage returns, Unicode line separators and
GitHub workflow-command syntax; every file also triggers real findings. Each
output format the CLI offers (as ``iacguard scan --help`` lists them) is
rendered and checked for what matters in that format. File names are hostile
too (made at run time: they are awkward to keep in git).
"""

from __future__ import annotations

import ast
import contextlib
import html.parser
import io
import json
import re
import runpy
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import jsonschema
import pytest
from test_report_support import output_text

from iacguard.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "fixtures" / "_hostile"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
SARIF_SCHEMA = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

# The string the fixture carries (evil.txt holds its repr, for reading).
EVIL = ast.literal_eval((HOSTILE / "output-escaping" / "evil.txt").read_text(encoding="utf-8").split("\n", 1)[1])

TERMINAL_CONTROLS = ("\x1b", "\x07", "\x9b", "\x9d", "\x08", "\x00", "\r")
GITHUB_COMMANDS = {"error", "warning", "notice"}
GITHUB_PROPERTIES = {"file", "line", "endLine", "col", "endColumn", "title"}


def output_formats() -> List[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        cli_main(["scan", "--help"])
    match = re.search(r"--format \{([a-z,]+)\}", out.getvalue())
    assert match, out.getvalue()
    return match.group(1).split(",")


FORMATS = output_formats()


def run_cli(paths: List[Path], tmp_path: Path, fmt: str, extra: Tuple[str, ...] = ()) -> Tuple[int, str, str, str]:
    """(exit code, output file text, stdout, stderr) of one CLI run."""
    target = tmp_path / f"report.{fmt}"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(["scan", *[str(p) for p in paths], "--format", fmt, "--output", str(target), *extra])
    text = output_text(target) if target.exists() else ""
    return code, text, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def evil_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("evil") / "repo"
    shutil.copytree(HOSTILE / "output-escaping", root)
    (root / ".git").mkdir()
    return root


@pytest.fixture(scope="module")
def evil_json(evil_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    code, text, _, err = run_cli([evil_tree], tmp_path_factory.mktemp("json"), "json",
                                 ("--allowed-regions", "japaneast"))
    assert code == 1, err
    return json.loads(text)


# -- per-format checks ---------------------------------------------------------


def check_json(text: str, expect: Dict[str, object]) -> None:
    doc = json.loads(text)
    assert doc["schema_version"] == 1
    resources = {f["resource"] for f in doc["findings"]}
    for resource in expect.get("resources", ()):
        assert resource in resources, sorted(resources)
    files = {f["file"] for f in doc["findings"]}
    for file in expect.get("files", ()):
        assert file in files, sorted(files)


def check_sarif(text: str, expect: Dict[str, object]) -> None:
    doc = json.loads(text)
    jsonschema.validate(doc, SARIF_SCHEMA)
    for run in doc["runs"]:
        for result in run.get("results", []):
            assert result["message"]["text"]
            for location in result.get("locations", []):
                uri = location["physicalLocation"]["artifactLocation"]["uri"]
                assert not re.search(r"[\x00-\x20\x7f<>\"{}|\\^`]", uri), f"URI not percent-encoded: {uri!r}"


def check_text(text: str, expect: Dict[str, object]) -> None:
    for control in TERMINAL_CONTROLS:
        assert control not in text, f"text output holds {control!r}"


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: List[Tuple[str, Dict[str, Optional[str]]]] = []
        self.script_text: List[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text.append(data)


def check_html(text: str, expect: Dict[str, object]) -> None:
    assert "<script>alert(" not in text and "<img src=x" not in text and "<svg" not in text
    parser = _Tags()
    parser.feed(text)
    parser.close()
    assert not any(tag == "img" and "onerror" in attrs for tag, attrs in parser.tags)
    assert not any("alert(" in s for s in parser.script_text), "template text inside a <script> element"
    assert not any(any(k.startswith("on") for k in attrs) for tag, attrs in parser.tags if tag != "body"), \
        "an event-handler attribute came from template text"
    assert "\x1b" not in text and "\x00" not in text


def check_junit(text: str, expect: Dict[str, object]) -> None:
    tree = ET.fromstring(text.encode("utf-8"))
    assert tree.tag in ("testsuites", "testsuite")
    xsd = SCHEMAS / "junit-jenkins.xsd"
    if xsd.exists():
        import xmlschema

        xmlschema.XMLSchema(str(xsd)).validate(text)


def _outside_code_spans(line: str) -> str:
    line = line.replace("\\`", "")
    return re.sub(r"(`+)(.+?)\1", "", line)


def check_markdown(text: str, expect: Dict[str, object]) -> None:
    lines = text.split("\n")
    for line in lines:
        plain = _outside_code_spans(line)
        assert not re.search(r"(?<!\\)<(script|img|svg|iframe)", plain, re.I), line
        assert not line.startswith("::"), line
        assert not re.search(r"(?<!\\)\[[^\]]*\]\(javascript:", plain), line
    # Table rows keep their column count: a pipe or newline in a value is escaped.
    table: List[int] = []
    for line in lines + [""]:
        if line.startswith("|"):
            table.append(len(re.findall(r"(?<!\\)\|", _outside_code_spans(line))))
        else:
            assert len(set(table)) <= 1, f"a table row has a different number of cells: {table}"
            table = []
    assert "\x1b" not in text and "\x00" not in text


_GH_ESCAPE = re.compile(r"%(?:25|0D|0A|3A|2C)")


def check_github(text: str, expect: Dict[str, object]) -> None:
    annotations = 0
    for line in text.split("\n"):
        assert "\r" not in line, f"raw CR in {line!r}"
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\x9b]", line), f"control character in {line!r}"
        if not line.startswith("::"):
            continue
        match = re.match(r"::([a-z-]+)(?: ([^:]*))?::(.*)\Z", line, re.S)
        assert match, f"not one workflow command: {line!r}"
        command, props, data = match.groups()
        assert command in GITHUB_COMMANDS, f"injected command {command!r}: {line!r}"
        annotations += 1
        for prop in (props or "").split(","):
            key, _, value = prop.partition("=")
            assert key in GITHUB_PROPERTIES, f"property {key!r} in {line!r}"
            assert ":" not in value and "," not in value, value
            assert "%" not in _GH_ESCAPE.sub("", value), f"unescaped % in property {value!r}"
        assert "%" not in _GH_ESCAPE.sub("", data), f"unescaped % in message {data!r}"
    if "annotations" in expect:
        assert annotations == expect["annotations"], (annotations, expect["annotations"])


def check_xlsx(text: str, expect: Dict[str, object]) -> None:
    """The workbook's cells (read by output_text, which refuses formulas): no
    control character, and hostile file names still there to see."""
    check_generic(text, expect)
    assert not any(ch in text for ch in "\x00\x0b\x0c\ufffe")
    for name in expect.get("files", []):  # type: ignore[union-attr]
        assert re.split(r"[\x00-\x1f/]", str(name))[-1][:4] in text, name


CHECKERS: Dict[str, Callable[[str, Dict[str, object]], None]] = {
    "json": check_json, "sarif": check_sarif, "text": check_text, "html": check_html,
    "junit": check_junit, "markdown": check_markdown, "github": check_github, "xlsx": check_xlsx,
}


def check_generic(text: str, expect: Dict[str, object]) -> None:
    """A format added after these tests: at least no terminal control sequence."""
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in text


# -- the fixture through every format --------------------------------------------


def test_the_fixture_triggers_findings_that_carry_the_strings(evil_json: dict) -> None:
    resources = {f["resource"] for f in evil_json["findings"]}
    assert "Microsoft.Storage/storageAccounts/" + EVIL in resources, "ARM name round-trips through JSON"
    assert "Evil" + EVIL in resources, "CloudFormation logical id round-trips through JSON"
    assert any(EVIL in f["message"] for f in evil_json["findings"]), "a message carries a template value"
    assert any(f["suppressed"] for f in evil_json["findings"])
    assert any(f["check_id"] == "IACG-000" and "<script>" in f["message"] for f in evil_json["findings"])
    checks = {f["check_id"] for f in evil_json["findings"]}
    assert {"IACG-AWS-001", "IACG-AZURE-001"} <= checks


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_format_escapes_hostile_strings(fmt: str, evil_tree: Path, evil_json: dict,
                                               tmp_path: Path) -> None:
    code, text, stdout, stderr = run_cli([evil_tree], tmp_path, fmt, ("--allowed-regions", "japaneast"))
    assert code == 1, stderr
    assert "Traceback" not in stderr
    assert text
    unsuppressed = sum(1 for f in evil_json["findings"] if not f["suppressed"])
    expect = {"resources": ["Microsoft.Storage/storageAccounts/" + EVIL, "Evil" + EVIL],
              "annotations": unsuppressed}
    CHECKERS.get(fmt, check_generic)(text, expect)


def test_text_to_standard_output_and_verbose_stderr_are_terminal_safe(evil_tree: Path, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(["scan", str(evil_tree), "--verbose", "--allowed-regions", "japaneast"])
    assert code == 1
    for stream in (out.getvalue(), err.getvalue()):
        for control in TERMINAL_CONTROLS:
            assert control not in stream, repr(control)


@pytest.mark.parametrize("extra", [(), ("--compact",)], ids=["full", "compact"])
def test_text_output_keeps_each_value_on_its_line(evil_tree: Path, tmp_path: Path, extra: Tuple[str, ...]) -> None:
    code, text, _, err = run_cli([evil_tree], tmp_path, "text", extra + ("--allowed-regions", "japaneast"))
    assert code == 1, err
    injected = [line for line in text.split("\n") if line.lstrip().startswith("::")]
    assert injected == []


# -- hostile file names ------------------------------------------------------------

HOSTILE_NAMES = [
    "a\nb::error file=x::pwn.tf", "<script>alert(1)<_script>.tf", "esc\x1b]0;t\x07.tf", "c,o:m%0A.tf",
    "sp ace.tf", "cr\rx.tf", "tab\tq.tf", "\u202eexe.tf", "ls\u2028x.tf",
]


@pytest.fixture(scope="module")
def named_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names") / "repo"
    (root / ".git").mkdir(parents=True)
    for i, name in enumerate(HOSTILE_NAMES):
        (root / name).write_text('resource "aws_s3_bucket" "b%d" {\n  acl = "public-read"\n}\n' % i)
    folder = root / "d\x1b[31m<i>"
    folder.mkdir()
    (folder / "t.yaml").write_text('AWSTemplateFormatVersion: "2010-09-09"\n'
                                   'Resources:\n  B:\n    Type: AWS::S3::Bucket\n'
                                   '    Properties:\n      AccessControl: PublicRead\n')
    return root


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_file_names_in_every_format(fmt: str, named_tree: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(named_tree)
    (tmp_path / "j").mkdir()
    code, json_text, _, err = run_cli([Path(".")], tmp_path / "j", "json")
    assert code == 1, err
    doc = json.loads(json_text)
    files = {f["file"] for f in doc["findings"]}
    assert set(HOSTILE_NAMES) | {"d\x1b[31m<i>/t.yaml"} <= files, sorted(files)
    code, text, _, err = run_cli([Path(".")], tmp_path, fmt)
    assert code == 1 and "Traceback" not in err
    expect = {"files": sorted(files), "annotations": sum(1 for f in doc["findings"] if not f["suppressed"])}
    CHECKERS.get(fmt, check_generic)(text, expect)


def test_verbose_notes_do_not_carry_terminal_escapes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    runpy.run_path(str(HOSTILE / "terminal-escape-in-file-name" / "make.py"))["make"](root)
    monkeypatch.chdir(root)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(["scan", ".", "--verbose"])
    assert code in (0, 1)
    assert "note" in err.getvalue()
    for control in ("\x1b", "\x07"):
        assert control not in err.getvalue(), err.getvalue()


# -- lone surrogates from escapes ------------------------------------------------------


@pytest.mark.parametrize("name, check_id", [("azuredeploy.json", "IACG-AZURE-001"), ("main.tf", "IACG-AWS-001")])
def test_lone_surrogate_from_an_escape(tmp_path: Path, name: str, check_id: str) -> None:
    """A JSON (\\ud800) or HCL ("\\ud800") escape leaves a lone surrogate in a
    resource name or for_each key: every format (and a baseline) is still
    written, as UTF-8, with U+FFFD in its place."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    shutil.copy(HOSTILE / "lone-surrogate" / name, root / name)
    for fmt in FORMATS:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli_main(["scan", str(root / name), "--format", fmt, "--output", str(tmp_path / f"o.{fmt}")])
        assert code == 1, (fmt, err.getvalue())
        text = output_text(tmp_path / f"o.{fmt}")
        assert "\ud800" not in text, fmt
        if fmt == "json":
            findings = json.loads(text)["findings"]
            assert check_id in {f["check_id"] for f in findings}
            assert any("\ufffd" in f["resource"] for f in findings), findings
        CHECKERS.get(fmt, check_generic)(text, {})
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(["scan", str(root / name), "--compact"])
    assert code == 1 and check_id in out.getvalue(), err.getvalue()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = cli_main(["scan", str(root / name), "--create-baseline", str(tmp_path / "baseline.json")])
    assert code in (0, 1), err.getvalue()
    entries = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))["findings"]
    assert check_id in {e["check_id"] for e in entries}
