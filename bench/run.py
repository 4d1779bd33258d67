"""Benchmark iacguard (and, optionally, Checkov) on the same trees, in one run.

For each tree (every directory of the corpus, and optionally a generated
synthetic tree of N modules x M resources) the command is run several times;
the table shows the median wall time, peak RSS, files, resources, checks run
and findings, and for Checkov the same and the ratio. Results go to a JSON
file. This is a benchmark, not a test.

    python bench/run.py --corpus ../shared/corpus --runs 3 \\
        --checkov /path/to/venv/bin/checkov --output bench/results.json
    python bench/run.py --synthetic 10,100,1000 --resources 20
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence


_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None  # GNU time


def measure(argv: Sequence[str], cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """Wall time and peak RSS of one child process (its output goes to files,
    so a large report cannot block it on a full pipe).

    Linux carries a process's peak RSS across fork and exec, so a child
    forked straight from this (large) process would report at least our own
    peak; GNU time forks the command from a small process and reports its own."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".rss") as rss:
        command = list(argv)
        if _TIME:
            command = [_TIME, "-f", "%M", "-o", rss.name] + command
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        exit_code = os.waitstatus_to_exitcode(status)
        peak_kib = usage.ru_maxrss
        if _TIME:
            lines = Path(rss.name).read_text().strip().splitlines()
            if lines and lines[-1].isdigit():
                peak_kib = int(lines[-1])
            if lines and lines[0].startswith("Command exited with non-zero status"):
                exit_code = int(lines[0].rsplit(" ", 1)[1])
        out.seek(0)
        err.seek(0)
        return {"seconds": wall, "rss_mib": peak_kib / 1024, "exit": exit_code,
                "stdout": out.read(), "stderr": err.read()}


def iacguard_run(tree: Path, cache: str, runs: int) -> Dict[str, Any]:
    samples = []
    summary: Dict[str, Any] = {}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "report.json"
            argv = [sys.executable, "-m", "iacguard", "scan", str(tree), "--format", "json", "--output", str(out)]
            env = dict(os.environ)
            if cache == "none":
                argv.append("--no-cache")
            elif cache == "cold":
                env["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")  # an empty cache each run
            result = measure(argv, env=env)
            if result["exit"] not in (0, 1):
                raise RuntimeError(f"iacguard failed on {tree}: {result['stderr'][-500:]!r}")
            summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
            samples.append(result)
    return {
        "seconds": statistics.median(s["seconds"] for s in samples),
        "rss_mib": max(s["rss_mib"] for s in samples),
        "files": summary.get("files"),
        "resources": summary.get("resources"),
        "checks_run": summary.get("checks_run"),
        "findings": summary.get("failed"),
    }


def checkov_run(checkov: str, tree: Path, runs: int) -> Dict[str, Any]:
    samples = []
    reports: Any = []
    for _ in range(runs):
        result = measure([checkov, "-d", str(tree), "-o", "json", "--quiet", "--compact", "--skip-download"])
        try:
            reports = json.loads(result["stdout"] or b"[]")
        except ValueError:
            reports = []
        samples.append(result)
    reports = reports if isinstance(reports, list) else [reports]
    summaries = [r.get("summary", {}) for r in reports if isinstance(r, dict)]
    return {
        "seconds": statistics.median(s["seconds"] for s in samples),
        "rss_mib": max(s["rss_mib"] for s in samples),
        "resources": sum(s.get("resource_count", 0) for s in summaries),
        "findings": sum(s.get("failed", 0) for s in summaries),
        "checks_run": None,
        "files": None,
    }


def synthetic_tree(root: Path, modules: int, resources: int) -> Path:
    """N module directories of M resources each, called from one root module."""
    tree = root / f"synthetic-{modules}x{resources}"
    if tree.exists():
        shutil.rmtree(tree)
    (tree / "modules").mkdir(parents=True)
    calls = []
    for n in range(modules):
        directory = tree / "modules" / f"m{n}"
        directory.mkdir()
        body = ['variable "acl" {\n  default = "private"\n}\n', 'variable "cidr" {\n  default = "10.0.0.0/8"\n}\n']
        for m in range(resources):
            kind = m % 3
            if kind == 0:
                body.append(f'resource "aws_s3_bucket" "b{m}" {{\n  bucket = "bucket-{n}-{m}"\n  acl    = var.acl\n}}\n')
            elif kind == 1:
                body.append(f'resource "aws_security_group" "sg{m}" {{\n  ingress {{\n    from_port   = 22\n'
                            f'    to_port     = 22\n    protocol    = "tcp"\n    cidr_blocks = [var.cidr]\n  }}\n}}\n')
            else:
                body.append(f'resource "aws_ebs_volume" "v{m}" {{\n  availability_zone = "ap-northeast-1a"\n'
                            f'  size = {m + 1}\n  encrypted = {str(m % 2 == 0).lower()}\n}}\n')
        (directory / "main.tf").write_text("".join(body), encoding="utf-8")
        calls.append(f'module "m{n}" {{\n  source = "./modules/m{n}"\n  acl = "{"public-read" if n % 5 == 0 else "private"}"\n}}\n')
    (tree / "main.tf").write_text("".join(calls), encoding="utf-8")
    return tree


