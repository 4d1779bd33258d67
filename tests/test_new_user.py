"""What a new user meets first: the command line's behaviour in pipes, its
language, its messages, its defaults and its install instructions."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from iacguard.project_setup import STARTER

ROOT = Path(__file__).resolve().parent.parent

OPEN_SSH = """resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
"""


def _closed_pipe(args: list, cwd: Path) -> subprocess.CompletedProcess:
    """Run with standard output a pipe whose reader has already gone."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run([sys.executable, "-m", "iacguard", *args], cwd=cwd, stdout=writer,
                              stderr=subprocess.PIPE, text=True, timeout=600)
    finally:
        os.close(writer)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGPIPE is POSIX")
@pytest.mark.parametrize("args", [["checks", "list"], ["scan", "examples/"]], ids=["checks-list", "scan"])
def test_a_closed_pipe_ends_quietly_with_the_sigpipe_status(args: list) -> None:
    run = _closed_pipe(args, ROOT)
    assert run.returncode == 141
    assert run.stderr == ""


def test_checks_list_speaks_the_language_under_a_header_in_aligned_columns(run, tmp_path: Path) -> None:
    code, out, _ = run(["checks", "list", "--lang", "ja"], tmp_path)
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:2] == ["ID", "重大度"]
    row = next(line for line in lines if line.startswith("IACG-AWS-004 "))
    assert "インターネット" in row
    code, out, _ = run(["checks", "list"], tmp_path)
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "Severity", "Provider", "Formats", "Check"]
    # The title column starts at the same place for every provider, generic included.
    starts = {line.split()[2]: line.index(line.split("  ")[-1].strip()) for line in lines[1:]}
    assert starts.keys() >= {"aws", "azure", "gcp", "generic"} and len(set(starts.values())) == 1


def test_checks_commands_read_the_configuration(run, tmp_path: Path) -> None:
    mine = tmp_path / "mychecks"
    mine.mkdir()
    (mine / "acme.yaml").write_text(_USER_CHECK)
    (tmp_path / ".iacguard.yaml").write_text("lang: ja\nchecks_dirs: [mychecks]\n")
    code, out, _ = run(["checks", "list"], tmp_path)
    assert code == 0 and "ACME-001" in out and "詳細モニタリングが無効" in out
    code, out, _ = run(["checks", "explain", "ACME-001"], tmp_path)
    assert code == 0 and out.startswith("ACME-001: 詳細モニタリングが無効")


_USER_CHECK = """id: ACME-001
severity: MEDIUM
provider: aws
title: {en: Detailed monitoring is off, ja: 詳細モニタリングが無効になっている}
description: {en: d, ja: d}
remediation: {en: r, ja: r}
controls: [NISC-4.1.2-2]
clauses:
  - formats: [terraform]
    resource_types: [aws_instance]
    violation: {path: monitoring, equals: false, default: false}
"""


def test_explain_in_english_names_csa_domains_in_english(run, tmp_path: Path) -> None:
    code, out, _ = run(["checks", "explain", "IACG-AWS-004", "--lang", "en"], tmp_path)
    csa = next(line for line in out.splitlines() if line.startswith("CSA Security Guidance"))
    assert code == 0 and "D7 Infrastructure Security" in csa
    assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", csa)
    code, out, _ = run(["checks", "explain", "IACG-AWS-004", "--lang", "ja"], tmp_path)
    assert "D7 インフラストラクチャ・セキュリティ" in out


def test_scan_help_names_no_missing_document(run, tmp_path: Path) -> None:
    code, out, _ = run(["scan", "--help"], tmp_path)
    assert code == 0
    for document in re.findall(r"\b(?:docs/)?[\w-]+\.md\b", out):
        assert (ROOT / document).is_file(), document
    assert "Limits table of the README" in " ".join(out.split())


def test_every_install_instruction_names_the_distribution() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^name = "iacguard-jp"$', pyproject, re.MULTILINE)
    assert 'iacguard = "iacguard.cli:main"' in pyproject  # the command keeps its name
    texts = {p: p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]}
    from iacguard.project_setup import HOOK_NEEDS
    texts[Path("iacguard/project_setup.py")] = HOOK_NEEDS
    installs = [(p, name.rstrip(".,;")) for p, text in texts.items()
                for name in re.findall(r"pip install ([^\s`)]+)", text)]
    assert any(name == "iacguard-jp" for _, name in installs)
    wrong = [(str(p), name) for p, name in installs if name.startswith("iacguard") and name != "iacguard-jp"]
    assert wrong == []


def test_default_threshold_leaves_low_findings_as_advice(run, tmp_path: Path) -> None:
    assert "\nseverity_threshold: MEDIUM\n" in STARTER
    (tmp_path / "main.tf").write_text('resource "aws_db_instance" "d" {\n  engine = "mysql"\n}\n')
    code, out, _ = run(["scan", ".", "--check", "IACG-AWS-060", "--compact"], tmp_path)
    assert out.startswith("main.tf:1: IACG-AWS-060 LOW ")
    assert code == 0
    code, _, _ = run(["scan", ".", "--check", "IACG-AWS-060", "--severity-threshold", "LOW"], tmp_path)
    assert code == 1


