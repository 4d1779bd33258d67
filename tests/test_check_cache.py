"""The compiled check set in the cache: a warm start reads one entry instead
of every check file, gives the same checks as a cold one, misses when a
check file changes, ignores (with a warning) an entry that is corrupt or not
ours, and holds data only."""

from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path
from typing import Any, List, Set

import pytest

from iacguard.cache import ParseCache
from iacguard.engine import checks as checks_module
from iacguard.engine.checks import CheckSet, load_checks

CHECK = textwrap.dedent("""\
    id: ACME-S3-001
    severity: {severity}
    provider: aws
    title: {{en: Bucket versioning, ja: バケットのバージョニング}}
    description: {{en: d, ja: 説明}}
    remediation: {{en: r, ja: 対処}}
    controls: [NISC-4.1.5-1]
    clauses:
      - formats: [terraform]
        resource_types: [aws_s3_bucket]
        when: {{path: bucket, exists: true}}
        violation: {{any: [{{path: versioning.enabled, equals: false, default: false}},
                           {{path: acl, in: [public-read, public-read-write]}}]}}
    """)
HOUR_NS = 3600 * 10**9


def _user_checks(directory: Path, severity: str = "HIGH", settled: bool = True) -> Path:
    """A user checks directory of one check file; ``settled``: last changed
    an hour ago (a file changed just now is never keyed by its metadata)."""
    directory.mkdir(exist_ok=True)
    path = directory / "acme-s3-001.yaml"
    path.write_text(CHECK.format(severity=severity), encoding="utf-8")
    if settled:
        past = time.time_ns() - HOUR_NS
        os.utime(path, ns=(past, past))
    return directory


