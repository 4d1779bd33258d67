"""Suppressions: inline comments, CloudFormation Metadata, configured skips
and the baseline, applied to the findings of a scan.

Inline, on the resource (its first line or the comment lines right above it)
or right above / beside the offending attribute (that attribute only)::

    # iacguard:ignore IACG-AWS-012[,IACG-AWS-013] [until=2027-03-31] reason text

A suppression without a reason suppresses nothing and is itself reported
(IACG-001); one past its ``until`` date stops suppressing and the finding says
so; with ``report_unused`` a suppression that matched nothing is reported
(IACG-002). Suppressed findings stay in the output, marked, and never fail.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from . import messages
from .engine.aliases import Aliases, replacing
from .findings import BUILTIN_TITLES, INVALID_SUPPRESSION_ID, UNUSED_SUPPRESSION_ID, Finding
from .model import ParsedFile, Resource

NO_REASON_ID = INVALID_SUPPRESSION_ID
UNUSED_ID = UNUSED_SUPPRESSION_ID
_DIRECTIVE = re.compile(
    r"iacguard:ignore\s+(?P<ids>[A-Za-z0-9*?\[\]\-_]+(?:\s*,\s*[A-Za-z0-9*?\[\]\-_]+)*)"
    r"(?:\s+until=(?P<until>\S+))?(?P<reason>.*)$"
)


@dataclass
class Suppression:
    """One suppression directive and where it applies."""

    ids: Tuple[str, ...]
    reason: str
    file: str
    line: int  # where it is written
    kind: str = "inSource"  # SARIF: inSource (comments, Metadata) or external (config, baseline)
    until: Optional[_dt.date] = None
    bad_until: str = ""  # an unreadable date must not mean "forever"
    used: bool = False

    @property
    def valid(self) -> bool:
        return bool(self.reason) and not self.bad_until

    def record(self, expired: bool = False) -> Dict[str, object]:
        out: Dict[str, object] = {"kind": self.kind, "reason": self.reason, "file": self.file, "line": self.line}
        if self.until is not None:
            out["until"] = self.until.isoformat()
        if expired:
            out["expired"] = True
        return out


def _through(patterns: Sequence[str], check_id: str, aliases: Aliases) -> Optional[str]:
    """None when no pattern names the check; else the retired id through
    which one names it ("" when one names the check itself)."""
    retired = None
    for pattern in patterns:
        if fnmatch.fnmatchcase(check_id, pattern):
            return ""
        retired = retired or replacing(check_id, pattern, aliases) or None
    return retired


def _date(text: str) -> Optional[_dt.date]:
    try:
        return _dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def parse_directive(text: str, file: str, line: int) -> Optional[Suppression]:
    match = _DIRECTIVE.search(text)
    if match is None:
        return None
    ids = tuple(i.strip() for i in match.group("ids").split(",") if i.strip())
    reason = match.group("reason").strip().rstrip("*/").strip().strip("-").strip()
    until_text = match.group("until") or ""
    until = _date(until_text)
    return Suppression(ids, reason, file, line, until=until,
                       bad_until=until_text if until_text and until is None else "")


@dataclass
class SkipRule:
    """A configured skip: check ids (globs) on path globs, with a reason.
    Path globs are relative to ``base`` (the configuration file's directory);
    one without a slash matches a file or directory name anywhere."""

    ids: Tuple[str, ...]
    paths: Tuple[str, ...]
    reason: str
    source: str
    base: Optional[Path] = None

    def matches(self, finding: Finding, cwd: Path, aliases: Optional[Aliases] = None) -> bool:
        if _through(self.ids, finding.check_id, aliases or {}) is None:
            return False
        if not self.paths:
            return True
        file = Path(finding.file) if Path(finding.file).is_absolute() else cwd / finding.file
        try:
            relative = file.resolve().relative_to((self.base or cwd).resolve()).as_posix()
        except ValueError:
            return False
        return any(_path_matches(relative, pattern) for p in self.paths for pattern in _anchored(p))


def _anchored(pattern: str) -> Tuple[str, ...]:
    """A pattern with a slash is relative to the base; a bare name matches
    that file or directory at any depth."""
    if "/" in pattern.rstrip("/"):
        return (pattern.rstrip("/") + "/**",) if pattern.endswith("/") else (pattern,)
    name = pattern.rstrip("/")
    return (f"**/{name}", f"**/{name}/**")


def _path_matches(path: str, pattern: str) -> bool:
    """Glob with ``**`` crossing directories, as in .gitignore-style configs."""
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            regex += ".*"
            i += 2
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    return re.fullmatch(regex, path) is not None


@dataclass(frozen=True)
class Accepted:
    """A baseline entry: the file that accepted it, and the retired check id
    it was recorded under when that check has since been split."""

    source: str
    retired_id: str = ""


@dataclass
class SuppressionSettings:
    skips: Sequence[SkipRule] = ()
    baseline: Mapping[str, Accepted] = field(default_factory=dict)  # by fingerprint
    report_unused: bool = False
    today: Optional[_dt.date] = None
    aliases: Aliases = field(default_factory=dict)  # retired check id -> its replacements


class _Index:
    """Inline suppressions by file, with the resources' first lines."""

    def __init__(self, files: Iterable[ParsedFile]) -> None:
        self.by_file: Dict[str, Dict[int, List[Suppression]]] = {}
        self.comments: Dict[str, Dict[int, str]] = {}
        self.resources: Dict[Tuple[str, str], Resource] = {}
        self.all: List[Suppression] = []
        for parsed in files:
            self.comments[parsed.path] = parsed.comments
            for number, text in parsed.comments.items():
                directive = parse_directive(text, parsed.path, number)
                if directive is not None:
                    self.by_file.setdefault(parsed.path, {}).setdefault(number, []).append(directive)
                    self.all.append(directive)
            for resource in parsed.resources:
                self.resources[(resource.location.file, resource.address)] = resource
                for entry in resource.suppressions:
                    directive = Suppression(tuple(entry["ids"]), entry.get("reason", ""), resource.location.file,
                                            resource.location.line, until=_date(entry.get("until", "")))
                    self.by_file.setdefault(resource.location.file, {}).setdefault(
                        -resource.location.line, []).append(directive)  # negative: scoped to the resource
                    self.all.append(directive)

    def _above(self, file: str, line: int) -> List[int]:
        """The line itself and the run of comment lines right above it."""
        comments = self.comments.get(file, {})
        lines = [line]
        current = line - 1
        while current > 0 and current in comments:
            lines.append(current)
            current -= 1
        return lines

    def candidates(self, finding: Finding) -> List[Suppression]:
        directives = self.by_file.get(finding.file, {})
        if not directives:
            return []
        lines: Set[int] = set(self._above(finding.file, finding.line))
        resource = self.resources.get((finding.file, finding.resource))
        if resource is not None:
            lines.update(self._above(finding.file, resource.location.line))
            lines.add(-resource.location.line)
        return [d for line in sorted(lines) for d in directives.get(line, ())]


def apply_suppressions(findings: List[Finding], files: Sequence[ParsedFile],
                       settings: SuppressionSettings, cwd: Path) -> List[Finding]:
    """Mark suppressed findings; return them with the suppression findings."""
    today = settings.today or _dt.date.today()
    index = _Index(files)
    for finding in findings:
        if finding.check_id.startswith("IACG-00"):
            continue  # parse errors and suppression problems are not suppressible inline
        _apply_inline(finding, index.candidates(finding), today, settings.aliases)
        if finding.suppressed:
            continue
        for rule in settings.skips:
            if rule.matches(finding, cwd, settings.aliases):
                _suppress(finding, {"kind": "external", "reason": rule.reason, "source": rule.source},
                          _through(rule.ids, finding.check_id, settings.aliases) or "")
                break
        accepted = None if finding.suppressed else settings.baseline.get(finding.fingerprint)
        if accepted is not None:
            _suppress(finding, {"kind": "external", "reason": "accepted in the baseline",
                                "source": accepted.source}, accepted.retired_id)
    extra = [_meta(NO_REASON_ID, d, "LOW") for d in index.all if not d.valid]
    if settings.report_unused:
        extra.extend(_meta(UNUSED_ID, d, "LOW") for d in index.all if d.valid and not d.used)
    return findings + extra


def _suppress(finding: Finding, record: Dict[str, object], retired_id: str) -> None:
    finding.suppressed = True
    finding.suppression = record
    if retired_id:
        record["retired_id"] = retired_id  # the scan warns that the old id is still written


def _apply_inline(finding: Finding, candidates: List[Suppression], today: _dt.date, aliases: Aliases) -> None:
    for directive in candidates:
        through = _through(directive.ids, finding.check_id, aliases)
        if through is None:
            continue
        if not directive.valid:
            directive.used = True
            continue  # reported as IACG-001; it suppresses nothing
        directive.used = True
        if directive.until is not None and directive.until < today:
            expired = directive.until.isoformat()
            finding.message = {lang: messages.text("suppression_expired", lang, message=said, expired=expired)
                               for lang, said in finding.message.items()}
            finding.suppression = directive.record(expired=True)
            continue
        _suppress(finding, directive.record(), through)
        return


def _meta(check_id: str, directive: Suppression, severity: str) -> Finding:
    ids = ", ".join(directive.ids)
    if check_id == NO_REASON_ID and directive.bad_until:
        said = messages.message("suppression_bad_date", ids=ids, until=directive.bad_until)
    elif check_id == NO_REASON_ID:
        said = messages.message("suppression_no_reason", ids=ids)
    else:
        said = messages.message("suppression_unused", ids=ids)
    line = abs(directive.line)
    return Finding(check_id=check_id, severity=severity, format="", file=directive.file, line=line,
                   end_line=line, resource="", resource_type="", attribute=f"suppression:{line}:{ids}",
                   title=BUILTIN_TITLES[check_id], message=said, controls=[])
