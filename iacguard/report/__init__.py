"""Reporters: each turns the final findings of a scan into one output format.

A reporter sees only the ``Report`` below: findings after suppression, the
passed list, counts and the metadata of the checks that ran. It never reaches
back into parsers or resources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from .. import __version__
from ..engine.checks import Check
from ..findings import SEVERITY_ORDER, Finding, Passed


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
        counts = {s: 0 for s in ("CRITICAL", "HIGH", "MEDIUM", "LOW")}
        for f in self.unsuppressed:
            counts[f.severity] += 1
        return counts


def pieces(fmt: str) -> Callable[[Report], Iterable[str]]:
    """The writer of ``fmt``: the report as a sequence of text pieces, to be
    written one after another, as they are made: finding by finding (JSON,
    SARIF, text, GitHub annotations), test case by test case (JUnit), row by
    row (the compliance reports), so a large report is never held whole.
    SARIF goes through a spool, which turns into a temporary file when large:
    it must know its compressed size before it is written."""
    if fmt == "text":
        from .text import pieces as stream
    elif fmt == "json":
        from .json_report import pieces as stream
    elif fmt == "github":
        from .github import pieces as stream
    elif fmt == "sarif":
        from .sarif import pieces as stream
    elif fmt == "junit":
        from .junit import pieces as stream
    elif fmt == "markdown":
        from .compliance import markdown_pieces as stream
    elif fmt == "html":
        from .compliance import html_pieces as stream
    else:
        raise ValueError(f"unknown output format {fmt!r}")
    return stream


def writer(fmt: str) -> Callable[[Report], str]:
    """The writer of ``fmt``, giving the whole report as one string."""
    stream = pieces(fmt)
    return lambda report: "".join(stream(report))


FORMATS = ("text", "json", "sarif", "junit", "markdown", "html", "github", "xlsx")
# Formats whose header says when, what and with which rules (ScanInfo).
AUDIT_FORMATS = ("markdown", "html", "xlsx")
