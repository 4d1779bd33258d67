"""The long-running fuzzer: tests/test_fuzz.py's mutations, at volume.

    python bench/fuzz.py --minutes 10                 # mutation fuzzing, one worker per core
    python bench/fuzz.py --minutes 10 --workers 2 --out fuzz-results
    python bench/fuzz.py --minutes 5 --atheris        # coverage-guided, one process (pip install atheris)

Inputs are the real fixtures (each check's fail/ and pass/, fixtures/_scenarios/)
mutated by the engine of tests/test_fuzz.py - lines, tokens and characters
deleted, duplicated, swapped or spliced with syntax pieces; Unicode and raw
bytes inserted; deep nesting; long lines - stacked one to six at a time.
Inputs that make the scan report something new (a new set of check ids, a new
kind of parse error) are kept and mutated further.

Each input is scanned twice by a worker process (the same invariants as the
tests: nothing escapes, no check or internal error, findings on real lines,
a JSON report that parses, the same report twice). A worker that does not
answer within --timeout seconds is killed: a hang. A worker that dies, or an
invariant that fails, is a crash. Every crashing or hanging input is written
under --out (the whole repository it was scanned as, with the traceback),
a few per distinct signature; the slowest input is kept too. At the end a
summary is printed (and written to summary.json): inputs tried, crashes
(known bugs and new ones, by signature), hangs, the slowest input.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import test_fuzz as engine  # noqa: E402  (the mutation engine and the invariants)

KEEP_PER_SIGNATURE = 3


# -- worker ---------------------------------------------------------------------------


def _cap_memory(megabytes: int) -> None:
    try:
        with open("/proc/self/statm") as handle:
            current = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (current + megabytes * 1024 * 1024, hard))
    except (OSError, ValueError):
        pass


def _outcome_signature(report_text: str) -> str:
    """What a scan said, coarsely: new ones make an input worth keeping."""
    report = json.loads(report_text)
    ids = sorted({f["check_id"] for f in report["findings"]})
    errors = sorted({re.sub(r"[0-9]+|'[^']*'|\"[^\"]*\"", "#", f["message"])[:40]
                     for f in report["findings"] if f["check_id"] == "IACG-000"})
    return json.dumps([ids, errors])


def worker(conn: Any, memory_mb: int, scratch: str) -> None:
    _cap_memory(memory_mb)
    os.makedirs(scratch, exist_ok=True)
    tempfile.tempdir = scratch  # a killed worker leaves its litter here, removed at the end
    seeds = [s for family in sorted(engine.SEEDS) for s in engine.SEEDS[family]]
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        seed_index, data = message
        seed = seeds[seed_index]
        start = time.perf_counter()
        try:
            report = engine.run_example(seed, data)
            conn.send(("ok", time.perf_counter() - start, _outcome_signature(report)))
        except BaseException:  # noqa: BLE001 - every failure is a finding of the fuzzer
            conn.send(("fail", time.perf_counter() - start, traceback.format_exc()))


# -- parent ----------------------------------------------------------------------------


@dataclass
class Input:
    seed_index: int
    data: bytes
    steps: List[str]


@dataclass
class Stats:
    tried: int = 0
    ok: int = 0
    crashes: int = 0
    hangs: int = 0
    known: Counter = field(default_factory=Counter)
    new: Counter = field(default_factory=Counter)
    signatures: Dict[str, str] = field(default_factory=dict)   # signature -> first traceback tail
    slowest: Tuple[float, str] = (0.0, "")
    by_family: Counter = field(default_factory=Counter)
    corpus_added: int = 0


def crash_signature(text: str) -> str:
    """Exception type, message head and the innermost iacguard frame."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "?"
    frames = re.findall(r'File "([^"]*iacguard[^"]*)", line \d+, in (\w+)', text)
    where = f"{Path(frames[-1][0]).name}:{frames[-1][1]}" if frames else "?"
    head = re.sub(r"0x[0-9a-f]+|\d+|'[^']*'|\"[^\"]*\"|/tmp/\S+", "#", last)[:120]
    return f"{where} {head}"


