"""--format github: workflow commands, escaped as actions/toolkit does
(packages/core/src/command.ts): data ``%`` -> %25, CR -> %0D, LF -> %0A;
properties additionally ``:`` -> %3A and ``,`` -> %2C."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Tuple

from test_report_support import HOSTILE, check, finding, parse_error, report

from iacguard.cli import main
from iacguard.report import writer
from iacguard.report.github import escape_data, escape_property

COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def _unescape(text: str) -> str:
    for code, ch in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, ch)
    return text


def _parse(line: str) -> Tuple[str, Dict[str, str], str]:
    """As the runner reads a command: properties split on ',' and '=', data after '::'."""
    match = COMMAND.match(line)
    assert match, line
    props = dict(p.split("=", 1) for p in match.group(2).split(","))
    return match.group(1), {k: _unescape(v) for k, v in props.items()}, _unescape(match.group(3))


def test_escaping_follows_the_toolkit() -> None:
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_one_command_per_finding_by_severity_with_levels() -> None:
    rep = report([finding(severity="LOW", resource="r.low", line=9),
                  finding(severity="CRITICAL", resource="r.crit", line=5, end_line=6),
                  finding(severity="MEDIUM", resource="r.med"), finding(severity="HIGH", resource="r.high"),
                  finding(resource="r.sup", suppression={"kind": "inSource", "reason": "ok"}),
                  parse_error("bad.tf", 4, "unexpected '}'")], checks=[check()])
    lines = writer("github")(rep).splitlines()
    commands = [_parse(ln) for ln in lines if ln.startswith("::")]
    assert [c[0] for c in commands] == ["error", "error", "error", "warning", "notice"]
    first = commands[0]
    assert first[1] == {"file": "main.tf", "line": "5", "endLine": "6",
                        "title": "IACG-AWS-001 (CRITICAL): IACG-AWS-001 title"}
    assert first[2] == 'bucket is public\nresource: r.crit\nremediation: Set `acl = "private"`.'
    assert any(c[1]["file"] == "bad.tf" and c[1]["line"] == "4" and c[2] == "unexpected '}'" for c in commands)
    assert not any("r.sup" in c[2] for c in commands), "suppressed findings are not annotated"
    assert lines[-1].startswith("3 files, 5 resources")


def test_hostile_strings_cannot_inject_commands_or_properties() -> None:
    rep = report([finding(file=f"{HOSTILE}.tf", resource=HOSTILE, message=HOSTILE, line=3),
                  parse_error(HOSTILE, 2, HOSTILE)],
                 checks=[check(title={"en": "a:b,c=d::e%\n", "ja": "x"})])
    text = writer("github")(rep)
    lines = text.splitlines()
    assert len([ln for ln in lines if ln.startswith("::")]) == 2, "no injected command"
    assert all(ln.startswith("::") or not ln.startswith(":") for ln in lines)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text.replace("\n", ""))
    cleaned = HOSTILE
    for ch in "\x00\x07\x1b\x0b\x0c":
        cleaned = cleaned.replace(ch, "")
    for line in lines[:2]:
        kind, props, data = _parse(line)
        assert kind == "error" and set(props) == {"file", "line", "endLine", "title"}
        assert props["file"] == f"{cleaned}.tf" or props["file"] == cleaned
        assert data.startswith(cleaned)


def test_more_than_ten_of_a_kind_says_github_shows_ten() -> None:
    rep = report([finding(severity="HIGH", resource=f"r.x{i}") for i in range(12)], checks=[check()], lang="ja")
    lines = writer("github")(rep).splitlines()
    assert sum(1 for ln in lines if ln.startswith("::error ")) == 12
    assert any("error の注釈を 12 件出力しました" in ln and "10 件まで" in ln for ln in lines)


def test_cli_format_github(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n')
    monkeypatch.chdir(tmp_path)
    assert main(["scan", ".", "--format", "github", "--check", "IACG-AWS-001"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("::error file=main.tf,line=2,endLine=2,title=IACG-AWS-001 (HIGH)%3A ")
