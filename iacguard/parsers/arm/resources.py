"""Azure Resource Manager templates into resources, evaluated as ARM does.

Parameters take their values from parameter files (``--parameters``, or the
``<name>.parameters.json`` beside the template) or their ``defaultValue``;
variables and the expression language are evaluated (``template``,
``expressions``); what exists only at deployment time is unknown.

Structure, as the deployment engine expands it:

- ``copy`` on a resource: one resource per instance (``.../nsg-0``,
  ``.../nsg-1``), all pointing at the lines of the one declaration; a count
  that is not known gives one instance whose index is unknown;
- ``condition``: false drops the resource, unknown keeps it (it may deploy);
- resources nested in ``resources`` arrays, type and name composed as ARM
  composes them;
- ``Microsoft.Resources/deployments`` with an inline ``template`` (inner
  scope: its own parameters, given by the deployment's ``parameters``;
  outer scope: the parent's names) or a ``templateLink`` to a file inside the
  repository; their resources' addresses start with the deployment's name;
- languageVersion 2.0: resources keyed by symbolic name, ``existing``
  resources (references, not judged), user-defined functions.

``dependsOn``, ``resourceId()``, ``reference()`` and ``list*()`` become graph
links; the link goes to the resource of this file that the id names. A child
resource (``Microsoft.Web/sites/config``), nested or declared on its own, links
to its parent (via ``parent``), so checks judge settings either may hold.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path as FSPath
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set, Tuple, Union

from ...model import (
    UNKNOWN,
    UNKNOWN_PRESENT,
    Link,
    Location,
    ParsedFile,
    ParseError,
    Path,
    Provenance,
    Resource,
    Source,
    TemplateContext,
    is_unknown,
    join_provenance,
)
from ...source import SourceError, display_path
from ..common.json_positions import JSONLimitError, JSONPositionError, PositionedJSON, parse_json
from .expressions import Scope, Session
from .file_reads import FileReads
from .parameters import read_parameter_file, template_parameters
from .syntax import ExpressionError, Node, is_expression, literal_text, render
from .template import CopyScope, Expander, TemplateScope, Trace, copy_count, evaluate_leaf
from .values import ArmError, Target, parse_resource_id, to_attribute

# Resources one file may expand to (copy loops times nested deployments).
MAX_RESOURCES = 10_000
# Nested and linked deployments inside each other.
MAX_DEPLOYMENT_DEPTH = 10
# Evaluated values nested deeper than this, or past this many values in one
# resource, are cut (unknown) in attributes.
MAX_VALUE_DEPTH = 200
MAX_ATTRIBUTE_NODES = 200_000

_DEPLOYMENTS = "microsoft.resources/deployments"


def parse_arm(display: str, text: str, context: Optional[TemplateContext] = None,
              reads: Optional[FileReads] = None,
              expressions: Optional[Dict[str, Union[Node, ExpressionError]]] = None) -> ParsedFile:
    """The resources of one template. Every file it looks for or reads
    beside ``text`` goes through ``reads``; ``expressions`` holds the parsed
    expressions of earlier templates (the same texts recur across files)."""
    reads = reads if reads is not None else FileReads()
    out = ParsedFile(display, "arm")
    try:
        doc = parse_json(text)
    except JSONLimitError as exc:
        out.errors.append(ParseError(display, exc.line, f"template not read: {exc}", "arm"))
        return out
    except JSONPositionError as exc:
        out.errors.append(ParseError(display, exc.line, f"JSON syntax error: {exc}", "arm"))
        return out
    out.comments = doc.comments
    template = doc.value
    if not isinstance(template, dict):
        out.errors.append(ParseError(display, 1, "template is not a JSON object", "arm"))
        return out
    reader = _Reader(display, context, out, reads, expressions)
    given: Dict[str, Provenance] = {}
    supplied, origin = template_parameters(context, out.notes, out.errors, reads, given)
    if origin:
        out.notes.append(f"{display}: parameter values from {origin}")
    directory = context.path.parent if context is not None else None
    try:
        reader.read(template, (), _Source(doc, display, directory), supplied, "", 0, (display,),
                    inputs=_input_sources(template, doc, display, given))
    except RecursionError:
        # Deeply nested JSON with nested deployments and expressions inside.
        out.errors.append(ParseError(display, 1, "template nested too deeply to evaluate", "arm"))
        reader.session.out_of_stack = True
    reader.finish()
    session = reader.session
    reads.out_of_stack = session.out_of_stack
    out.limited = session.limited
    if session.exhausted:
        # Values past this point are unknown: reported, so that a template
        # cannot hide its findings behind expensive expressions.
        file, line = session.exhausted_at
        where = f"line {line}" if file == display else f"{file} line {line}"
        out.errors.append(ParseError(
            display, line if file == display and line else 1,
            f"evaluation stopped at {where}: the template needs more than {session.max_file_steps} "
            "evaluation steps (ARM expressions and copies of literal values); later values are unknown", "arm"))
    return out


_PARAMETER_REFERENCE = re.compile(r"parameters\(\s*'([^']*)'\s*\)", re.IGNORECASE)


def _input_sources(template: Mapping[str, Any], doc: PositionedJSON, display: str,
                   given: Mapping[str, Provenance]) -> Dict[str, Provenance]:
    """Where each parameter's value comes from (the parameters file that
    gives it, else its ``defaultValue``) and each variable's (its line, then
    the parameters its definition reads), by lower-cased reference."""
    out: Dict[str, Provenance] = {}
    parameters = template.get("parameters")
    for name, declaration in (parameters.items() if isinstance(parameters, dict) else ()):
        if name.lower() in given:
            out[f"parameters('{name.lower()}')"] = given[name.lower()]
        elif isinstance(declaration, dict) and "defaultValue" in declaration:
            line = doc.lines.get(("parameters", name, "defaultValue"), 1)
            out[f"parameters('{name.lower()}')"] = (Source(display, line, f"parameter {name} default"),)
    variables = template.get("variables")
    for name, raw in (variables.items() if isinstance(variables, dict) else ()):
        read = _PARAMETER_REFERENCE.findall(json.dumps(raw)) if not isinstance(raw, str) else \
            _PARAMETER_REFERENCE.findall(raw)
        here = (Source(display, doc.lines.get(("variables", name), 1), f"variables('{name}')"),)
        out[f"variables('{name.lower()}')"] = join_provenance(
            here, *(out.get(f"parameters('{p.lower()}')", ()) for p in read))
    return out


def _value_sources(trace: Trace, known: Mapping[str, Provenance]) -> Dict[Path, Provenance]:
    """Where each attribute's value comes from: the sources of every
    parameter and variable its expression reads."""
    out: Dict[Path, Provenance] = {}
    for path, read in trace.inputs.items():
        found = join_provenance(*(known.get(name.lower(), ()) for name in read))
        if found:
            out[path] = found
    return out


@dataclass(frozen=True)
class _Source:
    """A template file: its positions, how it is shown, where it sits."""

    doc: PositionedJSON
    display: str
    directory: Optional[FSPath]


@dataclass
class _Template:
    """One template being read (the file's, a nested or a linked one): the
    names its resources may use for each other."""

    scope: Scope
    source: _Source
    prefix: str
    depth: int
    chain: Tuple[str, ...]
    language_v2: bool
    symbols: Dict[str, List[str]] = field(default_factory=lambda: defaultdict(list))
    # A copy loop's name -> the group its members answer to.
    loops: Dict[str, List[str]] = field(default_factory=dict)
    # Where each parameter's and variable's value comes from, by the
    # lower-cased reference (``parameters('x')``); see _input_sources.
    inputs: Mapping[str, Provenance] = field(default_factory=dict)


@dataclass
class _Pending:
    """A resource whose references are resolved once every resource is known."""

    resource: Resource
    targets: List[Tuple[Target, str]]
    template: _Template


@dataclass(frozen=True)
class _Parent:
    type: str
    name: str  # as shown
    key: str  # for matching (``[expression]`` where unknown)


class _Reader:
    def __init__(self, display: str, context: Optional[TemplateContext], out: ParsedFile, reads: FileReads,
                 expressions: Optional[Dict[str, Union[Node, ExpressionError]]]) -> None:
        self.display = display
        self.context = context
        self.out = out
        self.reads = reads
        limits = context.limits if context is not None else None
        parsed = expressions if expressions is not None else {}
        self.session = Session(notes=out.notes, label=display, parsed=parsed) if limits is None else Session(
            notes=out.notes, label=display, max_steps=limits.max_arm_expression_steps,
            max_file_steps=limits.max_arm_template_steps, parsed=parsed)
        self.pending: List[_Pending] = []
        self.by_type_name: Dict[Tuple[str, str], List[str]] = defaultdict(list)
        self.by_name: Dict[str, List[str]] = defaultdict(list)
        self.by_full: Dict[str, List[str]] = defaultdict(list)
        self.stopped = False

    # -- templates -------------------------------------------------------------------
    def read(self, template: Mapping[str, Any], path: Path, source: _Source, supplied: Optional[Mapping[str, Any]],
             prefix: str, depth: int, chain: Tuple[str, ...], outer: Optional[Scope] = None,
             inputs: Optional[Mapping[str, Provenance]] = None) -> None:
        """The resources of one template. ``supplied`` None: the parameter
        values are given but not known. ``outer``: evaluate in that scope."""
        resources = template.get("resources")
        language_v2 = isinstance(resources, dict)
        if outer is not None:
            scope: Scope = outer
        else:
            symbols = set(resources) if isinstance(resources, dict) else set()
            scope = TemplateScope(template, self.session, supplied or {}, symbols,
                                  unknown_parameters=supplied is None)
        current = _Template(scope, source, prefix, depth, chain, language_v2, inputs=inputs or {})
        outside = (self.session.source, self.session.line)
        for res_path, symbolic, body in _entries(resources, path + ("resources",)):
            self._at(source, res_path)
            self._declaration(current, body, res_path, scope, None, symbolic)
        self.session.source, self.session.line = outside

    def _at(self, source: _Source, path: Path) -> None:
        """Where evaluation is, for its notes and errors."""
        self.session.source = source.display
        self.session.line = source.doc.lines.get(path, self.session.line)

    def _declaration(self, template: _Template, body: Any, path: Path, scope: Scope,
                     parent: Optional[_Parent], symbolic: Optional[str]) -> None:
        if self.stopped or not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return
        copy = body.get("copy")
        if not isinstance(copy, dict):
            self._instance(template, body, path, scope, parent, symbolic, None, None)
            return
        loop = str(copy.get("name") or symbolic or "copy")
        what = f"{template.source.display}: resource {symbolic or body.get('name')!s}"
        count = copy_count(copy.get("count"), self.session, scope, [], what)
        if is_unknown(count):
            # Instances not known: one stands for them all, its index unknown.
            self._instance(template, body, path, CopyScope(scope, loop, UNKNOWN_PRESENT, True),
                           parent, symbolic, loop, None)
            return
        for index in range(count):
            self._instance(template, body, path, CopyScope(scope, loop, index, True),
                           parent, symbolic, loop, index)

    def _instance(self, template: _Template, body: Dict[str, Any], path: Path, scope: Scope,
                  parent: Optional[_Parent], symbolic: Optional[str], loop: Optional[str],
                  index: Optional[int]) -> None:
        if self.stopped or not self._may_deploy(body, scope):
            return
        if len(self.out.resources) >= MAX_RESOURCES:
            self.stopped = True
            self.out.errors.append(ParseError(
                template.source.display, template.source.doc.lines.get(path, 1),
                f"more than {MAX_RESOURCES} resources (arm.MAX_RESOURCES); this one and the rest are not checked",
                "arm"))
            return
        rtype, relative = self._type(body["type"], scope, parent)
        name, key, known = self._name(body.get("name"), scope, rtype, parent, relative)
        # Instances whose names are not known stay apart by their index.
        shown = name if index is None or known else f"{name}[{index}]"
        existing = body.get("existing") is True
        attributes, trace, targets = self._attributes(body, rtype, path, scope, template)
        targets.extend((t, "parent") for t in _parent_target(rtype, key, known, parent))
        resource = self._resource(template, path, f"{template.prefix}{rtype}/{shown}", rtype, attributes, trace,
                                  existing)
        self.out.resources.append(resource)
        self._register(template, resource, rtype, key, symbolic, loop, targets)
        here = _Parent(rtype, name, key)
        for child_path, _, child in _entries(body.get("resources"), path + ("resources",)):
            self._at(template.source, child_path)
            self._declaration(template, child, child_path, scope, here, None)
        if rtype.lower() == _DEPLOYMENTS and not existing:
            self._deployment(template, body, path, scope, attributes, f"{template.prefix}{shown}/")

    def _resource(self, template: _Template, path: Path, address: str, rtype: str, attributes: Dict[str, Any],
                  trace: Trace, existing: bool) -> Resource:
        doc = template.source.doc
        first_line = doc.open_lines.get(path, doc.lines.get(path, 1))
        return Resource(
            address=address,
            type=rtype,
            format="arm",
            provider="azure",
            attributes=_bounded_attributes(attributes),
            location=Location(template.source.display, first_line, self._end_line(template.source, path, first_line)),
            attribute_lines=trace.out_lines,
            value_origins=trace.origins,
            value_sources=_value_sources(trace, template.inputs),
            kind="data" if existing else "resource",  # an existing resource is a reference, not judged
            namespace=self.display,
            aliases=(_name_in(address, rtype),),
            case_insensitive_names=True,
        )

    def _may_deploy(self, body: Dict[str, Any], scope: Scope) -> bool:
        """``condition`` false: not deployed. Unknown: it may be, so it is read."""
        if "condition" not in body:
            return True
        return evaluate_leaf(body["condition"], scope, self.session, []) is not False

    def _type(self, raw: str, scope: Scope, parent: Optional[_Parent]) -> Tuple[str, bool]:
        """(full type, written relative to the parent)."""
        value = evaluate_leaf(raw, scope, self.session, []) if is_expression(raw) else raw
        rtype = value if isinstance(value, str) else raw
        if parent is not None and "." not in rtype.split("/", 1)[0]:
            return f"{parent.type}/{rtype}", True
        return rtype, False

    def _name(self, raw: Any, scope: Scope, rtype: str, parent: Optional[_Parent],
              relative: bool) -> Tuple[str, str, bool]:
        """(name as shown, name for matching, known): the evaluated name, or
        the expression as written when its value is not known."""
        if not isinstance(raw, str):
            return "", "", False
        value = evaluate_leaf(raw, scope, self.session, [])
        known = isinstance(value, str)
        name, key = (value, value) if known else (raw, _expression_key(raw, self.session))
        # A child's full name has one segment per type segment after the
        # namespace; a child written relative to its parent names itself only.
        short = name.count("/") + 1 < rtype.count("/") if known else relative
        if parent is not None and parent.name and short:
            name, key = f"{parent.name}/{name}", f"{parent.key}/{key}"
        return name, key, known

    def _attributes(self, body: Dict[str, Any], rtype: str, path: Path, scope: Scope,
                    template: _Template) -> Tuple[Dict[str, Any], Trace, List[Tuple[Target, str]]]:
        """Every member but ``resources`` and ``copy``, evaluated, with lines,
        origins and the resources referred to (by the attribute that refers)."""
        trace = Trace(template.source.doc.lines, end_lines=template.source.doc.end_lines)
        sinks: Dict[str, List[Target]] = defaultdict(list)
        expander = Expander(self.session, trace, lambda out: sinks[_via(out)])
        deployment = rtype.lower() == _DEPLOYMENTS
        attributes: Dict[str, Any] = {}
        for key, raw in body.items():
            if key in ("resources", "copy"):
                continue
            if deployment and key == "properties" and isinstance(raw, dict) and "template" in raw:
                attributes[key] = self._deployment_properties(raw, path + (key,), scope, expander, trace)
            else:
                attributes[key] = expander.value(raw, scope, [], path + (key,), (key,))
        targets = [(t, via) for via, found in sinks.items() for t in found]
        targets.extend((t, "") for t in _depends_on(attributes.get("dependsOn"), template.language_v2))
        return attributes, trace, targets

    def _deployment_properties(self, raw: Dict[str, Any], path: Path, scope: Scope,
                               expander: Expander, trace: Trace) -> Dict[str, Any]:
        """A deployment's properties; its inline template is kept as written
        (its resources are resources of their own, evaluated in their scope)."""
        out: Dict[str, Any] = {}
        for key, value in raw.items():
            if key == "template":
                out[key] = _as_written(value, path + (key,), ("properties", key), trace, top=True)
            else:
                out[key] = expander.value(value, scope, [], path + (key,), ("properties", key))
        return out

    # -- nested and linked deployments --------------------------------------------------
    def _deployment(self, template: _Template, body: Dict[str, Any], path: Path, scope: Scope,
                    attributes: Dict[str, Any], prefix: str) -> None:
        props = body.get("properties")
        if not isinstance(props, dict):
            return
        if template.depth >= MAX_DEPLOYMENT_DEPTH:
            self.out.errors.append(ParseError(
                template.source.display, template.source.doc.lines.get(path, 1),
                f"deployments nested deeper than {MAX_DEPLOYMENT_DEPTH} (arm.MAX_DEPLOYMENT_DEPTH); {prefix[:-1]} "
                "is not read and its resources are not checked", "arm"))
            return
        evaluated = attributes.get("properties")
        passed = evaluated.get("parameters") if isinstance(evaluated, dict) else None
        nested = props.get("template")
        if isinstance(nested, dict):
            if _evaluation_scope(props) == "inner":
                self.read(nested, path + ("properties", "template"), template.source, _supplied(passed), prefix,
                          template.depth + 1, template.chain)
            else:  # outer (the default): the nested template reads the parent's names
                self.read(nested, path + ("properties", "template"), template.source, {}, prefix,
                          template.depth + 1, template.chain, outer=scope)
            return
        link = props.get("templateLink")
        if isinstance(link, dict):
            line = template.source.doc.lines.get(path + ("properties", "templateLink"), 1)
            self._linked(template, link, props, scope, _supplied(passed), prefix, line)

    def _linked(self, template: _Template, link: Dict[str, Any], props: Dict[str, Any], scope: Scope,
                supplied: Optional[Dict[str, Any]], prefix: str, line: int) -> None:
        """A linked template, read from disk only when it is a local path
        inside the repository (never a network URL). One that is there but
        cannot be read is an error on the ``templateLink`` line, as a module
        file that cannot be parsed would be."""
        where = link.get("relativePath", link.get("uri"))
        value = evaluate_leaf(where, scope, self.session, [])
        found = self._local_template(template, value, line, missing="linked template")
        if found is None:
            return
        real, display = found
        if display in template.chain:
            self.out.notes.append(f"{template.source.display}: linked template {display} includes itself; "
                                  "not read again")
            return
        context = self.context
        assert context is not None  # _local_template finds a file only with one
        try:
            doc = parse_json(self.reads.read(real, context.repo_root, context.limits))
        except (SourceError, JSONPositionError) as exc:
            self._refused(template, line, f"linked template {display} not read: {exc}; its resources are not checked")
            return
        if not isinstance(doc.value, dict):
            self._refused(template, line, f"linked template {display} is not a template (not a JSON object); "
                                          "its resources are not checked")
            return
        if supplied is not None and not supplied:
            supplied = self._parameters_link(template, props, scope, line) or supplied
        loaded = getattr(self.out, "loaded_files", None)  # judged through this file, not on its own
        if loaded is not None and display not in loaded:
            loaded.append(display)
        self.read(doc.value, (), _Source(doc, display, real.parent), supplied, prefix,
                  template.depth + 1, template.chain + (display,))

    def _refused(self, template: _Template, line: int, message: str) -> None:
        """An IACG-000 where the template refers to a file it may not or
        cannot read (once, however often the reference is evaluated)."""
        error = ParseError(template.source.display, line, message, "arm")
        if error not in self.out.errors:
            self.out.errors.append(error)

    def _local_template(self, template: _Template, value: Any, line: int,
                        missing: str = "") -> Optional[Tuple[FSPath, str]]:
        """The file a link names, when it is a local path inside the
        repository. One that is not there is an error when ``missing`` names
        what it should have been (its resources would be lost), else a note."""
        if not isinstance(value, str) or not value or self.context is None or template.source.directory is None:
            if isinstance(value, str) and value:
                self.out.notes.append(f"{template.source.display}: linked template {value!r} not read")
            return None
        if "://" in value or value.startswith("//"):
            self.out.notes.append(f"{template.source.display}: linked template {value!r} is a URL; not fetched")
            return None
        real = self.reads.resolve_inside(template.source.directory, value, self.context.repo_root)
        if real is None:
            self._refused(template, line, f"linked file {value!r} leads outside the repository; not read")
            return None
        if not self.reads.is_file(real):
            if missing:
                self._refused(template, line, f"{missing} {value!r} not found; its resources are not checked")
            else:
                self.out.notes.append(f"{template.source.display}: linked template {value!r} not found")
            return None
        return real, display_path(real, (self.context.cwd or FSPath.cwd()).resolve())

    def _parameters_link(self, template: _Template, props: Dict[str, Any], scope: Scope,
                         line: int) -> Optional[Dict[str, Any]]:
        link = props.get("parametersLink")
        if not isinstance(link, dict):
            return None
        value = evaluate_leaf(link.get("relativePath", link.get("uri")), scope, self.session, [])
        found = self._local_template(template, value, line)
        if found is None:
            return None
        context = self.context
        assert context is not None  # _local_template finds a file only with one
        try:
            return read_parameter_file(found[0], context.repo_root, context.limits, self.out.notes, self.reads,
                                       explicit=True)
        except SourceError as exc:
            self._refused(template, line, f"parameters file {found[1]} not read: {exc}")
            return None

    # -- names and links --------------------------------------------------------------------
    def _register(self, template: _Template, resource: Resource, rtype: str, key: str,
                  symbolic: Optional[str], loop: Optional[str], targets: List[Tuple[Target, str]]) -> None:
        address = resource.address
        referred = address
        if loop:
            # The members are linked to as one group: a loop depending on a
            # loop is not the product of their sizes in links.
            referred = f"{template.prefix}copy({loop.lower()})"
            resource.groups = (referred,)
            template.loops[loop.lower()] = [referred]
        if symbolic:
            names = template.symbols[symbolic.lower()]
            if referred not in names:
                names.append(referred)
        if key:
            self.by_type_name[(rtype.lower(), key.lower())].append(address)
            self.by_name[key.lower()].append(address)
            self.by_full[f"{rtype}/{key}".lower()].append(address)
        self.pending.append(_Pending(resource, targets, template))

    def finish(self) -> None:
        """Links, now that every resource of the file is known."""
        for pending in self.pending:
            links: Set[Link] = set()
            for target, via in pending.targets:
                for address in self._resolve(target, pending.template):
                    if address != pending.resource.address:
                        links.add(Link(self.display, address, via))
            pending.resource.links = sorted(links)

    def _resolve(self, target: Target, template: _Template) -> List[str]:
        if target.symbolic and target.symbolic.lower() in template.symbols:
            return template.symbols[target.symbolic.lower()]
        if target.type:
            found = self.by_type_name.get((target.type.lower(), target.name.lower()))
            if found:
                return found
            return [] if "[" in target.name else [f"{target.type}/{target.name}"]
        name = target.name.lower()
        found = template.loops.get(name) or self.by_name.get(name) or self.by_full.get(name)
        if found:
            return found
        return [] if "[" in target.name or not target.name else [target.name]

    @staticmethod
    def _end_line(source: _Source, path: Path, first: int) -> int:
        """The last line written inside the value at ``path``."""
        return max(first, source.doc.end_lines.get(path, first))


def _entries(resources: Any, path: Path) -> Iterator[Tuple[Path, Optional[str], Any]]:
    if isinstance(resources, list):
        for i, body in enumerate(resources):
            yield path + (i,), None, body
    elif isinstance(resources, dict):  # languageVersion 2.0: symbolic names
        for name, body in resources.items():
            yield path + (name,), name, body


def _parent_target(rtype: str, key: str, known: bool, parent: Optional[_Parent]) -> List[Target]:
    """The resource a child resource belongs to (``sites/config`` ``app/web``
    -> ``sites`` ``app``), so that checks can judge settings that either of
    them may hold; a link the name cannot tell is not made."""
    if parent is not None:
        return [Target(type=parent.type, name=parent.key)] if parent.key else []
    if not known or rtype.count("/") < 2 or "/" not in key:
        return []
    return [Target(type=rtype.rsplit("/", 1)[0], name=key.rsplit("/", 1)[0])]


def _via(out: Path) -> str:
    """The top-level attribute that makes a reference (``properties.<name>``
    for properties); ``dependsOn`` orders only."""
    if not out or out[0] == "dependsOn":
        return ""
    if out[0] == "properties" and len(out) > 1:
        return f"properties.{out[1]}"
    return str(out[0])


def _depends_on(value: Any, language_v2: bool) -> Iterator[Target]:
    """Targets of ``dependsOn`` entries that are names or ids (expressions
    were followed while evaluating)."""
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, str) or not item:
            continue
        if item.startswith("/"):
            parsed = parse_resource_id(item)
            if parsed:
                yield Target(*parsed)
        else:
            yield Target(name=item, symbolic=item if language_v2 else "")


def _supplied(passed: Any) -> Optional[Dict[str, Any]]:
    """Parameter values a deployment passes (``{"name": {"value": ...}}``);
    None when the whole set is unknown."""
    if passed is None:
        return {}
    if not isinstance(passed, dict):
        return None
    values: Dict[str, Any] = {}
    for name, entry in passed.items():
        if isinstance(entry, dict) and "value" in entry:
            values[name.lower()] = entry["value"]
        elif isinstance(entry, dict) and "reference" in entry:
            values[name.lower()] = UNKNOWN_PRESENT  # a Key Vault secret
        else:
            values[name.lower()] = UNKNOWN
    return values


def _evaluation_scope(props: Dict[str, Any]) -> str:
    options = props.get("expressionEvaluationOptions")
    scope = options.get("scope") if isinstance(options, dict) else None
    return scope.lower() if isinstance(scope, str) else "outer"


def _expression_key(raw: str, session: Session) -> str:
    """An unknown name for matching: the expression in canonical form."""
    try:
        return f"[{render(session.parse(raw))}]"
    except ArmError:
        return raw


def _as_written(value: Any, src: Path, out: Path, trace: Trace, top: bool = False) -> Any:
    """A nested template as written: expressions unknown (they belong to
    another scope), its resources left out (they are resources of their own)."""
    line = trace.lines.get(src)
    if line:
        trace.out_lines[out] = line
    if isinstance(value, str):
        return UNKNOWN if is_expression(value) else literal_text(value)
    if isinstance(value, dict):
        return {k: _as_written(v, src + (k,), out + (k,), trace) for k, v in value.items()
                if not (top and k == "resources")}
    if isinstance(value, list):
        return [_as_written(v, src + (i,), out + (i,), trace) for i, v in enumerate(value)]
    return value


def _name_in(address: str, rtype: str) -> str:
    """The name part of ``type/name``: dependsOn may give either."""
    lower = address.lower()
    return lower[len(rtype) + 1:] if lower.startswith(rtype.lower() + "/") else lower


def _bounded_attributes(attributes: Dict[str, Any]) -> Dict[str, Any]:
    """Evaluated values as attributes (see ``to_attribute``): copies that
    share nothing, cut to UNKNOWN_PRESENT below MAX_VALUE_DEPTH levels or
    past MAX_ATTRIBUTE_NODES nodes in the resource, so that no later walk can
    run away. Copied level by level, the smallest containers of a level
    first: a large value is what gets cut, never a small one beside it (a
    million tags must not make ``properties`` unknown)."""
    out: Dict[str, Any] = {}
    left = MAX_ATTRIBUTE_NODES
    # Containers to copy at this depth: (value, the copy's parent, its key there).
    level: List[Tuple[Any, Any, Any]] = []
    for key, value in attributes.items():
        left -= 1
        out[key] = UNKNOWN_PRESENT if left < 0 else _bounded_leaf(value, level, out, key)
    depth = 1
    while level:
        level.sort(key=lambda entry: len(entry[0]))
        below: List[Tuple[Any, Any, Any]] = []
        deep = depth > MAX_VALUE_DEPTH
        for value, parent, key in level:
            if left <= 0:
                parent[key] = UNKNOWN_PRESENT
                continue
            if isinstance(value, dict):
                copy: Any = {}
                for k, item in value.items():
                    left -= 1
                    copy[k] = UNKNOWN_PRESENT if left < 0 or deep else _bounded_leaf(item, below, copy, k)
            else:
                copy = []
                for item in value:
                    left -= 1
                    copy.append(UNKNOWN_PRESENT if left < 0 or deep else _bounded_leaf(item, below, copy, len(copy)))
            parent[key] = copy
        level = below
        depth += 1
    return out


def _bounded_leaf(value: Any, later: List[Tuple[Any, Any, Any]], parent: Any, key: Any) -> Any:
    """A scalar as an attribute; a container is queued for its level (None
    holds its place meanwhile)."""
    if isinstance(value, (dict, list)):
        later.append((value, parent, key))
        return None
    return to_attribute(value)