class Fuzzer:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.seeds = [s for family in sorted(engine.SEEDS) for s in engine.SEEDS[family]]
        # The corpus by family, so that every format gets its share whatever the number of fixtures.
        self.corpus: Dict[str, List[Tuple[int, bytes]]] = defaultdict(list)
        for i, s in enumerate(self.seeds):
            self.corpus[s.family].append((i, s.path.read_bytes()))
        self.families = sorted(self.corpus)
        self.outcomes: set = set()
        self.stats = Stats()
        self.out = Path(args.out)
        self.saved: Dict[str, int] = defaultdict(int)
        self.ctx = multiprocessing.get_context("fork")
        # Parsers build their grammars and import their libraries on first use:
        # do it once here, so that forked workers start warm and timings are fair.
        for family in self.families:
            try:
                engine.run_example(self.seeds[self.corpus[family][0][0]], self.corpus[family][0][1])
            except Exception:  # noqa: BLE001 - a broken seed is the fuzzer's business later
                pass
        self.workers: List[Optional[Tuple[Any, Any]]] = [None] * args.workers

    # -- inputs
    def next_input(self) -> Input:
        index, data = self.rng.choice(self.corpus[self.rng.choice(self.families)])
        seed = self.seeds[index]
        chooser = engine.RandomChooser(self.rng)
        steps: List[str] = []
        for _ in range(self.rng.randint(1, 6)):
            roll = self.rng.random()
            if roll < 0.03:
                mutator = engine.m_long_line
            elif roll < 0.08:
                mutator = engine.m_deep_nesting
            elif roll < 0.30:
                mutator = self.rng.choice(engine.ENCODING)
            else:
                mutator = self.rng.choice(engine.STRUCTURAL)
            data = mutator(data, seed.family, chooser)
            steps.append(mutator.__name__)
        if len(data) > 4 * 1024 * 1024:
            data = data[: 4 * 1024 * 1024]
        return Input(index, data, steps)

    # -- workers
    def _start(self, slot: int) -> None:
        parent, child = self.ctx.Pipe()
        scratch = str(self.out / "tmp" / str(slot))
        proc = self.ctx.Process(target=worker, args=(child, self.args.memory_mb, scratch), daemon=True)
        proc.start()
        child.close()
        self.workers[slot] = (proc, parent)

    def _kill(self, slot: int) -> None:
        entry = self.workers[slot]
        if entry:
            proc, conn = entry
            conn.close()
            if proc.is_alive():
                proc.kill()
            proc.join(5)
        self.workers[slot] = None

    # -- results
    def _save(self, kind: str, signature: str, item: Input, detail: str) -> Optional[Path]:
        key = hashlib.sha1(signature.encode()).hexdigest()[:10]
        if self.saved[f"{kind}/{key}"] >= KEEP_PER_SIGNATURE:
            return None
        self.saved[f"{kind}/{key}"] += 1
        target = self.out / kind / key / str(self.saved[f"{kind}/{key}"])
        target.mkdir(parents=True, exist_ok=True)
        seed = self.seeds[item.seed_index]
        engine.materialise(seed, item.data, target)
        (target / "input.bin").write_bytes(item.data)
        (target / "README.txt").write_text(
            f"{kind}: {signature}\nseed: {seed.label} ({seed.family})\nmutations: {', '.join(item.steps)}\n"
            f"reproduce: iacguard scan {target / 'repo'}\n\n{detail}\n", encoding="utf-8")
        return target

    def _record(self, item: Input, status: str, elapsed: float, detail: str) -> None:
        seed = self.seeds[item.seed_index]
        self.stats.tried += 1
        self.stats.by_family[seed.family] += 1
        if status == "ok":
            self.stats.ok += 1
            if elapsed > self.stats.slowest[0]:
                self.stats.slowest = (elapsed, f"{seed.label} after {', '.join(item.steps)} "
                                               f"({len(item.data)} bytes)")
                shutil.rmtree(self.out / "slowest", ignore_errors=True)
                (self.out / "slowest").mkdir(parents=True, exist_ok=True)
                engine.materialise(seed, item.data, self.out / "slowest")
            if detail not in self.outcomes and len(self.corpus[seed.family]) < self.args.corpus_limit:
                self.outcomes.add(detail)
                self.corpus[seed.family].append((item.seed_index, item.data))
                self.stats.corpus_added += 1
            return
        if status == "hang":
            self.stats.hangs += 1
            signature = f"hang: {seed.family} {', '.join(sorted(set(item.steps)))}"
            known = None
        else:
            self.stats.crashes += 1
            signature = crash_signature(detail)
            known = engine.known_bug(detail)
        if known:
            self.stats.known[known] += 1
        else:
            self.stats.new[signature] += 1
            self.stats.signatures.setdefault(signature, detail[-1500:])
        self._save("hangs" if status == "hang" else ("known" if known else "crashes"), signature, item, detail)

    # -- the loop
    def run(self) -> Stats:
        self.out.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.args.minutes * 60
        pending: Dict[int, Tuple[Input, float]] = {}
        for slot in range(len(self.workers)):
            self._start(slot)
        last_report = time.monotonic()
        try:
            while time.monotonic() < deadline or pending:
                for slot, entry in enumerate(self.workers):
                    if entry is None:
                        self._start(slot)
                        entry = self.workers[slot]
                    proc, conn = entry
                    if slot not in pending:
                        if time.monotonic() >= deadline:
                            continue
                        item = self.next_input()
                        try:
                            conn.send((item.seed_index, item.data))
                        except (BrokenPipeError, OSError):
                            self._kill(slot)
                            continue
                        pending[slot] = (item, time.monotonic())
                        continue
                    item, started = pending[slot]
                    if conn.poll(0.01):
                        try:
                            status, elapsed, detail = conn.recv()
                        except (EOFError, OSError):
                            status, elapsed = "fail", time.monotonic() - started
                            detail = f"worker died (exit code {proc.exitcode}; memory cap or a crash in C code)"
                            self._kill(slot)
                        del pending[slot]
                        self._record(item, status, elapsed, detail)
                    elif time.monotonic() - started > self.args.timeout:
                        del pending[slot]
                        self._kill(slot)
                        self._record(item, "hang", self.args.timeout, f"no answer after {self.args.timeout}s")
                if time.monotonic() - last_report > 30:
                    last_report = time.monotonic()
                    self._progress()
        except KeyboardInterrupt:
            pass
        finally:
            for slot in range(len(self.workers)):
                self._kill(slot)
            shutil.rmtree(self.out / "tmp", ignore_errors=True)
        return self.stats

    def _progress(self) -> None:
        s = self.stats
        print(f"[fuzz] {s.tried} inputs, {s.crashes} crashes ({sum(s.new.values())} new), {s.hangs} hangs, "
              f"corpus {sum(len(c) for c in self.corpus.values())}", flush=True)


