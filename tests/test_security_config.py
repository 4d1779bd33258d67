"""A configuration file in the scanned repository is untrusted input: it
cannot make the scan run Python, read or write outside the repository, and
nothing above the repository applies to it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

PUBLIC = 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n'
CHECK = """\
id: EVIL-CHECK-001
severity: LOW
provider: aws
title: {en: evil, ja: evil}
description: {en: evil, ja: evil}
remediation: {en: evil, ja: evil}
controls: [NISC-4.1.5-1]
cis: []
clauses:
  - formats: [terraform]
    resource_types: [aws_s3_bucket]
    violation: {predicate: evil}
"""


def _evil_checks_dir(directory: Path, marker: Path) -> None:
    (directory / "_predicates").mkdir(parents=True)
    (directory / "evil.yaml").write_text(CHECK)
    (directory / "_predicates" / "evil.py").write_text(textwrap.dedent(f"""\
        open({str(marker)!r}, "w").write("ran")
        PREDICATES = {{"evil": lambda value, resource, graph, settings: False}}
        """))


def test_a_predicate_named_by_a_config_in_the_repository_does_not_run(tmp_path: Path, run) -> None:
    repo = tmp_path / "repo"
    marker = tmp_path / "pwned"
    _evil_checks_dir(repo / "evil", marker)
    (repo / "main.tf").write_text(PUBLIC)
    (repo / ".iacguard.yaml").write_text("checks_dirs: [evil]\n")
    code, _, err = run(["scan", ".", "--format", "json"], repo)
    assert not marker.exists()
    assert code == 2 and "--allow-python-checks" in err
    # Nor can the file allow it for itself.
    (repo / ".iacguard.yaml").write_text("checks_dirs: [evil]\nallow_python_checks: true\n")
    code, _, err = run(["scan", ".", "--format", "json"], repo)
    assert not marker.exists()
    assert code == 2 and "allow_python_checks' is refused" in err


def test_a_predicate_runs_when_the_user_allows_it(tmp_path: Path, run) -> None:
    repo = tmp_path / "repo"
    marker = tmp_path / "ran"
    _evil_checks_dir(repo / "mine", marker)
    (repo / "main.tf").write_text(PUBLIC)
    code, _, err = run(["scan", ".", "--checks-dir", "mine", "--format", "json"], repo)
    assert code == 2 and not marker.exists()  # the command line names the directory, not the Python
    code, _, err = run(["scan", ".", "--checks-dir", "mine", "--allow-python-checks", "--format", "json"], repo)
    assert code in (0, 1), err
    assert marker.exists()
    # or a configuration the user keeps outside the scanned tree
    marker.unlink()
    outside = tmp_path / "ci.yaml"
    outside.write_text(f"checks_dirs: [{repo / 'mine'}]\nallow_python_checks: true\n")
    code, _, err = run(["scan", ".", "--config", str(outside), "--format", "json"], repo)
    assert code in (0, 1), err
    assert marker.exists()


def test_a_config_above_the_repository_does_not_apply(tmp_path: Path, run, work_tree) -> None:
    marker = tmp_path / "pwned"
    _evil_checks_dir(tmp_path / "evil", marker)
    (tmp_path / ".iacguard.yaml").write_text("checks_dirs: [evil]\nchecks: [EVIL-CHECK-001]\n")
    repo = work_tree(tmp_path / "work" / "repo")
    (repo / "main.tf").write_text(PUBLIC)
    code, out, err = run(["scan", ".", "--format", "json"], repo)
    assert not marker.exists()
    assert code == 1 and "IACG-AWS-001" in out, err  # the defaults: all checks, nothing from above
    code, out, _ = run(["config", "show"], repo)
    assert "(none found)" in out


@pytest.mark.parametrize("key, value", [
    ("var_files", "../outside/secret.tfvars"),
    ("var_files", "/etc/passwd"),
    ("var_files", "link.tfvars"),
    ("parameters", "../outside/secret.tfvars"),
    ("checks_dirs", "../outside"),
    ("baseline", "../outside/baseline.json"),
    ("output", "../outside/report.json"),
])
def test_paths_in_a_config_in_the_repository_stay_inside_it(tmp_path: Path, run, key: str, value: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.tfvars").write_text('name = "TOP-SECRET-CANARY"\n')
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "link.tfvars").symlink_to(outside / "secret.tfvars")
    (repo / "main.tf").write_text(PUBLIC)
    (repo / ".iacguard.yaml").write_text(f"{key}: [{value}]\n" if key != "baseline" else f"{key}: {value}\n")
    code, out, err = run(["scan", ".", "--format", "json"], repo)
    assert code == 2, (out, err)
    assert f"'{key}'" in err and "outside the repository" in err
    assert not (outside / "report.json").exists()


@pytest.mark.parametrize("name", [".iacguard.yaml", "pyproject.toml"])
def test_a_configuration_linked_out_of_the_repository_is_refused(tmp_path: Path, run, name: str) -> None:
    """Linked to a file elsewhere (another checkout on the same runner), it
    would count as a configuration outside the repository and could allow
    Python; linked to a secret, a YAML error would quote it."""
    marker = tmp_path / "pwned"
    elsewhere = tmp_path / "elsewhere"
    _evil_checks_dir(elsewhere / "evil", marker)
    text = f"checks_dirs: [{elsewhere / 'evil'}]\nallow_python_checks: true\n"
    if name == "pyproject.toml":
        text = f'[tool.iacguard]\nchecks_dirs = ["{elsewhere / "evil"}"]\nallow_python_checks = true\n'
    (elsewhere / name).write_text(text)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.tf").write_text(PUBLIC)
    (repo / name).symlink_to(elsewhere / name)
    code, _, err = run(["scan", ".", "--format", "json"], repo)
    assert not marker.exists()
    assert code == 2 and "configuration file" in err and "outside the repository" in err
    code, _, err = run(["scan", ".", "--config", name, "--format", "json"], repo)  # named, still the repository's
    assert not marker.exists() and code == 2


def test_a_check_file_linked_out_of_its_directory_is_not_read(tmp_path: Path, run) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("CANARY-SECRET: [unclosed\n")  # not YAML: the error would quote it
    repo = tmp_path / "repo"
    (repo / "policies").mkdir(parents=True)
    (repo / "main.tf").write_text(PUBLIC)
    (repo / "policies" / "leak.yaml").symlink_to(secret)
    (repo / ".iacguard.yaml").write_text("checks_dirs: [policies]\n")
    code, out, err = run(["scan", ".", "--format", "json"], repo)
    assert code == 2 and "leak.yaml" in err and "outside" in err
    assert "CANARY" not in out + err


def test_a_check_directory_linked_out_of_its_checks_directory_is_not_read(tmp_path: Path, run) -> None:
    secret_dir = tmp_path / "elsewhere"
    secret_dir.mkdir()
    (secret_dir / "leak.yaml").write_text("CANARY-SECRET: [unclosed\n")
    repo = tmp_path / "repo"
    (repo / "policies" / "plain").mkdir(parents=True)
    (repo / "main.tf").write_text(PUBLIC)
    (repo / "policies" / "linked").symlink_to(secret_dir, target_is_directory=True)
    (repo / ".iacguard.yaml").write_text("checks_dirs: [policies]\n")
    code, out, err = run(["scan", ".", "--format", "json"], repo)
    assert code == 2 and "linked" in err and "outside" in err
    assert "CANARY" not in out + err
