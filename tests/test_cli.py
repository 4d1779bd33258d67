"""The command line: exit codes, outputs, bad input, user checks."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PUBLIC_BUCKET = 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n'




def test_exit_codes(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text(PUBLIC_BUCKET)
    code, out, _ = run(["scan", "."], tmp_path)
    assert code == 1 and "IACG-AWS-001" in out and "main.tf:2" in out
    code, _, _ = run(["scan", ".", "--skip-check", "IACG-AWS-*"], tmp_path)
    assert code == 0
    code, _, _ = run(["scan", ".", "--check", "IACG-AWS-001", "--severity-threshold", "CRITICAL"], tmp_path)
    assert code == 0
    code, _, err = run(["scan", ".", "--check", "IACG-AWS-999"], tmp_path)
    assert code == 2 and "unknown check id" in err
    code, _, _ = run(["scan", ".", "--format", "nonsense"], tmp_path)
    assert code == 2
    code, _, err = run(["scan", "does-not-exist"], tmp_path)
    assert code == 2 and "does-not-exist" in err


def test_json_contract(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text(PUBLIC_BUCKET)
    code, out, _ = run(["scan", ".", "--format", "json", "--check", "IACG-AWS-001"], tmp_path)
    doc = json.loads(out)
    assert code == 1
    assert doc["schema_version"] == 1 and doc["tool"]["name"] == "iacguard"
    assert set(doc["summary"]) == {"files", "resources", "checks_run", "passed", "failed", "suppressed",
                                   "parse_errors", "limits_reached", "by_severity"}
    assert doc["summary"]["failed"] == 1 and doc["summary"]["by_severity"]["HIGH"] == 1
    (finding,) = doc["findings"]
    assert set(finding) == {"check_id", "title", "severity", "format", "file", "line", "end_line", "resource",
                            "resource_type", "message", "controls", "suppressed", "suppression", "fingerprint",
                            "provenance"}
    assert finding["file"] == "main.tf" and finding["line"] == 2
    assert finding["provenance"] == []  # written in place
    assert finding["resource"] == "aws_s3_bucket.b" and finding["format"] == "terraform"
    assert finding["controls"] and not finding["suppressed"]


def test_fingerprint_survives_moving_lines(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text(PUBLIC_BUCKET)
    args = ["scan", ".", "--format", "json", "--check", "IACG-AWS-001"]
    _, first, _ = run(args, tmp_path)
    (tmp_path / "main.tf").write_text("\n\n# moved\n" + PUBLIC_BUCKET)
    _, second, _ = run(args, tmp_path)
    a, b = json.loads(first)["findings"][0], json.loads(second)["findings"][0]
    assert a["line"] != b["line"] and a["fingerprint"] == b["fingerprint"]


def test_japanese_output(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text(PUBLIC_BUCKET)
    _, out, _ = run(["scan", ".", "--lang", "ja", "--format", "json", "--check", "IACG-AWS-001"], tmp_path)
    assert "S3 バケット" in json.loads(out)["findings"][0]["title"]


def test_unparsable_file_is_iacg000_and_others_still_scanned(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text(PUBLIC_BUCKET)
    (tmp_path / "broken.tf").write_text('resource "x" "y" {\n  a = [\n')
    (tmp_path / "bad.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n")
    (tmp_path / "bad.json").write_text('{"$schema": "https://schema.management.azure.com/schemas/'
                                       '2019-04-01/deploymentTemplate.json#", "resources": [}')
    code, out, _ = run(["scan", ".", "--format", "json"], tmp_path)
    doc = json.loads(out)
    assert code == 1
    errors = {f["file"]: f for f in doc["findings"] if f["check_id"] == "IACG-000"}
    assert set(errors) == {"broken.tf", "bad.yaml", "bad.json"}
    assert all(e["severity"] == "HIGH" and e["line"] >= 1 and e["message"] for e in errors.values())
    assert any(f["check_id"] == "IACG-AWS-001" for f in doc["findings"])
    assert doc["summary"]["parse_errors"] == 3


@pytest.mark.parametrize("content", [
    b"",
    b"\x00\x01\x02binary\xff\xfe",
    b"\xff\xfe\xfa not utf-8 at all \x80",
    b"just: some\nyaml: file\n",
    b"{ not json",
])
def test_bad_input_never_crashes(tmp_path: Path, run, content: bytes) -> None:
    for name in ("x.tf", "x.yaml", "x.json"):
        (tmp_path / name).write_bytes(content)
    code, out, err = run(["scan", ".", "--format", "json"], tmp_path)
    assert code in (0, 1)
    assert "Traceback" not in err
    json.loads(out)


def test_large_file_is_reported_not_read(tmp_path: Path, run) -> None:
    big = tmp_path / "big.tf"
    with big.open("wb") as handle:
        handle.write(b"# padding\n" * (5 * 1024 * 1024 + 1))  # 50 MiB
    code, out, _ = run(["scan", ".", "--format", "json"], tmp_path)
    (finding,) = json.loads(out)["findings"]  # only the size, nothing was read
    assert code == 1 and finding["check_id"] == "IACG-000" and "MiB" in finding["message"]


def test_output_files_per_format(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text(PUBLIC_BUCKET)
    code, out, _ = run(["scan", ".", "--format", "json", "--output", "r.json",
                        "--format", "sarif", "--output", "r.sarif"], tmp_path)
    assert code == 1 and out == ""
    assert json.loads((tmp_path / "r.json").read_text())["findings"]
    assert json.loads((tmp_path / "r.sarif").read_text())["version"] == "2.1.0"
    assert not list(tmp_path.glob(".r.*.tmp"))


def test_user_checks_dir_and_malformed_check(tmp_path: Path, run) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_instance" "a" {\n  monitoring = false\n}\n')
    checks = tmp_path / "mychecks"
    checks.mkdir()
    (checks / "monitoring.yaml").write_text(textwrap.dedent('''\
        id: ACME-001
        severity: MEDIUM
        provider: aws
        title: {en: Detailed monitoring is off, ja: 詳細モニタリングが無効}
        description: {en: Enable it., ja: 有効にする。}
        remediation: {en: monitoring = true, ja: monitoring = true とする。}
        controls: [NISC-4.1.2-2]
        clauses:
          - formats: [terraform]
            resource_types: [aws_instance]
            violation: {path: monitoring, equals: false, default: false}
        '''))
    code, out, _ = run(["scan", "main.tf", "--checks-dir", "mychecks", "--check", "ACME-001",
                        "--format", "json"], tmp_path)
    assert code == 1
    assert [(f["check_id"], f["line"]) for f in json.loads(out)["findings"]] == [("ACME-001", 2)]

    (checks / "broken.yaml").write_text("id: ACME-002\nseverity: HUGE\n")
    code, _, err = run(["scan", "main.tf", "--checks-dir", "mychecks"], tmp_path)
    assert code == 2 and "broken.yaml" in err and "severity" in err


def test_checks_list_and_explain(tmp_path: Path, run) -> None:
    code, out, _ = run(["checks", "list", "--format", "json"], tmp_path)
    listing = json.loads(out)
    assert code == 0 and len(listing) >= 25
    assert all({"id", "severity", "provider", "formats", "controls"} <= set(c) for c in listing)
    code, out, _ = run(["checks", "explain", "IACG-AWS-001", "--lang", "ja"], tmp_path)
    assert code == 0 and "対処方法" in out and "NISC-4.1.5-1" in out


def test_discovery_skips_tool_dirs_and_links_out_of_root(tmp_path: Path, run) -> None:
    root = tmp_path / "repo"
    (root / ".terraform" / "modules").mkdir(parents=True)
    (root / ".terraform" / "modules" / "m.tf").write_text(PUBLIC_BUCKET)
    (root / "node_modules").mkdir()
    (root / "node_modules" / "m.tf").write_text(PUBLIC_BUCKET)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.tf").write_text(PUBLIC_BUCKET)
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "notes.yaml").write_text("a: 1\n")
    code, out, _ = run(["scan", ".", "--format", "json"], root)
    doc = json.loads(out)
    assert code == 0 and doc["findings"] == [] and doc["summary"]["files"] == 0


def test_python_m_and_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "iacguard", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("iacguard ")


def test_a_parser_bug_costs_its_file_not_the_scan(tmp_path: Path, run, monkeypatch) -> None:
    """An unexpected exception inside a parser becomes IACG-000 for that file."""
    import iacguard.parsers.cloudformation.resources as cfn

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(cfn, "parse_cloudformation", broken)
    (tmp_path / "main.tf").write_text(PUBLIC_BUCKET)
    (tmp_path / "t.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
    code, out, err = run(["scan", ".", "--format", "json", "--check", "IACG-AWS-001", "--debug"], tmp_path)
    doc = json.loads(out)
    assert code == 1
    errors = [f for f in doc["findings"] if f["check_id"] == "IACG-000"]
    assert [(f["file"], "internal error" in f["message"]) for f in errors] == [("t.yaml", True)]
    assert any(f["check_id"] == "IACG-AWS-001" for f in doc["findings"])
    assert "Traceback" in err and "KeyError" in err  # --debug shows it


def test_published_check_list_is_current(tmp_path: Path, run) -> None:
    """docs/checks.md is generated; regenerate it with
    `iacguard checks list --format markdown --lang en > docs/checks.md`."""
    code, out, _ = run(["checks", "list", "--format", "markdown", "--lang", "en"], tmp_path)
    published = (Path(__file__).resolve().parent.parent / "docs" / "checks.md").read_text(encoding="utf-8")
    assert code == 0 and out == published


def test_reports_are_written_in_blocks_not_piece_by_piece() -> None:
    from iacguard.cli import _in_blocks

    pieces = [f"{i}," for i in range(50_000)]
    blocks = list(_in_blocks(pieces, size=4096))
    assert "".join(blocks) == "".join(pieces)
    assert all(len(b) >= 4096 for b in blocks[:-1]) and 0 < len(blocks[-1])
    assert len(blocks) < len(pieces) // 500
    assert list(_in_blocks([])) == []
