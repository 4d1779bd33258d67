"""Bounded resources: hostile inputs end quickly, in bounded memory, with a
clear IACG-000 finding or a clean result, and never reach outside the tree.

Each heavy case runs in a forked child (``run_isolated``). What is asserted is
what a loaded machine does not change: the CPU time the scan used (the child
is also stopped by the kernel past CPU_LIMIT_S of CPU) and how much its peak
resident memory grew. The child's address space is capped so that a runaway
allocation fails there instead of taking the test machine down. Wall-clock
time only detects a child that blocks without using CPU (a FIFO read), with a
margin no busy machine reaches. The bounds are generous on purpose: they
guard against hangs and blow-ups, they are not benchmarks.

Known bugs stay visible as ``xfail(strict=True)`` tests; their minimal
reproducers live under ``fixtures/_hostile/<name>/``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import pytest
from fixture_paths import check_fixtures
from test_report_support import output_text

from iacguard.cli import main as cli_main
from iacguard.engine.checks import load_checks
from iacguard.findings import PARSE_ERROR_ID
from iacguard.model import is_unknown
from iacguard.scan import ScanOptions, scan

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
HOSTILE = FIXTURES / "_hostile"
CHECKS = load_checks()

CPU_BOUND_S = 20.0         # CPU time one hostile input may cost; a fixed scan needs well under a second
CPU_LIMIT_S = int(CPU_BOUND_S) + 10  # past this, the kernel stops the child (RLIMIT_CPU)
HANG_GUARD_S = 600.0       # wall clock: a child still running after this long is blocked, not busy
MEMORY_BOUND_MB = 1024     # peak RSS growth allowed for one hostile input
# Extra virtual memory a child may map: a little above the RSS bound, so that a
# runaway allocation fails fast in the child instead of swapping the machine.
ADDRESS_SPACE_CAP_MB = MEMORY_BOUND_MB + 1024
# Former hangs run together (see known_hangs), a few children at a time: each
# reproducer once needed minutes to hours, a fixed scan ends in well under a second.
PARALLEL_CHILDREN = 7

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods() or sys.platform == "win32",
    reason="the isolated runner needs fork() and POSIX resource limits")


# -- the isolated runner ----------------------------------------------------


@dataclass
class Outcome:
    hung: bool = False
    error: Optional[str] = None  # a traceback that escaped scan(), or how the child died
    cpu_s: float = 0.0  # CPU time the scan used
    rss_mb: float = 0.0
    findings: List[Dict[str, Any]] = field(default_factory=list)
    finding_count: int = 0
    ids_by_file: Dict[str, set] = field(default_factory=dict)  # every finding's check id, by file
    check_errors: List[str] = field(default_factory=list)
    internal_errors: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    attributes: Dict[str, Any] = field(default_factory=dict)  # address -> {name: repr(value)}
    skipped_files: int = 0

    def describe(self) -> str:
        shown = [(f["check_id"], f["file"], f["line"], f["message"][:100]) for f in self.findings[:8]]
        return (f"hung={self.hung} cpu={self.cpu_s:.1f}s rss+={self.rss_mb:.0f}MB "
                f"findings={shown} check_errors={self.check_errors[:3]} "
                f"internal_errors={[e[-300:] for e in self.internal_errors[:2]]} error={(self.error or '')[-1500:]}")

    def ids(self, file: Optional[str] = None) -> List[str]:
        """The distinct check ids found (in one file, or anywhere)."""
        return sorted({i for name, ids in self.ids_by_file.items() if file is None or name == file for i in ids})


def _maxrss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _cap_address_space(extra_mb: int) -> None:
    try:
        with open("/proc/self/statm") as handle:
            current = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return
    limit = current + extra_mb * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "..."


def _cap_cpu(seconds: int) -> None:
    """The kernel ends the child (SIGXCPU) past ``seconds`` of CPU, however
    busy the machine is."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    used = int(time.process_time()) + 1
    limit = used + seconds if hard == resource.RLIM_INFINITY else min(used + seconds, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))


def _child(conn, paths: List[str], cwd: str) -> None:  # runs in the forked process
    payload: Dict[str, Any] = {}
    try:
        _cap_address_space(ADDRESS_SPACE_CAP_MB)
        _cap_cpu(CPU_LIMIT_S)
        before = _maxrss_mb()
        start = time.process_time()
        try:
            result = scan(ScanOptions(paths=paths, cwd=Path(cwd)), CHECKS)
        except BaseException:  # noqa: BLE001 - the point is to see anything that escapes
            payload["error"] = traceback.format_exc()
        else:
            payload["findings"] = [
                {"check_id": f.check_id, "file": f.file, "line": f.line, "resource": f.resource,
                 "message": f.message.get("en", "")} for f in result.findings[:300]]
            payload["finding_count"] = len(result.findings)
            payload["ids_by_file"] = {}
            for f in result.findings:
                payload["ids_by_file"].setdefault(f.file, set()).add(f.check_id)
            payload["check_errors"] = [f"{e.check_id} {e.resource}: {e.message}" for e in result.check_errors]
            payload["internal_errors"] = list(getattr(result, "internal_errors", []) or [])
            payload["notes"] = list(result.notes) + [n for f in result.files for n in f.notes]
            payload["attributes"] = {r.address: {k: _short(v) for k, v in r.attributes.items()}
                                     for f in result.files for r in f.resources[:50]}
            payload["skipped_files"] = result.skipped_files
        payload["cpu_s"] = time.process_time() - start
        payload["rss_mb"] = _maxrss_mb() - before
        conn.send(payload)
    except BaseException:  # noqa: BLE001
        try:
            conn.send({"error": "the child could not report: " + traceback.format_exc()})
        except BaseException:  # noqa: BLE001
            pass
    finally:
        conn.close()
        os._exit(0)