def test_text_says_which_findings_fail_the_run(run, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(OPEN_SSH.replace("var.cidr", '"0.0.0.0/0"') +
                                      'resource "aws_ebs_volume" "v" {\n  availability_zone = "a"\n}\n')
    code, out, _ = run(["scan", ".", "--severity-threshold", "HIGH", "--check", "IACG-AWS-004,IACG-AWS-007"],
                       tmp_path)
    assert code == 1
    assert "main.tf:6  HIGH     IACG-AWS-004" in out
    header = next(line for line in out.splitlines() if "IACG-AWS-007" in line)
    assert header.endswith("(below HIGH: does not fail the run)")
    assert out.rstrip().endswith("; 1 at or above HIGH fail the run")


def test_text_summary_counts_and_message(run, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(OPEN_SSH.replace("var.cidr", '"10.0.0.0/8"'))
    code, out, _ = run(["scan", "."], tmp_path)
    assert code == 0 and "(-)" not in out
    assert re.search(r"\d+ of \d+ checks: 0 findings, ", out)  # IACG-GEN-001 did not run
    (tmp_path / "main.tf").write_text(OPEN_SSH.replace("var.cidr", '"0.0.0.0/0"'))
    code, out, _ = run(["scan", ".", "--check", "IACG-AWS-004"], tmp_path)
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if "IACG-AWS-004" in line)
    assert lines[header + 2] == "      ingress[0].cidr_blocks[0] = 0.0.0.0/0"  # not the title again


def test_selected_and_run_check_counts_are_told_apart(run, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(OPEN_SSH.replace("var.cidr", '"10.0.0.0/8"'))
    code, out, _ = run(["scan", ".", "--check", "IACG-GEN-001,IACG-AWS-004"], tmp_path)
    assert "1 of 2 checks:" in out  # IACG-GEN-001 needs allowed_regions
    code, out, _ = run(["scan", ".", "--check", "IACG-GEN-001,IACG-AWS-004", "--allowed-regions", "japaneast"],
                       tmp_path)
    assert ", 2 checks:" in out


def test_output_to_a_file_prints_one_summary_line(run, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(OPEN_SSH.replace("var.cidr", '"0.0.0.0/0"'))
    code, out, err = run(["scan", ".", "--check", "IACG-AWS-004", "--format", "sarif", "--output", "r.sarif"],
                         tmp_path)
    assert code == 1 and out == ""
    assert err.strip() == "iacguard: wrote sarif to r.sarif; 1 findings (HIGH 1); exit 1: 1 at or above MEDIUM"


def test_progress_only_on_a_terminal(run, tmp_path: Path) -> None:
    from iacguard.cli import _progress_line

    class Terminal:
        def __init__(self, tty: bool) -> None:
            self.tty, self.text = tty, ""

        def isatty(self) -> bool:
            return self.tty

        def write(self, text: str) -> None:
            self.text += text

        def flush(self) -> None:
            pass

    shown, hidden = Terminal(True), Terminal(False)
    for stream in (shown, hidden):
        show = _progress_line(stream)
        show("reading files 0/3")
        show("")
    assert shown.text == "\r\x1b[Kiacguard: reading files 0/3\r\x1b[K" and hidden.text == ""
    (tmp_path / "main.tf").write_text(OPEN_SSH)
    _, _, err = run(["scan", "."], tmp_path)
    assert "reading files" not in err  # the test's stderr is not a terminal


def test_an_empty_directory_warns(run, tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text('{"not": "a template"}\n')
    code, _, err = run(["scan", "."], tmp_path)
    assert code == 0
    assert err.strip() == ("iacguard: warning: no Terraform, CloudFormation or ARM file found in . "
                           "(1 other files skipped)")


def test_verbose_names_the_unresolved_value(run, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(OPEN_SSH)
    (tmp_path / "variables.tf").write_text('variable "cidr" {\n  type = string\n}\n')
    _, _, err = run(["scan", ".", "--check", "IACG-AWS-004", "--verbose"], tmp_path)
    assert ("iacguard: IACG-AWS-004 undecided on aws_security_group.ssh (main.tf:1): ingress[0].cidr_blocks[0] "
            "(var.cidr has no value, variables.tf:1) is not known") in err


@pytest.mark.parametrize("text, message", [
    ('resource "aws_s3_bucket" "b" {\n  bucket = \n\n}\n',
     "expected a value (a string, number, reference, list or object), found '}'"),
    ('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n',
     "expected '}', found the end of the file (a block or a string is not closed)"),
    ('locals {\n  a = [1, 2\n}\n', "expected ',' or ']', found '}'"),
])
def test_hcl_syntax_errors_say_what_was_expected(run, tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "main.tf").write_text(text)
    code, out, _ = run(["scan", ".", "--format", "json", "--no-cache"], tmp_path)
    (finding,) = json.loads(out)["findings"]
    assert code == 1 and finding["check_id"] == "IACG-000"
    assert finding["message"] == f"HCL syntax error: {message}"


def test_example_comments_do_not_call_a_bucket_with_findings_locked_down() -> None:
    assert "locked down" not in (ROOT / "examples" / "terraform" / "storage.tf").read_text()
