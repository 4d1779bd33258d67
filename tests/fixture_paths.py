"""Where the fixtures of a built-in check live.

A check's fixtures mirror the place of its file: the check
checks/aws/s3/IACG-AWS-001-bucket-public-acl.yaml has its fixtures under
fixtures/aws/s3/IACG-AWS-001/{fail,pass}/. Folders of fixtures/ whose
name starts with ``_`` (``_scenarios``, ``_hostile``) belong to no check.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

from iacguard.engine.checks import Check, builtin_checks_dir

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def fixture_dir(check: Check) -> Path:
    """fixtures/<provider>/<service>/<ID>/ for a built-in check."""
    return FIXTURES / Path(check.source).parent.relative_to(builtin_checks_dir()) / check.id


def check_fixture_dirs() -> List[Path]:
    """Every directory two levels below a provider folder of fixtures/:
    where the per-check fixture directories are (and nothing else may be)."""
    return sorted(p for p in FIXTURES.glob("*/*/*")
                  if p.is_dir() and not p.relative_to(FIXTURES).parts[0].startswith("_"))


def check_fixtures(relative: str) -> Path:
    """A path into a check's fixtures written from its id, e.g.
    ``IACG-AWS-004/fail/main.tf``, wherever the check's service folder is."""
    check_id, _, rest = relative.partition("/")
    (directory,) = FIXTURES.glob(f"*/*/{check_id}")
    return directory / rest if rest else directory
