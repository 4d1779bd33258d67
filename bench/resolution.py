"""How much of each tree's configuration iacguard resolves to values.

Counts every leaf attribute value of every resource (lists and maps walked)
and reports how many are known and how many UNKNOWN, with the wall time of
the scan. Usage: python bench/resolution.py DIR [DIR ...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Tuple

from iacguard.engine.checks import load_checks
from iacguard.model import is_unknown
from iacguard.scan import ScanOptions, scan


def count(value: Any) -> Tuple[int, int]:
    """(known, unknown) leaves under value."""
    if is_unknown(value):
        return 0, 1
    if isinstance(value, dict):
        pairs = [count(v) for v in value.values()]
    elif isinstance(value, list):
        pairs = [count(v) for v in value]
    else:
        return 1, 0
    return sum(p[0] for p in pairs), sum(p[1] for p in pairs)


def main(paths) -> None:
    checks = load_checks()
    print(f"{'tree':<40} {'files':>6} {'resources':>9} {'known':>8} {'unknown':>8} {'resolved':>8} {'seconds':>8}")
    for raw in paths:
        root = Path(raw).resolve()
        start = time.perf_counter()
        result = scan(ScanOptions(paths=[str(root)], cwd=root), checks)
        elapsed = time.perf_counter() - start
        known = unknown = 0
        for resource in result.resources:
            k, u = count(resource.attributes)
            known, unknown = known + k, unknown + u
        share = known / (known + unknown) if known + unknown else 0.0
        print(f"{root.name:<40} {len(result.files):>6} {len(result.resources):>9} {known:>8} {unknown:>8} "
              f"{share:>8.1%} {elapsed:>8.2f}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["."])
