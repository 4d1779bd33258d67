"""The wheel ships the engine, the built-in checks and their predicates."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_checks(tmp_path: Path) -> None:
    pytest.importorskip("build")
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "*.egg-info", "dist", "build",
                                                                 "__pycache__", ".pytest_cache"))
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"),
                           str(source)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("iacguard_jp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "iacguard/checks/aws/s3/IACG-AWS-001-bucket-public-acl.yaml" in names
    assert "iacguard/checks/_predicates/network.py" in names
    assert "iacguard/data/controls.yaml" in names
    assert "iacguard/report/compliance.css" in names
    assert "iacguard/cli.py" in names
    assert not any(n.startswith(("fixtures/", "tests/")) for n in names)
