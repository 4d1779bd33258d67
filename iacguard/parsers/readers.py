"""What every input format offers the scan: a reader.

A reader says which files are its format (``detect``, from the name and the
text), reads a group of them (``read``: parsing, which may share work
between the files) into an evaluation that builds the model (the texts are
not kept through it) and, once every format is evaluated, may connect its
files to others' (``link``). The ordered
table of readers is ``iacguard.parsers.READERS``; a new format is a package
with a ``READER`` and a row there.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ..model import ParsedFile, ParseError, TemplateContext
from ..source import Limits

if TYPE_CHECKING:
    from ..cache import ParseCache
    from .terraform.inputs import TerraformInputs


@dataclass(frozen=True)
class Template:
    """A discovered file of one format, with its text."""

    path: Path
    display: str
    # The repository it belongs to: what it may refer to (source.repository_root).
    repository: Path
    format: str
    text: str


@dataclass
class ReadSettings:
    """What a reader may use beside the files: the user's inputs, the
    limits, the parse cache and how many processes may parse at once."""

    cwd: Path
    # Every repository the scan reads in (source.repository_root): where
    # its files may refer to.
    repositories: Sequence[Path] = ()
    limits: Limits = field(default_factory=Limits)
    # CloudFormation / ARM parameter files (--parameters)
    parameters: Sequence[Path] = ()
    terraform: Optional["TerraformInputs"] = None
    cache: Optional["ParseCache"] = None
    workers: int = 1
    # Unsaved editor buffers (resolved path -> text), read instead of the disk
    overlay: Mapping[Path, str] = field(default_factory=dict)
    progress: Callable[[str], None] = lambda text: None


@dataclass
class ReadResult:
    files: List[ParsedFile] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    # Tracebacks of parser bugs turned into IACG-000 (shown with --debug)
    internal_errors: List[str] = field(default_factory=list)
    # Files that turned out, once read, not to be of the format after all
    skipped: int = 0


Evaluation = Callable[[], ReadResult]


def _link_nothing(files: List[ParsedFile]) -> None:
    """Most formats stand on their own."""


def _nothing_beside(template: Path) -> List[Path]:
    return []


@dataclass(frozen=True)
class Reader:
    format: str
    # Name endings discovery looks at for this format.
    suffixes: Tuple[str, ...]
    # Is the file of this name and text of this format? (``text`` may be
    # only the beginning of a file too large to read whole.)
    detect: Callable[[str, str], bool]
    read: Callable[[List[Template], ReadSettings], Evaluation]
    # Connect this format's files to the others' once all are read.
    link: Callable[[List[ParsedFile]], None] = _link_nothing
    # Name endings of files this format reads only as another file's input
    # (variable files): never templates of any format on their own.
    inputs: Tuple[str, ...] = ()
    # The files beside a template that its reader reads by itself (variable
    # files, a paired parameters file): part of the record of what was read.
    beside: Callable[[Path], List[Path]] = _nothing_beside


def template_context(template: Template, settings: ReadSettings) -> TemplateContext:
    return TemplateContext(template.path, template.display, template.repository, list(settings.parameters),
                           settings.cwd, settings.cache, settings.limits)


ParseOne = Callable[[Template, TemplateContext], Optional[ParsedFile]]


def _never(template: Template) -> bool:
    return False


def read_each(templates: Sequence[Template], settings: ReadSettings, parse: ParseOne,
              later: Callable[[Template], bool] = _never) -> ReadResult:
    """Templates read one at a time, each on its own: a parser bug costs its
    file (an IACG-000 entry), not the scan. Those ``later`` names (they wait
    for work done elsewhere) are read after the others; the result keeps
    the order given."""
    order = sorted(range(len(templates)), key=lambda index: later(templates[index]))
    outcomes: Dict[int, Tuple[Optional[ParsedFile], Optional[str]]] = {}
    for done, index in enumerate(order):
        settings.progress(f"parsing templates {done}/{len(templates)}")
        outcomes[index] = _read_one(templates[index], settings, parse)
    result = ReadResult()
    for index in range(len(templates)):
        parsed, internal_error = outcomes[index]
        if internal_error is not None:
            result.internal_errors.append(internal_error)
        if parsed is None:
            result.skipped += 1
        else:
            result.files.append(parsed)
    return result


def _read_one(template: Template, settings: ReadSettings,
              parse: ParseOne) -> Tuple[Optional[ParsedFile], Optional[str]]:
    """The file read, or None when it is not of the format after all; with
    the traceback of a parser bug."""
    try:
        return parse(template, template_context(template, settings)), None
    except RecursionError:
        return _unreadable(template, "nested too deeply to read"), None
    except Exception as exc:  # a parser bug must cost this file, not the scan
        return (_unreadable(template, f"internal error while reading: {type(exc).__name__}: {exc}"),
                traceback.format_exc())


def _unreadable(template: Template, message: str) -> ParsedFile:
    return ParsedFile(template.display, template.format,
                      errors=[ParseError(template.display, 1, message, template.format)])
