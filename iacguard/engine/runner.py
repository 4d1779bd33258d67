"""Running checks over the resources of a scan."""

from __future__ import annotations

import fnmatch
import json
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .. import messages
from ..findings import LANGS, Finding, Passed, Undecided, format_path
from ..graph import ResourceGraph
from ..model import Resource, is_unknown
from .checks import Check, CheckSet, Clause
from .conditions import Context, Evidence, Tri
from .paths import ABSENT


@dataclass(frozen=True)
class CheckError:
    """A check that raised on a resource: a bug in the check, not a finding."""

    check_id: str
    resource: str
    file: str
    message: str
    traceback: str


@dataclass
class RunResult:
    findings: List[Finding] = field(default_factory=list)
    passed: List[Passed] = field(default_factory=list)
    undecided: List[Undecided] = field(default_factory=list)
    errors: List[CheckError] = field(default_factory=list)
    checks_run: int = 0


class _ClauseIndex:
    """Clauses by (format, resource type); types may be glob patterns
    (``azurerm_*``), resolved once per type seen."""

    def __init__(self, checkset: CheckSet) -> None:
        self.exact: Dict[Tuple[str, str], List[Tuple[Check, Clause]]] = defaultdict(list)
        self.patterns: List[Tuple[str, str, Check, Clause]] = []
        self._cache: Dict[Tuple[str, str], List[Tuple[Check, Clause]]] = {}
        for fmt, rtype, check, clause in _entries(checkset):
            if any(ch in rtype for ch in "*?["):
                self.patterns.append((fmt, rtype, check, clause))
            else:
                self.exact[(fmt, rtype)].append((check, clause))

    def get(self, fmt: str, rtype: str) -> List[Tuple[Check, Clause]]:
        key = (fmt, rtype.lower())
        if key not in self._cache:
            self._cache[key] = list(self.exact.get(key, ())) + [
                (check, clause) for pfmt, pattern, check, clause in self.patterns
                if pfmt == fmt and fnmatch.fnmatchcase(key[1], pattern)]
        return self._cache[key]


def _entries(checkset: CheckSet):
    for check in checkset.checks:
        for clause in check.clauses:
            formats = set(clause.formats)
            if "terraform" in formats:
                # A plan holds the same resource types and attributes as the
                # configuration it was made from.
                formats.add("tfplan")
            for fmt in formats:
                for rtype in clause.resource_types:
                    yield fmt, rtype.lower(), check, clause


REDACTED = "(value not shown)"


