"""One scan: files -> parsers -> graph -> checks -> findings."""

from __future__ import annotations

import fnmatch
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Mapping, Optional, Sequence

from . import messages
from .cache import ParseCache
from .discovery import discover, identify
from .engine.aliases import deprecation, expand_mapping
from .engine.aliases import expand as expand_aliases
from .engine.checks import CheckSet
from .engine.runner import CheckError, run_checks
from .findings import PARSE_ERROR_ID, PARSE_ERROR_TITLE, Finding, Passed, Undecided
from .graph import ResourceGraph
from .model import FORMATS, ParsedFile, ParseError, Resource
from .parsers import READERS
from .parsers.readers import ReadResult, ReadSettings, Template
from .source import Limits, SourceError, read_text
from .suppress import SuppressionSettings, apply_suppressions

if TYPE_CHECKING:
    from .parsers.terraform.inputs import TerraformInputs


@dataclass
class ScanOptions:
    paths: Sequence[str] = (".",)
    frameworks: Sequence[str] = FORMATS
    checks: Sequence[str] = ()       # ids or glob patterns to run (empty: all)
    skip_checks: Sequence[str] = ()  # ids or glob patterns not to run
    limits: Limits = field(default_factory=Limits)
    cwd: Optional[Path] = None
    terraform: Optional["TerraformInputs"] = None
    # CloudFormation / ARM parameter files (--parameters)
    parameters: Sequence[str] = ()
    # Data residency: regions resources may use (empty: not checked)
    allowed_regions: Sequence[str] = ()
    # VM extension types an organisation approves (empty: not checked)
    allowed_vm_extensions: Sequence[str] = ()
    # Parsed files by content in the user cache (off unless given), and how
    # many processes may parse at once.
    cache: Optional[ParseCache] = None
    workers: int = 1
    # Living with findings: configured skips, accepted baseline, overrides
    suppression: SuppressionSettings = field(default_factory=SuppressionSettings)
    severity_overrides: Mapping[str, str] = field(default_factory=dict)
    # Told what the scan is doing ("parsing 120/3000 files"), for a
    # progress line; "" when it is done.
    progress: Callable[[str], None] = lambda text: None
    # Unsaved editor buffers (resolved path -> text), read instead of the disk
    overlay: Mapping[Path, str] = field(default_factory=dict)


@dataclass
class ScanResult:
    files: List[ParsedFile] = field(default_factory=list)
    findings: List[Finding] = field(default_factory=list)
    passed: List[Passed] = field(default_factory=list)
    undecided: List[Undecided] = field(default_factory=list)
    check_errors: List[CheckError] = field(default_factory=list)
    checks_run: int = 0
    skipped_files: int = 0
    notes: List[str] = field(default_factory=list)
    # Shown whatever the verbosity: things the user should change (retired ids)
    warnings: List[Dict[str, str]] = field(default_factory=list)
    # Tracebacks of parser/evaluator bugs turned into IACG-000 (shown with --debug)
    internal_errors: List[str] = field(default_factory=list)
    # The repository the scanned files belong to (git top level, else the scanned root).
    root: Optional[Path] = None

    @property
    def resources(self) -> List[Resource]:
        return [r for f in self.files for r in f.resources if r.kind == "resource"]

    @property
    def limits_reached(self) -> int:
        return sum(f.limited for f in self.files)

    @property
    def parse_errors(self) -> List[ParseError]:
        """Each error once: a module file read for two callers, or both as a
        scanned file and through a call, fails the same way each time."""
        return list(dict.fromkeys(e for f in self.files for e in f.errors))


def select_checks(checkset: CheckSet, include: Sequence[str], exclude: Sequence[str]) -> CheckSet:
    """The checks the patterns choose; a retired id chooses its replacements."""
    include, exclude = expand_aliases(include, checkset.aliases), expand_aliases(exclude, checkset.aliases)

    def matches(check_id: str, patterns: Sequence[str]) -> bool:
        return any(fnmatch.fnmatchcase(check_id, p) for p in patterns)

    chosen = [c for c in checkset.checks
              if (not include or matches(c.id, include)) and not matches(c.id, exclude)]
    return CheckSet(chosen, checkset.predicates, checkset.aliases)


def _parse_error_finding(error: ParseError) -> Finding:
    return Finding(
        check_id=PARSE_ERROR_ID,
        severity="HIGH",
        format=error.format,
        file=error.file,
        line=error.line,
        end_line=error.line,
        resource="",
        resource_type="",
        attribute="",
        title=PARSE_ERROR_TITLE,
        message=messages.message("parse_error", message=error.message),
        controls=[],
    )


