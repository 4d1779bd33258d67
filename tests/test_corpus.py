"""Real public repositories: every tree scans to the end, no check raises.

The corpus sits beside the project checkout (``../shared/corpus``) on the
development and CI machines; a user's clone has none and these tests skip.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.engine.checks import load_checks
from iacguard.scan import ScanOptions, scan

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
TREES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []
CHECKSET = load_checks()


@pytest.mark.slow
@pytest.mark.skipif(not TREES, reason="the shared corpus is not present")
@pytest.mark.parametrize("tree", TREES)
def test_corpus_tree_scans_cleanly(tree: str) -> None:
    root = CORPUS / tree
    result = scan(ScanOptions(paths=[str(root)], cwd=root), CHECKSET)
    assert result.check_errors == [], [(e.check_id, e.resource, e.message) for e in result.check_errors[:5]]
    assert result.files, f"{tree}: no template recognised"
    assert result.resources, f"{tree}: no resource read"
    # Parse errors are allowed only where the file really is broken; keep them rare.
    assert len(result.parse_errors) <= max(2, len(result.files) // 50), \
        [(e.file, e.line, e.message) for e in result.parse_errors[:10]]
