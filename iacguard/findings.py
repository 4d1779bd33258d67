"""Findings: what a check reports, in the form every reporter consumes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from . import messages
from .model import Path, Provenance

# The severity ladder, least severe first: the one definition every module reads.
SEVERITIES: Tuple[str, ...] = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
SEVERITY_ORDER: Dict[str, int] = {severity: rank for rank, severity in enumerate(SEVERITIES)}
# The languages every text of a check, a finding and a report is written in.
LANGS: Tuple[str, ...] = ("en", "ja")
PARSE_ERROR_ID = "IACG-000"
PARSE_ERROR_TITLE = messages.message("parse_error_title")
INVALID_SUPPRESSION_ID = "IACG-001"
UNUSED_SUPPRESSION_ID = "IACG-002"
# Findings about the scan itself rather than about a resource.
BUILTIN_TITLES = {
    PARSE_ERROR_ID: PARSE_ERROR_TITLE,
    INVALID_SUPPRESSION_ID: messages.message("invalid_suppression_title"),
    UNUSED_SUPPRESSION_ID: messages.message("unused_suppression_title"),
}


def format_path(path: Path) -> str:
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif out:
            out += f".{step}"
        else:
            out = str(step)
    return out


def fingerprint(check_id: str, file: str, resource: str, attribute: str) -> str:
    """Stable across line moves: built from what the finding is about, not where."""
    text = "\x1f".join((check_id, file, resource, attribute))
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass"))  # a template may hold lone surrogates
    return digest.hexdigest()[:32]


@dataclass
class Finding:
    check_id: str
    severity: str
    format: str
    file: str
    line: int
    end_line: int
    resource: str
    resource_type: str
    attribute: str
    title: Dict[str, str]
    message: Dict[str, str]
    controls: List[str]
    cis: List[str] = field(default_factory=list)
    remediation: Dict[str, str] = field(default_factory=dict)
    suppressed: bool = False
    suppression: Optional[Dict[str, Any]] = None
    # The source lines around ``line`` as (line number, text), for readers.
    snippet: List[Tuple[int, str]] = field(default_factory=list)
    # Where the deciding value came from when not written at ``line``.
    provenance: Provenance = ()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.check_id, self.file, self.resource, self.attribute)

    def text(self, field_name: str, lang: str) -> str:
        values: Dict[str, str] = getattr(self, field_name)
        return values.get(lang) or values.get("en", "")

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.check_id, self.resource, self.attribute)


@dataclass(frozen=True)
class Passed:
    check_id: str
    resource: str
    resource_type: str
    file: str
    line: int


@dataclass(frozen=True)
class Undecided:
    """A check that could not decide on a resource (an unresolved value)."""

    check_id: str
    resource: str
    file: str
    line: int
    # What could not be resolved, and where it comes from:
    # ``ingress[0].cidr_blocks[0] (var.admin_cidr has no value, variables.tf:1)``.
    unresolved: str = ""
