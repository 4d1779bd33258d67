"""Retired check ids keep working through the alias table (checks/aliases.yaml):
in inline suppressions, configured skips, baselines, --check/--skip-check and
severity overrides, each time with a warning naming the ids to write instead."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Dict

import pytest
import yaml

from iacguard.engine import aliases
from iacguard.engine.checks import CheckLoadError, builtin_checks_dir, load_checks

CHECK = """
id: {id}
severity: MEDIUM
provider: aws
title: {{en: {id} title, ja: {id} タイトル}}
description: {{en: d, ja: 説明}}
remediation: {{en: r, ja: 対処}}
controls: [NISC-4.1.5-1]
clauses:
  - formats: [terraform]
    resource_types: [aws_s3_bucket]
    violation: {{path: {path}, equals: {value}}}
"""

# Version 1 had one check for two settings; version 2 split it in two.
OLD = {"ACME-001": ("acl", '"public-read"')}
NEW = {"ACME-101": ("acl", '"public-read"'), "ACME-102": ("force_destroy", "true")}

BUCKET = """\
resource "aws_s3_bucket" "b" {
  acl           = "public-read"
  force_destroy = true
}
"""


def _checks_dir(root: Path, checks: Dict[str, tuple], table: str = "") -> Path:
    root.mkdir()
    for check_id, (path, value) in checks.items():
        (root / f"{check_id}.yaml").write_text(CHECK.format(id=check_id, path=path, value=value), encoding="utf-8")
    if table:
        (root / "aliases.yaml").write_text(table, encoding="utf-8")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(BUCKET)
    _checks_dir(tmp_path / "v1", OLD)
    _checks_dir(tmp_path / "v2", NEW, "ACME-001: [ACME-101, ACME-102]\n")
    return tmp_path


def _scan(run, repo: Path, *args: str):
    code, out, err = run(["scan", "main.tf", "--checks-dir", "v2", "--check", "ACME-*", "--format", "json", *args],
                         repo)
    return code, {f["check_id"]: f for f in json.loads(out)["findings"]}, err


def test_inline_suppression_by_a_retired_id_covers_its_replacements(repo: Path, run) -> None:
    (repo / "main.tf").write_text("# iacguard:ignore ACME-001 accepted for the static site\n" + BUCKET)
    code, findings, err = _scan(run, repo)
    assert code == 0
    assert findings["ACME-101"]["suppressed"] and findings["ACME-102"]["suppressed"]
    assert findings["ACME-101"]["suppression"]["retired_id"] == "ACME-001"
    assert err.count("ACME-001 is retired: it now stands for ACME-101, ACME-102") == 1


def test_inline_suppression_by_a_new_id_is_not_deprecated(repo: Path, run) -> None:
    (repo / "main.tf").write_text("# iacguard:ignore ACME-101 accepted\n" + BUCKET)
    code, findings, err = _scan(run, repo)
    assert code == 1
    assert findings["ACME-101"]["suppressed"] and "retired_id" not in findings["ACME-101"]["suppression"]
    assert not findings["ACME-102"]["suppressed"]
    assert "retired" not in err


def test_skip_check_and_check_take_a_retired_id(repo: Path, run) -> None:
    code, out, err = run(["scan", "main.tf", "--checks-dir", "v2", "--check", "ACME-001", "--format", "json"], repo)
    assert code == 1
    assert sorted(f["check_id"] for f in json.loads(out)["findings"]) == ["ACME-101", "ACME-102"]
    assert "ACME-001 is retired" in err
    code, out, err = run(["scan", "main.tf", "--checks-dir", "v2", "--check", "ACME-*", "--skip-check", "ACME-001"],
                         repo)
    assert code == 0 and "ACME-001 is retired" in err


def test_configured_skip_and_severity_override_take_a_retired_id(repo: Path, run) -> None:
    (repo / ".iacguard.yaml").write_text(textwrap.dedent("""\
        severity_overrides: {ACME-001: CRITICAL, ACME-102: LOW}
        skip:
          - {id: ACME-001, paths: [other/], reason: not this file}
    """))
    code, findings, err = _scan(run, repo)
    assert code == 1
    # The override for the retired id reaches ACME-101; ACME-102's own wins.
    assert findings["ACME-101"]["severity"] == "CRITICAL" and findings["ACME-102"]["severity"] == "LOW"
    assert not findings["ACME-101"]["suppressed"]
    assert "ACME-001 is retired" in err
    (repo / ".iacguard.yaml").write_text("skip:\n  - {id: ACME-001, reason: accepted}\n")
    code, findings, _ = _scan(run, repo)
    assert code == 0 and findings["ACME-102"]["suppression"]["retired_id"] == "ACME-001"


def test_a_baseline_recorded_under_a_retired_id_accepts_its_replacements(repo: Path, run) -> None:
    code, _, _ = run(["scan", "main.tf", "--checks-dir", "v1", "--check", "ACME-*",
                      "--create-baseline", "baseline.json"], repo)
    assert code == 0
    assert [e["check_id"] for e in json.loads((repo / "baseline.json").read_text())["findings"]] == ["ACME-001"]
    code, findings, err = _scan(run, repo, "--baseline", "baseline.json")
    # ACME-001 judged acl; so does ACME-101, on the same attribute. ACME-102 is new.
    assert code == 1
    assert findings["ACME-101"]["suppressed"] and findings["ACME-101"]["suppression"]["retired_id"] == "ACME-001"
    assert not findings["ACME-102"]["suppressed"]
    assert "ACME-001 is retired" in err


def test_a_retired_id_that_was_never_a_check_is_still_unknown(repo: Path, run) -> None:
    code, _, err = run(["scan", "main.tf", "--checks-dir", "v2", "--check", "ACME-002"], repo)
    assert code == 2 and "unknown check id" in err


@pytest.mark.parametrize("table, fault", [
    ("ACME-001: [ACME-999]\n", "unknown replacement(s) ACME-999"),
    ("ACME-101: [ACME-102]\n", "still the id of a check"),
    ("ACME-001: ACME-101\n", "non-empty list"),
    ("- ACME-001\n", "maps each retired check id"),
])
def test_a_malformed_alias_table_is_a_load_error(tmp_path: Path, table: str, fault: str) -> None:
    directory = _checks_dir(tmp_path / "checks", NEW, table)
    with pytest.raises(CheckLoadError) as raised:
        load_checks([directory], include_builtin=False)
    assert fault in str(raised.value)


def test_the_alias_table_is_not_read_as_a_check(tmp_path: Path) -> None:
    directory = _checks_dir(tmp_path / "checks", NEW, "ACME-001: [ACME-101]\n")
    checkset = load_checks([directory], include_builtin=False)
    assert [c.id for c in checkset.checks] == ["ACME-101", "ACME-102"]
    assert checkset.aliases == {"ACME-001": ("ACME-101",)}


def test_built_in_retired_ids_are_never_reused() -> None:
    table_file = builtin_checks_dir() / aliases.FILE_NAME
    table = yaml.safe_load(table_file.read_text(encoding="utf-8")) if table_file.exists() else {}
    checkset = load_checks()
    assert checkset.aliases == {k: tuple(v) for k, v in (table or {}).items()}
    assert not set(checkset.aliases) & {c.id for c in checkset.checks}


def test_expand_mapping_and_patterns() -> None:
    table = {"X-001": ("X-101", "X-102")}
    assert aliases.expand(["X-00*"], table) == ["X-00*", "X-101", "X-102"]
    assert aliases.expand_mapping({"X-001": "LOW", "X-102": "HIGH"}, table) == \
        {"X-001": "LOW", "X-101": "LOW", "X-102": "HIGH"}
    assert aliases.replacing("X-101", "X-001", table) == "X-001"
    assert aliases.replacing("X-101", "X-1*", table) == ""


def test_the_check_set_cache_follows_every_file(tmp_path: Path) -> None:
    from iacguard.cache import ParseCache

    directory = _checks_dir(tmp_path / "checks", NEW)
    cache = ParseCache(enabled=True, directory=tmp_path / "cache")
    assert load_checks([directory], include_builtin=False, cache=cache).by_id()["ACME-102"].severity == "MEDIUM"
    path = directory / "ACME-102.yaml"
    path.write_text(path.read_text().replace("severity: MEDIUM", "severity: HIGH"))
    assert load_checks([directory], include_builtin=False, cache=cache).by_id()["ACME-102"].severity == "HIGH"
    (directory / "ACME-101.yaml").unlink()
    assert [c.id for c in load_checks([directory], include_builtin=False, cache=cache).checks] == ["ACME-102"]
