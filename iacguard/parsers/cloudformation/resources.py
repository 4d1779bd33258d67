"""AWS CloudFormation templates (YAML or JSON, SAM included) into resources.

``document`` reads the template with ``decoder`` (short-form tags
such as ``!Ref`` and ``!Sub`` included, a position on every mapping and
string) and expands ``AWS::LanguageExtensions`` (``Fn::ForEach``) and SAM
(``AWS::Serverless-2016-10-31``) with cfn-lint's transforms, keeping those
positions. Values are then evaluated (``intrinsics``); resources
whose ``Condition`` is false are not produced; nested stacks with a local
``TemplateURL`` are read with the parameters their parent passes.
"""

from __future__ import annotations

import re
from pathlib import Path as FSPath
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Set, Tuple

from ...model import (
    Link,
    Location,
    ParsedFile,
    ParseError,
    Path,
    Provenance,
    Resource,
    Source,
    TemplateContext,
    join_provenance,
)
from ...source import Limits, SourceError, display_path, read_reference, resolve_inside
from ..common.json_positions import parse_json
from .document import DecodedTemplate, read_template
from .intrinsics import (
    Evaluator,
    TemplateScope,
    TemplateTooLarge,
    mark_line,
)
from .sam_lines import point_at_sam

if TYPE_CHECKING:
    from .transforms_ahead import TransformsAhead

_SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")
MAX_NESTING = 10


def read_parameter_files(paths: List[FSPath], limits: Limits, notes: List[str], errors: List[ParseError],
                         cwd: Optional[FSPath] = None) -> Tuple[Dict[str, Any], Dict[str, Provenance]]:
    """``[{"ParameterKey", "ParameterValue"}]`` (the CLI's format) or
    ``{"Parameters": {...}}``; later files win. With the values, the line
    of the file that gives each. The files were named on the command line,
    which checked where they lead; one that cannot be read (too large, not
    text) is an error on it."""
    values: Dict[str, Any] = {}
    sources: Dict[str, Provenance] = {}
    for path in paths:
        try:
            doc = parse_json(read_reference(path, None, limits))
        except SourceError as exc:
            errors.append(ParseError(str(path), exc.line, f"parameters file not read: {exc}", "cloudformation"))
            continue
        except ValueError as exc:
            notes.append(f"parameters file {path} not read: {exc}")
            continue
        data, shown = doc.value, display_path(path.resolve(), (cwd or FSPath.cwd()).resolve())
        given: List[Tuple[str, Any, Path]]  # name, value, where in the file
        if isinstance(data, list):
            given = [(str(item["ParameterKey"]), item.get("ParameterValue"), (i,)) for i, item in enumerate(data)
                     if isinstance(item, dict) and "ParameterKey" in item]
        elif isinstance(data, dict) and isinstance(data.get("Parameters"), dict):
            given = [(str(k), v, ("Parameters", k)) for k, v in data["Parameters"].items()]
        else:
            given = []
        for name, value, where in given:
            values[name] = value
            sources[name] = (Source(shown, doc.lines.get(where, 1), f"parameter {name}"),)
    return values, sources


def parse_cloudformation(display: str, text: str, context: Optional[TemplateContext] = None,
                         ahead: Optional["TransformsAhead"] = None) -> Optional[ParsedFile]:
    """The template's resources; None when the file, once read, turns out not
    to be a template (e.g. a macro event that merely mentions AWS:: types).
    ``ahead`` holds templates being transformed elsewhere meanwhile."""
    out = ParsedFile(display, "cloudformation")
    decoded = read_template(text, context.cache if context else None, _limits(context), ahead)
    if decoded.error is not None:
        out.errors.append(ParseError(display, decoded.error[0], decoded.error[1], "cloudformation"))
        return out
    template = decoded.written
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        if not isinstance(template, dict) or "AWSTemplateFormatVersion" not in template:
            return None
        out.errors.append(ParseError(display, 1, "template has no Resources section", "cloudformation"))
        return out
    out.comments = _comments(text)
    supplied, sources = read_parameter_files(list(context.parameter_files), context.limits, out.notes, out.errors,
                                             context.cwd) if context else ({}, {})
    reader = _StackReader(context, out, ahead)
    base_dir = context.path.parent if context else FSPath(".")
    reader.read(display, base_dir, decoded, _Supplied(supplied, sources), _is_json(text), prefix="", chain=())
    return out


