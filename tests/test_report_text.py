"""Text output: grouped by file with snippets and a summary; --quiet,
--compact; colour only when the CLI says so; no terminal control characters
from templates."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from test_report_support import HOSTILE, check, finding, parse_error, report

from iacguard.cli import main
from iacguard.report import writer

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TF = """resource "aws_s3_bucket" "b" {
  acl = "public-read"
}
"""


def _sample(**kwargs):
    return report([finding(file="b.tf", line=2, severity="MEDIUM", message="second file"),
                   finding(file="a.tf", line=7, severity="HIGH", resource="aws_s3_bucket.x",
                           snippet=[(7, '  acl = "public-read"'), (8, "}")]),
                   finding(file="a.tf", line=9, severity="LOW", resource="aws_s3_bucket.y", attribute="logging"),
                   finding(file="a.tf", line=12, resource="aws_s3_bucket.z",
                           suppression={"kind": "inSource", "reason": "ok"})],
                  checks=[check()], **kwargs)


def test_grouped_by_file_with_everything_a_reader_needs() -> None:
    text = writer("text")(_sample())
    assert not ANSI.search(text), "no colour unless the report says so"
    lines = text.rstrip("\n").splitlines()
    assert [ln for ln in lines if ln and not ln.startswith(" ")][:2] == ["a.tf", "b.tf"]
    block = text.split("b.tf\n")[0]
    assert "  a.tf:7  HIGH     IACG-AWS-001  IACG-AWS-001 title" in block
    assert "      resource: aws_s3_bucket.x" in block
    assert "      bucket is public" in block
    assert '      7 |   acl = "public-read"' in block and "      8 | }" in block
    assert "      controls: NISC-4.1.5-1" in block
    assert "aws_s3_bucket.z" not in text, "suppressed findings are not listed"
    assert lines[-1] == ("3 files, 5 resources, 1 checks: 3 findings (HIGH 1, MEDIUM 1, LOW 1), "
                         "0 passed, 1 suppressed, 0 parse errors")


def test_colour_marks_severity_and_file_when_enabled() -> None:
    text = writer("text")(_sample(color=True))
    assert "\x1b[1;31mHIGH    \x1b[0m" in text and "\x1b[33mMEDIUM  \x1b[0m" in text
    assert "\x1b[1ma.tf\x1b[0m" in text
    assert ANSI.sub("", text) == writer("text")(_sample())


def test_quiet_prints_only_the_failures_without_summary() -> None:
    text = writer("text")(_sample(quiet=True, severity_threshold="MEDIUM"))
    assert "a.tf:7" in text and "b.tf:2" in text
    assert "a.tf:9" not in text, "below the threshold: reported normally, not a failure"
    assert "files," not in text


def test_compact_is_one_line_per_finding() -> None:
    text = writer("text")(_sample(compact=True))
    assert text.splitlines() == ["a.tf:7: IACG-AWS-001 HIGH bucket is public",
                                 "a.tf:9: IACG-AWS-001 LOW bucket is public",
                                 "b.tf:2: IACG-AWS-001 MEDIUM second file"]


def test_japanese_summary_and_labels() -> None:
    text = writer("text")(_sample(lang="ja"))
    assert "      リソース: aws_s3_bucket.x" in text and "      管理策: NISC-4.1.5-1" in text
    assert text.rstrip().splitlines()[-1].startswith("3 ファイル・5 リソース・1 チェック: 検出 3 件")


def test_no_control_characters_from_templates_reach_the_terminal() -> None:
    evil = finding(file=f"{HOSTILE}.tf", resource=HOSTILE, message=HOSTILE,
                   snippet=[(3, HOSTILE), (4, "\x1b[2J\x1b[H")])
    for kwargs in ({}, {"compact": True}, {"quiet": True}, {"color": True}):
        text = writer("text")(report([evil, parse_error(HOSTILE, 1, HOSTILE)], checks=[check()], **kwargs))
        stripped = ANSI.sub("", text) if kwargs.get("color") else text
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", stripped), kwargs


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("no_color, to_file, coloured", [(None, False, True), ("1", False, False),
                                                         (None, True, False), ("", False, True)])
def test_cli_colours_only_a_terminal_without_no_color(tmp_path: Path, monkeypatch, no_color, to_file,
                                                      coloured) -> None:
    (tmp_path / "main.tf").write_text(TF)
    monkeypatch.chdir(tmp_path)
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    args = ["scan", ".", "--check", "IACG-AWS-001"] + (["--output", "out.txt"] if to_file else [])
    assert main(args) == 1
    text = (tmp_path / "out.txt").read_text() if to_file else terminal.getvalue()
    assert "IACG-AWS-001" in text
    assert bool(ANSI.search(text)) is coloured


def test_cli_does_not_colour_a_pipe(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "main.tf").write_text(TF)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert main(["scan", ".", "--check", "IACG-AWS-001"]) == 1
    out = capsys.readouterr().out
    assert "main.tf:2" in out and not ANSI.search(out)
    assert '2 |   acl = "public-read"' in out
