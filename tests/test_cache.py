"""The parse cache and parallel parsing change nothing but speed."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

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
    entry = next(p for p in tmp_path.rglob("*.json"))
    entry.write_bytes(entry.read_bytes()[:5])  # killed mid-write, by hand
    assert cache.get("hcl", b"x = 1") is None and not entry.exists()
    cache.put("hcl", b"y = 2", None)
    target = next(p for p in tmp_path.rglob("*.json"))
    target.write_bytes(b'{"\\u0000posix.system": ["echo pwned"]}')  # a class it was not given
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


CFN_SCENARIOS = SCENARIOS.parent / "cloudformation"


@pytest.mark.parametrize("kind", ["cloudformation", "arm", "tfplan"])
def test_templates_come_back_from_the_cache_unchanged(tmp_path: Path, kind: str) -> None:
    scenarios = SCENARIOS.parent / kind
    plain = _json(ScanOptions(paths=[str(scenarios)], cwd=scenarios))
    cache = ParseCache(tmp_path / "cache")
    cold = _json(ScanOptions(paths=[str(scenarios)], cwd=scenarios, cache=cache))
    misses = cache.misses
    warm = _json(ScanOptions(paths=[str(scenarios)], cwd=scenarios, cache=cache))
    assert misses > 0 and cache.misses == misses and cache.hits >= misses
    assert plain == cold == warm
    assert json.loads(plain)["findings"]


@pytest.mark.parametrize("kind, module, threshold", [
    ("cloudformation", "iacguard.parsers.cloudformation.document", "PARALLEL_THRESHOLD"),
    ("arm", "iacguard.parsers.arm.evaluated_cache", "PARALLEL_CHARACTERS"),
])
def test_templates_read_ahead_in_worker_processes_equal_the_serial_scan(tmp_path: Path, monkeypatch, kind: str,
                                                                        module: str, threshold: str) -> None:
    import importlib

    scenarios = SCENARIOS.parent / kind
    plain = _json(ScanOptions(paths=[str(scenarios)], cwd=scenarios))
    monkeypatch.setattr(importlib.import_module(module), threshold, 1)
    cache = ParseCache(tmp_path / "cache")
    parallel = _json(ScanOptions(paths=[str(scenarios)], cwd=scenarios, cache=cache, workers=2))
    assert plain == parallel
    assert cache.misses == 0 and cache.hits > 1  # the workers filled the cache


# The process the tests run in; pool workers are forked from it.
_SCANNING = os.getpid()


def _die_in_workers(item: Any) -> None:
    if os.getpid() != _SCANNING:
        os._exit(3)


def _fail_on_copies_in_workers(self: Any, display: str, text: str, context: Any) -> Any:
    if os.getpid() != _SCANNING and "copy" in display:
        raise RuntimeError("a reader bug")
    return _EVALUATIONS_READ(self, display, text, context)


_EVALUATIONS_READ = None


@pytest.mark.parametrize("failure", ["reader bug", "worker dies"])
def test_a_template_a_worker_cannot_evaluate_is_read_in_the_scan(tmp_path: Path, monkeypatch,
                                                                   failure: str) -> None:
    """A worker that fails on a template, or dies, loses nothing: the scan
    reads what the workers did not leave in the cache, errors included."""
    from iacguard.parsers.arm import evaluated_cache

    arm = SCENARIOS.parent / "arm"
    plain = _json(ScanOptions(paths=[str(arm)], cwd=arm))
    monkeypatch.setattr(evaluated_cache, "PARALLEL_CHARACTERS", 1)
    if failure == "worker dies":
        monkeypatch.setattr(evaluated_cache, "_read_into_cache", _die_in_workers)
    else:
        monkeypatch.setattr(sys.modules[__name__], "_EVALUATIONS_READ", evaluated_cache.Evaluations.read)
        monkeypatch.setattr(evaluated_cache.Evaluations, "read", _fail_on_copies_in_workers)
    cache = ParseCache(tmp_path / "cache")
    assert _json(ScanOptions(paths=[str(arm)], cwd=arm, cache=cache, workers=2)) == plain
    assert cache.misses > 0  # read in the scan: the workers left them out
    if failure == "reader bug":
        assert cache.hits > 0  # the others were left by the workers


def test_a_warm_cloudformation_scan_does_not_load_cfn_lint(tmp_path: Path) -> None:
    """Importing cfn-lint costs about a second; an unchanged template must not pay it."""
    import subprocess
    import sys

    template = CFN_SCENARIOS / "sam"  # the transform needs cfn-lint too
    code = ("import sys; from pathlib import Path; from iacguard.cache import ParseCache; "
            "from iacguard.engine.checks import load_checks; from iacguard.scan import ScanOptions, scan; "
            f"r = scan(ScanOptions(paths=[{str(template)!r}], cwd=Path({str(template)!r}), "
            f"cache=ParseCache(Path({str(tmp_path / 'c')!r}))), load_checks()); "
            "print(len(r.resources), 'cfnlint' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
            for _ in range(2)]
    assert runs[0][0] == runs[1][0] != "0"
    assert runs[0][1] == "True" and runs[1][1] == "False"


def test_each_named_group_of_cache_classes_gives_exactly_the_classes_it_names() -> None:
    """A named group is imported only for the names it declares: a class
    missing from the names could not be read back from an entry."""
    from iacguard.cache import ENTRY_GROUPS

    for names, classes in ENTRY_GROUPS:
        if names is not None:
            assert {c.__qualname__ for c in classes()} == names


# What a warm scan of one format must not import: the other formats'
# readers, and the parser libraries its cache entries replace.
_NOT_LOADED_WARM = {
    "cloudformation": ("lark", "iacguard.parsers.terraform.syntax", "iacguard.parsers.terraform.ast"),
    "terraform": ("lark", "yaml", "iacguard.parsers.terraform.syntax", "iacguard.parsers.cloudformation.decoder"),
}


@pytest.mark.parametrize("kind", sorted(_NOT_LOADED_WARM))
def test_a_warm_scan_loads_no_parser_it_does_not_need(tmp_path: Path, kind: str) -> None:
    """The cache's decoder imports a parser's classes only for entries that
    hold them, and a tree read from the cache needs no parser library."""
    import subprocess
    import sys

    tree = CFN_SCENARIOS / "conditions" if kind == "cloudformation" else SCENARIOS
    modules = _NOT_LOADED_WARM[kind]
    code = ("import sys; from iacguard.cli import main; "
            f"main(['scan', {str(tree)!r}, '--format', 'json', '--output', sys.argv[1]]); "
            f"print(*[m for m in {modules!r} if m in sys.modules])")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "c")}
    runs = [subprocess.run([sys.executable, "-c", code, str(tmp_path / f"{n}.json")], capture_output=True,
                           text=True, env=env, check=False).stdout.split() for n in range(2)]
    assert "lark" in runs[0] or kind == "cloudformation"  # the cold run parsed HCL: the test can tell
    assert runs[1] == []
    first, second = (json.loads((tmp_path / f"{n}.json").read_text(encoding="utf-8")) for n in range(2))
    assert second["summary"]["resources"] == first["summary"]["resources"] > 0
    assert second["findings"] == first["findings"]


def test_entries_unused_for_a_month_are_pruned_once_a_day(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)
    cache.put("hcl", b"old", {"v": 1})
    cache.put("hcl", b"used", {"v": 2})
    cache.put("hcl", b"new", {"v": 3})
    month_ago = time.time() - 31 * 86400
    for data in (b"old", b"used"):
        os.utime(cache._path("hcl", data), (month_ago, month_ago))
    assert cache.get("hcl", b"used") == {"v": 2}  # a hit counts as a use
    assert cache.prune() == 1
    assert cache.get("hcl", b"old") is None
    assert cache.get("hcl", b"used") == {"v": 2} and cache.get("hcl", b"new") == {"v": 3}
    os.utime(cache._path("hcl", b"new"), (month_ago, month_ago))
    assert cache.prune() == 0  # already pruned today
    assert ParseCache(tmp_path, enabled=False).prune() == 0


def test_an_entry_made_under_another_limit_on_int_digits_is_not_used(tmp_path: Path) -> None:
    """A number of more digits than Python's limit reads as a float."""
    if not hasattr(sys, "set_int_max_str_digits"):
        pytest.skip("this Python has no limit on int digits")
    cache = ParseCache(tmp_path)
    cache.put("hcl", b"text", {"tree": 1})
    before = sys.get_int_max_str_digits()
    try:
        sys.set_int_max_str_digits(before * 2 if before else 5000)
        assert cache.get("hcl", b"text") is None
    finally:
        sys.set_int_max_str_digits(before)
    assert cache.get("hcl", b"text") == {"tree": 1}