def summary(stats: Stats, args: argparse.Namespace, seconds: float) -> Dict[str, Any]:
    return {
        "minutes": round(seconds / 60, 2),
        "workers": args.workers,
        "inputs_tried": stats.tried,
        "inputs_per_second": round(stats.tried / seconds, 1) if seconds else 0,
        "ok": stats.ok,
        "crashes": stats.crashes,
        "crashes_known_bugs": dict(stats.known),
        "crashes_new_by_signature": dict(stats.new),
        "hangs": stats.hangs,
        "slowest_seconds": round(stats.slowest[0], 3),
        "slowest_input": stats.slowest[1],
        "by_family": dict(stats.by_family),
        "corpus_added": stats.corpus_added,
        "output": str(args.out),
    }


def print_summary(data: Dict[str, Any], stats: Stats) -> None:
    print()
    print(f"inputs tried   {data['inputs_tried']} in {data['minutes']} min "
          f"({data['inputs_per_second']}/s, {data['workers']} workers)")
    print(f"crashes        {data['crashes']} ({sum(stats.new.values())} new, {sum(stats.known.values())} known bugs)")
    for name, count in stats.known.most_common():
        print(f"  known  {count:6d}  {name}")
    for name, count in stats.new.most_common():
        print(f"  NEW    {count:6d}  {name}")
    print(f"hangs          {data['hangs']}")
    print(f"slowest input  {data['slowest_seconds']} s: {data['slowest_input']}")
    print(f"by family      {data['by_family']}")
    print(f"kept inputs    {data['output']}/(crashes|known|hangs|slowest)")