def _limits(context: Optional[TemplateContext]) -> Limits:
    return context.limits if context is not None else Limits()


def _is_json(text: str) -> bool:
    return text.lstrip("\ufeff \t\n").startswith("{")


class _Supplied:
    """Parameter values given to a template (by parameter files, or by the
    parent of a nested stack), with where each was given."""

    def __init__(self, values: Mapping[str, Any], sources: Mapping[str, Provenance]) -> None:
        self.values = values
        self.sources = sources

    def provenance(self, display: str, template: Any) -> Dict[str, Provenance]:
        """Where each parameter's value comes from: as given, else the
        template's Default."""
        declared = template.get("Parameters") if isinstance(template, dict) else None
        out: Dict[str, Provenance] = {}
        for name, declaration in (declared.items() if isinstance(declared, dict) else ()):
            if str(name) in self.values:
                out[str(name)] = self.sources.get(str(name), ())
            elif isinstance(declaration, dict):
                key = next((k for k in declaration if k == "Default"), None)
                if key is not None:
                    line = mark_line(key, mark_line(declaration, mark_line(name, 1)))
                    out[str(name)] = (Source(display, line, f"parameter {name} default"),)
        return out


class _StackReader:
    def __init__(self, context: Optional[TemplateContext], out: ParsedFile,
                 ahead: Optional["TransformsAhead"] = None) -> None:
        self.context = context
        self.out = out
        self.ahead = ahead
        self.limits = _limits(context)
        self.stacks_read = 0
        self.reported: Set[int] = set()
        # A template referred to by many stacks is decoded once.
        self.templates: Dict[FSPath, Tuple[DecodedTemplate, bool]] = {}

    def read(self, display: str, base_dir: FSPath, decoded: DecodedTemplate, supplied: _Supplied,
             is_json: bool, prefix: str, chain: Tuple[str, ...]) -> None:
        if id(decoded) not in self.reported:  # a template several stacks use speaks once
            self.reported.add(id(decoded))
            for line, message in decoded.duplicates:
                self.out.notes.append(f"{display}:{line}: {message}")
            for line, message in decoded.problems:
                self.out.errors.append(ParseError(display, line, message, "cloudformation"))
            self.out.notes.extend(f"{display}: {note}" for note in decoded.transform_notes)
        written = decoded.written.get("Resources")
        written = written if isinstance(written, dict) else {}
        declared = {str(k): (k if not is_json else v) for k, v in written.items()}
        template = decoded.expanded
        resources = template.get("Resources") if isinstance(template, dict) else None
        if not isinstance(resources, dict):
            return
        scope = TemplateScope(template, supplied.values, self.limits.max_cloudformation_values)
        parameter_sources = supplied.provenance(display, decoded.written)
        for logical_id, body in resources.items():
            # A resource a transform created (a SAM function's role) points
            # at the resource that declared it.
            owner_id = _owner_id(str(logical_id), declared)
            owner = declared[owner_id] if owner_id else None
            try:
                resource = self._resource(display, str(logical_id), owner if owner is not None else logical_id,
                                          body, scope, parameter_sources, prefix)
            except TemplateTooLarge:
                self.out.errors.append(ParseError(
                    display, mark_line(logical_id, 1),
                    f"template expands to more than {self.limits.max_cloudformation_values} values (YAML aliases?; "
                    "max_cloudformation_values); not scanned further",
                    "cloudformation"))
                return
            if resource is None:
                continue
            owner_body = written.get(owner_id) if owner_id else None
            if isinstance(owner_body, dict) and str(owner_body.get("Type", "")).startswith("AWS::Serverless::"):
                point_at_sam(resource, str(logical_id), str(owner_id), owner_body)
            self.out.resources.append(resource)
            if resource.type == "AWS::CloudFormation::Stack":
                self._nested(display, base_dir, resource, chain + (display,))

    def _resource(self, display: str, logical_id: str, key: Any, body: Any, scope: TemplateScope,
                  parameter_sources: Mapping[str, Provenance], prefix: str) -> Optional[Resource]:
        if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
            return None
        condition = body.get("Condition")
        if isinstance(condition, str) and scope.condition(condition) is False:
            return None  # never created
        rtype = str(body["Type"])
        # YAML: the logical-id key's line. JSON: the '{' that opens the resource.
        first_line = mark_line(key, 1)
        end_line = getattr(body, "end_line", 0) or first_line
        lines: Dict[Path, int] = {(): first_line}
        props = body.get("Properties")
        attributes = Evaluator(scope, lines).value(props, ()) if isinstance(props, dict) else {}
        links: List[Link] = []
        sources: Dict[Path, Provenance] = {}
        if isinstance(props, dict):
            for name, value in props.items():
                refs = _references(value)
                links.extend(Link(display, prefix + ref, str(name)) for ref in refs
                             if ref not in scope.parameters and not ref.startswith("AWS::"))
                found = join_provenance(*(parameter_sources.get(ref, ()) for ref in refs))
                if found:
                    sources[(str(name),)] = found
        depends = body.get("DependsOn")
        depends_on = [depends] if isinstance(depends, str) else depends if isinstance(depends, list) else []
        links.extend(Link(display, prefix + str(d), "") for d in depends_on if isinstance(d, str))
        return Resource(
            address=prefix + logical_id,
            type=rtype,
            format="cloudformation",
            provider="aws" if rtype.startswith(("AWS::", "Alexa::")) else rtype.split("::")[0].lower(),
            attributes=attributes if isinstance(attributes, dict) else {},
            location=Location(display, first_line, max(end_line, first_line)),
            attribute_lines={p: n for p, n in lines.items() if p},
            links=sorted(set(links)),
            value_origins=_origins(props),
            value_sources=sources,
            suppressions=_metadata_suppressions(body.get("Metadata")),
            namespace=display,
        )

    def _nested(self, display: str, base_dir: FSPath, stack: Resource, chain: Tuple[str, ...]) -> None:
        """A nested stack whose TemplateURL is a local file: read it with the
        parameters the parent passes; its resources are ``Parent/Child``."""
        url = stack.attributes.get("TemplateURL")
        if self.context is None or not isinstance(url, str) or "://" in url:
            return
        if len(chain) > MAX_NESTING:
            self._unreadable(display, stack, f"{url!r} not read: nested stacks nest deeper than {MAX_NESTING} "
                                             "(cloudformation.MAX_NESTING)")
            return
        real = resolve_inside(base_dir, url, self.context.repo_root)
        if real is None:
            self.out.errors.append(ParseError(display, stack.location.line, f"nested stack {stack.address} template "
                                              f"{url!r} leads outside the repository; not read", "cloudformation"))
            return
        child_display = display_path(real, (self.context.cwd or FSPath.cwd()).resolve())
        if child_display in chain:
            return
        if not real.is_file():
            self._unreadable(display, stack, f"{url!r} not found")
            return
        if self.stacks_read >= self.limits.max_nested_stacks:
            if self.stacks_read == self.limits.max_nested_stacks:
                self.out.errors.append(ParseError(
                    display, stack.location.line,
                    f"more than {self.limits.max_nested_stacks} nested stacks (max_nested_stacks); the rest are not "
                    "read", "cloudformation"))
            self.stacks_read += 1
            return
        self.stacks_read += 1
        if real not in self.templates:
            try:
                text = read_reference(real, self.context.repo_root, self.limits)
            except SourceError as exc:
                self._unreadable(display, stack, f"{url!r} not read: {exc}")
                return
            self.templates[real] = (read_template(text, self.context.cache, self.limits, self.ahead), _is_json(text))
        decoded, is_json = self.templates[real]
        if decoded.error is not None:
            line, message = decoded.error
            self._unreadable(display, stack, f"{child_display}:{line} cannot be parsed: {message}")
            return
        if not isinstance(decoded.written, dict):
            self._unreadable(display, stack, f"{child_display} is not a template (not a mapping)")
            return
        parameters = stack.attributes.get("Parameters")
        given = parameters if isinstance(parameters, dict) else {}
        supplied = _Supplied(given, {str(name): join_provenance(
            (Source(display, stack.line_of(("Parameters", name)), f"parameter {name} of stack {stack.address}"),),
            stack.provenance_of(("Parameters", name))) for name in given})
        if child_display not in self.out.loaded_files:
            self.out.loaded_files.append(child_display)
        self.read(child_display, real.parent, decoded, supplied, is_json, prefix=f"{stack.address}/", chain=chain)

    def _unreadable(self, display: str, stack: Resource, why: str) -> None:
        """A nested template that cannot be read hides its resources: like a
        module file that cannot be parsed, an error on the line that refers
        to it."""
        line = stack.attribute_lines.get(("TemplateURL",), stack.location.line)
        error = ParseError(display, line, f"nested stack {stack.address} template {why}; its resources are not "
                                          "checked", "cloudformation")
        if error not in self.out.errors:
            self.out.errors.append(error)


