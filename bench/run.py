"""Benchmark iacguard (and, optionally, Checkov) on the same trees, in one run.

For each tree (every directory of the corpus, and optionally a generated
synthetic tree of N modules x M resources) iacguard runs once with an empty
cache (first: what the very first scan after installing pays, the HCL parse
tables and the compiled check set included), several times with a cache
holding only those one-time pieces (cold: a tree never scanned before) and
with a cache filled by a scan of the tree (warm); Checkov runs
--checkov-runs times (default as many).
Before the trees, a warm scan of one small file of each format measures
what every scan pays (start-up, imports, the check set, a report).
The table (Markdown, for bench/README.md) shows the medians, the speed and
peak-memory ratios and whether each target holds: cold >= 20x and warm >= 50x
faster than Checkov on trees where Checkov needs 10 s or more, >= 8x and
>= 15x below that, and at most half Checkov's peak RSS. Results, with the
machine and the date, go to a JSON file. This is a benchmark, not a test.

    python bench/run.py --corpus ../shared/corpus --runs 3 \\
        --checkov /path/to/venv/bin/checkov --output bench/results/latest.json
    python bench/run.py --synthetic 10,100,1000 --resources 20
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None  # GNU time
# Checkov's own time decides which targets of the issue apply.
SLOW_CHECKOV_SECONDS = 10.0
TARGETS = {"slow": (20.0, 50.0), "fast": (8.0, 15.0)}  # (cold, warm) speed-up over Checkov
MEMORY_TARGET = 0.5  # our peak RSS at most this share of Checkov's


def child_env(**extra: str) -> Dict[str, str]:
    """The environment of a measured command: as installed, with bytecode
    caching on (without it every run compiles the whole package first)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


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


