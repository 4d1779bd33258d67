"""Bad settings end in one clear message and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.source import SourceError, read_regular_bytes

DEPTH = 100_000


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    return tmp_path


def test_a_deeply_nested_baseline_is_a_usage_error(repo: Path, run) -> None:
    (repo / "baseline.json").write_text("[" * DEPTH + "]" * DEPTH)
    code, _, err = run(["scan", ".", "--baseline", "baseline.json"], repo)
    assert code == 2
    assert err.strip() == "iacguard: baseline file baseline.json is nested too deeply to be an iacguard baseline"


def test_a_deeply_nested_configuration_is_a_usage_error(repo: Path, run) -> None:
    (repo / "deep.yaml").write_text("limits: " + "[" * DEPTH + "]" * DEPTH + "\n")
    code, _, err = run(["scan", ".", "--config", "deep.yaml"], repo)
    assert code == 2
    assert err.strip() == "iacguard: configuration error in deep.yaml: cannot read: nested too deeply"


def test_a_deeply_nested_pyproject_is_a_usage_error(repo: Path, run) -> None:
    (repo / "pyproject.toml").write_text("[tool.iacguard]\nlimits = " + "[" * DEPTH + "]" * DEPTH + "\n")
    code, _, err = run(["scan", ".", "--config", "pyproject.toml"], repo)
    assert code == 2
    assert "Traceback" not in err and err.startswith("iacguard: configuration error in pyproject.toml")


def test_a_limit_too_large_to_count_is_a_usage_error(repo: Path, run) -> None:
    code, _, err = run(["scan", ".", "--limit", "max_file_bytes=" + "9" * 30], repo)
    assert code == 2
    assert "max_file_bytes" in err and "Traceback" not in err


def test_the_largest_limit_allowed_still_scans(repo: Path, run) -> None:
    code, out, err = run(["scan", ".", "--no-cache", "--compact", "--limit", f"max_file_bytes={2 ** 48}"], repo)
    assert code == 1, err
    assert "main.tf:1: IACG-AWS-013" in out


def test_a_file_is_read_by_its_size_not_by_the_limit(tmp_path: Path) -> None:
    """A limit far above memory must not be what a read asks for."""
    path = tmp_path / "a.tf"
    path.write_text("x = 1\n")
    assert read_regular_bytes(path, 2 ** 48) == b"x = 1\n"
    with pytest.raises(SourceError, match="larger than"):
        read_regular_bytes(path, 3)