# -- atheris (optional) ------------------------------------------------------------------


def run_atheris(args: argparse.Namespace) -> None:
    import atheris  # noqa: F401 - optional dependency

    seeds = [s for family in sorted(engine.SEEDS) for s in engine.SEEDS[family]]

    class AtherisChooser(engine.Chooser):
        def __init__(self, fdp: Any) -> None:
            self.fdp = fdp

        def integer(self, lo: int, hi: int) -> int:
            return self.fdp.ConsumeIntInRange(lo, hi)

        def unicode(self, max_size: int) -> str:
            return self.fdp.ConsumeUnicodeNoSurrogates(max_size)

        def raw(self, max_size: int) -> bytes:
            return self.fdp.ConsumeBytes(max_size)

    mutators = engine.STRUCTURAL + engine.ENCODING + [engine.m_deep_nesting]

    def one_input(buffer: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(buffer)
        chooser = AtherisChooser(fdp)
        seed = seeds[chooser.integer(0, len(seeds) - 1)]
        data = engine.mutate(seed.path.read_bytes(), seed.family, chooser, mutators, chooser.integer(1, 5))
        try:
            engine.run_example(seed, data)
        except Exception as exc:  # noqa: BLE001
            if engine.known_bug("".join(traceback.format_exception(exc))):
                return  # a known bug: keep exploring
            Path(args.out).mkdir(parents=True, exist_ok=True)
            key = hashlib.sha1(data).hexdigest()[:12]
            target = Path(args.out) / "atheris" / key
            target.mkdir(parents=True, exist_ok=True)
            engine.materialise(seed, data, target)
            (target / "README.txt").write_text(f"seed: {seed.label}\n\n{traceback.format_exc()}")
            raise

    atheris.instrument_all()
    out = Path(args.out) / "atheris-artifacts"
    out.mkdir(parents=True, exist_ok=True)
    # One process: libFuzzer's -fork mode restarts this script for every
    # short job, and each restart spends a minute instrumenting before it
    # fuzzes for seconds (and the children did not run atheris at all).
    argv = [sys.argv[0], f"-max_total_time={int(args.minutes * 60)}", f"-timeout={int(args.timeout)}",
            f"-artifact_prefix={out}/", f"-rss_limit_mb={args.memory_mb + 1024}", "-print_final_stats=1"]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before an input counts as a hang")
    parser.add_argument("--memory-mb", type=int, default=2048, help="extra address space a worker may map")
    parser.add_argument("--seed", type=int, default=1, help="random seed (a run is reproducible per seed)")
    parser.add_argument("--corpus-limit", type=int, default=3000, help="kept inputs per family")
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "iacguard-fuzz"))
    parser.add_argument("--atheris", action="store_true", help="coverage-guided fuzzing with atheris")
    args = parser.parse_args(argv)
    if args.atheris:
        run_atheris(args)
        return 0
    started = time.monotonic()
    fuzzer = Fuzzer(args)
    stats = fuzzer.run()
    data = summary(stats, args, time.monotonic() - started)
    data["new_crash_tracebacks"] = stats.signatures
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "summary.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    print_summary(data, stats)
    return 1 if stats.new or stats.hangs else 0


if __name__ == "__main__":
    sys.exit(main())
