"""The built-in checks are grouped by service and named for what they check.

Every check file is checks/<provider>/<service>/<ID>-<slug>.yaml (the slug:
one to five lowercase words joined by hyphens), and its fixtures sit in
fixtures/<provider>/<service>/<ID>/. User check directories may be laid out
in any way; only the built-in ones are held to this.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import List, Optional

import pytest
from fixture_paths import FIXTURES, check_fixture_dirs, fixture_dir

from iacguard.engine.checks import Check, builtin_checks_dir, load_checks

CHECKS = load_checks().checks
BY_ID = {c.id: c for c in CHECKS}
_SERVICE = re.compile(r"[a-z0-9]+")
_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+){0,4}"


def misplaced(check: Check, checks_dir: Path) -> Optional[str]:
    """Why the check's file breaks the layout, or None."""
    parts = Path(check.source).relative_to(checks_dir).parts
    if len(parts) != 3:
        return f"not in <provider>/<service>/: {'/'.join(parts)}"
    provider, service, name = parts
    if provider != check.provider:
        return f"in provider folder {provider!r}, but the check's provider is {check.provider!r}"
    if not _SERVICE.fullmatch(service):
        return f"service folder {service!r} is not one lowercase word"
    if not re.fullmatch(rf"{re.escape(check.id)}-{_SLUG}\.yaml", name):
        return f"file name {name!r} is not {check.id}-<slug>.yaml"
    return None


def test_every_check_file_sits_in_its_service_folder_named_by_id_and_slug() -> None:
    checks_dir = builtin_checks_dir()
    problems = [f"{c.id}: {why}" for c in CHECKS if (why := misplaced(c, checks_dir))]
    assert problems == []


def test_the_layout_rule_rejects_flat_foreign_and_unnamed_files() -> None:
    checks_dir = builtin_checks_dir()
    check = BY_ID["IACG-AWS-001"]

    def at(relative: str) -> Optional[str]:
        return misplaced(dataclasses.replace(check, source=str(checks_dir / relative)), checks_dir)

    assert at("aws/s3/IACG-AWS-001-bucket-public-acl.yaml") is None
    assert "not in <provider>/<service>/" in (at("aws/IACG-AWS-001.yaml") or "")
    assert "provider is 'aws'" in (at("gcp/storage/IACG-AWS-001-bucket-public-acl.yaml") or "")
    assert "not IACG-AWS-001-<slug>.yaml" in (at("aws/s3/IACG-AWS-001.yaml") or "")
    assert "not IACG-AWS-001-<slug>.yaml" in (at("aws/s3/IACG-AWS-002-bucket-public-acl.yaml") or "")
    assert "not IACG-AWS-001-<slug>.yaml" in (at("aws/s3/IACG-AWS-001-Bucket_ACL.yaml") or "")
    assert "not IACG-AWS-001-<slug>.yaml" in (at("aws/s3/IACG-AWS-001-a-b-c-d-e-f.yaml") or "")


def test_every_check_has_its_fixtures_in_the_matching_folder() -> None:
    missing = [f"{c.id}: {fixture_dir(c).relative_to(FIXTURES)}" for c in CHECKS if not fixture_dir(c).is_dir()]
    assert missing == []


def test_every_fixture_directory_belongs_to_the_check_at_its_place() -> None:
    """A fixture directory whose check moved, or that names no check, tests nothing."""
    expected = {fixture_dir(c) for c in CHECKS}
    orphans: List[str] = [str(p.relative_to(FIXTURES)) for p in check_fixture_dirs() if p not in expected]
    assert orphans == []


def test_fixtures_top_level_holds_provider_folders_and_shared_ones() -> None:
    providers = {c.provider for c in CHECKS}
    stray = [p.name for p in FIXTURES.iterdir() if p.name not in providers and not p.name.startswith("_")]
    assert stray == []


@pytest.mark.parametrize("relative", ["monitoring.yaml", "ec2/ACME-001.yaml", "team/aws/ec2/monitoring-off.yml"])
def test_a_user_checks_directory_may_be_laid_out_in_any_way(tmp_path: Path, relative: str) -> None:
    """A built-in check, renamed to a user id, loads from wherever it is put."""
    text = Path(BY_ID["IACG-AWS-001"].source).read_text(encoding="utf-8")
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace("id: IACG-AWS-001", "id: ACME-001", 1), encoding="utf-8")
    (check,) = load_checks([tmp_path], include_builtin=False).checks
    assert (check.id, check.source) == ("ACME-001", str(path))
