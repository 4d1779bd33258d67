"""The format-neutral model every parser produces and every check reads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path as FSPath
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .source import Limits

FORMATS = ("terraform", "tfplan", "cloudformation", "arm")

# A path into a resource's attributes: dict keys and list indices.
Path = Tuple[Any, ...]


class _Unknown:
    """A value the evaluator could not resolve. Never equal to a concrete value.

    ``present`` says the attribute certainly has some (non-null) value, as a
    reference to another resource's attribute or a CloudFormation ``!GetAtt``
    does; plain UNKNOWN may also turn out to be null (an unset variable).
    """

    __slots__ = ("present",)

    def __init__(self, present: bool) -> None:
        self.present = present

    def __repr__(self) -> str:
        return "UNKNOWN" if not self.present else "UNKNOWN_PRESENT"

    def __bool__(self) -> bool:
        raise TypeError("an unknown value has no truth value; test with is_unknown()")

    def __reduce__(self) -> str:
        return repr(self)


UNKNOWN = _Unknown(present=False)
UNKNOWN_PRESENT = _Unknown(present=True)


class PartialDocument(_Unknown):
    """A JSON document whose text is unknown because some values inside it
    are (``jsonencode({... Resource = aws_s3_bucket.b.arn ...})``, a heredoc
    with interpolations). Its structure is kept so that policy checks can read
    what is known; everything else treats it as unknown."""

    __slots__ = ("document",)

    def __init__(self, document: Any) -> None:
        super().__init__(present=True)
        self.document = document

    def __repr__(self) -> str:
        return f"PartialDocument({self.document!r})"

    def __reduce__(self) -> Any:  # type: ignore[override]
        return (PartialDocument, (self.document,))


class PartialString(_Unknown):
    """A string whose text is partly known: ``"arn:aws:s3:::${var.bucket}/*"``.

    ``parts`` are the known pieces and None for each unknown piece. It is
    unknown to everything that needs the whole text; comparisons that the
    known pieces already decide (it cannot equal "", it certainly contains
    "gitlab.com") use them."""

    __slots__ = ("parts",)

    def __init__(self, parts: Tuple[Optional[str], ...]) -> None:
        super().__init__(present=True)
        self.parts = parts

    def __repr__(self) -> str:
        return "PartialString(" + "".join("…" if p is None else p for p in self.parts) + ")"

    def __reduce__(self) -> Any:  # type: ignore[override]
        return (PartialString, (self.parts,))

    def could_equal(self, text: str, ignore_case: bool = False) -> bool:
        pattern = "".join(".*" if p is None else re.escape(p) for p in self.parts)
        flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
        return re.fullmatch(pattern, text, flags) is not None

    def certainly_contains(self, text: str, ignore_case: bool = False) -> bool:
        def fold(s: str) -> str:
            return s.lower() if ignore_case else s
        return any(p is not None and fold(text) in fold(p) for p in self.parts)


def is_unknown(value: Any) -> bool:
    return isinstance(value, _Unknown)


def is_present(value: Any) -> bool:
    """Written and not null: known values, and unknowns that cannot be null."""
    if isinstance(value, _Unknown):
        return value.present
    return value is not None


def contains_unknown(value: Any) -> bool:
    """True when the value, or anything nested in it, is unknown."""
    if isinstance(value, _Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


@dataclass(frozen=True, order=True)
class Link:
    """A reference from one resource to another: the target's namespace and
    address (as written; ARM names match case-insensitively) and the
    top-level attribute of the referring resource that makes it ("" for
    ordering-only references such as DependsOn)."""

    namespace: str
    address: str
    via: str = ""


@dataclass(frozen=True)
class Source:
    """One place a value passed through on its way to an attribute: a
    variable default, a tfvars entry, a local, a module input or output, a
    parameter file entry or default, a copy loop."""

    file: str
    line: int
    what: str


# Where a value came from, innermost first and outermost (where it was
# finally written) last; empty when the attribute is written in place.
Provenance = Tuple[Source, ...]


def join_provenance(*parts: Provenance) -> Provenance:
    """The parts one after another, each place once."""
    if len(parts) == 1:
        return parts[0]
    seen: Dict[Source, None] = {}
    for part in parts:
        for source in part:
            seen.setdefault(source, None)
    return tuple(seen)


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    end_line: int = 0
    column: Optional[int] = None

    def __post_init__(self) -> None:
        if self.end_line < self.line:
            object.__setattr__(self, "end_line", self.line)


@dataclass
class Resource:
    """One resource (or resource-like block) of any format.

    ``attributes`` holds evaluated values: plain Python data, ``UNKNOWN`` where a
    value could not be resolved, nested blocks as lists of dicts.
    ``attribute_lines`` maps a path (tuple of keys/indices) to the 1-based line
    where that attribute or element is written.
    """

    address: str
    type: str
    format: str
    provider: str
    attributes: Dict[str, Any]
    location: Location
    attribute_lines: Dict[Path, int] = field(default_factory=dict)
    module_path: Tuple[str, ...] = ()
    # What this resource refers to: graph edges.
    links: List["Link"] = field(default_factory=list)
    # Names that stand for this resource together with others (an ARM copy
    # loop): a link to such a name is a link to every member.
    groups: Tuple[str, ...] = ()
    # Where an attribute's value came from, when it was not written literally.
    value_origins: Dict[Path, str] = field(default_factory=dict)
    # The places an attribute's value passed through (see Provenance), by
    # the path of the attribute, or of the repeated block, that reads them.
    value_sources: Dict[Path, Provenance] = field(default_factory=dict)
    # Suppressions declared on the resource itself (CloudFormation Metadata):
    # {"ids": [...], "reason": "...", "until": "YYYY-MM-DD"}.
    suppressions: List[Dict[str, Any]] = field(default_factory=list)
    # "resource" for what a check judges; "data", "provider", ... for context.
    kind: str = "resource"
    # For a resource read from a Terraform plan: where the configuration
    # beside the plan declares it (file, line of the deciding attribute).
    declared_at: Optional[Location] = None
    declared_lines: Dict[Path, int] = field(default_factory=dict)
    # Namespace in which ``references`` resolve: a Terraform module directory,
    # a CloudFormation or ARM template file.
    namespace: str = ""
    # Other names a reference may give it (an ARM dependsOn names a resource
    # by its name alone as well as by type and name).
    aliases: Tuple[str, ...] = ()
    # Its attribute names are compared without regard to case (ARM's are).
    case_insensitive_names: bool = False

    def line_of(self, path: Path) -> int:
        """Line of the deepest written attribute along ``path``; rule 5 of the
        contract: an absent attribute falls back to the resource's first line."""
        for end in range(len(path), 0, -1):
            line = self.attribute_lines.get(tuple(path[:end]))
            if line:
                return line
        return self.location.line

    def provenance_of(self, path: Path) -> Provenance:
        """Where the value at ``path`` came from: what the attribute's own
        expression read, then what the blocks around it were repeated over."""
        found = [self.value_sources[tuple(path[:end])] for end in range(len(path), 0, -1)
                 if tuple(path[:end]) in self.value_sources]
        return join_provenance(*found) if found else ()

    def has_path(self, path: Path) -> bool:
        return tuple(path) in self.attribute_lines