def run_isolated(paths: Sequence[Path], cwd: Path, guard: float = HANG_GUARD_S) -> Outcome:
    """Scan in a forked child; kill it when it is still running after ``guard``."""
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(sender, [str(p) for p in paths], str(cwd)), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(guard):
            child.kill()
            child.join(10)
            return Outcome(hung=True)
        try:
            payload = receiver.recv()
        except EOFError:
            child.join(10)
            return Outcome(error=_died(child.exitcode))
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(10)
    return Outcome(**payload)


def run_isolated_many(jobs: Dict[str, tuple], parallel: int = PARALLEL_CHILDREN) -> Dict[str, Outcome]:
    """``run_isolated`` for several jobs ``{name: (paths, cwd, guard)}``, a few at a time."""
    ctx = multiprocessing.get_context("fork")
    pending = list(jobs.items())
    running: Dict[str, tuple] = {}
    done: Dict[str, Outcome] = {}
    while pending or running:
        while pending and len(running) < parallel:
            name, (paths, cwd, guard) = pending.pop(0)
            receiver, sender = ctx.Pipe(duplex=False)
            child = ctx.Process(target=_child, args=(sender, [str(p) for p in paths], str(cwd)), daemon=True)
            child.start()
            sender.close()
            running[name] = (child, receiver, time.monotonic() + guard)
        for name, (child, receiver, deadline) in list(running.items()):
            outcome = None
            if receiver.poll(0.05):
                try:
                    outcome = Outcome(**receiver.recv())
                except EOFError:
                    child.join(10)
                    outcome = Outcome(error=_died(child.exitcode))
            elif time.monotonic() > deadline:
                outcome = Outcome(hung=True)
            if outcome is not None:
                receiver.close()
                if child.is_alive():
                    child.kill()
                child.join(10)
                done[name] = outcome
                del running[name]
    return done


def _died(exitcode: Optional[int]) -> str:
    if exitcode == -signal.SIGXCPU:
        return f"the child used more than {CPU_LIMIT_S}s of CPU; the kernel stopped it"
    return f"the child died without a report (exit code {exitcode})"


@pytest.fixture(scope="module", autouse=True)
def _warm_imports() -> None:
    """Parsers import their libraries lazily; load them once in the parent so
    that a forked child does not pay (or time) the import."""
    for case in (check_fixtures("IACG-AWS-004/fail"), check_fixtures("IACG-AZURE-001/fail"),
                 FIXTURES / "_scenarios" / "cloudformation" / "sam",
                 FIXTURES / "_scenarios" / "tfplan" / "public-bucket"):
        if case.is_dir():
            scan(ScanOptions(paths=[str(case)], cwd=case), CHECKS)


