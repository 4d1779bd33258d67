"""Parameter values for an ARM template: deploymentParameters files.

``{"$schema": ".../deploymentParameters.json#", "parameters": {"name":
{"value": ...}}}``. A ``reference`` (a Key Vault secret) exists but its value
is unknown. Files given explicitly (``--parameters``) win; without them, the
file named after the template is used when it exists
(``azuredeploy.json`` -> ``azuredeploy.parameters.json``), as the Azure CLI
and the quickstart templates pair them.
"""

from __future__ import annotations

from pathlib import Path as FSPath
from typing import Any, Callable, Dict, List, Optional, Tuple

from ...model import UNKNOWN_PRESENT, ParseError, Provenance, Source, TemplateContext
from ...source import Limits, SourceError, display_path
from ..common.json_positions import JSONPositionError, parse_json
from .file_reads import FileReads


def template_parameters(context: Optional[TemplateContext], notes: List[str],
                        errors: List[ParseError], reads: FileReads,
                        given: Optional[Dict[str, Provenance]] = None) -> Tuple[Dict[str, Any], str]:
    """(values by lower-case name, where they came from) for the template in
    ``context``; ``given`` receives the line of the file that gives each
    value. A parameters file that cannot be read (a link out of the
    repository, too large) is an error on that file. The files are looked
    for and read through ``reads``."""
    if context is None:
        return {}, ""
    explicit: Dict[str, Any] = {}
    explicit_given: Dict[str, Provenance] = {}
    sources: List[str] = []
    for path in context.parameter_files:
        # Named on the command line, which checked where it leads.
        full = path if path.is_absolute() or context.cwd is None else context.cwd / path
        values = _read_or_report(full, None, context, notes, errors, reads, explicit=True, given=explicit_given)
        if values is not None:
            explicit.update(values)  # later files win, as repeated --parameters do
            sources.append(str(path))
    if sources:
        if given is not None:
            given.update(explicit_given)
        return explicit, ", ".join(sources)
    paired = paired_file(context.path, reads.is_file)
    if paired is None:
        return {}, ""
    values = _read_or_report(paired, context.repo_root, context, notes, errors, reads, explicit=False, given=given)
    return (values or {}), (paired.name if values is not None else "")


def _read_or_report(path: FSPath, root: Optional[FSPath], context: TemplateContext, notes: List[str],
                    errors: List[ParseError], reads: FileReads, explicit: bool,
                    given: Optional[Dict[str, Provenance]]) -> Optional[Dict[str, Any]]:
    try:
        return read_parameter_file(path, root, context.limits, notes, reads, explicit, given,
                                   (context.cwd or FSPath.cwd()).resolve())
    except SourceError as exc:
        shown = display_path(path.absolute(), (context.cwd or FSPath.cwd()).absolute())
        errors.append(ParseError(shown, exc.line, f"parameters file not read: {exc}", "arm"))
        return None


def paired_file(template: FSPath, is_file: Callable[[FSPath], bool] = FSPath.is_file) -> Optional[FSPath]:
    """``main.json`` -> ``main.parameters.json`` beside it, if present
    (``is_file`` says)."""
    name = template.name
    stem = name[:-len(".json")] if name.lower().endswith(".json") else None
    if not stem or stem.lower().endswith(".parameters"):
        return None
    candidate = template.with_name(f"{stem}.parameters.json")
    return candidate if is_file(candidate) else None


def template_of_parameter_file(parameters: FSPath) -> Optional[FSPath]:
    """``main.parameters.json`` -> ``main.json`` beside it, if present: the
    template a paired parameters file feeds."""
    name = parameters.name
    if not name.lower().endswith(".parameters.json"):
        return None
    candidate = parameters.with_name(name[:-len(".parameters.json")] + ".json")
    return candidate if candidate.is_file() else None


def read_parameter_file(path: FSPath, root: Optional[FSPath], limits: Limits, notes: List[str],
                        reads: FileReads, explicit: bool, given: Optional[Dict[str, Provenance]] = None,
                        cwd: Optional[FSPath] = None) -> Optional[Dict[str, Any]]:
    """The values of a deploymentParameters file (read through
    ``reads``: SourceError when refused), or None when the
    file is not one (a CloudFormation parameters file given to --parameters,
    say); ``given`` receives, by lower-case name, the line that gives each."""
    text = reads.read(path, root, limits)
    try:
        doc = parse_json(text)
        data = doc.value
    except JSONPositionError as exc:
        notes.append(f"parameters file {path} not read: {exc}")
        return None
    if not _is_parameter_file(data):
        if not explicit:
            notes.append(f"{path} is not an ARM parameters file; not used")
        return None
    values: Dict[str, Any] = {}
    for name, entry in data["parameters"].items():
        if not isinstance(entry, dict):
            continue
        if "value" in entry:
            values[name.lower()] = entry["value"]
        elif "reference" in entry:
            values[name.lower()] = UNKNOWN_PRESENT  # a Key Vault secret: it exists, unseen
        else:
            continue
        if given is not None:
            shown = display_path(reads.resolve(path), cwd or FSPath.cwd().resolve())
            given[name.lower()] = (Source(shown, doc.lines.get(("parameters", name), 1), f"parameter {name}"),)
    return values


def _is_parameter_file(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("parameters"), dict):
        return False
    schema = data.get("$schema")
    if isinstance(schema, str):
        return "deploymentparameters.json" in schema.lower()
    # No schema: accept the shape alone ({"name": {"value": ...}}).
    entries = list(data["parameters"].values())
    return bool(entries) and all(isinstance(e, dict) and ("value" in e or "reference" in e) for e in entries)