def scan(options: ScanOptions, checkset: CheckSet) -> ScanResult:
    result = ScanResult()
    found = discover(options.paths, options.cwd)
    result.notes.extend(found.notes)
    cwd = (options.cwd or Path.cwd()).absolute()
    repositories = found.repositories
    # SARIF paths are relative to it: the repository scanned, else what the scanned repositories share.
    result.root = Path(os.path.commonpath([str(r) for r in repositories])) if repositories else None
    identified = identify(found.candidates, options.paths, options.frameworks, options.limits, options.overlay,
                          options.progress)
    result.files.extend(identified.unreadable)
    result.skipped_files += identified.skipped
    by_format: Dict[str, List[Template]] = defaultdict(list)
    for template in identified.templates:
        by_format[template.format].append(template)
    del identified  # the texts are kept only until their reader has read them
    reading = ReadSettings(cwd, repositories, options.limits, [Path(p) for p in options.parameters],
                           options.terraform, options.cache, options.workers, options.overlay, options.progress)
    for reader in READERS:
        templates = by_format.pop(reader.format, [])
        if templates:
            evaluate = reader.read(templates, reading)
            del templates
            _add_read(evaluate(), result)
    for reader in READERS:
        reader.link(result.files)
    _judge_loaded_files_through_their_parents(result.files)
    result.files.sort(key=lambda f: f.path)
    resources = [r for f in result.files for r in f.resources]
    graph = ResourceGraph(resources)
    settings = {"allowed_regions": list(options.allowed_regions),
                "allowed_vm_extensions": list(options.allowed_vm_extensions)}
    # A check that needs a setting the user has not given does not run at all
    # (it would otherwise "pass" everything without looking).
    runnable = CheckSet([c for c in checkset.checks if all(settings.get(r) for r in c.requires)],
                        checkset.predicates)
    options.progress(f"running {len(runnable.checks)} checks on {len(resources)} resources")
    run = run_checks(runnable, resources, graph, settings)
    result.findings = run.findings
    # Parse errors fail closed: reported unless explicitly skipped.
    if not any(fnmatch.fnmatchcase(PARSE_ERROR_ID, p) for p in options.skip_checks):
        result.findings.extend(_parse_error_finding(e) for e in result.parse_errors)
        result.findings.sort(key=Finding.sort_key)
    overrides = expand_mapping(options.severity_overrides, checkset.aliases)
    for finding in result.findings:
        finding.severity = overrides.get(finding.check_id, finding.severity)
    result.findings = apply_suppressions(result.findings, result.files, options.suppression, cwd)
    retired = sorted({str(f.suppression["retired_id"]) for f in result.findings
                      if f.suppression and f.suppression.get("retired_id")})
    result.warnings.extend(deprecation(r, checkset.aliases) for r in retired)
    result.findings.sort(key=Finding.sort_key)
    _attach_snippets(result.findings, options.cwd or Path.cwd(), options.limits)
    result.passed = run.passed
    result.undecided = run.undecided
    result.check_errors = run.errors
    result.checks_run = run.checks_run
    options.progress("")
    return result


SNIPPET_LINES = 2


def _judge_loaded_files_through_their_parents(files: List[ParsedFile]) -> None:
    """A nested or linked template also found on its own is judged only with
    the values its parent gives it, not a second time with its defaults."""
    by_path = {f.path: f for f in files}
    for parent in files:
        for name in parent.loaded_files:
            child = by_path.get(name)
            if child is not None and child is not parent and parent.path not in child.loaded_files:
                child.resources = []


def _attach_snippets(findings: List[Finding], cwd: Path, limits: Limits) -> None:
    """The finding's line and the one after it, read again only for the files
    that have findings (the scan keeps no copy of the tree's text)."""
    by_file: Dict[str, List[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.check_id != PARSE_ERROR_ID:
            by_file[finding.file].append(finding)
    for file, items in by_file.items():
        path = Path(file) if Path(file).is_absolute() else cwd / file
        try:
            lines = read_text(path, limits).split("\n")
        except SourceError:
            continue
        for finding in items:
            start = max(finding.line, 1)
            finding.snippet = [(n, lines[n - 1][:400]) for n in range(start, start + SNIPPET_LINES)
                               if 0 < n <= len(lines)]


def _add_read(read: ReadResult, result: ScanResult) -> None:
    result.files.extend(read.files)
    result.notes.extend(read.notes)
    result.internal_errors.extend(read.internal_errors)
    result.skipped_files += read.skipped
