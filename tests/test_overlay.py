"""Unsaved editor buffers: the scan judges them instead of the disk."""

from __future__ import annotations

from pathlib import Path

from iacguard.engine.checks import load_checks
from iacguard.scan import ScanOptions, scan
from iacguard.source import Limits

OPEN_SSH = """\
resource "aws_security_group" "admin" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def test_scan_reads_an_unsaved_buffer_instead_of_the_disk(tmp_path: Path):
    main = tmp_path / "main.tf"
    main.write_text(OPEN_SSH.replace("0.0.0.0/0", "10.0.0.0/8"))
    checks = load_checks()
    on_disk = scan(ScanOptions(paths=["."], cwd=tmp_path), checks)
    assert [f.check_id for f in on_disk.findings] == []
    edited = scan(ScanOptions(paths=["."], cwd=tmp_path, overlay={main.resolve(): OPEN_SSH.replace("\n", "\r\n")}),
                  checks)
    assert [(f.check_id, f.file, f.line) for f in edited.findings] == [("IACG-AWS-004", "main.tf", 6)]


def test_a_buffer_over_the_size_limit_is_an_error_not_a_silent_skip(tmp_path: Path):
    main = tmp_path / "main.tf"
    main.write_text("")
    result = scan(ScanOptions(paths=["."], cwd=tmp_path, limits=Limits(max_file_bytes=100),
                              overlay={main.resolve(): OPEN_SSH}), load_checks())
    assert [(f.check_id, f.file, f.line) for f in result.findings] == [("IACG-000", "main.tf", 1)]


def test_an_unsaved_variable_file_gives_the_module_its_values(tmp_path: Path):
    (tmp_path / "main.tf").write_text(OPEN_SSH.replace('["0.0.0.0/0"]', "[var.admin_cidr]")
                                      + 'variable "admin_cidr" {}\n')
    tfvars = tmp_path / "terraform.tfvars"
    tfvars.write_text('admin_cidr = "10.0.0.0/8"\n')
    checks = load_checks()
    assert scan(ScanOptions(paths=["."], cwd=tmp_path), checks).findings == []
    edited = scan(ScanOptions(paths=["."], cwd=tmp_path, overlay={tfvars.resolve(): 'admin_cidr = "0.0.0.0/0"\n'}),
                  checks)
    assert [(f.check_id, f.file, f.line) for f in edited.findings] == [("IACG-AWS-004", "main.tf", 6)]