def _age_ctime(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files of a test are all changed just now (their change time cannot be
    set back): let the loader see the clock an hour later."""
    real = time.time_ns
    monkeypatch.setattr(checks_module.time, "time_ns", lambda: real() + HOUR_NS)


def _summary(checkset: CheckSet) -> List[Any]:
    return [(c.id, c.severity, c.source, c.title, c.description, c.remediation, c.controls, c.cis,
             c.mic_category, c.severity_rationale, c.references, c.requires, c.redact_values,
             [(k.formats, k.resource_types, k.violation_spec, k.when_spec, k.message, k.predicates,
               type(k.violation).__name__, type(k.when).__name__) for k in c.clauses])
            for c in checkset.checks]


def _entries(cache_dir: Path) -> List[Path]:
    return sorted(p for p in cache_dir.glob("*/*.json"))


def test_a_warm_load_gives_the_checks_of_a_cold_one_without_reading_check_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = _user_checks(tmp_path / "user")
    _age_ctime(monkeypatch)
    cold = load_checks([user], cache=ParseCache(tmp_path / "cache"))
    assert cold.by_id()["ACME-S3-001"].severity == "HIGH"

    def no_reading(*_args: Any, **_kwargs: Any) -> str:
        raise AssertionError("a warm load read a check file")

    monkeypatch.setattr(checks_module, "read_text", no_reading)
    monkeypatch.setattr(checks_module, "read_reference", no_reading)
    cache = ParseCache(tmp_path / "cache")
    warm = load_checks([user], cache=cache)
    assert cache.hits == 4 and cache.misses == 0  # metadata -> contents, for each of two directories
    assert _summary(warm) == _summary(cold)
    assert warm.checks == cold.checks
    assert warm.aliases == cold.aliases and set(warm.predicates) == set(cold.predicates)
    assert warm.digest() == cold.digest()
    assert warm.by_id()["ACME-S3-001"].source == str(user / "acme-s3-001.yaml")


def test_conditions_of_a_warm_load_are_compiled_on_first_use(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    user = _user_checks(tmp_path / "user")
    _age_ctime(monkeypatch)
    load_checks([user], cache=ParseCache(tmp_path / "cache"))
    compiled: List[Any] = []
    real = checks_module.compile_condition
    monkeypatch.setattr(checks_module, "compile_condition", lambda spec: compiled.append(spec) or real(spec))
    warm = load_checks([user], cache=ParseCache(tmp_path / "cache"))
    assert compiled == []
    clause = warm.by_id()["ACME-S3-001"].clauses[0]
    assert type(clause.violation).__name__ == "Any_" and type(clause.when).__name__ == "Leaf"
    assert compiled == [clause.violation_spec, clause.when_spec]
    clause.violation  # noqa: B018 - compiled once, then kept
    assert len(compiled) == 2


def test_a_changed_check_file_misses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = _user_checks(tmp_path / "user", "HIGH")
    _age_ctime(monkeypatch)
    assert load_checks([user], cache=ParseCache(tmp_path / "cache")).by_id()["ACME-S3-001"].severity == "HIGH"
    # Same size, modification time put back: the change time still differs.
    path = user / "acme-s3-001.yaml"
    before = path.stat()
    time.sleep(0.01)
    path.write_text(CHECK.format(severity="LOW "), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert load_checks([user], cache=ParseCache(tmp_path / "cache")).by_id()["ACME-S3-001"].severity == "LOW"
    # A new file is a new check set too.
    (user / "acme-s3-002.yaml").write_text(CHECK.format(severity="MEDIUM").replace("001", "002"),
                                           encoding="utf-8")
    assert "ACME-S3-002" in load_checks([user], cache=ParseCache(tmp_path / "cache")).by_id()


def test_a_file_changed_just_now_is_not_keyed_by_its_metadata(tmp_path: Path) -> None:
    user = _user_checks(tmp_path / "user", settled=False)
    cache = ParseCache(tmp_path / "cache")
    load_checks([user], include_builtin=False, cache=cache)
    assert len(_entries(tmp_path / "cache")) == 1  # the contents' entry only
    warm = ParseCache(tmp_path / "cache")
    load_checks([user], include_builtin=False, cache=warm)
    assert (warm.hits, warm.misses) == (1, 1)


@pytest.mark.parametrize("planted", [b"{not json", b'{"\\u0000os.system": ["echo pwned"]}',
                                     b"\x80\x04\x95\x00\x00\x00."])
def test_a_corrupt_entry_is_ignored_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   planted: bytes) -> None:
    user = _user_checks(tmp_path / "user")
    _age_ctime(monkeypatch)
    cold = load_checks([user], include_builtin=False, cache=ParseCache(tmp_path / "cache"))
    entries = _entries(tmp_path / "cache")
    assert len(entries) == 2
    for entry in entries:
        entry.write_bytes(planted)
    cache = ParseCache(tmp_path / "cache")
    again = load_checks([user], include_builtin=False, cache=cache)
    assert _summary(again) == _summary(cold)
    assert sorted(n.split()[3] for n in cache.notes) == [str(e) for e in entries]
    assert all(n.endswith(")") and "was ignored: it is not readable (" in n for n in cache.notes)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX ownership")
def test_an_entry_owned_by_another_user_is_ignored_with_a_warning(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    user = _user_checks(tmp_path / "user")
    _age_ctime(monkeypatch)
    cold = load_checks([user], include_builtin=False, cache=ParseCache(tmp_path / "cache"))
    cache = ParseCache(tmp_path / "cache")
    assert cache.usable()  # the directory is ours; its entries now seem someone else's
    uid = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: uid + 1)
    again = load_checks([user], include_builtin=False, cache=cache)
    assert _summary(again) == _summary(cold)
    assert cache.hits == 0
    assert len(cache.notes) == 2  # the metadata's entry and the contents' one
    assert all(n.endswith(f"was ignored: it is owned by another user (uid {uid})") for n in cache.notes)


def test_the_cli_shows_the_warning_for_an_ignored_entry(tmp_path: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    run(["scan", ".", "--format", "json", "--output", str(tmp_path / "first.json")], repo)
    entries = _entries(tmp_path / "xdg" / "iacguard")
    assert entries
    for entry in entries:
        entry.write_bytes(b"{not json")
    code, _, err = run(["scan", ".", "--format", "json", "--output", str(tmp_path / "second.json")], repo)
    assert code == 1
    assert "iacguard: warning: the cache entry " in err and "was ignored: it is not readable" in err
    first = json.loads((tmp_path / "first.json").read_text(encoding="utf-8"))
    second = json.loads((tmp_path / "second.json").read_text(encoding="utf-8"))
    assert [f["check_id"] for f in second["findings"]] == [f["check_id"] for f in first["findings"]]


def _tags(value: Any, into: Set[str]) -> Set[str]:
    if isinstance(value, dict):
        into.update(k for k in value if k.startswith("\0"))
        for item in value.values():
            _tags(item, into)
    elif isinstance(value, list):
        for item in value:
            _tags(item, into)
    return into


def test_the_compiled_entry_holds_data_only(tmp_path: Path) -> None:
    load_checks(cache=ParseCache(tmp_path / "cache"))
    entries = _entries(tmp_path / "cache")
    assert entries
    tags: Set[str] = set()
    for entry in entries:
        _tags(json.loads(entry.read_bytes()), tags)  # JSON: no pickle, no code object
    # Our three model classes and the codec's containers; no condition,
    # predicate or any other class.
    assert {t for t in tags if t[1:2].isupper()} == {"\0CompiledDirectory", "\0Check", "\0Clause"}
    assert tags <= {"\0CompiledDirectory", "\0Check", "\0Clause", "\0t", "\0d", "\0=", "\0@", "\0date",
                    "\0datetime"}
