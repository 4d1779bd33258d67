"""Evidence of a scan that can be verified later (``--evidence FILE`` and
``iacguard evidence verify FILE``).

The record holds what an auditor needs to tie results to a state of the
code: the tool version, the digest of the check set and of the effective
configuration, the git commit, every file the scan read with its SHA-256, and
the results. Verifying hashes the files again and compares a fresh scan's
results with the recorded ones: the record still holds (exit 0) or the
differences are named (exit 1). Signing the record is left to tools a team
already has (README: "Evidence").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from . import __version__
from .config import Config
from .findings import Finding
from .parsers import READERS
from .report import ScanInfo
from .source import display_path

if TYPE_CHECKING:
    from .scan import ScanResult

VERSION = 1
_CHUNK = 1 << 20


class EvidenceError(Exception):
    """The record cannot be read or is not an iacguard evidence record."""


def sha256_file(path: Path) -> Optional[str]:
    """The file's SHA-256, or None when it cannot be read. A symbolic link is
    not followed: the scan reads no file through one either."""
    if path.is_symlink():
        return None
    sha = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(_CHUNK), b""):
                sha.update(block)
    except OSError:
        return None
    return sha.hexdigest()


def scanned_files(result: "ScanResult", config: Config, cwd: Path) -> List[str]:
    """Every file the scan read, as the report names them: the templates,
    those they loaded (nested stacks, linked templates), the variable and
    parameter files beside them and those the configuration names."""
    names: Set[str] = set()
    readers = {r.format: r for r in READERS}
    for parsed in result.files:
        names.add(parsed.path)
        names.update(parsed.loaded_files)
        reader = readers.get(parsed.format)
        if reader is not None:
            names.update(display_path(p, cwd) for p in reader.beside(cwd / parsed.path))
    for name in list(config.get("var_files")) + list(config.get("parameters")):
        names.add(display_path(Path(name).absolute(), cwd))
    return sorted(names)


def _result(finding: Finding) -> Dict[str, Any]:
    return {"check_id": finding.check_id, "severity": finding.severity, "file": finding.file, "line": finding.line,
            "resource": finding.resource, "suppressed": finding.suppressed, "fingerprint": finding.fingerprint}


def _result_key(entry: Mapping[str, Any]) -> Tuple:
    return (entry["fingerprint"], entry["line"], entry["severity"], entry["suppressed"])


def make_record(info: ScanInfo, configuration: Mapping[str, Any], files: Iterable[str], cwd: Path,
                findings: Sequence[Finding], passed: int) -> Dict[str, Any]:
    """The record of one scan. ``files`` are paths as the report shows them
    (relative to ``cwd``); verifying runs from the same directory."""
    hashed = []
    for name in sorted(set(files)):
        digest = sha256_file(cwd / name)
        hashed.append({"path": name, "sha256": digest})
    results = sorted((_result(f) for f in findings), key=lambda e: (e["file"], e["line"], e["check_id"], e["resource"]))
    return {
        "evidence_version": VERSION,
        "tool": {"name": "iacguard", "version": __version__},
        "scanned_at": info.started,
        "paths": list(info.paths),
        "git": {"commit": info.commit, "dirty": info.dirty},
        "checkset_sha256": info.checkset_digest,
        "configuration": dict(configuration),
        "configuration_sha256": info.config_digest,
        "files": hashed,
        "results": {"findings": results, "passed": passed},
    }


def load(path: Path) -> Dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvidenceError(f"evidence record {path} does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise EvidenceError(f"evidence record {path} is not readable JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("evidence_version") != VERSION \
            or not isinstance(data.get("files"), list) or not isinstance(data.get("results"), dict) \
            or not isinstance(data.get("configuration"), dict) or not isinstance(data.get("paths"), list):
        raise EvidenceError(f"{path} is not an iacguard evidence record (version {VERSION})")
    return data


@dataclass
class Verdict:
    """What differs between a record and the tree and scan of today."""

    changed_files: List[str] = field(default_factory=list)
    missing_files: List[str] = field(default_factory=list)
    new_files: List[str] = field(default_factory=list)
    new_results: List[Dict[str, Any]] = field(default_factory=list)
    gone_results: List[Dict[str, Any]] = field(default_factory=list)
    rules: List[str] = field(default_factory=list)  # tool version, check set or configuration differ

    @property
    def holds(self) -> bool:
        return not (self.changed_files or self.missing_files or self.new_files or self.new_results
                    or self.gone_results or self.rules)

    def lines(self) -> List[str]:
        out = [f"rules: {r}" for r in self.rules]
        out += [f"changed: {f}" for f in self.changed_files]
        out += [f"missing: {f}" for f in self.missing_files]
        out += [f"new file: {f}" for f in self.new_files]
        out += [f"new result: {_describe(r)}" for r in self.new_results]
        out += [f"result gone: {_describe(r)}" for r in self.gone_results]
        return out


def _describe(entry: Mapping[str, Any]) -> str:
    state = " (suppressed)" if entry.get("suppressed") else ""
    return f"{entry['file']}:{entry['line']} {entry['check_id']} {entry['severity']} {entry['resource']}{state}"


def compare(recorded: Mapping[str, Any], fresh: Mapping[str, Any], cwd: Path) -> Verdict:
    """Compare a record with one made now of the same paths and configuration."""
    verdict = Verdict()
    for key, what in (("tool", "tool version"), ("checkset_sha256", "check set"),
                      ("configuration_sha256", "configuration")):
        if recorded.get(key) != fresh.get(key):
            verdict.rules.append(f"the {what} differs from the record's")
    before = {e["path"]: e.get("sha256") for e in recorded["files"] if isinstance(e, dict) and "path" in e}
    for name, digest in before.items():
        now = sha256_file(cwd / name)
        if now is None:
            verdict.missing_files.append(name)
        elif now != digest:
            verdict.changed_files.append(name)
    verdict.new_files = sorted({e["path"] for e in fresh["files"]} - set(before))
    old = {_result_key(e): e for e in recorded["results"].get("findings", []) if isinstance(e, dict)}
    new = {_result_key(e): e for e in fresh["results"]["findings"]}
    verdict.new_results = [new[k] for k in sorted(set(new) - set(old), key=str)]
    verdict.gone_results = [old[k] for k in sorted(set(old) - set(new), key=str)]
    return verdict
