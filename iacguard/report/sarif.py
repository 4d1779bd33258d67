"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and IDE viewers.

One run; one rule per check that ran (plus ``IACG-000`` for files that could
not be parsed); one result per finding, suppressed ones carrying a SARIF
suppression. Texts follow ``--lang``.

The output stays inside GitHub code scanning's documented upload limits
(``UploadLimits``); where a scan would exceed one, the writer cuts the least
important part and says so in a tool execution notification.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence
from urllib.parse import quote

from ..engine.checks import Check, known_controls
from ..findings import PARSE_ERROR_ID, PARSE_ERROR_TITLE, Finding
from .common import LEVEL, Converted, by_priority, json_pieces, message, suppression_kind, suppression_reason, truncate
from .i18n import t
from .model import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
# GitHub code scanning reads this as a CVSS-like score: over 9.0 critical,
# 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY: Mapping[str, str] = MappingProxyType(
    {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0"})
PARSE_ERROR_NOTE = "iacguard/parse-error"
LIMIT_NOTE = "iacguard/upload-limit"


@dataclass(frozen=True)
class UploadLimits:
    """What GitHub code scanning accepts in one SARIF upload, from GitHub's
    documentation ("SARIF support for code scanning": Validating your SARIF
    file, and the reportingDescriptor table; "SARIF results exceed one or
    more limits"). ``tests/test_report_sarif.py`` checks a large report
    against the same numbers."""

    runs_per_file: int = 20
    results_per_run: int = 25_000       # more: the file is rejected
    results_shown: int = 5_000          # GitHub keeps the most severe 5,000
    rules_per_run: int = 25_000
    tags_per_rule: int = 10             # 20 accepted, only 10 shown
    locations_per_result: int = 10      # "up to a maximum of 10" (1,000 hard)
    extensions_per_run: int = 100
    name_chars: int = 255               # reportingDescriptor.name
    identifier_chars: int = 255         # rule ids: longer ones are rejected
    description_chars: int = 1024       # short and full description
    gzip_bytes: int = 10_000_000        # 10 MB compressed


GITHUB = UploadLimits()


@dataclass
class _Cuts:
    """What had to be cut, for the notifications."""

    results: int = 0
    size: int = 0
    rules: int = 0
    tags: int = 0
    texts: int = 0
    total: int = 0


def pieces(report: Report, limits: UploadLimits = GITHUB) -> Iterator[str]:
    """The log, made finding by finding into a spool (memory, then a
    temporary file past SPOOL_BYTES): its compressed size must be known
    before any of it is written, and a log over the limit is made again with
    fewer results."""
    cuts = _Cuts(total=len(report.findings))
    ordered = by_priority(report.findings)
    kept = ordered[: limits.results_per_run]
    cuts.results = len(ordered) - len(kept)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        raw = _spool(_log(report, kept, cuts, limits), spool)
        if raw > limits.gzip_bytes:  # only then can the compressed file be too large
            size = _gzip_size(spool)
            while size > limits.gzip_bytes and kept:
                keep = min(len(kept) - 1, int(len(kept) * limits.gzip_bytes / size * 0.9))
                cuts.size += len(kept) - keep
                kept = kept[:keep]
                _spool(_log(report, kept, cuts, limits), spool)
                size = _gzip_size(spool)
        spool.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        for block in iter(lambda: spool.read(SPOOL_BLOCK), b""):
            yield decoder.decode(block)
        yield decoder.decode(b"", final=True)


def render(report: Report, limits: UploadLimits = GITHUB) -> str:
    return "".join(pieces(report, limits))


# The log is kept in memory up to this size, on disk beyond.
SPOOL_BYTES = 16 * 1024 * 1024
SPOOL_BLOCK = 1 << 16


def _spool(log: Dict[str, Any], spool: Any) -> int:
    """Write the log into the (emptied) spool; its size in bytes."""
    spool.seek(0)
    spool.truncate()
    size = 0
    for piece in json_pieces(log):
        data = piece.encode("utf-8")
        spool.write(data)
        size += len(data)
    return size


def _gzip_size(spool: Any) -> int:
    spool.seek(0)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing, as gzip.compress writes
    size = sum(len(compressor.compress(block)) for block in iter(lambda: spool.read(SPOOL_BLOCK), b""))
    return size + len(compressor.flush())


def _log(report: Report, kept: Sequence[Finding], cuts: _Cuts, limits: UploadLimits) -> Dict[str, Any]:
    lang = report.lang
    cuts.rules = cuts.tags = cuts.texts = 0
    rules = _rules(report, kept, cuts, limits)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    base = _Base(Path.cwd().absolute(), (report.root or Path.cwd()).absolute())
    results = Converted(sorted(kept, key=Finding.sort_key), lambda f: _result(f, index, lang, limits, base))
    notifications = [_parse_note(f, index, lang, base) for f in kept if f.check_id == PARSE_ERROR_ID]
    notifications += _limit_notes(cuts, lang, limits)
    run: Dict[str, Any] = {
        "tool": {"driver": {
            "name": "iacguard",
            "version": report.tool_version,
            "semanticVersion": report.tool_version,
            "rules": rules,
            "notifications": [
                {"id": PARSE_ERROR_NOTE, "shortDescription": {"text": t("sarif.notification.parse_error", lang)}},
                {"id": LIMIT_NOTE, "shortDescription": {"text": t("sarif.notification.limit", lang)}},
            ],
        }},
        "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(base.root)}},
        "invocations": [{
            "executionSuccessful": report.summary.check_errors == 0,
            "toolExecutionNotifications": notifications,
        }],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "language": lang,
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _directory_uri(directory: Path) -> str:
    uri = directory.absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


# --- rules -------------------------------------------------------------------


@dataclass
class _RuleText:
    id: str
    severity: str
    provider: str
    title_en: str
    title: str
    description: str
    remediation: str
    controls: List[str] = field(default_factory=list)
    cis: List[str] = field(default_factory=list)


def _rule_texts(report: Report, kept: Sequence[Finding]) -> List[_RuleText]:
    lang = report.lang
    texts = [_from_check(c, lang) for c in report.checks]
    known = {r.id for r in texts}
    parse_title = PARSE_ERROR_TITLE.get(lang, PARSE_ERROR_TITLE["en"])
    texts.append(_RuleText(PARSE_ERROR_ID, "HIGH", "", PARSE_ERROR_TITLE["en"], parse_title,
                           t("sarif.parse_error.help", lang), ""))
    known.add(PARSE_ERROR_ID)
    for f in kept:  # a finding of a check that is not in the list still gets its rule
        if f.check_id not in known:
            known.add(f.check_id)
            texts.append(_RuleText(f.check_id, f.severity, "", f.text("title", "en"), f.text("title", lang),
                                   f.text("title", lang), f.text("remediation", lang), list(f.controls),
                                   list(f.cis)))
    return texts


def _from_check(check: Check, lang: str) -> _RuleText:
    return _RuleText(check.id, check.severity, check.provider, check.text("title", "en"),
                     check.text("title", lang), check.text("description", lang),
                     check.text("remediation", lang), list(check.controls), list(check.cis))


def _rules(report: Report, kept: Sequence[Finding], cuts: _Cuts, limits: UploadLimits) -> List[Dict[str, Any]]:
    texts = _rule_texts(report, kept)
    if len(texts) > limits.rules_per_run:
        used = {f.check_id for f in kept}
        room = limits.rules_per_run - len({r.id for r in texts if r.id in used})
        unused = [r.id for r in texts if r.id not in used]
        keep = used | set(unused[:max(room, 0)])
        cuts.rules = len(texts) - len([r for r in texts if r.id in keep])
        texts = [r for r in texts if r.id in keep]
    return [_rule(r, report.lang, cuts, limits) for r in texts]


def _rule(r: _RuleText, lang: str, cuts: _Cuts, limits: UploadLimits) -> Dict[str, Any]:
    title = r.title or r.id
    description = r.description or title
    name = _name(r.title_en) or r.id.replace("-", "")
    short, full = truncate(title, limits.description_chars), truncate(description, limits.description_chars)
    if (short, full, name[: limits.name_chars]) != (title, description, name):
        cuts.texts += 1
    tags = list(dict.fromkeys(x for x in ["security", "iac", r.provider, *r.controls, *r.cis] if x))
    if len(tags) > limits.tags_per_rule:
        cuts.tags += 1
        tags = tags[: limits.tags_per_rule]
    return {
        "id": _identifier(r.id, limits),
        "name": name[: limits.name_chars],
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": _help_text(r, description, lang), "markdown": _help_markdown(r, description, lang)},
        "defaultConfiguration": {"level": LEVEL[r.severity]},
        "properties": {
            "tags": tags,
            "security-severity": SECURITY_SEVERITY[r.severity],
            "precision": "high",
            "severity": r.severity,
            "controls": r.controls,
            "cis": r.cis,
        },
    }


def _name(title_en: str) -> str:
    """``S3BucketGrantsPublicAccessThroughItsACL``: an identifier a person can read."""
    return "".join(w[0].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", title_en))


def _identifier(rule_id: str, limits: UploadLimits) -> str:
    if len(rule_id) <= limits.identifier_chars:
        return rule_id
    digest = hashlib.sha256(rule_id.encode("utf-8")).hexdigest()[:16]
    return rule_id[: limits.identifier_chars - 17] + "-" + digest


def _control_lines(r: _RuleText, lang: str) -> List[str]:
    catalogue = known_controls()
    out = []
    for cid in r.controls:
        entry = catalogue.get(cid, {})
        title = entry.get(f"title_{lang}") or entry.get("title_en") or ""
        out.append(f"{cid} {title}".strip())
    return out


def _help_text(r: _RuleText, description: str, lang: str) -> str:
    parts = [description]
    if r.remediation:
        parts.append(f"{t('sarif.remediation', lang)}: {r.remediation}")
    controls = _control_lines(r, lang)
    if controls:
        parts.append(f"{t('sarif.controls', lang)}:\n" + "\n".join(f"- {c}" for c in controls))
    if r.cis:
        parts.append(f"{t('sarif.cis', lang)}:\n" + "\n".join(f"- {c}" for c in r.cis))
    return "\n\n".join(parts)


def _help_markdown(r: _RuleText, description: str, lang: str) -> str:
    parts = [description]
    if r.remediation:
        parts.append(f"**{t('sarif.remediation', lang)}**\n\n{r.remediation}")
    controls = _control_lines(r, lang)
    if controls:
        parts.append(f"**{t('sarif.controls', lang)}**\n\n" + "\n".join(f"- {c}" for c in controls))
    if r.cis:
        parts.append(f"**{t('sarif.cis', lang)}**\n\n" + "\n".join(f"- {c}" for c in r.cis))
    return "\n\n".join(parts)


# --- results -----------------------------------------------------------------


@dataclass(frozen=True)
class _Base:
    """Where finding paths start (the current directory) and what SARIF
    URIs are relative to (the repository root), so that code scanning
    places them wherever the scan was started from."""

    cwd: Path
    root: Path

    def artifact(self, file: str) -> Dict[str, Any]:
        full = Path(os.path.normpath(self.cwd / file.replace("\\", "/")))
        try:
            relative = PurePosixPath(full.relative_to(self.root).as_posix())
        except ValueError:  # outside the repository: no base to be relative to
            return {"uri": full.as_uri()}
        return {"uri": quote(str(relative)), "uriBaseId": SRCROOT}


def _snippet(f: Finding, start: int, end: int) -> Optional[str]:
    lines = dict(f.snippet)
    if not all(n in lines for n in range(start, end + 1)):
        return None
    return "\n".join(lines[n] for n in range(start, end + 1)) + "\n"


def _physical(f: Finding, base: _Base) -> Dict[str, Any]:
    start = max(f.line, 1)
    end = max(f.end_line, start)
    region: Dict[str, Any] = {"startLine": start, "startColumn": 1, "endLine": end}
    text = _snippet(f, start, end)
    if text is not None:
        region["snippet"] = {"text": text}
    physical: Dict[str, Any] = {"artifactLocation": base.artifact(f.file), "region": region}
    if f.snippet:
        first, last = min(n for n, _ in f.snippet), max(n for n, _ in f.snippet)
        context = _snippet(f, first, last)
        if context is not None and first <= start and last >= end:
            physical["contextRegion"] = {"startLine": first, "endLine": last, "snippet": {"text": context}}
    return physical


def _result(f: Finding, index: Dict[str, int], lang: str, limits: UploadLimits, base: _Base) -> Dict[str, Any]:
    rule_id = _identifier(f.check_id, limits)
    location: Dict[str, Any] = {"physicalLocation": _physical(f, base)}
    if f.resource:
        location["logicalLocations"] = [{"fullyQualifiedName": f.resource, "kind": "resource"}]
    result: Dict[str, Any] = {
        "ruleId": rule_id,
        "ruleIndex": index[rule_id],
        "level": LEVEL[f.severity],
        "message": {"text": message(f, lang)},
        "locations": [location][: limits.locations_per_result],
        # GitHub matches alerts across runs by primaryLocationLineHash; ours
        # is built from check, file, resource and attribute, so it survives
        # lines moving.
        "partialFingerprints": {"iacguard/v1": f.fingerprint, "primaryLocationLineHash": f.fingerprint},
    }
    if f.provenance:
        # Where the value came from: the variable default, tfvars entry,
        # module input or parameter that makes the attribute what it is.
        result["relatedLocations"] = [
            {"id": i, "message": {"text": source.what},
             "physicalLocation": {"artifactLocation": base.artifact(source.file),
                                  "region": {"startLine": max(source.line, 1)}}}
            for i, source in enumerate(f.provenance[: limits.locations_per_result])]
    if f.suppressed:
        suppression: Dict[str, Any] = {"kind": suppression_kind(f), "status": "accepted"}
        reason = suppression_reason(f)
        if reason:
            suppression["justification"] = reason
        result["suppressions"] = [suppression]
    return result


# --- notifications -------------------------------------------------------------


def _parse_note(f: Finding, index: Dict[str, int], lang: str, base: _Base) -> Dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": message(f, lang)},
        "locations": [{"physicalLocation": _physical(f, base)}],
        "descriptor": {"id": PARSE_ERROR_NOTE, "index": 0},
        "associatedRule": {"id": PARSE_ERROR_ID, "index": index[PARSE_ERROR_ID]},
    }


def _limit_notes(cuts: _Cuts, lang: str, limits: UploadLimits) -> List[Dict[str, Any]]:
    texts = []
    if cuts.results:
        texts.append(t("sarif.limit.results", lang, dropped=f"{cuts.results:,}", total=f"{cuts.total:,}",
                       limit=f"{limits.results_per_run:,}"))
    if cuts.size:
        texts.append(t("sarif.limit.size", lang, dropped=f"{cuts.size:,}", limit=limits.gzip_bytes // 1_000_000))
    if cuts.rules:
        texts.append(t("sarif.limit.rules", lang, dropped=f"{cuts.rules:,}", limit=f"{limits.rules_per_run:,}"))
    if cuts.tags:
        texts.append(t("sarif.limit.tags", lang, count=cuts.tags, limit=limits.tags_per_rule))
    if cuts.texts:
        texts.append(t("sarif.limit.text", lang, count=cuts.texts, name=limits.name_chars,
                       description=f"{limits.description_chars:,}"))
    return [{"level": "warning", "message": {"text": text}, "descriptor": {"id": LIMIT_NOTE, "index": 1}}
            for text in texts]
