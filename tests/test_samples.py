"""docs/samples/ is what the bundled examples give: made again here and
compared, so the samples never drift from the code.

After a change that alters them on purpose (a new check, a new layout):

    IACGUARD_UPDATE_SAMPLES=1 pytest tests/test_samples.py

The examples are copied outside any git repository, and the time is fixed
(SOURCE_DATE_EPOCH), so the samples name no commit and no day. The digests
of the check set and configuration are compared as placeholders: they change
with every check, which is not what the samples show.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "docs" / "samples"
# name, arguments
OUTPUTS = [
    ("compliance.md", ["--format", "markdown", "--lang", "en"]),
    ("compliance.html", ["--format", "html", "--lang", "en"]),
    ("compliance.ja.html", ["--format", "html", "--lang", "ja"]),
    ("examples.sarif", ["--format", "sarif", "--lang", "en"]),
]
_DIGEST = re.compile(r"\b[0-9a-f]{64}\b")
# The SARIF run names the directory it ran in: the same placeholder always.
_SRCROOT = re.compile(r'"uri": "file://[^"]*/"')


def _normalised(text: str) -> str:
    return _DIGEST.sub("<sha256>", _SRCROOT.sub('"uri": "file:///project/"', text))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples scanned from a directory outside any repository."""
    work = tmp_path_factory.mktemp("samples")
    shutil.copytree(ROOT / "examples", work / "examples")
    return work


@pytest.mark.parametrize("name, args", OUTPUTS, ids=[n for n, _ in OUTPUTS])
def test_sample_is_what_the_examples_give(made: Path, name: str, args: List[str], run,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    out = made / name
    code, _, err = run(["scan", "examples", *args, "--output", str(out), "--no-cache"], made)
    assert code == 1, err
    text = _SRCROOT.sub('"uri": "file:///project/"', out.read_text(encoding="utf-8"))
    if os.environ.get("IACGUARD_UPDATE_SAMPLES") == "1":
        (SAMPLES / name).write_text(text, encoding="utf-8")
    assert _normalised((SAMPLES / name).read_text(encoding="utf-8")) == _normalised(text), (
        f"docs/samples/{name} differs from what the examples give; if that is intended, regenerate it: "
        "IACGUARD_UPDATE_SAMPLES=1 pytest tests/test_samples.py")