def fitted_exponent(points: List[tuple]) -> Optional[float]:
    """Slope of log(time) against log(size): 1.0 is linear growth."""
    usable = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(usable) < 2:
        return None
    mean_x = sum(x for x, _ in usable) / len(usable)
    mean_y = sum(y for _, y in usable) / len(usable)
    num = sum((x - mean_x) * (y - mean_y) for x, y in usable)
    den = sum((x - mean_x) ** 2 for x, _ in usable)
    return num / den if den else None


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, help="directory whose subdirectories are the trees")
    parser.add_argument("--trees", help="comma-separated subset of corpus trees")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", choices=("cold", "warm", "none"), default="cold",
                        help="cold: an empty parse cache per run; warm: the user cache; none: --no-cache")
    parser.add_argument("--checkov", help="path to a checkov executable (in its own virtualenv)")
    parser.add_argument("--synthetic", help="comma-separated module counts N for synthetic trees")
    parser.add_argument("--resources", type=int, default=20, help="resources per synthetic module (M)")
    parser.add_argument("--output", type=Path, default=Path("bench/results/latest.json"))
    args = parser.parse_args(argv)

    trees: List[Path] = []
    if args.corpus:
        wanted = set(args.trees.split(",")) if args.trees else None
        trees = [p for p in sorted(args.corpus.iterdir()) if p.is_dir() and (wanted is None or p.name in wanted)]
    workdir = Path(tempfile.mkdtemp(prefix="iacguard-bench-"))
    synthetic = []
    if args.synthetic:
        for n in (int(x) for x in args.synthetic.split(",")):
            synthetic.append((n, synthetic_tree(workdir, n, args.resources)))
    if args.cache == "warm":
        for tree in trees + [t for _, t in synthetic]:
            iacguard_run(tree, "warm", 1)  # fill the cache first

    results: Dict[str, Any] = {"runs": args.runs, "cache": args.cache, "trees": {}}
    header = f"{'tree':<30} {'iacguard s':>10} {'RSS MiB':>8} {'files':>6} {'res':>6} {'checks':>6} {'find':>6}"
    if args.checkov:
        header += f" {'checkov s':>10} {'RSS MiB':>8} {'ratio':>7} {'mem':>5}"
    print(header)
    for label, tree in [(t.name, t) for t in trees] + [(t.name, t) for _, t in synthetic]:
        row = {"iacguard": iacguard_run(tree, args.cache, args.runs)}
        ours = row["iacguard"]
        line = (f"{label:<30} {ours['seconds']:>10.2f} {ours['rss_mib']:>8.0f} {ours['files']:>6} "
                f"{ours['resources']:>6} {ours['checks_run']:>6} {ours['findings']:>6}")
        if args.checkov:
            theirs = row["checkov"] = checkov_run(args.checkov, tree, args.runs)
            row["speed_ratio"] = theirs["seconds"] / ours["seconds"]
            row["memory_ratio"] = theirs["rss_mib"] / ours["rss_mib"]
            line += (f" {theirs['seconds']:>10.2f} {theirs['rss_mib']:>8.0f} {row['speed_ratio']:>6.1f}x "
                     f"{row['memory_ratio']:>4.1f}x")
        print(line, flush=True)
        results["trees"][label] = row
    if len(synthetic) >= 2:
        points = [(n * args.resources, results["trees"][t.name]["iacguard"]["seconds"]) for n, t in synthetic]
        results["synthetic_exponent"] = fitted_exponent(points)
        print(f"time grows as size^{results['synthetic_exponent']:.2f} over {[n for n, _ in synthetic]} modules")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
