"""Every built-in check against its failing and passing fixtures.

A check's fixtures sit in fixtures/<provider>/<service>/<CHECK-ID>/, the
folder of its check file (see fixture_paths.py). Its fail/ holds templates
that must produce exactly the findings marked in them (a ``expect: <CHECK-ID>``
comment on the expected line, or an ``expected.yaml`` listing {file, line} for
formats without comments); its pass/ holds templates that must produce none.
A check without a failing and a passing fixture for each format it declares
fails.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
import yaml
from fixture_paths import fixture_dir

from iacguard.discovery import detect_format
from iacguard.engine.checks import load_checks
from iacguard.scan import ScanOptions, scan, select_checks

CHECKSET = load_checks()
CHECKS = {c.id: c for c in CHECKSET.checks}
_MARK = re.compile(r"expect:\s*((?:IACG-[A-Z]+-\d{3}[,\s]*)+)")


def _files(directory: Path) -> List[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.name != "expected.yaml")


def _format_of(path: Path) -> str:
    return detect_format(path.name, path.read_text(encoding="utf-8-sig")) or ""


def _expected(directory: Path, check_id: str) -> Set[Tuple[str, int]]:
    expected: Set[Tuple[str, int]] = set()
    for path in _files(directory):
        for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
            m = _MARK.search(line)
            if m and check_id in re.split(r"[,\s]+", m.group(1)):
                expected.add((path.relative_to(directory).as_posix(), number))
    listing = directory / "expected.yaml"
    if listing.exists():
        for item in yaml.safe_load(listing.read_text(encoding="utf-8")) or []:
            if item.get("check", check_id) == check_id:
                expected.add((item["file"], int(item["line"])))
    return expected


def _scan(directory: Path, check_id: str):
    """Scan one fixture directory with one check; a settings.yaml beside
    fail/ and pass/ may give scan settings the check needs (e.g.
    allowed_regions)."""
    selected = select_checks(CHECKSET, [check_id], [])
    settings_file = directory.parent / "settings.yaml"
    settings = yaml.safe_load(settings_file.read_text(encoding="utf-8")) if settings_file.exists() else {}
    return scan(ScanOptions(paths=[str(directory)], cwd=directory, **settings), selected)


def _cases() -> List[str]:
    return sorted(CHECKS)


@pytest.mark.parametrize("check_id", _cases())
def test_check_has_fixtures_for_every_format(check_id: str) -> None:
    check = CHECKS[check_id]
    for kind in ("fail", "pass"):
        directory = fixture_dir(check) / kind
        assert directory.is_dir(), f"{check_id}: missing {directory}"
        formats = {_format_of(p) for p in _files(directory)}
        for fmt in check.formats:
            assert fmt in formats, f"{check_id}: no {kind} fixture in format {fmt}"


@pytest.mark.parametrize("check_id", _cases())
def test_failing_fixtures_report_exactly_the_marked_lines(check_id: str) -> None:
    directory = fixture_dir(CHECKS[check_id]) / "fail"
    result = _scan(directory, check_id)
    assert not result.parse_errors, [e.message for e in result.parse_errors]
    assert not result.check_errors, [e.message for e in result.check_errors]
    found = {(f.file, f.line) for f in result.findings if f.check_id == check_id}
    expected = _expected(directory, check_id)
    assert expected, f"{check_id}: failing fixtures mark no expected line"
    assert found == expected, f"unexpected: {sorted(found - expected)}, missing: {sorted(expected - found)}"


@pytest.mark.parametrize("check_id", _cases())
def test_passing_fixtures_report_nothing(check_id: str) -> None:
    directory = fixture_dir(CHECKS[check_id]) / "pass"
    result = _scan(directory, check_id)
    assert not result.parse_errors, [e.message for e in result.parse_errors]
    assert not result.check_errors, [e.message for e in result.check_errors]
    found = [(f.file, f.line, f.message["en"]) for f in result.findings if f.check_id == check_id]
    assert found == []
    assert result.passed, f"{check_id}: passing fixtures never exercise the check"


def _fixture_formats() -> Dict[str, Set[str]]:
    out: Dict[str, Set[str]] = {}
    for check_id, check in CHECKS.items():
        for kind in ("fail", "pass"):
            directory = fixture_dir(check) / kind
            for path in _files(directory) if directory.is_dir() else []:
                out.setdefault(check_id, set()).add(_format_of(path))
    return out


def test_fixture_files_are_templates() -> None:
    """A fixture file that discovery would skip tests nothing."""
    for check_id, formats in _fixture_formats().items():
        assert "" not in formats, f"{check_id}: a fixture file is not recognised as a template"


def test_every_check_cites_catalogue_controls() -> None:
    from iacguard.engine.checks import known_controls

    catalogue = known_controls()
    for check in CHECKSET.checks:
        assert check.controls, f"{check.id} cites no control"
        unknown = [c for c in check.controls if c not in catalogue]
        assert unknown == [], f"{check.id} cites unknown control(s) {unknown}"


def test_every_builtin_check_explains_its_severity_and_category() -> None:
    for check in CHECKSET.checks:
        assert check.severity_rationale, f"{check.id} has no severity_rationale"
        assert check.mic_category, f"{check.id} has no mic_category"
