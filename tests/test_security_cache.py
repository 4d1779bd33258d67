"""A planted cache entry is data at worst: reading one never runs anything."""

from __future__ import annotations

import os
import pickle
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from iacguard.cache import ParseCache
from iacguard.engine.checks import load_checks
from iacguard.plain_data import Codec
from iacguard.scan import ScanOptions, scan

CHECKS = load_checks()
BUCKET = 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n'


def _short(text: bytes) -> bytes:
    return b"\x8c" + bytes([len(text)]) + text


def _eval_pickle(code: str) -> bytes:
    """The bypass of the old restricted unpickler: a dotted name inside an
    allowed module (``field.__builtins__.get``) reaches ``eval``."""
    return (b"\x80\x04" + _short(b"iacguard.parsers.terraform.ast") + _short(b"field.__builtins__.get")
            + b"\x93" + _short(b"eval") + b"\x85R" + _short(code.encode()) + b"\x85R.")


def test_a_planted_pickle_entry_does_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.tf").write_text(BUCKET)
    cache = ParseCache(tmp_path / "cache")
    entry = cache._path("hcl", BUCKET.encode())
    entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    entry.write_bytes(_eval_pickle(f"open({str(marker)!r}, 'w').write('ran')"))
    result = scan(ScanOptions(paths=[str(repo)], cwd=repo, cache=cache), CHECKS)
    assert not marker.exists()
    assert [r.address for r in result.resources] == ["aws_s3_bucket.b"]  # parsed afresh
    assert cache.get("hcl", BUCKET.encode()) is not None  # and stored again, as data


def test_an_entry_naming_a_class_it_was_not_given_is_refused() -> None:
    codec = Codec()
    for planted in (b'{"\\u0000os.system": ["echo pwned"]}', b'{"\\u0000@": 3}', b'{"\\u0000t": 5}'):
        with pytest.raises(ValueError):
            codec.loads(planted)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX ownership")
def test_the_cache_directory_is_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        cache = ParseCache(tmp_path / "fresh" / "iacguard")
        cache.put("hcl", b"x = 1", {"v": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "fresh" / "iacguard").stat().st_mode) == 0o700
    assert cache.get("hcl", b"x = 1") == {"v": 1}


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX ownership")
def test_a_cache_directory_others_can_write_is_not_used(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    ParseCache(shared).put("hcl", b"x = 1", {"v": 1})
    os.chmod(shared, 0o777)
    cache = ParseCache(shared)
    assert cache.get("hcl", b"x = 1") is None
    cache.put("hcl", b"y = 1", {"v": 2})
    assert cache.get("hcl", b"y = 1") is None and cache.refused


def test_a_cache_directory_owned_by_someone_else_is_not_used(tmp_path: Path, monkeypatch) -> None:
    if not hasattr(os, "geteuid"):
        pytest.skip("POSIX ownership")
    ParseCache(tmp_path / "c").put("hcl", b"x = 1", {"v": 1})
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(tmp_path).st_uid + 1)
    cache = ParseCache(tmp_path / "c")
    assert cache.get("hcl", b"x = 1") is None and "owned by" in (cache.refused or "")


def test_shared_parts_stay_shared_and_cycles_are_not_stored() -> None:
    codec = Codec()
    part = {"k": [1, 2]}
    value = codec.loads(codec.dumps([part, part, (part,), {1: part}]))
    assert value == [part, part, (part,), {1: part}]
    assert value[0] is value[1] is value[2][0] is value[3][1]
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError):
        codec.dumps(loop)
    assert codec.loads(codec.dumps({"\0t": 1})) == {"\0t": 1}
    assert codec.loads(codec.dumps(float("inf"))) == float("inf")
    inner: dict = {}
    inner["x"] = (inner,)  # a cycle through a tuple in a dict
    with pytest.raises(ValueError):
        codec.dumps({"a": inner})
    with pytest.raises(TypeError):
        codec.dumps([1, object()])


def test_the_stored_form_is_fixed() -> None:
    """Entries written by one version of the writer read back in another:
    the form is pinned, tags, shared parts and key escapes included."""
    import datetime

    part = {"k": [1, 2]}
    value = [part, part, (part, "x"), {1: part, "n": None}, {"\0t": 1}, datetime.date(2026, 12, 7), 1.5, True]
    assert Codec().dumps(value) == (
        b'[{"\\u0000=":[0,{"k":[1,2]}]},{"\\u0000@":0},{"\\u0000t":[{"\\u0000@":0},"x"]},'
        b'{"\\u0000d":[1,{"\\u0000@":0},"n",null]},{"\\u0000d":["\\u0000t",1]},{"\\u0000date":"2026-12-07"},1.5,true]')


def _python(code: str, tmp: Path, cache: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, TMPDIR=str(tmp), XDG_CACHE_HOME=str(cache))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)


def test_lark_grammar_tables_in_the_shared_temp_dir_are_not_loaded(tmp_path: Path) -> None:
    """Lark's own cache is a pickle with a predictable name in the temporary
    directory; another local user plants one and the next scan loads it."""
    shared_tmp = tmp_path / "tmp"
    shared_tmp.mkdir()
    # What Lark itself leaves there for the grammar and options iacguard used.
    made = _python("import os, hcl2; from lark import Lark; from hcl2.postlexer import PostLexer; "
                   "Lark.open(os.path.join(os.path.dirname(hcl2.__file__), 'hcl2.lark'), parser='lalr', "
                   "propagate_positions=False, postlex=PostLexer(), cache=True)", shared_tmp, tmp_path / "c0")
    assert made.returncode == 0, made.stderr
    planted = list(shared_tmp.glob(".lark*"))
    assert planted
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Marker(str(marker)))
    for path in planted:
        digest = path.read_bytes().split(b"\n", 1)[0]
        path.write_bytes(digest + b"\n" + payload)
    code = ("from iacguard.parsers.terraform.syntax import parse_hcl; "
            "print(parse_hcl('a = 1\\n').attributes[0].name)")
    cache = tmp_path / "cache"
    for _ in range(2):  # building the tables, then loading them from our cache
        scan = _python(code, shared_tmp, cache)
        assert scan.returncode == 0 and scan.stdout.strip() == "a", scan.stderr
        assert not marker.exists()
    assert list((cache / "iacguard").glob("*/*.json"))  # our cache holds the tables


class _Marker:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (eval, (f"open({self.path!r}, 'w').write('ran')",))