def test_an_entry_made_by_other_code_is_not_used(tmp_path: Path, monkeypatch) -> None:
    """The version changes only with a release: an edited or reinstalled
    copy of iacguard must not read what the previous code made of a file."""
    from iacguard import cache as cache_module

    made_here = ParseCache(tmp_path)
    made_here.put("hcl", b"text", {"tree": 1})
    code_free = ParseCache(tmp_path, by_code=False)
    code_free.put("tables", b"grammar", {"tables": 2})
    assert made_here.get("hcl", b"text") == {"tree": 1}
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "other code")
    assert ParseCache(tmp_path).get("hcl", b"text") is None
    assert ParseCache(tmp_path, by_code=False).get("tables", b"grammar") == {"tables": 2}


def test_the_code_fingerprint_follows_each_module(tmp_path: Path) -> None:
    from iacguard.cache import fingerprint_of

    package = tmp_path / "package"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("A = 1\n")
    (package / "sub" / "b.py").write_text("B = 1\n")
    (package / "notes.txt").write_text("not code\n")
    first = fingerprint_of(package)
    assert fingerprint_of(package) == first
    (package / "notes.txt").write_text("still not code\n")
    os.utime(package / "a.py", ns=(0, 0))  # some installs set every time alike
    assert fingerprint_of(package) == first
    seen = [first]
    (package / "sub" / "b.py").write_text("B = 2\n")  # same size, other content
    seen.append(fingerprint_of(package))
    (package / "c.py").write_text("")  # another module
    seen.append(fingerprint_of(package))
    (package / "c.py").rename(package / "sub" / "c.py")  # moved
    seen.append(fingerprint_of(package))
    assert len(set(seen)) == 4
