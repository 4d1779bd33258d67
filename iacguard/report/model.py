"""What every reporter is given: the final findings of a scan, the passed
list, counts and the metadata of the checks that ran. A reporter never
reaches back into parsers or resources."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .. import __version__
from ..engine.checks import Check
from ..findings import SEVERITIES, SEVERITY_ORDER, Finding, Passed


@dataclass
class Summary:
    files: int = 0
    resources: int = 0
    checks_run: int = 0
    skipped_files: int = 0
    parse_errors: int = 0
    check_errors: int = 0
    # Values a limit made unknown (not findings: unknown decides nothing).
    limits_reached: int = 0


@dataclass(frozen=True)
class ScanInfo:
    """When, what and with which rules: the header an auditor needs to tie a
    report to a state of the code."""

    started: str = ""  # ISO 8601 date and time with offset
    paths: Tuple[str, ...] = ()
    commit: str = ""  # git commit of the scanned tree, when it is in one
    dirty: bool = False  # the work tree had uncommitted changes
    checkset_digest: str = ""  # SHA-256 of the check files that ran
    config_digest: str = ""  # SHA-256 of the effective configuration


@dataclass
class Report:
    findings: List[Finding]
    passed: List[Passed]
    checks: List[Check]
    summary: Summary
    lang: str = "en"
    tool_version: str = __version__
    severity_threshold: str = "LOW"
    quiet: bool = False  # text: only the failures, no summary
    compact: bool = False  # text: one line per finding
    # text: ANSI colours. The CLI decides (standard output is a terminal and
    # NO_COLOR is unset); reporters never probe the terminal themselves.
    color: bool = False
    info: ScanInfo = field(default_factory=ScanInfo)
    # The repository the scanned files belong to (git top level, else the
    # scanned root): SARIF paths are relative to it. None: the current directory.
    root: Optional[Path] = None

    @property
    def unsuppressed(self) -> List[Finding]:
        return [f for f in self.findings if not f.suppressed]

    def failing(self) -> List[Finding]:
        """Unsuppressed findings at or above the threshold: these fail the run."""
        floor = SEVERITY_ORDER[self.severity_threshold]
        return [f for f in self.unsuppressed if SEVERITY_ORDER[f.severity] >= floor]

    def by_severity(self) -> Dict[str, int]:
        counts = {s: 0 for s in reversed(SEVERITIES)}
        for f in self.unsuppressed:
            counts[f.severity] += 1
        return counts