@dataclass(frozen=True)
class TemplateContext:
    """Where a CloudFormation or ARM template sits, for what it may load:
    parameter files, nested and linked templates (never outside ``repo_root``)."""

    path: "FSPath"
    display: str
    repo_root: "FSPath"
    parameter_files: Sequence["FSPath"] = ()
    cwd: Optional["FSPath"] = None
    # The parse cache (cache.ParseCache), for parsers whose reading is costly.
    cache: Any = None
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class ParseError:
    """A file that could not be read or parsed; reported as check IACG-000."""

    file: str
    line: int
    message: str
    format: str = ""


@dataclass
class ParsedFile:
    path: str  # as shown to the user (relative, POSIX)
    format: str
    resources: List[Resource] = field(default_factory=list)
    errors: List[ParseError] = field(default_factory=list)
    # Comment text by 1-based line, for inline suppressions.
    comments: Dict[int, str] = field(default_factory=dict)
    # Things worth telling the user that are not failures (shown with --verbose).
    notes: List[str] = field(default_factory=list)
    # Values a limit made unknown (each has a note): counted in the summary.
    limited: int = 0
    # Other template files this one loaded (nested stacks, linked templates):
    # they are judged through this file, with the values it passes them.
    loaded_files: List[str] = field(default_factory=list)