def installation_cache(workdir: Path) -> Path:
    """A cache holding only what one installation builds once, whatever it
    scans later: the HCL parse tables and the compiled check set (made by a
    scan of one small template of each format)."""
    tree, cache = workdir / "installation-tree", workdir / "installation-cache"
    tree.mkdir()
    (tree / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n')
    (tree / "template.yaml").write_text('Resources:\n  B:\n    Type: AWS::S3::Bucket\n')
    (tree / "azuredeploy.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "resources": []}))
    measure([sys.executable, "-m", "iacguard", "scan", str(tree), "--format", "json", "--output",
             str(workdir / "installation.json")], env=child_env(XDG_CACHE_HOME=str(cache)))
    return cache


def iacguard_run(tree: Path, runs: int, warm_cache: Optional[Path], seed: Optional[Path] = None) -> Dict[str, Any]:
    """Median wall time and peak RSS of ``runs`` scans of ``tree``: each with
    a fresh cache (empty, or a copy of ``seed``), or (``warm_cache``) with
    that cache filled by a first, unmeasured scan."""
    samples = []
    summary: Dict[str, Any] = {}
    for number in range(runs + (1 if warm_cache else 0)):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "report.json"
            argv = [sys.executable, "-m", "iacguard", "scan", str(tree), "--format", "json", "--output", str(out)]
            if warm_cache is None and seed is not None:
                shutil.copytree(seed, Path(tmp) / "cache")
            result = measure(argv, env=child_env(XDG_CACHE_HOME=str(warm_cache or Path(tmp) / "cache")))
            if result["exit"] not in (0, 1):
                raise RuntimeError(f"iacguard failed on {tree}: {result['stderr'][-500:]!r}")
            summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
            if warm_cache is None or number > 0:
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
        result = measure([checkov, "-d", str(tree), "-o", "json", "--quiet", "--compact", "--skip-download"],
                         env=child_env())
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
        "exit": samples[-1]["exit"],
    }


def compare(cold: Dict[str, Any], warm: Dict[str, Any], checkov: Dict[str, Any]) -> Dict[str, Any]:
    """Speed and memory ratios against Checkov, and which targets hold."""
    band = "slow" if checkov["seconds"] >= SLOW_CHECKOV_SECONDS else "fast"
    cold_target, warm_target = TARGETS[band]
    ours_rss = max(cold["rss_mib"], warm["rss_mib"])  # the first run's is reported beside
    cold_ratio = checkov["seconds"] / cold["seconds"]
    warm_ratio = checkov["seconds"] / warm["seconds"]
    memory_ratio = ours_rss / checkov["rss_mib"] if checkov["rss_mib"] else math.inf
    return {"band": band, "cold_ratio": cold_ratio, "warm_ratio": warm_ratio, "memory_ratio": memory_ratio,
            "targets": {f"cold>={cold_target:g}x": cold_ratio >= cold_target,
                        f"warm>={warm_target:g}x": warm_ratio >= warm_target,
                        "rss<=1/2": memory_ratio <= MEMORY_TARGET}}


def machine() -> Dict[str, Any]:
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": platform.machine(), "system": platform.system(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "load_average": list(os.getloadavg())}


def checkov_version(checkov: str) -> str:
    try:
        done = subprocess.run([checkov, "--version"], capture_output=True, text=True, timeout=120,
                              env=child_env())
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unknown ({exc})"
    return done.stdout.strip() or "unknown"


COLUMNS = ("tree", "files", "res", "first s", "cold s", "warm s", "RSS MiB")
CHECKOV_COLUMNS = ("Checkov s", "RSS MiB", "cold x", "warm x", "RSS ratio", "targets")


def table_row(label: str, row: Dict[str, Any]) -> List[str]:
    cold, warm = row["cold"], row["warm"]
    cells = [label, str(cold["files"]), str(cold["resources"]), f"{row['first']['seconds']:.2f}",
             f"{cold['seconds']:.2f}", f"{warm['seconds']:.2f}",
             f"{max(row['first']['rss_mib'], cold['rss_mib'], warm['rss_mib']):.0f}"]
    if "checkov" in row:
        theirs, versus = row["checkov"], row["versus"]
        held = " ".join(f"{name} {'yes' if ok else 'NO'}" for name, ok in versus["targets"].items())
        cells += [f"{theirs['seconds']:.2f}", f"{theirs['rss_mib']:.0f}", f"{versus['cold_ratio']:.1f}",
                  f"{versus['warm_ratio']:.1f}", f"{versus['memory_ratio']:.2f}", held]
    return cells


def markdown_line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


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
                body.append(f'resource "aws_s3_bucket" "b{m}" {{\n  bucket = "bucket-{n}-{m}"\n'
                            f'  acl    = var.acl\n}}\n')
            elif kind == 1:
                body.append(f'resource "aws_security_group" "sg{m}" {{\n  ingress {{\n    from_port   = 22\n'
                            f'    to_port     = 22\n    protocol    = "tcp"\n    cidr_blocks = [var.cidr]\n  }}\n}}\n')
            else:
                body.append(f'resource "aws_ebs_volume" "v{m}" {{\n  availability_zone = "ap-northeast-1a"\n'
                            f'  size = {m + 1}\n  encrypted = {str(m % 2 == 0).lower()}\n}}\n')
        (directory / "main.tf").write_text("".join(body), encoding="utf-8")
        acl = "public-read" if n % 5 == 0 else "private"
        calls.append(f'module "m{n}" {{\n  source = "./modules/m{n}"\n  acl = "{acl}"\n}}\n')
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
    parser.add_argument("--checkov", help="path to a checkov executable (in its own virtualenv)")
    parser.add_argument("--checkov-runs", type=int, help="Checkov runs per tree (default: --runs)")
    parser.add_argument("--synthetic", help="comma-separated module counts N for synthetic trees")
    parser.add_argument("--resources", type=int, default=20, help="resources per synthetic module (M)")
    parser.add_argument("--output", type=Path, default=Path("bench/results/latest.json"))
    args = parser.parse_args(argv)

    trees: List[Tuple[str, Path]] = []
    if args.corpus:
        wanted = set(args.trees.split(",")) if args.trees else None
        trees = [(p.name, p) for p in sorted(args.corpus.iterdir())
                 if p.is_dir() and (wanted is None or p.name in wanted)]
    workdir = Path(tempfile.mkdtemp(prefix="iacguard-bench-"))
    synthetic = []
    if args.synthetic:
        for n in (int(x) for x in args.synthetic.split(",")):
            synthetic.append((n, synthetic_tree(workdir, n, args.resources)))
    trees += [(t.name, t) for _, t in synthetic]

    results: Dict[str, Any] = {"runs": args.runs, **machine(), "trees": {}}
    if args.checkov:
        results["checkov_version"] = checkov_version(args.checkov)
    columns = COLUMNS + (CHECKOV_COLUMNS if args.checkov else ())
    print(f"{results['date']}, {results['machine']} x{results['cpus']}, load {results['load_average'][0]:.1f}, "
          f"median of {args.runs}" + (f", Checkov {results.get('checkov_version')}" if args.checkov else ""))
    print(markdown_line(columns))
    print(markdown_line(["---"] * len(columns)))
    installed = installation_cache(workdir)
    # What every scan pays whatever it reads: start-up, imports of the three
    # readers, the check set, a report (a warm scan of three one-resource files).
    floor = iacguard_run(workdir / "installation-tree", args.runs, workdir / "cache-floor")
    results["fixed_cost_seconds"] = floor["seconds"]
    print(f"fixed cost of a scan (one small file of each format, warm): {floor['seconds']:.2f} s")
    for label, tree in trees:
        row: Dict[str, Any] = {"first": iacguard_run(tree, 1, None),
                               "cold": iacguard_run(tree, args.runs, None, seed=installed),
                               "warm": iacguard_run(tree, args.runs, workdir / f"cache-{label}")}
        if args.checkov:
            row["checkov"] = checkov_run(args.checkov, tree, args.checkov_runs or args.runs)
            row["versus"] = compare(row["cold"], row["warm"], row["checkov"])
        print(markdown_line(table_row(label, row)), flush=True)
        results["trees"][label] = row
    if len(synthetic) >= 2:
        points = [(n * args.resources, results["trees"][t.name]["cold"]["seconds"]) for n, t in synthetic]
        results["synthetic_exponent"] = fitted_exponent(points)
        print(f"time grows as size^{results['synthetic_exponent']:.2f} over {[n for n, _ in synthetic]} modules")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