def _printable(value: Any) -> Any:
    if is_unknown(value):
        return "(unknown)"
    if isinstance(value, dict):
        return {str(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def _show(value: Any) -> str:
    if is_unknown(value):
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        text = json.dumps(_printable(value), ensure_ascii=False, default=str)
        return text if len(text) <= 80 else text[:77] + "..."
    return str(value)


def _detail(lang: str, path: str, evidence: Evidence, origin: str) -> str:
    if evidence.value is ABSENT:
        key = "value_default" if evidence.default is not None else "value_absent"
    elif evidence.value is None:
        return ""
    else:
        key = "value_is"
    detail = messages.text(key, lang, path=path, value=_show(evidence.value), default=_show(evidence.default))
    return detail + (messages.text("value_origin", lang, origin=origin) if origin else "")


def _origin(resource: Resource, path: Any) -> str:
    """Where the value at ``path`` came from: the deepest recorded origin
    along the path (``var.acl``, ``!Ref Acl``, ``parameters('allowPublic')``)."""
    for end in range(len(path), 0, -1):
        origin = resource.value_origins.get(tuple(path[:end]))
        if origin:
            return origin
    return ""


def _declared(resource: Resource, evidence: Evidence) -> Dict[str, str]:
    """For a planned resource, where its configuration writes the attribute."""
    if resource.declared_at is None:
        return {"en": "", "ja": ""}
    line = resource.declared_at.line
    if evidence.value is not ABSENT:
        for end in range(len(evidence.path), 0, -1):
            if tuple(evidence.path[:end]) in resource.declared_lines:
                line = resource.declared_lines[tuple(evidence.path[:end])]
                break
    where = f"{resource.declared_at.file}:{line}"
    return messages.message("declared_at", where=where)


def _message(check: Check, clause: Clause, resource: Resource, evidence: Evidence) -> Dict[str, str]:
    path = format_path(evidence.path)
    origin = _origin(resource, evidence.path)
    if check.redact_values and evidence.value is not ABSENT and evidence.value is not None:
        # A check about secrets must not copy the secret into every report.
        evidence = Evidence(evidence.path, REDACTED, evidence.default)
    value = "" if evidence.value is ABSENT or evidence.value is None else _show(evidence.value)
    default = "" if evidence.default is None else _show(evidence.default)
    values = {"path": path, "value": value, "resource": resource.address, "origin": origin, "default": default}
    out: Dict[str, str] = {}
    for lang in LANGS:
        if clause.message:
            template = clause.message.get(lang) or clause.message["en"]
            try:
                out[lang] = template.format_map(values)
            except (KeyError, ValueError, IndexError):
                out[lang] = template
            continue
        title = check.title[lang]
        detail = _detail(lang, path, evidence, origin) if path else ""
        if not detail:
            out[lang] = title
        else:
            out[lang] = f"{title} ({detail})" if lang == "en" else f"{title}（{detail}）"
    declared = _declared(resource, evidence)
    return {lang: text + declared[lang] for lang, text in out.items()}


def run_checks(checkset: CheckSet, resources: Sequence[Resource], graph: ResourceGraph,
               settings: Optional[Mapping[str, Any]] = None) -> RunResult:
    result = RunResult(checks_run=len(checkset.checks))
    index = _ClauseIndex(checkset)
    for resource in resources:
        if resource.kind == "data":
            continue  # data sources are read, not created: context for checks only
        applicable = index.get(resource.format, resource.type)
        if not applicable:
            continue
        outcome: Dict[str, str] = {}
        unresolved: Dict[str, str] = {}
        for check, clause in applicable:
            try:
                state = _run_clause(check, clause, resource, graph, checkset, result, settings or {}, unresolved)
            except Exception as exc:  # a check bug must not end the scan
                result.errors.append(CheckError(
                    check.id, resource.address, resource.location.file,
                    f"{type(exc).__name__}: {exc}", traceback.format_exc()))
                state = "error"
            previous = outcome.get(check.id)
            outcome[check.id] = _combine(previous, state)
        for check_id, state in outcome.items():
            loc = resource.location
            if state == "pass":
                result.passed.append(Passed(check_id, resource.address, resource.type, loc.file, loc.line))
            elif state == "unknown":
                result.undecided.append(Undecided(check_id, resource.address, loc.file, loc.line,
                                                  unresolved.get(check_id, "")))
    result.findings.sort(key=Finding.sort_key)
    return result


def _unresolved(resource: Resource, verdict: Any) -> str:
    """What kept a check from deciding, for --verbose: the unknown values it
    looked at (else the resource's first unknown ones), each with where it
    comes from."""
    paths = [e.path for e in verdict.examined if is_unknown(e.value)] or _unknown_paths(resource.attributes, ())
    described = []
    for path in dict.fromkeys(paths[:3]):
        where = "; ".join(f"{s.what}, {s.file}:{s.line}" for s in resource.provenance_of(path))
        described.append(f"{format_path(path)} ({where})" if where else format_path(path))
    return ", ".join(described)


def _unknown_paths(value: Any, path: Tuple[Any, ...]) -> List[Tuple[Any, ...]]:
    if is_unknown(value):
        return [path]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    found: List[Tuple[Any, ...]] = []
    for key, item in items:
        found += _unknown_paths(item, path + (key,))
        if len(found) >= 3:
            break
    return found


_RANK = {None: -1, "n/a": 0, "pass": 1, "unknown": 2, "error": 3, "fail": 4}


def _combine(previous: Any, state: str) -> str:
    return state if _RANK[state] > _RANK[previous] else previous


def _run_clause(check: Check, clause: Clause, resource: Resource, graph: ResourceGraph,
                checkset: CheckSet, result: RunResult, settings: Mapping[str, Any],
                unresolved: Dict[str, str]) -> str:
    ctx = Context(resource, graph, checkset.predicates, resource.attributes, (), settings)
    if clause.when is not None:
        guard = clause.when.evaluate(ctx)
        if guard.state is Tri.FALSE:
            return "n/a"
        if guard.state is Tri.UNKNOWN:
            unresolved.setdefault(check.id, _unresolved(resource, guard))
            return "unknown"
    verdict = clause.violation.evaluate(ctx)
    if verdict.state is Tri.FALSE:
        return "pass"
    if verdict.state is Tri.UNKNOWN:
        unresolved.setdefault(check.id, _unresolved(resource, verdict))
        return "unknown"
    seen = set()
    for evidence in verdict.evidence:
        if evidence.path in seen:
            continue
        seen.add(evidence.path)
        # Contract rule 5: an absent deciding attribute points at the resource.
        line = resource.location.line if evidence.value is ABSENT else resource.line_of(evidence.path)
        result.findings.append(Finding(
            check_id=check.id,
            severity=check.severity,
            format=resource.format,
            file=resource.location.file,
            line=line,
            end_line=line,
            resource=resource.address,
            resource_type=resource.type,
            attribute=format_path(evidence.path),
            title=check.title,
            message=_message(check, clause, resource, evidence),
            controls=check.controls,
            cis=check.cis,
            remediation=check.remediation,
            provenance=() if evidence.value is ABSENT else resource.provenance_of(evidence.path),
        ))
    return "fail"
