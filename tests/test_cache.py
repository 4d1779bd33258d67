"""The parse cache and parallel parsing change nothing but speed."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

from iacguard.cache import ParseCache
from iacguard.engine.checks import load_checks
from iacguard.parsers.terraform import module
from iacguard.report import Report, Summary, writer
from iacguard.scan import ScanOptions, scan

SCENARIOS = Path(__file__).resolve().parent.parent / "fixtures" / "_scenarios" / "terraform"
CHECKS = load_checks()


def _json(options: ScanOptions) -> str:
    result = scan(options, CHECKS)
    report = Report(result.findings, result.passed, CHECKS.checks,
                    Summary(files=len(result.files), resources=len(result.resources)))
    return writer("json")(report)


def test_cached_and_parallel_scans_equal_the_serial_one(tmp_path: Path, monkeypatch) -> None:
    plain = _json(ScanOptions(paths=[str(SCENARIOS)], cwd=SCENARIOS))
    cache = ParseCache(tmp_path / "cache")
    cold = _json(ScanOptions(paths=[str(SCENARIOS)], cwd=SCENARIOS, cache=cache))
    warm = _json(ScanOptions(paths=[str(SCENARIOS)], cwd=SCENARIOS, cache=cache))
    assert cache.hits > 0
    monkeypatch.setattr(module, "PARALLEL_THRESHOLD", 1)
    parallel = _json(ScanOptions(paths=[str(SCENARIOS)], cwd=SCENARIOS, workers=2))
    assert plain == cold == warm == parallel
    assert json.loads(plain)["findings"]


def test_corrupt_or_foreign_entries_are_discarded(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)
    cache.put("hcl", b"x = 1", {"a": [1, 2]})
    assert cache.get("hcl", b"x = 1") == {"a": [1, 2]}
    entry = next(p for p in tmp_path.rglob("*.pickle"))
    entry.write_bytes(entry.read_bytes()[:5])  # killed mid-write, by hand
    assert cache.get("hcl", b"x = 1") is None and not entry.exists()

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    cache.put("hcl", b"y = 2", None)
    target = next(p for p in tmp_path.rglob("*.pickle"))
    target.write_bytes(pickle.dumps(Evil()))
    assert cache.get("hcl", b"y = 2") is None and not target.exists()


def test_disabled_cache_and_unwritable_directory_cost_nothing_but_speed(tmp_path: Path) -> None:
    off = ParseCache(tmp_path / "off", enabled=False)
    off.put("hcl", b"z", {"v": 1})
    assert off.get("hcl", b"z") is None and not (tmp_path / "off").exists()
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    unwritable = ParseCache(blocked / "cache")
    unwritable.put("hcl", b"z", {"v": 1})  # must not raise
    assert unwritable.get("hcl", b"z") is None


def test_a_new_version_or_other_content_misses(tmp_path: Path, monkeypatch) -> None:
    cache = ParseCache(tmp_path)
    cache.put("hcl", b"content", {"v": 1})
    assert cache.get("hcl", b"content!") is None
    monkeypatch.setattr("iacguard.cache.__version__", "999")
    assert cache.get("hcl", b"content") is None
