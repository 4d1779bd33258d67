"""Named pipes, devices and sockets are never read, wherever they are met:
behind a link in a scanned tree, given explicitly, in a module directory the
scan loads, as a tfvars file. Reading one would block the scan for good.

Each scan runs in a forked child (tests/test_limits.py ``run_isolated``), so a
regression shows as a killed child rather than a hung suite.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from test_limits import assert_bounded, assert_still_finds, repo, run_isolated

from iacguard.source import SourceError, read_head, read_regular_bytes

BUCKET = 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n'
OPEN_SG = ('resource "aws_security_group" "sg" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n'
           '    protocol    = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n')


def test_a_pipe_named_like_a_template_is_skipped_with_a_note(tmp_path: Path) -> None:
    root = repo(tmp_path, {"main.tf": BUCKET})
    os.mkfifo(root / "pipe.tf")
    os.mkfifo(root / "elsewhere")
    os.symlink("elsewhere", root / "template.yaml")
    outcome = run_isolated([root], root, guard=10)
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-001")
    assert sorted(n.split(":")[0] for n in outcome.notes if "not a regular file" in n) == ["pipe.tf", "template.yaml"]


def test_a_link_to_a_device_is_not_read(tmp_path: Path) -> None:
    root = repo(tmp_path, {"main.tf": BUCKET})
    os.symlink("/dev/zero", root / "zero.tf")  # outside the tree: not followed at all
    outcome = run_isolated([root], root, guard=10)
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-001")


def test_a_pipe_in_a_module_directory_costs_only_itself(tmp_path: Path) -> None:
    root = repo(tmp_path, {"main.tf": 'module "m" {\n  source = "./m"\n}\n', "m/main.tf": OPEN_SG})
    os.mkfifo(root / "m" / "pipe")
    os.symlink("pipe", root / "m" / "more.tf")
    outcome = run_isolated([root / "main.tf"], root, guard=10)
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-004")


def test_a_pipe_as_terraform_tfvars_costs_only_itself(tmp_path: Path) -> None:
    root = repo(tmp_path, {"main.tf": BUCKET})
    os.mkfifo(root / "terraform.tfvars")
    outcome = run_isolated([root], root, guard=10)
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-001")


def test_the_readers_refuse_what_is_not_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(SourceError, match="not a regular file"):
        read_regular_bytes(tmp_path / "pipe", 1024)
    assert read_head(tmp_path / "pipe", 10) == b""
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "sock"))
        with pytest.raises(SourceError):
            read_regular_bytes(tmp_path / "sock", 1024)
    (tmp_path / "big").write_bytes(b"x" * 2048)
    with pytest.raises(SourceError, match="limit"):
        read_regular_bytes(tmp_path / "big", 1024)
    assert read_head(tmp_path / "big", 10) == b"x" * 10
    assert read_regular_bytes(tmp_path / "big", 4096) == b"x" * 2048
