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
from typing import TYPE_CHECKING, Callable, List, Mapping, Optional, Sequence, Tuple

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


def read_each(templates: Sequence[Template], settings: ReadSettings, parse: ParseOne) -> ReadResult:
    """Templates read one at a time, each on its own: a parser bug costs its
    file (an IACG-000 entry), not the scan."""
    result = ReadResult()
    for done, template in enumerate(templates):
        settings.progress(f"parsing templates {done}/{len(templates)}")
        try:
            parsed = parse(template, template_context(template, settings))
        except RecursionError:
            parsed = _unreadable(template, "nested too deeply to read")
        except Exception as exc:  # a parser bug must cost this file, not the scan
            parsed = _unreadable(template, f"internal error while reading: {type(exc).__name__}: {exc}")
            result.internal_errors.append(traceback.format_exc())
        if parsed is None:
            result.skipped += 1
        else:
            result.files.append(parsed)
    return result


def _unreadable(template: Template, message: str) -> ParsedFile:
    return ParsedFile(template.display, template.format,
                      errors=[ParseError(template.display, 1, message, template.format)])
