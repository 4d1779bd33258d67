"""Every command takes its settings from config.settings_for: the same
file discovery, the same validation, the command line over the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git, init_git_repository

from iacguard.cli import build_parser
from iacguard.config import KEYS, settings_for
from iacguard.lsp.session import Session

PUBLIC = 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n'
TITLE_JA = "S3 バケットの ACL が公開アクセスを許可している"


@pytest.fixture
def japanese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tree whose configuration asks for Japanese, in an English
    environment: Japanese output can only come from the file."""
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    (tmp_path / ".iacguard.yaml").write_text("lang: ja\n")
    (tmp_path / "main.tf").write_text(PUBLIC)
    return tmp_path


def test_scan_reads_lang_from_the_configuration(japanese: Path, run) -> None:
    code, out, _ = run(["scan", ".", "--check", "IACG-AWS-001", "--compact"], japanese)
    assert code == 1
    assert out.startswith(f"main.tf:2: IACG-AWS-001 HIGH {TITLE_JA}")
    code, out, _ = run(["scan", ".", "--check", "IACG-AWS-001", "--compact", "--lang", "en"], japanese)
    assert out.startswith("main.tf:2: IACG-AWS-001 HIGH S3 bucket grants public access through its ACL")


def test_checks_list_reads_lang_from_the_configuration(japanese: Path, run) -> None:
    code, out, _ = run(["checks", "list"], japanese)
    [row] = [line for line in out.splitlines() if line.startswith("IACG-AWS-001 ")]
    assert code == 0 and row.endswith(TITLE_JA)


def test_checks_explain_reads_lang_from_the_configuration(japanese: Path, run) -> None:
    code, out, _ = run(["checks", "explain", "IACG-AWS-001"], japanese)
    assert code == 0 and out.startswith(f"IACG-AWS-001: {TITLE_JA}")


def test_config_show_reads_lang_from_the_configuration(japanese: Path, run) -> None:
    code, out, _ = run(["config", "show"], japanese)
    [line] = [line for line in out.splitlines() if line.startswith("lang ")]
    assert code == 0
    assert line.split("#")[0].split() == ["lang", "=", "ja"]
    assert line.rstrip().endswith(str(japanese.resolve() / ".iacguard.yaml"))


def test_evidence_verify_takes_lang_from_the_record_not_the_file(japanese: Path, run) -> None:
    repo = init_git_repository(japanese)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "initial")
    code, _, err = run(["scan", ".", "--check", "IACG-AWS-001", "--evidence", "evidence.json"], repo)
    assert code == 1, err
    assert json.loads((repo / "evidence.json").read_text())["configuration"]["lang"] == "ja"
    # The file says otherwise now; the record's settings are what verify uses
    # (another lang would be another configuration digest).
    (repo / ".iacguard.yaml").write_text("lang: en\n")
    code, out, err = run(["evidence", "verify", "evidence.json"], repo)
    assert (code, out) == (0, ""), out
    assert "the evidence record holds" in err


def test_the_language_server_reads_lang_from_the_workspace_configuration(japanese: Path) -> None:
    outcome = Session().rescan(japanese / "main.tf", japanese, {})
    assert outcome.lang == "ja"
    assert [(f.check_id, f.line) for f in outcome.findings[japanese / "main.tf"]
            if f.check_id == "IACG-AWS-001"] == [("IACG-AWS-001", 2)]


def test_the_lsp_command_reads_no_workspace_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its checks directories come from its own options only: a workspace
    must not make the server load code."""
    (tmp_path / ".iacguard.yaml").write_text("checks_dirs: [evil]\nlang: ja\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    settings = settings_for(build_parser().parse_args(["lsp"]))
    assert settings.get("checks_dirs") == [] and settings.get("lang") == "en"
    settings = settings_for(build_parser().parse_args(["lsp", "--checks-dir", "mine", "--allow-python-checks"]))
    assert settings.get("checks_dirs") == ["mine"] and settings.get("allow_python_checks") is True
    assert settings.sources["checks_dirs"] == "command line"


@pytest.mark.parametrize("args,expected", [
    (["--framework", "terrafrom"], "iacguard: unknown framework 'terrafrom' in '--framework' "
                                   "(did you mean 'terraform'?)"),
    (["--var", "region"], "iacguard: '--var' takes NAME=VALUE, not 'region'"),
    (["--limit", "max_files=3"], "iacguard: unknown limit 'max_files' in '--limit'"),
])
def test_options_are_checked_as_the_file_keys_are(tmp_path: Path, run, args, expected) -> None:
    (tmp_path / "main.tf").write_text(PUBLIC)
    code, out, err = run(["scan", ".", *args], tmp_path)
    assert (code, out) == (2, "")
    assert err.startswith(expected)


def test_a_variable_without_a_value_in_the_file_is_an_error(tmp_path: Path, run) -> None:
    (tmp_path / ".iacguard.yaml").write_text("vars: [region]\n")
    (tmp_path / "main.tf").write_text(PUBLIC)
    code, _, err = run(["scan", "."], tmp_path)
    assert code == 2
    assert err.strip() == (f"iacguard: configuration error in {tmp_path.resolve() / '.iacguard.yaml'}: "
                           "'vars' takes NAME=VALUE, not 'region'")


def test_the_command_line_adds_limits_to_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".iacguard.yaml").write_text("limits: {max_file_bytes: 20, max_nested_stacks: 5}\n")
    monkeypatch.chdir(tmp_path)
    settings = settings_for(build_parser().parse_args(["scan", ".", "--limit", "max_file_bytes=4096"]))
    assert settings.get("limits") == {"max_file_bytes": 4096, "max_nested_stacks": 5}


def test_every_option_of_scan_reaches_its_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The options settings_for reads (config.KEYS) are the parser's."""
    for name in ("a.tfvars", "p.json", "b.json"):
        (tmp_path / name).write_text("{}\n")
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args([
        "scan", ".", "--format", "json", "--output", "out.json", "--lang", "en", "--check", "IACG-AWS-001",
        "--skip-check", "IACG-AWS-004", "--checks-dir", "mine", "--framework", "terraform",
        "--severity-threshold", "high", "--var-file", "a.tfvars", "--var", "a=1", "--parameters", "p.json",
        "--allowed-regions", "japaneast,japanwest", "--baseline", "b.json", "--report-unused-suppressions",
        "--quiet", "--compact", "--verbose", "--limit", "max_file_bytes=10", "--allow-python-checks"])
    settings = settings_for(args)
    given = {key for key, source in settings.sources.items() if source == "command line"}
    assert given == {key for key, spec in KEYS.items() if spec.option} == {
        "format", "output", "lang", "checks", "skip_checks", "checks_dirs", "frameworks", "severity_threshold",
        "var_files", "vars", "parameters", "allowed_regions", "baseline", "report_unused_suppressions", "quiet",
        "compact", "verbose", "limits", "allow_python_checks"}
    assert settings.get("allowed_regions") == ["japaneast", "japanwest"]
    assert settings.get("severity_threshold") == "HIGH"