def _owner_id(logical_id: str, declared: Dict[str, Any]) -> Optional[str]:
    """The declared resource a resource belongs to: itself, or for one a
    transform generated, the declaring resource SAM named it after
    (``Fn`` -> ``FnRole``)."""
    candidates = [name for name in declared if logical_id.startswith(name)]
    return max(candidates, key=len) if candidates else None


def _origins(props: Any) -> Dict[Path, str]:
    """``!Ref Param`` written as a property: say where its value came from."""
    origins: Dict[Path, str] = {}
    if isinstance(props, dict):
        for name, value in props.items():
            if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("Ref"), str):
                origins[(str(name),)] = f"!Ref {value['Ref']}"
    return origins


def _metadata_suppressions(metadata: Any) -> List[Dict[str, Any]]:
    """``Metadata: {iacguard: {ignore: [{id: IACG-AWS-012, reason: ...}]}}``."""
    section = metadata.get("iacguard") if isinstance(metadata, dict) else None
    entries = section.get("ignore") if isinstance(section, dict) else None
    out: List[Dict[str, Any]] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        ids = entry.get("id", entry.get("ids"))
        ids = [ids] if isinstance(ids, str) else ids
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            continue
        out.append({"ids": [str(i) for i in ids], "reason": str(entry.get("reason") or "").strip(),
                    "until": str(entry["until"]) if entry.get("until") else ""})
    return out


def _comments(text: str) -> Dict[int, str]:
    comments: Dict[int, str] = {}
    if "#" not in text:
        return comments
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.lstrip()
        if stripped.startswith("#"):
            comments[number] = stripped
        elif " #" in line:
            comments[number] = line[line.index(" #") + 1:]
    return comments


def _references(value: Any) -> List[str]:
    """The names a value refers to: resources and parameters (``Ref``,
    ``Fn::GetAtt``, ``${Name}`` in ``Fn::Sub``)."""
    refs: List[str] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "Ref" and isinstance(v, str):
                    refs.append(str(v))
                elif k == "Fn::GetAtt":
                    target = v[0] if isinstance(v, list) and v else v
                    if isinstance(target, str):
                        refs.append(str(target).split(".", 1)[0])
                elif k == "Fn::Sub":
                    text = v[0] if isinstance(v, list) and v else v
                    if isinstance(text, str):
                        refs.extend(_SUB_REFERENCE.findall(text))
                    if isinstance(v, list):
                        stack.extend(v[1:])
                    continue
                stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
    return refs