def repo(tmp_path: Path, files: Dict[str, Any], name: str = "repo") -> Path:
    """A repository (``.git`` marks its root) holding ``files``."""
    root = tmp_path / name
    (root / ".git").mkdir(parents=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def hostile(tmp_path: Path, name: str, only: Optional[str] = None) -> Path:
    """A copy of fixtures/_hostile/<name> (or one file of it) as a repository."""
    root = tmp_path / "repo"
    source = HOSTILE / name
    if only:
        root.mkdir(parents=True)
        shutil.copy(source / only, root / only)
    else:
        shutil.copytree(source, root, ignore=shutil.ignore_patterns("README.md", "make.py"))
    (root / ".git").mkdir(exist_ok=True)
    return root


def maker(name: str) -> Dict[str, Any]:
    return runpy.run_path(str(HOSTILE / name / "make.py"))


# Cases that are known to run for minutes (see their xfail reasons) are run
# together, a few children at a time, by the ``known_hangs`` fixture:
# name -> build(tmp directory) -> (paths, cwd, guard seconds).
KNOWN_HANGS: Dict[str, Any] = {}


def known_hang(name: str, guard: float = HANG_GUARD_S):
    def register(build):
        KNOWN_HANGS[name] = (build, guard)
        return build
    return register


@pytest.fixture(scope="module")
def known_hangs(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Outcome]:
    jobs = {}
    for name, (build, guard) in KNOWN_HANGS.items():
        paths, cwd = build(tmp_path_factory.mktemp(name.replace("/", "-")))
        jobs[name] = (paths, cwd, guard)
    return run_isolated_many(jobs)


def _hostile_tree(name: str):
    def build(tmp: Path):
        root = hostile(tmp, name)
        return [root], root
    return build


def _long_line(variant: str):
    def build(tmp: Path):
        root = repo(tmp, {})
        maker("long-line")["make"](variant, root)
        return [root], root
    return build


def _large_literal_array(tmp: Path):
    root = repo(tmp, {})
    maker("arm-large-literal-array")["make"](root)
    return [root], root


# The slowest first, so that the short ones run beside them.
for _variant in ("yaml-flow", "arm-array", "hcl-list"):
    known_hang(f"long-line/{_variant}")(_long_line(_variant))
known_hang("arm-large-literal-array")(_large_literal_array)
for _name in ("cfn-sam-alias-bomb", "hcl-yamldecode-bomb", "hcl-nested-for", "hcl-template-for",
              "hcl-toset-quadratic", "hcl-string-doubling", "hcl-jsonencode-doubling", "hcl-regex-redos",
              "hcl-format-width", "hcl-module-fanout", "cfn-foreach-bomb", "cfn-nested-stack-fanout"):
    known_hang(_name)(_hostile_tree(_name))


def _fifo(explicit: bool):
    def build(tmp: Path):
        root = repo(tmp, {})
        link = maker("fifo")["make"](root)
        return [link if explicit else root], root
    return build


known_hang("fifo/in-directory")(_fifo(False))
known_hang("fifo/explicit")(_fifo(True))


def assert_bounded(outcome: Outcome, memory_mb: float = MEMORY_BOUND_MB) -> None:
    """Ended within its CPU and memory bounds, without anything escaping or a check error."""
    assert not outcome.hung, f"blocked for {HANG_GUARD_S:.0f}s of wall time; killed. {outcome.describe()}"
    assert outcome.error is None, outcome.describe()
    assert outcome.cpu_s < CPU_BOUND_S, outcome.describe()
    assert outcome.rss_mb < memory_mb, outcome.describe()
    assert outcome.check_errors == [], outcome.describe()
    assert outcome.internal_errors == [], outcome.describe()
    for finding in outcome.findings:
        if finding["check_id"] == PARSE_ERROR_ID:
            assert finding["file"] and finding["line"] >= 1, finding
            assert "internal error" not in finding["message"], outcome.describe()
            assert "MemoryError" not in finding["message"], outcome.describe()


def assert_reported(outcome: Outcome, check_id: str, file: Optional[str] = None) -> None:
    """The real finding survives the hostile part (or the file is IACG-000)."""
    ids = outcome.ids(file)
    assert check_id in ids or PARSE_ERROR_ID in ids, outcome.describe()


def assert_still_finds(outcome: Outcome, check_id: str) -> None:
    """The hostile value costs that value only: the other findings remain."""
    assert check_id in outcome.ids(), outcome.describe()


# -- 1. YAML alias bomb ("billion laughs") ------------------------------------


def _alias_bomb(levels: int, header: str = "", use: str = "      Tags: *a{last}\n") -> str:
    text = 'AWSTemplateFormatVersion: "2010-09-09"\n' + header
    text += "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, levels):
        text += f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n"
    text += "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      AccessControl: PublicRead\n"
    return text + use.format(last=levels - 1)


@pytest.mark.parametrize("use", [
    "      Tags: *a{last}\n",
    "      BucketName: !Join ['', *a{last}]\n",
    "      Tags: !If [C, *a{last}, []]\n",
], ids=["value", "join", "if"])
def test_yaml_alias_bomb_in_cloudformation(tmp_path: Path, use: str) -> None:
    header = "Conditions:\n  C: !Equals [a, a]\n" if "!If" in use else ""
    root = repo(tmp_path, {"template.yaml": _alias_bomb(10, header, use)})
    outcome = run_isolated([root], root)
    assert_bounded(outcome)
    assert outcome.ids("template.yaml"), "the bomb is either reported (IACG-000) or scanned"


def test_yaml_alias_bomb_in_mappings_and_parameters(tmp_path: Path) -> None:
    text = _alias_bomb(10, use="      Tags: !FindInMap [M, K, V]\n").replace(
        "Resources:\n", "Mappings: {M: {K: {V: *a9}}}\nParameters: {P: {Type: String, AllowedValues: *a9}}\n"
                        "Resources:\n")
    root = repo(tmp_path, {"template.yaml": text})
    assert_bounded(run_isolated([root], root))


def test_yaml_alias_bomb_under_the_sam_transform(known_hangs: Dict[str, Outcome]) -> None:
    assert_bounded(known_hangs["cfn-sam-alias-bomb"])


def test_yaml_alias_bomb_through_terraform_yamldecode(known_hangs: Dict[str, Outcome]) -> None:
    outcome = known_hangs["hcl-yamldecode-bomb"]
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-001")


# -- 2. 200-level nesting in every syntax -------------------------------------

DEPTH = 200
ARM_HEAD = ('{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", '
            '"contentVersion": "1.0.0.0", "resources": [%s]}\n')


def _nested(kind: str, depth: int = DEPTH) -> Dict[str, str]:
    json_list = "[" * depth + "1" + "]" * depth
    json_obj = '{"a": ' * depth + "1" + "}" * depth
    if kind == "hcl-list":
        return {"main.tf": 'resource "aws_s3_bucket" "b" {\n  acl  = "public-read"\n  tags = { x = %s }\n}\n'
                % ("[" * depth + "1" + "]" * depth)}
    if kind == "hcl-object":
        return {"main.tf": 'resource "aws_s3_bucket" "b" {\n  acl  = "public-read"\n  tags = %s\n}\n'
                % ("{ a = " * depth + "1" + " }" * depth)}
    if kind == "hcl-call":
        return {"main.tf": 'resource "aws_s3_bucket" "b" {\n  acl  = "public-read"\n  tags = { x = %s }\n}\n'
                % ("abs(" * depth + "1" + ")" * depth)}
    if kind == "hcl-blocks":
        return {"main.tf": 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n' + "  x {\n" * depth
                + "  }\n" * depth + "}\n"}
    if kind == "hcl-locals":
        body = "".join(f"  l{i} = [local.l{i - 1}]\n" for i in range(1, depth))
        return {"main.tf": 'locals {\n  l0 = ["a"]\n%s}\nresource "aws_s3_bucket" "b" {\n  acl  = "public-read"\n'
                '  tags = { x = local.l%d }\n}\n' % (body, depth - 1)}
    if kind == "tf-json":
        return {"main.tf.json": '{"resource": {"aws_s3_bucket": {"b": {"acl": "public-read", "tags": {"x": %s}}}}}\n'
                % json_list}
    if kind == "arm":
        return {"azuredeploy.json": ARM_HEAD % (
            '{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "sa", '
            '"tags": %s, "properties": {"allowBlobPublicAccess": true}}' % json_obj)}
    if kind == "cfn-json":
        return {"template.json": '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {"Type": '
                '"AWS::S3::Bucket", "Properties": {"AccessControl": "PublicRead", "Tags": %s}}}}\n' % json_list}
    if kind == "cfn-yaml":
        return {"template.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  B:\n    Type: AWS::S3::Bucket\n'
                '    Properties:\n      AccessControl: PublicRead\n      Tags: %s\n' % json_list}
    if kind == "cfn-yaml-block":
        lines = "".join("  " * (i + 4) + f"k{i}:\n" for i in range(depth)) + "  " * (depth + 4) + "v\n"
        return {"template.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  B:\n    Type: AWS::S3::Bucket\n'
                '    Properties:\n      AccessControl: PublicRead\n      Deep:\n' + lines}
    if kind == "tfplan":
        return {"plan.json": '{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"address": '
                '"aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b", "values": '
                '{"acl": "public-read", "tags": %s}}]}}}\n' % json_obj}
    raise ValueError(kind)


NESTED_EXPECT = {
    "hcl-list": "IACG-AWS-001", "hcl-object": "IACG-AWS-001", "hcl-call": "IACG-AWS-001",
    "hcl-blocks": "IACG-AWS-001", "hcl-locals": "IACG-AWS-001", "tf-json": "IACG-AWS-001",
    "arm": "IACG-AZURE-001", "cfn-json": "IACG-AWS-001", "cfn-yaml": "IACG-AWS-001",
    "cfn-yaml-block": "IACG-AWS-001", "tfplan": "IACG-AWS-001",
}


@pytest.mark.parametrize("kind", sorted(NESTED_EXPECT))
def test_200_levels_of_nesting(tmp_path: Path, kind: str) -> None:
    files = _nested(kind)
    root = repo(tmp_path, files)
    outcome = run_isolated([root], root)
    assert_bounded(outcome)
    assert_reported(outcome, NESTED_EXPECT[kind], next(iter(files)))


# -- 3. files over the size limit ------------------------------------------------


def test_terraform_file_over_the_size_limit_is_iacg000(tmp_path: Path) -> None:
    root = repo(tmp_path, {})
    maker("oversize-plan")["make"](root, "main.tf", 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n#')
    outcome = run_isolated([root], root)
    assert_bounded(outcome, memory_mb=64)
    assert [(f["check_id"], f["file"]) for f in outcome.findings] == [(PARSE_ERROR_ID, "main.tf")]
    assert "limit" in outcome.findings[0]["message"]


@pytest.mark.parametrize("name", ["template.yaml", "azuredeploy.json", "plan.json"])
def test_explicit_file_over_the_size_limit_is_iacg000(tmp_path: Path, name: str) -> None:
    root = repo(tmp_path, {})
    path = maker("oversize-plan")["make"](root, name)
    outcome = run_isolated([path], root)
    assert_bounded(outcome, memory_mb=64)
    assert [(f["check_id"], f["file"]) for f in outcome.findings] == [(PARSE_ERROR_ID, name)]


def test_plan_over_the_size_limit_in_a_directory_is_reported(tmp_path: Path) -> None:
    root = repo(tmp_path, {})
    maker("oversize-plan")["make"](root, "plan.json")
    outcome = run_isolated([root], root)
    assert_bounded(outcome, memory_mb=64)
    assert PARSE_ERROR_ID in outcome.ids("plan.json"), outcome.describe()


# -- 4. a single 10 MB line ------------------------------------------------------

LONG_LINE_EXPECT = {
    "hcl-string": "IACG-AWS-001", "hcl-identifier": "IACG-AWS-001", "hcl-list": "IACG-AWS-001",
    "yaml-string": "IACG-AWS-001",
    "yaml-flow": "IACG-AWS-001", "arm-string": "IACG-AZURE-001", "arm-array": "IACG-AZURE-001",
    "cfn-json-string": "IACG-AWS-001", "plan-string": "IACG-AWS-001", "tfjson-string": "IACG-AWS-001",
}
LONG_LINE_BUGS = {
}


@pytest.mark.parametrize("variant", [
    pytest.param(v, marks=pytest.mark.xfail(strict=True, reason=LONG_LINE_BUGS[v])) if v in LONG_LINE_BUGS else v
    for v in sorted(LONG_LINE_EXPECT)])
def test_single_10mb_line(tmp_path: Path, variant: str, known_hangs: Dict[str, Outcome]) -> None:
    name = maker("long-line")["content"](variant)[0]
    if f"long-line/{variant}" in known_hangs:
        outcome = known_hangs[f"long-line/{variant}"]
    else:
        root = repo(tmp_path, {})
        maker("long-line")["make"](variant, root)
        outcome = run_isolated([root], root)
    assert_bounded(outcome)
    assert_reported(outcome, LONG_LINE_EXPECT[variant], name)


def test_large_literal_array_does_not_hide_other_properties(known_hangs: Dict[str, Outcome]) -> None:
    outcome = known_hangs["arm-large-literal-array"]
    assert_bounded(outcome)
    assert_reported(outcome, "IACG-AZURE-001", "azuredeploy.json")


# -- 5. Terraform expressions producing millions of elements ------------------------


def _bucket_with(tags: str) -> Dict[str, str]:
    return {"main.tf": 'resource "aws_s3_bucket" "b" {\n  acl  = "public-read"\n  tags = { x = %s }\n}\n' % tags}


@pytest.mark.parametrize("expression", [
    "length(range(1000000))",
    "length([for i in range(1000000) : i])",
    "length([for i in range(100000) : i])",
    "length({for i in range(100000) : tostring(i) => i})",
    "length(flatten([for i in range(300) : [for j in range(300) : j]]))",
    "join(\",\", [for i in range(100000) : tostring(i)])",
    "length(range(0, 1e308, 1e300))",
    "length(range(0, 1, 0.0000001))",
])
def test_terraform_large_collections_are_bounded(tmp_path: Path, expression: str) -> None:
    root = repo(tmp_path, _bucket_with(expression))
    outcome = run_isolated([root], root)
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-001")


@pytest.mark.parametrize("name", [
    "hcl-nested-for",
    "hcl-template-for",
    "hcl-toset-quadratic",
    "hcl-string-doubling",
    "hcl-jsonencode-doubling",
    "hcl-regex-redos",
    "hcl-format-width",
])
def test_terraform_expression_bombs(name: str, known_hangs: Dict[str, Outcome]) -> None:
    outcome = known_hangs[name]
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-001")


# -- 6. count / for_each / module fan-out -----------------------------------------


def test_count_of_a_billion(tmp_path: Path) -> None:
    root = repo(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {\n  count = 1000000000\n'
                                      '  acl   = "public-read"\n}\n'})
    outcome = run_isolated([root], root)
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-001")


def test_for_each_over_a_large_map(tmp_path: Path) -> None:
    root = repo(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {\n'
                                      '  for_each = {for i in range(50000) : "k${i}" => i}\n'
                                      '  acl      = "public-read"\n}\n'})
    outcome = run_isolated([root], root)
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-001")


def test_dynamic_block_over_a_large_collection(tmp_path: Path) -> None:
    root = repo(tmp_path, {"main.tf": 'resource "aws_security_group" "sg" {\n  dynamic "ingress" {\n'
                                      '    for_each = range(100000)\n    content {\n      from_port   = 22\n'
                                      '      to_port     = 22\n      protocol    = "tcp"\n'
                                      '      cidr_blocks = ["0.0.0.0/0"]\n    }\n  }\n}\n'})
    outcome = run_isolated([root], root)
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-004")


def test_module_count_fan_out(known_hangs: Dict[str, Outcome]) -> None:
    outcome = known_hangs["hcl-module-fanout"]
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-004")
    # The run's instance limit is reported on the module call that multiplies.
    assert PARSE_ERROR_ID in outcome.ids("main.tf"), outcome.describe()


def test_cloudformation_foreach_expansion(known_hangs: Dict[str, Outcome]) -> None:
    outcome = known_hangs["cfn-foreach-bomb"]
    assert_bounded(outcome)
    assert_reported(outcome, "IACG-AWS-001", "template.yaml")


def test_cloudformation_nested_stack_fan_out(known_hangs: Dict[str, Outcome]) -> None:
    outcome = known_hangs["cfn-nested-stack-fanout"]
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-001")


@pytest.mark.parametrize("files", [
    {"t.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  S:\n    Type: AWS::CloudFormation::Stack\n'
               '    Properties:\n      TemplateURL: ./t.yaml\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n'
               '      AccessControl: PublicRead\n'},
    {"a.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  S:\n    Type: AWS::CloudFormation::Stack\n'
               '    Properties:\n      TemplateURL: ./b.yaml\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n'
               '      AccessControl: PublicRead\n',
     "b.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  S:\n    Type: AWS::CloudFormation::Stack\n'
               '    Properties:\n      TemplateURL: ./a.yaml\n'},
], ids=["stack-includes-itself", "two-stacks-include-each-other"])
def test_recursive_nested_stacks(tmp_path: Path, files: Dict[str, str]) -> None:
    root = repo(tmp_path, files)
    outcome = run_isolated([root], root)
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-001")


# -- 7. ARM copy loops -------------------------------------------------------------


@pytest.mark.parametrize("copy", [
    '"copy": {"name": "c", "count": 1000000}',
    '"copy": {"name": "c", "count": "[mul(1000000, 1000000)]"}',
    '"copy": {"name": "c", "count": 1e300}',
])
def test_arm_copy_count_of_a_million(tmp_path: Path, copy: str) -> None:
    root = repo(tmp_path, {"azuredeploy.json": ARM_HEAD % (
        '{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", '
        '"name": "[concat(\'sa\', copyIndex())]", %s, "properties": {"allowBlobPublicAccess": true}}' % copy)})
    outcome = run_isolated([root], root)
    assert_bounded(outcome)
    assert_reported(outcome, "IACG-AZURE-001", "azuredeploy.json")


def test_arm_property_copy_of_a_million(tmp_path: Path) -> None:
    rule = ('{"name": "r", "properties": {"access": "Allow", "direction": "Inbound", "protocol": "Tcp", '
            '"sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*", '
            '"destinationPortRange": "22", "priority": "[add(100, copyIndex(\'securityRules\'))]"}}')
    root = repo(tmp_path, {"azuredeploy.json": ARM_HEAD % (
        '{"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "nsg", '
        '"properties": {"copy": [{"name": "securityRules", "count": 1000000, "input": %s}]}}' % rule)})
    outcome = run_isolated([root], root)
    assert_bounded(outcome)


# -- 8. recursive modules -----------------------------------------------------------

OPEN_SG = ('resource "aws_security_group" "sg" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n'
           '    protocol    = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n')


@pytest.mark.parametrize("files", [
    {"main.tf": 'module "me" {\n  source = "./"\n}\n' + OPEN_SG},
    {"main.tf": 'module "me" {\n  source = "."\n}\n' + OPEN_SG},
    {"a/main.tf": 'module "b" {\n  source = "../b"\n}\n' + OPEN_SG,
     "b/main.tf": 'module "a" {\n  source = "../a"\n}\n'},
    {"main.tf": 'module "c" {\n  source = "./c"\n}\n', "c/main.tf": 'module "c" {\n  source = "../c"\n}\n' + OPEN_SG},
    {"main.tf": 'module "a" {\n  source = "./a"\n  count = 3\n}\n',
     "a/main.tf": 'module "b" {\n  source = "../b"\n  count = 3\n}\n' + OPEN_SG,
     "b/main.tf": 'module "a" {\n  source = "../a"\n  count = 3\n}\n'},
], ids=["self-dot-slash", "self-dot", "mutual", "child-calls-itself", "mutual-with-count"])
def test_recursive_modules(tmp_path: Path, files: Dict[str, str]) -> None:
    root = repo(tmp_path, files)
    outcome = run_isolated([root], root)
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-004")


# -- 9. symbolic link loops and special files ------------------------------------------


def test_directory_link_to_itself(tmp_path: Path) -> None:
    root = repo(tmp_path, {})
    maker("symlink-loop")["make"](root, kinds=("dir",))
    outcome = run_isolated([root], root)
    assert_bounded(outcome)
    assert outcome.finding_count == len(set((f["check_id"], f["resource"]) for f in outcome.findings)), \
        "a directory reached twice through a link is scanned twice"


@pytest.mark.parametrize("kinds", [("self",), ("pair",)], ids=["link-to-itself", "two-links"])
@pytest.mark.parametrize("explicit", [False, True], ids=["directory", "explicit"])
def test_file_symlink_loops(tmp_path: Path, kinds, explicit: bool) -> None:
    root = repo(tmp_path, {})
    maker("symlink-loop")["make"](root, kinds=kinds)
    target = root / ("loop.tf" if "self" in kinds else "a.tf") if explicit else root
    outcome = run_isolated([target], root)
    assert_bounded(outcome)
    if not explicit:
        assert_still_finds(outcome, "IACG-AWS-001")


@pytest.mark.parametrize("explicit", [False, True], ids=["in-directory", "explicit"])
def test_named_pipe_behind_a_template_name(explicit: bool, known_hangs: Dict[str, Outcome]) -> None:
    outcome = known_hangs["fifo/explicit" if explicit else "fifo/in-directory"]
    assert_bounded(outcome)
    assert any("pipe.tf: not a regular file" in note for note in outcome.notes), outcome.notes
    if not explicit:
        assert_still_finds(outcome, "IACG-AWS-001")


def test_named_pipe_with_a_template_name_is_skipped(tmp_path: Path) -> None:
    root = repo(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n}\n'})
    os.mkfifo(root / "pipe.tf")
    outcome = run_isolated([root], root)
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-001")


def test_file_function_on_special_files(tmp_path: Path) -> None:
    root = repo(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {\n  acl = "public-read"\n'
                                      '  tags = { p = file("pipe"), z = file("zero"), d = file("dir") }\n}\n'})
    os.mkfifo(root / "pipe")
    os.symlink("/dev/zero", root / "zero")
    (root / "dir").mkdir()
    outcome = run_isolated([root], root)
    assert_bounded(outcome)
    assert_still_finds(outcome, "IACG-AWS-001")


# -- 10. reading outside the repository ------------------------------------------------

ALL_FORMATS_CACHE: List[str] = []


def output_formats() -> List[str]:
    """The formats ``iacguard scan --help`` offers right now."""
    if not ALL_FORMATS_CACHE:
        import contextlib
        import io
        import re

        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            cli_main(["scan", "--help"])
        match = re.search(r"--format \{([a-z,]+)\}", out.getvalue())
        assert match, out.getvalue()
        ALL_FORMATS_CACHE.extend(match.group(1).split(","))
    return list(ALL_FORMATS_CACHE)


def cli_outputs(root: Path, tmp_path: Path, paths: Optional[List[Path]] = None) -> Dict[str, str]:
    """Every output format of one CLI run (stdout/stderr included)."""
    import contextlib
    import io

    args = ["scan", *[str(p) for p in (paths or [root])]]
    formats = output_formats()
    for fmt in formats:
        args += ["--format", fmt, "--output", str(tmp_path / f"out.{fmt}")]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(args + ["--verbose"])
    assert code in (0, 1), err.getvalue()
    texts = {fmt: output_text(tmp_path / f"out.{fmt}") for fmt in formats}
    texts["stdout"], texts["stderr"] = out.getvalue(), err.getvalue()
    return texts


def _secret_lines() -> List[str]:
    """Lines of /etc/passwd that would show a leak (root's entry is everywhere)."""
    try:
        lines = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if line.count(":") >= 5][:5]


SECRET = "TOP-SECRET-OUTSIDE-THE-REPOSITORY-1f2e3d"


def _outside_tree(tmp_path: Path) -> Path:
    """tmp/outside holds a secret and templates; tmp/repo is the repository."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n")
    (outside / "main.tf").write_text('resource "aws_s3_bucket" "leak" {\n  bucket = "%s"\n  acl = "public-read"\n}\n'
                                     % SECRET)
    (outside / "child.yaml").write_text('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Leak:\n'
                                        '    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: %s\n'
                                        '      AccessControl: PublicRead\n' % SECRET)
    (outside / "child.json").write_text(ARM_HEAD % (
        '{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "%s", '
        '"properties": {"allowBlobPublicAccess": true}}' % SECRET))
    return outside


def _assert_nothing_leaked(texts: Dict[str, str]) -> None:
    for fmt, text in texts.items():
        assert SECRET not in text, f"{fmt} output contains content from outside the repository"
        for line in _secret_lines():
            assert line not in text, f"{fmt} output contains a line of /etc/passwd"


@pytest.mark.parametrize("expression", [
    'file("/etc/passwd")',
    'file("../../../../../../../../etc/passwd")',
    'file("../outside/secret.txt")',
    'file("${path.module}/../outside/secret.txt")',
    'file("leak.txt")',  # a link inside the repository pointing out of it
    'templatefile("/etc/passwd", {})',
    'templatefile("../outside/secret.txt", {})',
    'fileexists("/etc/passwd") ? "exists" : "absent"',
    'jsondecode(file("/etc/passwd"))',
    'base64encode(file("/etc/passwd"))',
])
def test_file_functions_do_not_read_outside_the_repository(tmp_path: Path, expression: str) -> None:
    _outside_tree(tmp_path)
    root = repo(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {\n  acl    = "public-read"\n'
                                      '  bucket = %s\n  tags   = { x = %s }\n}\n' % (expression, expression)})
    os.symlink(tmp_path / "outside" / "secret.txt", root / "leak.txt")
    result = scan(ScanOptions(paths=[str(root)], cwd=root), CHECKS)
    (bucket,) = [r for r in result.resources if r.address == "aws_s3_bucket.b"]
    assert is_unknown(bucket.attributes["bucket"]), bucket.attributes
    assert "IACG-AWS-001" in [f.check_id for f in result.findings]
    _assert_nothing_leaked(cli_outputs(root, tmp_path))


@pytest.mark.parametrize("source", [
    "../../../../../../../etc", "../outside", "/etc", "..\\\\outside", "..\\\\..\\\\..\\\\..\\\\..\\\\etc",
    "./../outside", "git::file:///etc", "file:///etc",
])
def test_module_source_outside_the_repository_is_not_loaded(tmp_path: Path, source: str) -> None:
    _outside_tree(tmp_path)
    root = repo(tmp_path, {"main.tf": 'module "m" {\n  source = "%s"\n}\n' % source})
    result = scan(ScanOptions(paths=[str(root)], cwd=root), CHECKS)
    assert [r.address for r in result.resources] == []
    # A local path that leaves the repository is an error on the call; any
    # other source is a remote one, not downloaded: its outputs are unknown.
    local = source.startswith(".")
    assert [(f.check_id, f.file, f.line) for f in result.findings] == [("IACG-000", "main.tf", 1)] * local
    assert all("outside the repository" in f.message["en"] for f in result.findings) and not result.check_errors
    _assert_nothing_leaked(cli_outputs(root, tmp_path))


def test_module_dir_in_terraform_manifest_outside_the_repository(tmp_path: Path) -> None:
    _outside_tree(tmp_path)
    root = repo(tmp_path, {"main.tf": 'module "m" {\n  source = "registry.example/x/y/aws"\n}\n',
                           ".terraform/modules/modules.json": json.dumps(
                               {"Modules": [{"Key": "m", "Source": "x", "Dir": "../outside"}]})})
    result = scan(ScanOptions(paths=[str(root)], cwd=root), CHECKS)
    assert [r.address for r in result.resources] == []
    _assert_nothing_leaked(cli_outputs(root, tmp_path))


@pytest.mark.parametrize("url", ["../outside/child.yaml", "/etc/passwd", "../../../../../../etc/passwd",
                                 "file:///etc/passwd", "./link.yaml"])
def test_nested_stack_outside_the_repository_is_not_read(tmp_path: Path, url: str) -> None:
    _outside_tree(tmp_path)
    root = repo(tmp_path, {"parent.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Child:\n'
                                          '    Type: AWS::CloudFormation::Stack\n    Properties:\n'
                                          '      TemplateURL: %s\n' % url})
    os.symlink(tmp_path / "outside" / "child.yaml", root / "link.yaml")
    result = scan(ScanOptions(paths=[str(root / "parent.yaml")], cwd=root), CHECKS)
    assert [r.address for r in result.resources] == ["Child"]
    _assert_nothing_leaked(cli_outputs(root, tmp_path, [root / "parent.yaml"]))


@pytest.mark.parametrize("link", [
    '{"relativePath": "../outside/child.json"}',
    '{"relativePath": "../../../../../../etc/passwd"}',
    '{"relativePath": "/etc/passwd"}',
    '{"relativePath": "link.json"}',
    '{"uri": "file:///etc/passwd"}',
])
def test_arm_linked_template_outside_the_repository_is_not_read(tmp_path: Path, link: str) -> None:
    _outside_tree(tmp_path)
    root = repo(tmp_path, {"azuredeploy.json": ARM_HEAD % (
        '{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "linked", '
        '"properties": {"mode": "Incremental", "templateLink": %s}}' % link)})
    os.symlink(tmp_path / "outside" / "child.json", root / "link.json")
    result = scan(ScanOptions(paths=[str(root / "azuredeploy.json")], cwd=root), CHECKS)
    assert all(SECRET not in r.address for r in result.resources)
    assert "IACG-AZURE-001" not in [f.check_id for f in result.findings]
    _assert_nothing_leaked(cli_outputs(root, tmp_path, [root / "azuredeploy.json"]))


def test_nested_and_linked_templates_inside_the_repository_are_read(tmp_path: Path) -> None:
    """The control for the two tests above: the same references inside the tree are followed."""
    outside = _outside_tree(tmp_path)
    root = repo(tmp_path, {
        "parent.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Child:\n'
                       '    Type: AWS::CloudFormation::Stack\n    Properties:\n'
                       '      TemplateURL: ./stacks/child.yaml\n',
        "stacks/child.yaml": (outside / "child.yaml").read_text(),
        "azuredeploy.json": ARM_HEAD % (
            '{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "linked", '
            '"properties": {"mode": "Incremental", "templateLink": {"relativePath": "nested/child.json"}}}'),
        "nested/child.json": (outside / "child.json").read_text()})
    result = scan(ScanOptions(paths=[str(root / "parent.yaml"), str(root / "azuredeploy.json")], cwd=root), CHECKS)
    found = {f.check_id for f in result.findings}
    assert {"IACG-AWS-001", "IACG-AZURE-001"} <= found, sorted(found)


# -- 11. no network, nothing executed ----------------------------------------------------


def _scan_corpus() -> List[Path]:
    """The fixtures and examples, without the known-bad reproducers of fixtures/_hostile."""
    paths = [p for p in sorted(FIXTURES.iterdir()) if p.is_dir() and p.name != "_hostile"]
    return paths + [ROOT / "examples"]


def test_scan_completes_with_sockets_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: List[str] = []

    def refuse(name: str):
        def refused(*args: Any, **kwargs: Any) -> Any:
            attempts.append(f"{name}{args[:2]!r}")
            raise OSError(f"network disabled by the test ({name})")
        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket.socket, "sendto", refuse("socket.sendto"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("gethostbyname"))
    result = scan(ScanOptions(paths=[str(p) for p in _scan_corpus() if p.is_dir()], cwd=ROOT), CHECKS)
    assert result.check_errors == []
    assert result.findings
    assert attempts == [], "the scan tried to use the network"


EXECUTES = {
    "main.tf": '''
data "external" "pwn" {
  program = ["sh", "-c", "touch {marker}; echo '{{\\"a\\":\\"b\\"}}'"]
}

resource "null_resource" "pwn" {
  provisioner "local-exec" {
    command = "touch {marker}"
  }
  provisioner "remote-exec" {
    inline = ["touch {marker}"]
  }
}

resource "aws_s3_bucket" "b" {
  acl    = "public-read"
  bucket = data.external.pwn.result.a
  provisioner "local-exec" {
    command     = "touch {marker}"
    interpreter = ["/bin/sh", "-c"]
  }
}

resource "terraform_data" "pwn" {
  provisioner "local-exec" {
    command = "touch {marker}"
  }
}
''',
    "template.yaml": '''AWSTemplateFormatVersion: "2010-09-09"
Transform: [AWS::Serverless-2016-10-31, {{"Name": "AWS::Include", "Parameters": {{"Location": "file://{marker}"}}}}]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "import os; os.system('touch {marker}')"
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: PublicRead
      BucketName: !Transform {{"Name": "Macro", "Parameters": {{"cmd": "touch {marker}"}}}}
''',
    "azuredeploy.json": ARM_HEAD % (
        '{"type": "Microsoft.Resources/deploymentScripts", "apiVersion": "2020-10-01", "name": "pwn", '
        '"kind": "AzureCLI", "properties": {"scriptContent": "touch {marker}", "azCliVersion": "2.40.0", '
        '"retentionInterval": "P1D"}}, {"type": "Microsoft.Storage/storageAccounts", "apiVersion": '
        '"2023-01-01", "name": "sa", "properties": {"allowBlobPublicAccess": true}}'),
}


def test_nothing_is_executed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "executed"
    calls: List[str] = []

    def forbidden(name: str):
        def called(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            raise AssertionError(f"{name} called during a scan: {args[:1]!r}")
        return called

    root = repo(tmp_path, {name: text.replace("{marker}", str(marker)).replace("{{", "{").replace("}}", "}")
                           if name != "azuredeploy.json" else text.replace("{marker}", str(marker))
                           for name, text in EXECUTES.items()})
    monkeypatch.setattr(subprocess.Popen, "__init__", forbidden("subprocess.Popen"))
    for name in ("system", "popen", "execv", "execve", "execvp", "execvpe", "execl", "execlp", "spawnv",
                 "spawnve", "spawnvp", "spawnl", "posix_spawn", "posix_spawnp", "fork", "forkpty"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, forbidden(f"os.{name}"))
    try:
        import pty
        monkeypatch.setattr(pty, "spawn", forbidden("pty.spawn"))
    except ImportError:  # pragma: no cover - not on Windows
        pass
    result = scan(ScanOptions(paths=[str(root)], cwd=root), CHECKS)
    assert calls == []
    assert not marker.exists()
    assert result.check_errors == []
    found = {f.check_id for f in result.findings}
    assert {"IACG-AWS-001", "IACG-AZURE-001"} <= found, sorted(found)
    (bucket,) = [r for r in result.resources if r.address == "aws_s3_bucket.b"]
    assert is_unknown(bucket.attributes["bucket"])
