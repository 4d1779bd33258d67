"""Does a scan's cost grow with the number of checks? Scan corpus trees with
the built-in checks, then again with a synthetic catalogue of N more checks
(``--checks-dir``), and compare the median wall times. This is a benchmark,
not a test.

The synthetic checks are spread over the resource types the built-in checks
already name (so each one is dispatched to real resources), each with one
ordinary condition, so the extra cost is that of loading, indexing and
dispatching checks, not of matching rare types.

    python bench/catalogue.py --corpus ../shared/corpus --trees eks,terragoat --checks 1000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import child_env, measure  # noqa: E402  (bench/ is not a package)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from iacguard.engine.checks import load_checks  # noqa: E402

CHECK = """id: SYN-{number:04d}
severity: LOW
provider: {provider}
title: {{en: Synthetic check {number}, ja: 合成チェック {number}}}
description: {{en: Benchmark only., ja: 計測専用。}}
remediation: {{en: None., ja: なし。}}
controls: [NISC-4.1.5-1]
clauses:
  - formats: [{fmt}]
    resource_types: ["{rtype}"]
    violation: {{path: synthetic_setting_{number}, equals: true, default: false}}
"""


def builtin_types() -> List[Tuple[str, str, str]]:
    """(provider, format, resource type) of every clause of the built-in checks."""
    seen = []
    for check in load_checks().checks:
        for clause in check.clauses:
            for fmt in clause.formats:
                for rtype in clause.resource_types:
                    if not any(ch in rtype for ch in "*?["):
                        seen.append((check.provider, fmt, rtype))
    return sorted(set(seen))


def write_catalogue(directory: Path, count: int) -> Path:
    directory.mkdir()
    types = builtin_types()
    for number in range(1, count + 1):
        provider, fmt, rtype = types[number % len(types)]
        (directory / f"SYN-{number:04d}.yaml").write_text(
            CHECK.format(number=number, provider=provider, fmt=fmt, rtype=rtype), encoding="utf-8")
    return directory


def median_scan(tree: Path, runs: int, extra: Optional[Path], cache: Path) -> Dict[str, Any]:
    argv = [sys.executable, "-m", "iacguard", "scan", str(tree), "--format", "json", "--output", "/dev/null"]
    if extra is not None:
        argv += ["--checks-dir", str(extra)]
    env = child_env(XDG_CACHE_HOME=str(cache))
    measure(argv, env=env)  # warm the parse cache (and the check files' entries)
    samples = [measure(argv, env=env) for _ in range(runs)]
    for sample in samples:
        if sample["exit"] not in (0, 1):
            raise RuntimeError(sample["stderr"][-500:])
    return {"seconds": statistics.median(s["seconds"] for s in samples),
            "rss_mib": statistics.median(s["rss_mib"] for s in samples)}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--trees", default="eks,aws-cloudformation-templates,terragoat")
    parser.add_argument("--checks", type=int, default=1000, help="synthetic checks to add (at least 1)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=Path("bench/results/results-catalogue.json"))
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        catalogue = write_catalogue(Path(tmp) / "checks", args.checks)
        for name in args.trees.split(","):
            tree = args.corpus / name
            base = median_scan(tree, args.runs, None, Path(tmp) / "cache")
            more = median_scan(tree, args.runs, catalogue, Path(tmp) / "cache")
            rows.append({"tree": name, "builtin": base, "with_synthetic": more,
                         "ratio": more["seconds"] / base["seconds"]})
            print(f"{name:32} built-in {base['seconds']:6.2f} s  +{args.checks} checks "
                  f"{more['seconds']:6.2f} s  x{rows[-1]['ratio']:.2f}  "
                  f"RSS {base['rss_mib']:.0f} -> {more['rss_mib']:.0f} MiB")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"synthetic_checks": args.checks, "runs": args.runs, "trees": rows},
                                      indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
