"""Terraform configurations evaluated the way ``terraform plan`` reads them.

A ``Project`` holds every module directory of a run, each parsed once. Root
modules are evaluated with their input variables (defaults, tfvars files,
``--var-file``, ``--var``, ``TF_VAR_*``); ``module`` blocks with a local source
(or one Terraform has already downloaded, per ``.terraform/modules/modules.json``)
are evaluated as child instances with their inputs, to any depth, and their
outputs flow back. Everything is lazy and memoised: a local, a resource's
attributes or a module output is computed once, when first needed.
"""

from __future__ import annotations

import json
import os
import traceback
from dataclasses import dataclass
from functools import partial
from pathlib import Path as FSPath
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeVar,
)

from ...model import (
    UNKNOWN,
    Link,
    Location,
    ParsedFile,
    ParseError,
    Path,
    Provenance,
    Resource,
    Source,
    is_unknown,
    join_provenance,
)
from ...source import (
    Limits,
    SourceError,
    confined,
    decode_bytes,
    display_path,
    is_inside,
    read_reference,
    read_regular_bytes,
)
from ..common.json_positions import parse_json
from . import ast
from .evaluator import LazyMapping, OpenMap, Scope, evaluate, reporting_limits
from .inputs import TerraformInputs, variable_files
from .module import block_values, instances, parse_files
from .policy_document import render_policy_document
from .providers import provider_of

if TYPE_CHECKING:
    from ...cache import ParseCache

NodeKey = Tuple[str, str]
T = TypeVar("T")
MAX_MODULE_DEPTH = 32
MAX_FILE_FUNCTION_BYTES = 1024 * 1024
_MODULE_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


@dataclass(frozen=True)
class Flow:
    """What an expression's value comes from: the resources it refers to
    (graph edges) and the places it passed through (provenance)."""

    links: FrozenSet[NodeKey] = frozenset()
    sources: Provenance = ()
    # Reads each.* or count.index: what the block is repeated over feeds it.
    repeated: bool = False

    def through(self, source: Source) -> "Flow":
        """This flow, reached through ``source`` (a local, an output, a module input)."""
        return Flow(self.links, join_provenance((source,), self.sources), self.repeated)

    def repeated_over(self, each: "Flow") -> "Flow":
        """With the sources of the block's repetition when it reads each.* / count.index."""
        return Flow(self.links, join_provenance(self.sources, each.sources)) if self.repeated else self


NO_FLOW = Flow()


class ModuleSource:
    """One directory's configuration, parsed once per run."""

    def __init__(self, directory: FSPath, display: str, files: List[Tuple[str, Any]]) -> None:
        self.directory = directory
        self.display = display
        self.variables: Dict[str, ast.Block] = {}
        self.locals: Dict[str, ast.Attribute] = {}
        self.outputs: Dict[str, ast.Attribute] = {}
        # The file each local and output is written in: ("local", name) -> file.
        self.files_of: Dict[Tuple[str, str], str] = {}
        self.resources: Dict[str, Dict[str, ast.Block]] = {}
        self.data: Dict[str, Dict[str, ast.Block]] = {}
        self.modules: Dict[str, ast.Block] = {}
        self.providers: List[ast.Block] = []
        self.files = files
        for _, hcl in files:
            if hcl is None:
                continue
            for block in hcl.blocks:
                self._add(block)

    def _add(self, block: ast.Block) -> None:
        labels = block.labels
        if block.type == "variable" and len(labels) == 1:
            self.variables[labels[0]] = block
        elif block.type == "locals":
            for attr in block.attributes:
                self.locals[attr.name] = attr
                self.files_of[("local", attr.name)] = block.file
        elif block.type == "output" and len(labels) == 1:
            value = block.attribute("value")
            if value is not None:
                self.outputs[labels[0]] = value
                self.files_of[("output", labels[0])] = block.file
        elif block.type == "resource" and len(labels) == 2:
            self.resources.setdefault(labels[0], {})[labels[1]] = block
        elif block.type == "data" and len(labels) == 2:
            self.data.setdefault(labels[0], {})[labels[1]] = block
        elif block.type == "module" and len(labels) == 1:
            self.modules[labels[0]] = block
        elif block.type == "provider" and len(labels) == 1:
            self.providers.append(block)

    def local_module_dirs(self) -> Iterable[FSPath]:
        for block in self.modules.values():
            source = _literal_source(block)
            if source is not None and _is_local(source):
                yield FSPath(os.path.normpath(self.directory / source.replace("\\", "/")))


def _literal_source(block: ast.Block) -> Optional[str]:
    attr = block.attribute("source")
    if attr is not None and isinstance(attr.expr, ast.Literal) and isinstance(attr.expr.value, str):
        return attr.expr.value
    return None


def _is_local(source: str) -> bool:
    return source.startswith(("./", "../", ".\\", "..\\")) or source in (".", "..")


class Project:
    """Every Terraform module directory of a scan."""

    def __init__(self, repo_roots: Sequence[FSPath], cwd: FSPath, inputs: Optional[TerraformInputs] = None,
                 cache: Optional["ParseCache"] = None, workers: int = 1, limits: Optional[Limits] = None,
                 overlay: Optional[Mapping[FSPath, str]] = None) -> None:
        self.overlay = overlay or {}  # unsaved editor buffers, read instead of the disk
        # The repository of each scanned path (source.repository_root); a
        # module reads only inside its own.
        self.repo_roots = sorted({r.resolve() for r in repo_roots}, key=lambda r: len(r.parts), reverse=True)
        self.limits = limits or Limits()
        self.cwd = cwd
        self.inputs = inputs or TerraformInputs()
        self.cache = cache
        self.workers = workers
        self.sources: Dict[FSPath, Optional[ModuleSource]] = {}
        self.parsed_files: Dict[str, ParsedFile] = {}
        self.notes: List[str] = []
        self._noted: Set[str] = set()
        self.internal_errors: List[str] = []
        # Instances count and for_each made so far, per root module, against
        # limits.max_terraform_instances: nested module calls multiply them.
        self.max_instances = self.limits.max_terraform_instances
        self.instance_counts: Dict[FSPath, int] = {}
        self._manifests: Dict[FSPath, Tuple[Dict[str, str], str]] = {}
        self._limited_roots: Set[FSPath] = set()

    # -- loading -----------------------------------------------------------
    def display(self, path: FSPath) -> str:
        return display_path(path, self.cwd)

    def root_of(self, path: FSPath) -> Optional[FSPath]:
        """The repository ``path`` is written in (the innermost), if any."""
        absolute = path.absolute()
        # As written, then with the directories' links followed (a scanned
        # path under a linked working directory).
        for candidate in (FSPath(os.path.normpath(absolute)), absolute.parent.resolve() / absolute.name):
            found = next((r for r in self.repo_roots if is_inside(candidate, r)), None)
            if found is not None:
                return found
        return None

    def error(self, file: str, line: int, message: str) -> None:
        """An IACG-000 on ``file`` (a display path) at ``line``."""
        target = self.parsed_files.setdefault(file, ParsedFile(file, "terraform"))
        error = ParseError(file, line, message, "terraform")
        if error not in target.errors:
            target.errors.append(error)

    def add_directories(self, directories: Mapping[FSPath, Sequence[Tuple[str, str]]]) -> None:
        """Register scanned directories with their (display path, text) files,
        parsed together (cached, in parallel when worth it)."""
        ordered = [(d, f) for d in sorted(directories) for f in directories[d]]
        results = parse_files([f for _, f in ordered], self.cache, self.workers)
        by_dir: Dict[FSPath, List[Tuple[str, Any, Any]]] = {d: [] for d in directories}
        for (directory, (display, _)), (hcl, error) in zip(ordered, results, strict=True):
            by_dir.setdefault(directory, []).append((display, hcl, error))
        for directory, entries in by_dir.items():
            self._register(directory, entries)

    def add_files(self, directory: FSPath, files: Sequence[Tuple[str, str]]) -> None:
        """Register one directory with its (display path, text) files."""
        self.add_directories({directory: files})

    def _register(self, directory: FSPath, entries: List[Tuple[str, Any, Any]]) -> None:
        directory = FSPath(os.path.normpath(directory))
        parsed: List[Tuple[str, Any]] = []
        for display, hcl, error in entries:
            out = ParsedFile(display, "terraform")
            if error is not None:
                out.errors.append(error)
            else:
                out.comments = hcl.comments
            self.parsed_files[display] = out
            parsed.append((display, hcl))
        self.sources[directory] = ModuleSource(directory, self.display(directory), parsed)

    def source(self, directory: FSPath, root: FSPath) -> Optional[ModuleSource]:
        """The module in ``directory`` (already confined to ``root``), read
        from disk when not scanned directly. A file of it that cannot be read
        (a link out of the repository, too large) is an error on that file."""
        directory = FSPath(os.path.normpath(directory))
        if directory in self.sources:
            return self.sources[directory]
        if not directory.is_dir():
            self.sources[directory] = None
            return None
        files: List[Tuple[str, str]] = []
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.name.endswith((".tf", ".tf.json")):
                display = self.display(path)
                try:
                    files.append((display, read_reference(path, root, self.limits, self.overlay)))
                except SourceError as exc:
                    self.error(display, exc.line, str(exc))
        self.add_files(directory, files)
        return self.sources[directory]

    def expand(self, block: ast.Block, owner: "ModuleInstance") -> List[Tuple[str, Scope]]:
        """The instances of ``block`` in ``owner`` that fit in the root
        module's budget; when some do not, the call that multiplied them is
        reported. Only multiplied instances count: a block written once in a
        module called once costs what its text costs, which the file size
        limit already bounds."""
        multiplied = block.attribute("count") is not None or block.attribute("for_each") is not None \
            or "[" in owner.prefix
        if not multiplied:
            return instances(block, owner, 1)
        used = self.instance_counts.get(owner.root_dir, 0)
        room = max(self.max_instances - used, 0)
        items = instances(block, owner, room + 1)
        if len(items) > room:
            items = items[:room]
            self._instance_limit_reached(block, owner)
        self.instance_counts[owner.root_dir] = used + len(items)
        return items

    def _instance_limit_reached(self, block: ast.Block, owner: "ModuleInstance") -> None:
        # Blame the root module's block that leads here (the outermost module
        # call): that is where the multiplying starts and what the user wrote
        # in the scanned configuration. Once per root module.
        while owner.call is not None and owner.caller is not None:
            block, owner = owner.call, owner.caller
        if owner.root_dir in self._limited_roots:
            return
        self._limited_roots.add(owner.root_dir)
        message = (f"{_block_address(block)} is expanded only in part: the root module reached its limit of "
                   f"{self.max_instances:,} Terraform resource, data and module instances made by count and "
                   "for_each (max_terraform_instances; they multiply through nested modules); the instances "
                   "beyond it are not evaluated")
        self.error(block.file, block.line, message)

    def downloaded_modules(self, root_dir: FSPath, root: FSPath) -> Tuple[Dict[str, str], str]:
        """Module key -> directory, from the root module's
        ``.terraform/modules/modules.json``, and why it was refused ("" when
        it was not): read once per scan, however many module calls ask (it
        can list thousands of modules)."""
        if root_dir not in self._manifests:
            self._manifests[root_dir] = self._read_manifest(root_dir / ".terraform" / "modules" / "modules.json",
                                                            root)
        return self._manifests[root_dir]

    def _read_manifest(self, manifest: FSPath, root: FSPath) -> Tuple[Dict[str, str], str]:
        if not manifest.is_file():
            return {}, ""
        try:
            entries = json.loads(read_reference(manifest, root, self.limits)).get("Modules", [])
        except SourceError as exc:
            return {}, f"{self.display(manifest)} {exc}"
        except (ValueError, AttributeError, RecursionError) as exc:
            self.note(f"{self.display(manifest)} not read ({type(exc).__name__}); downloaded modules are unknown")
            return {}, ""
        found: Dict[str, str] = {}
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and isinstance(entry.get("Dir"), str):
                found.setdefault(entry["Key"], entry["Dir"])
        return found, ""

    def note(self, message: str) -> bool:
        """Add a note for --verbose; False when it was already there."""
        if message in self._noted:
            return False
        self._noted.add(message)
        self.notes.append(message)
        return True

    def roots(self) -> List[FSPath]:
        """Scanned directories not called as a module by another scanned one:
        a called module is evaluated through its callers, with their inputs."""
        scanned = [d for d, s in self.sources.items() if s is not None]
        called: Set[FSPath] = set()
        for directory in scanned:
            source = self.sources[directory]
            assert source is not None
            called.update(d for d in source.local_module_dirs() if d != directory)
        roots = [d for d in scanned if d not in called]
        return sorted(roots) if roots else sorted(scanned)

    # -- evaluation ----------------------------------------------------------
    def evaluate(self) -> List[ParsedFile]:
        for directory in self.roots():
            source = self.sources[directory]
            assert source is not None
            values, flows = self.root_variables(source)
            root = ModuleInstance(self, source, prefix="", inputs=values,
                                  input_flows=flows, root_dir=directory, chain=(directory,))
            try:
                with reporting_limits(partial(self._limit_reached, source)):
                    resources = root.all_resources()
            except RecursionError:
                self._fail(source, "the configuration nests too deeply to evaluate")
                continue
            except Exception as exc:  # an evaluator bug must cost this module, not the scan
                self._fail(source, f"internal error while evaluating: {type(exc).__name__}: {exc}")
                self.internal_errors.append(traceback.format_exc())
                continue
            for resource in resources:
                target = self.parsed_files.setdefault(
                    resource.location.file, ParsedFile(resource.location.file, "terraform"))
                target.resources.append(resource)
        return [self.parsed_files[k] for k in sorted(self.parsed_files)]

    def _limit_reached(self, source: ModuleSource, expr: Any) -> None:
        """A value too costly to compute is unknown: said with --verbose,
        counted in the summary (on the module's first file)."""
        line = getattr(expr, "line", 0)
        message = (f"{source.display}: a value{f' on line {line}' if line else ''} goes past an evaluation limit "
                   "(functions.MAX_STEPS, MAX_STRING, REGEX_TIMEOUT_S or module.MAX_DYNAMIC_BLOCKS); "
                   "it is unknown, in whole or past the limit")
        if self.note(message):
            for display, _ in source.files[:1]:
                self.parsed_files[display].limited += 1

    def _fail(self, source: ModuleSource, message: str) -> None:
        for display, _ in source.files[:1]:
            self.parsed_files[display].errors.append(ParseError(display, 1, message, "terraform"))

    def root_variables(self, source: ModuleSource) -> Tuple[Dict[str, Any], Dict[str, Flow]]:
        """Terraform's precedence: environment, terraform.tfvars(.json),
        *.auto.tfvars(.json) in name order, then -var-file / -var in order.
        With the values, where each was written (a line of a variable file;
        nothing for the environment and the command line, which no commit
        changes)."""
        values: Dict[str, Any] = {}
        flows: Dict[str, Flow] = {}
        for key, value in self.inputs.environ.items():
            if key.startswith("TF_VAR_"):
                values[key[len("TF_VAR_"):]] = _raw_variable(value)
        directory = source.directory
        root = self.root_of(directory) or directory  # a scanned directory is always in one
        files = variable_files(directory)
        # -var-file: named by the user, so confined when inside a scanned
        # repository (a link planted there cannot redirect it), else as given.
        given = [FSPath(var_file) for var_file in self.inputs.var_files]
        reads = [(path, root, True) for path in files] + [(path, self.root_of(path), False) for path in given]
        for path, confine, optional in reads:
            display = self.display(path.absolute())
            read = self._read_tfvars(path, confine, optional)
            if read is None:
                # Any variable the file may have set is unknown, not defaulted:
                # a default that makes a bucket private must not stand in for
                # a value that may make it public.
                values, flows = _UnknownUnlessSet(), {}
                continue
            for name, (value, line) in read.items():
                values[name] = value
                flows[name] = Flow(sources=(Source(display, line, f"var.{name}"),))
        for item in self.inputs.vars:
            name, _, raw = item.partition("=")
            values[name.strip()] = _raw_variable(raw)
            flows.pop(name.strip(), None)
        return values, flows

    def _read_tfvars(self, path: FSPath, root: Optional[FSPath],
                     optional: bool) -> Optional[Dict[str, Tuple[Any, int]]]:
        """A variable file's values, each with its line; None when it is
        there (or was asked for) but cannot be read (a link out of the
        repository, too large, not text, not parsable), which is an error on
        that file."""
        display = self.display(path)
        if not path.is_file():
            if optional:
                return {}
            self._unusable_tfvars(display, 1, "variable file not found")
            return None
        try:
            text = read_reference(path, root, self.limits, self.overlay)
        except SourceError as exc:
            self._unusable_tfvars(display, exc.line, f"variable file not read: {exc}")
            return None
        if path.name.endswith(".json"):
            try:
                doc = parse_json(text)
            except ValueError as exc:
                self._unusable_tfvars(display, getattr(exc, "line", 1), f"variable file is not valid JSON: {exc}")
                return None
            except RecursionError:
                self._unusable_tfvars(display, 1, "variable file is nested too deeply to read")
                return None
            data = doc.value
            if not isinstance(data, dict):
                self._unusable_tfvars(display, 1, "variable file is not a JSON object")
                return None
            return {k: (v, doc.lines.get((k,), 1)) for k, v in data.items()}
        (hcl, error), = parse_files([(display, text)], self.cache)  # cached like .tf files
        if hcl is None:
            self._unusable_tfvars(display, error.line if error else 1,
                                  f"variable file not parsed: {error.message}" if error else "variable file not parsed")
            return None
        return {attr.name: (evaluate(attr.expr, Scope()), attr.line) for attr in hcl.attributes}

    def _unusable_tfvars(self, display: str, line: int, message: str) -> None:
        self.error(display, line, f"{message}; the variables of the module it is read for are unknown")

    def read_file(self, base: FSPath, path: str) -> Optional[str]:
        """file()/templatefile(): only inside the repository, only modest sizes."""
        root = self.root_of(base)
        try:
            target = FSPath(path)
            real = confined(target if target.is_absolute() else base / target, root or base)
        except (SourceError, ValueError):
            real = None
        if real is None or not real.is_file():
            self.note(f"file {path!r} is outside the repository or missing; its content is unknown")
            return None
        try:
            return decode_bytes(read_regular_bytes(real, MAX_FILE_FUNCTION_BYTES))
        except (OSError, SourceError) as exc:  # too large, not text, or a pipe swapped in
            self.note(f"file {path!r} not read ({exc}); its content is unknown")
            return None


def _raw_variable(text: str) -> Any:
    """A value from the command line or environment: HCL if it parses as an
    expression (lists, maps, numbers), else the string itself."""
    stripped = text.strip()
    if stripped[:1] in ("[", "{", '"') or stripped in ("true", "false") or _is_number(stripped):
        from .syntax import HCLSyntaxError, parse_hcl

        try:
            hcl = parse_hcl(f"v = {stripped}\n")
            value = evaluate(hcl.attributes[0].expr, Scope())
            if not is_unknown(value):
                return value
        except (HCLSyntaxError, IndexError):
            pass
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _convert_variable(value: Any, type_expr: Optional[ast.Expr]) -> Any:
    """Terraform converts input values to the declared primitive type."""
    if type_expr is None or not isinstance(type_expr, ast.Traversal) or type_expr.steps:
        return value
    kind = type_expr.root
    if kind == "number" and isinstance(value, str):
        return int(value) if value.lstrip("-").isdigit() else (float(value) if _is_number(value) else value)
    if kind == "bool" and value in ("true", "false"):
        return value == "true"
    if kind == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if kind == "string" and isinstance(value, bool):
        return "true" if value else "false"
    return value


class ModuleInstance(Scope):
    """One instance of a module: its variables, locals, resources and outputs."""

    def __init__(self, project: Project, source: ModuleSource, prefix: str, inputs: Dict[str, Any],
                 input_flows: Dict[str, Flow], root_dir: FSPath, chain: Tuple[FSPath, ...],
                 module_key: str = "", caller: Optional["ModuleInstance"] = None,
                 call: Optional[ast.Block] = None) -> None:
        self.project = project
        # The module block (and the instance it is written in) that made this one.
        self.caller = caller
        self.call = call
        self.source = source
        self.prefix = prefix
        self.inputs = inputs
        # Where each input came from: the caller's argument (and what it
        # read), or for a root module the variable file that sets it.
        self.input_flows = input_flows
        self.root_dir = root_dir
        self.chain = chain
        self.module_key = module_key  # "a.b" for module.a.module.b, as in modules.json
        self.namespace = f"{project.display(root_dir)}::{prefix}"
        self._variables: Dict[str, Any] = {}
        self._locals: Dict[str, Any] = {}
        self._flows: Dict[Tuple[str, str], Flow] = {}
        self._resources: Dict[Tuple[str, str, str], Any] = {}
        self._children: Dict[str, List[Tuple[str, Optional["ModuleInstance"]]]] = {}
        self._busy: Set[Any] = set()

    # -- Scope -------------------------------------------------------------
    def lookup(self, root: str) -> Any:
        if root == "var":
            return _Namespace(self.variable)
        if root == "local":
            return _Namespace(self.local)
        if root == "path":
            return {"module": self._relative(self.source.directory), "root": ".", "cwd": "."}
        if root == "terraform":
            return {"workspace": "default"}
        if root == "module":
            return _Namespace(self.module_outputs)
        if root == "data":
            return _Namespace(lambda t: _Namespace(lambda n: self.block_value("data", t, n))
                              if t in self.source.data else UNKNOWN)
        if root in self.source.resources:
            return _Namespace(lambda n: self.block_value("resource", root, n))
        return UNKNOWN

    def read_file(self, path: str) -> Optional[str]:
        return self.project.read_file(self.root_dir, path)

    def _relative(self, directory: FSPath) -> str:
        rel = os.path.relpath(directory, self.root_dir)
        return FSPath(rel).as_posix()

    # -- variables and locals ------------------------------------------------
    def variable(self, name: str) -> Any:
        if name in self._variables:
            return self._variables[name]
        block = self.source.variables.get(name)
        default = block.attribute("default") if block is not None else None
        if name in self.inputs:
            value = self.inputs[name]
        elif default is not None:
            value = evaluate(default.expr, Scope())
        else:
            value = UNKNOWN
        type_attr = block.attribute("type") if block is not None else None
        value = _convert_variable(value, type_attr.expr if type_attr is not None else None)
        self._variables[name] = value
        return value

    def local(self, name: str) -> Any:
        if name in self._locals:
            return self._locals[name]
        attr = self.source.locals.get(name)
        key = ("local", name)
        if attr is None or key in self._busy:
            return UNKNOWN  # undefined, or defined in terms of itself
        self._busy.add(key)
        try:
            value = evaluate(attr.expr, self)
        finally:
            self._busy.discard(key)
        self._locals[name] = value
        return value

    # -- resources and data ------------------------------------------------
    def block_value(self, kind: str, rtype: str, name: str) -> Any:
        """What ``type.name`` (or ``data.type.name``) evaluates to in an expression."""
        table = self.source.resources if kind == "resource" else self.source.data
        block = table.get(rtype, {}).get(name)
        if block is None:
            return UNKNOWN
        expanded = self._expanded(kind, block)
        if expanded is None:
            return UNKNOWN
        return _collection(block, [(suffix, attrs) for suffix, attrs, _, _ in expanded])

    def _expanded(self, kind: str, block: ast.Block) -> Optional[List["_Instance"]]:
        key = (kind, block.labels[0], block.labels[1])
        if key in self._resources:
            return self._resources[key]
        if key in self._busy:
            return None
        self._busy.add(key)
        try:
            out = self._contained(block, lambda: self._evaluate_block(kind, block), None)
        finally:
            self._busy.discard(key)
        self._resources[key] = out
        return out

    def _evaluate_block(self, kind: str, block: ast.Block) -> List["_Instance"]:
        out = []
        for suffix, scope in self.project.expand(block, self):
            lines: Dict[Path, int] = {}
            exprs: Dict[Path, ast.Expr] = {}
            attrs = OpenMap(block_values(block, scope, (), lines, top=True, exprs=exprs))
            if kind == "data" and block.labels[0] == "aws_iam_policy_document":
                attrs["json"] = render_policy_document(attrs)
            out.append((suffix, attrs, lines, exprs))
        return out

    def _contained(self, block: ast.Block, work: Callable[[], T], failed: T) -> T:
        """``work()`` for ``block``; when it fails (a bug meeting input it
        did not expect), ``failed``, and an error on the block's own line:
        one block costs itself, never the rest of its module."""
        try:
            return work()
        except RecursionError:
            raise  # nesting too deep for the whole evaluation, handled at its root
        except Exception as exc:
            self.project.error(block.file, block.line, f"internal error while evaluating {_block_address(block)}: "
                                                       f"{type(exc).__name__}: {exc}; it is not checked")
            self.project.internal_errors.append(traceback.format_exc())
            return failed

    # -- modules -----------------------------------------------------------
    def children(self, name: str) -> List[Tuple[str, Optional["ModuleInstance"]]]:
        if name in self._children:
            return self._children[name]
        block = self.source.modules.get(name)
        self._children[name] = []
        if block is None or ("module", name) in self._busy:
            return []
        self._busy.add(("module", name))
        try:
            # Failed, the call has one instance of unknown outputs.
            failed: List[Tuple[str, Optional[ModuleInstance]]] = [("", None)]
            result = self._contained(block, partial(self._instantiate, name, block), failed)
        finally:
            self._busy.discard(("module", name))
        self._children[name] = result
        return result

    def _instantiate(self, name: str, block: ast.Block) -> List[Tuple[str, Optional["ModuleInstance"]]]:
        root = self.project.root_of(self.root_dir)
        directory = self._module_dir(name, block, root) if root is not None else None
        source = self.project.source(directory, root) if directory is not None and root is not None else None
        if source is None or directory in self.chain or len(self.chain) >= MAX_MODULE_DEPTH:
            if directory is not None and directory in self.chain:
                self.project.note(f"module {self.prefix}module.{name} calls itself; not expanded")
            elif source is not None:
                self.project.error(block.file, block.line, f"module.{name} is not loaded: modules nest deeper "
                                   f"than {MAX_MODULE_DEPTH} (MAX_MODULE_DEPTH); its resources are not checked")
            return [(suffix, None) for suffix, _ in self.project.expand(block, self)]
        assert directory is not None  # a module source is only found in a directory
        out: List[Tuple[str, Optional[ModuleInstance]]] = []
        for suffix, scope in self.project.expand(block, self):
            inputs = {a.name: evaluate(a.expr, scope) for a in block.attributes if a.name not in _MODULE_META}
            each = self.flow(_repetition(block))
            flows = {a.name: self.flow(a.expr).repeated_over(each).through(Source(
                block.file, a.line, f"input {a.name} of {self.prefix}module.{name}{suffix}"))
                for a in block.attributes if a.name not in _MODULE_META}
            child_key = f"{self.module_key}.{name}" if self.module_key else name
            out.append((suffix, ModuleInstance(
                self.project, source, f"{self.prefix}module.{name}{suffix}.", inputs, flows,
                self.root_dir, self.chain + (directory,), child_key, caller=self, call=block)))
        return out

    def _module_dir(self, name: str, block: ast.Block, root: FSPath) -> Optional[FSPath]:
        """The directory a module call loads, inside ``root``; a local
        source or a downloaded module's directory that leaves the repository
        is an error on the call."""
        source = _literal_source(block)
        if source is None:
            self.project.note(f"{self.source.display}: module {name!r} has no literal source; not loaded")
            return None
        if _is_local(source):
            return self._confined_dir(FSPath(os.path.normpath(self.source.directory / source.replace("\\", "/"))),
                                      root, block, f"module source {source!r}")
        downloaded = self._downloaded_module(name, block, root)
        if downloaded is not None:
            return downloaded
        self.project.note(f"module source {source!r} is not local and was not downloaded; "
                          "its outputs are unknown")
        return None

    def _downloaded_module(self, name: str, block: ast.Block, root: FSPath) -> Optional[FSPath]:
        entries, refused = self.project.downloaded_modules(self.root_dir, root)
        if refused:
            self.project.error(block.file, block.line, f"module {name!r}: {refused}")
            return None
        key = f"{self.module_key}.{name}" if self.module_key else name
        relative = entries.get(key)
        if relative is None:
            return None
        return self._confined_dir(FSPath(os.path.normpath(self.root_dir / relative)), root, block,
                                  f"downloaded module {name!r} (modules.json)")

    def _confined_dir(self, directory: FSPath, root: FSPath, block: ast.Block, what: str) -> Optional[FSPath]:
        try:
            confined(directory, root)
        except SourceError as exc:
            self.project.error(block.file, block.line, f"{what} {exc}")
            return None
        return directory

    def module_outputs(self, name: str) -> Any:
        block = self.source.modules.get(name)
        if block is None:
            return UNKNOWN
        instances_ = self.children(name)

        return _collection(block, [(suffix, UNKNOWN if child is None else _Namespace(child.output))
                                   for suffix, child in instances_])

    def output(self, name: str) -> Any:
        attr = self.source.outputs.get(name)
        key = ("output", name)
        if attr is None or key in self._busy:
            return UNKNOWN
        self._busy.add(key)
        try:
            return evaluate(attr.expr, self)
        finally:
            self._busy.discard(key)

    # -- references across modules ------------------------------------------
    def links(self, expr: Any) -> FrozenSet[NodeKey]:
        """The resources (as graph keys) an expression's value comes from,
        followed through variables, locals and module outputs."""
        return self.flow(expr).links

    def flow(self, expr: Any) -> Flow:
        """The resources an expression's value comes from and the places it
        passed through, followed through variables, locals and module
        outputs; whether it reads ``each.*`` / ``count.index``."""
        found: List[Flow] = []
        links: Set[NodeKey] = set()
        repeated = False
        for traversal in ast.traversals(expr):
            root, names = traversal.root, [s.name for s in traversal.steps if isinstance(s, ast.GetAttr)]
            if root == "var" and names:
                found.append(self._variable_flow(names[0]))
            elif root == "local" and names:
                found.append(self._named_flow("local", names[0]))
            elif root == "module" and names:
                for _, child in self.children(names[0]):
                    if child is not None:
                        wanted = names[1:2] or list(child.source.outputs)
                        found.extend(child._named_flow("output", output) for output in wanted)
            elif root == "data" and len(names) >= 2:
                links.add((self.namespace, f"{self.prefix}data.{names[0]}.{names[1]}"))
            elif root in self.source.resources and names:
                links.add((self.namespace, f"{self.prefix}{root}.{names[0]}"))
            elif root in ("each", "count"):
                repeated = True
        found = [f for f in found if f is not NO_FLOW]
        if not found and not links and not repeated:
            return NO_FLOW
        for f in found:
            links |= f.links
        return Flow(frozenset(links), join_provenance(*(f.sources for f in found)), repeated)

    def _variable_flow(self, name: str) -> Flow:
        if name in self.input_flows:
            return self.input_flows[name]
        key = ("var", name)
        if key not in self._flows:
            block = self.source.variables.get(name)
            default = block.attribute("default") if block is not None else None
            if block is None or name in self.inputs:
                self._flows[key] = NO_FLOW  # undeclared, or given on the command line
            elif default is None:
                # Said when a check cannot decide: the value the user must give.
                self._flows[key] = Flow(sources=(Source(block.file, block.line, f"var.{name} has no value"),))
            else:
                self._flows[key] = Flow(sources=(Source(block.file, default.line, f"var.{name} default"),))
        return self._flows[key]

    def _named_flow(self, kind: str, name: str) -> Flow:
        """A local's or an output's flow, through the line that defines it."""
        key = (kind, name)
        if key in self._flows:
            return self._flows[key]
        self._flows[key] = NO_FLOW  # cycle guard
        attr = (self.source.locals if kind == "local" else self.source.outputs).get(name)
        result = NO_FLOW
        if attr is not None:
            what = f"local.{name}" if kind == "local" else f"output {name} of {self.prefix[:-1]}"
            result = self.flow(attr.expr).through(Source(self.source.files_of[key], attr.line, what))
        self._flows[key] = result
        return result

    # -- producing the model -------------------------------------------------
    def all_resources(self) -> List[Resource]:
        out: List[Resource] = []
        for kind, table in (("resource", self.source.resources), ("data", self.source.data)):
            for rtype in sorted(table):
                for name in sorted(table[rtype]):
                    block = table[rtype][name]
                    out.extend(self._contained(block, partial(self._model, kind, block), []))
        for block in self.source.providers:
            provider = self._contained(block, partial(self._provider, block), None)
            if provider is not None:
                out.append(provider)
        for name in sorted(self.source.modules):
            for _, child in self.children(name):
                if child is not None:
                    out.extend(child.all_resources())
        return out

    def _provider(self, block: ast.Block) -> Resource:
        """A provider configuration, judged like a resource (its region)."""
        lines: Dict[Path, int] = {}
        attrs = block_values(block, self, (), lines, top=True)
        alias = attrs.get("alias")
        name = block.labels[0]
        return Resource(
            address=f"{self.prefix}provider.{name}" + (f".{alias}" if isinstance(alias, str) else ""),
            type="provider",
            format="terraform",
            provider=provider_of(f"{name}_"),
            attributes=attrs,
            location=Location(block.file, block.line, block.end_line),
            attribute_lines=lines,
            value_origins={(a.name,): _describe(a.expr) for a in block.attributes if _describe(a.expr)},
            kind="provider",
            namespace=self.namespace,
        )

    def _model(self, kind: str, block: ast.Block) -> List[Resource]:
        rtype, name = block.labels
        base = f"{rtype}.{name}" if kind == "resource" else f"data.{rtype}.{name}"
        expanded = self._expanded(kind, block) or []
        flows: Dict[int, Flow] = {}  # by expression: instances share their expressions

        def flow(expr: ast.Expr) -> Flow:
            if id(expr) not in flows:
                flows[id(expr)] = self.flow(expr)
            return flows[id(expr)]

        links: Set[Link] = set()
        for via, attr in _attributes_by_top_level_name(block):
            links.update(Link(ns, address, via) for ns, address in flow(attr.expr).links
                         if (ns, address) != (self.namespace, self.prefix + base))
        provider = _provider_configuration(block)
        if provider:  # where the resource lives (its region) is the provider's
            links.add(Link(self.namespace, self.prefix + provider, "provider"))
        origins = {(a.name,): _describe(a.expr) for a in block.attributes if _describe(a.expr)}
        each = self.flow(_repetition(block))

        def sources(exprs: Dict[Path, ast.Expr]) -> Dict[Path, Provenance]:
            found = ((path, flow(expr).repeated_over(each).sources) for path, expr in exprs.items())
            return {path: chain for path, chain in found if chain}

        return [Resource(
            address=f"{self.prefix}{base}{suffix}",
            type=rtype,
            format="terraform",
            provider=provider_of(rtype),
            attributes=dict(attrs),
            location=Location(block.file, block.line, block.end_line),
            attribute_lines=lines,
            module_path=tuple(p.split("[")[0] for p in self.prefix.split("module.") if p),
            links=sorted(links),
            value_origins=origins,
            value_sources=sources(exprs),
            kind=kind,
            namespace=self.namespace,
        ) for suffix, attrs, lines, exprs in expanded]


# One instance of a resource or data block: address suffix, attributes,
# their lines and the expressions they are written as.
_Instance = Tuple[str, OpenMap, Dict[Path, int], Dict[Path, ast.Expr]]


def _repetition(block: ast.Block) -> Optional[ast.Expr]:
    """The ``for_each`` or ``count`` expression that repeats a block, if any."""
    attr = block.attribute("for_each") or block.attribute("count")
    return attr.expr if attr is not None else None


def _provider_configuration(block: ast.Block) -> Optional[str]:
    """``provider = aws.replica`` -> ``provider.aws.replica``, the address of
    that provider configuration in the same module."""
    attr = block.attribute("provider")
    expr = attr.expr if attr is not None else None
    if not isinstance(expr, ast.Traversal) or expr.source is not None:
        return None
    names = [step.name for step in expr.steps if isinstance(step, ast.GetAttr)]
    return ".".join(["provider", expr.root] + names[:1])


def _block_address(block: ast.Block) -> str:
    """How the configuration names a block: ``module.a``, ``aws_s3_bucket.b``, ``data.x.y``."""
    if block.type == "module":
        return f"module.{block.labels[0]}"
    if block.type == "data":
        return "data." + ".".join(block.labels)
    return ".".join(block.labels)


def _collection(block: ast.Block, items: List[Tuple[str, Any]]) -> Any:
    """How a reference to a (possibly repeated) block reads: a list for
    ``count``, a map for ``for_each``, the single instance otherwise."""
    if any(suffix == "" for suffix, _ in items) and (
            block.attribute("count") is not None or block.attribute("for_each") is not None):
        return UNKNOWN  # the instances themselves are not known
    if block.attribute("count") is not None:
        return [value for _, value in items]
    if block.attribute("for_each") is not None:
        return {json.loads(suffix[1:-1]): value for suffix, value in items}
    return items[0][1] if items else UNKNOWN


class _UnknownUnlessSet(dict):
    """Variable values after a variable file that could not be read: a
    variable a later file or ``--var`` sets has that value, any other is
    unknown (never its default)."""

    def __contains__(self, name: object) -> bool:
        return True

    def __missing__(self, name: str) -> Any:
        return UNKNOWN


class _Namespace(LazyMapping):
    def __init__(self, getter) -> None:
        self.getter = getter

    def get(self, key: str) -> Any:
        return self.getter(key)


def _attributes_by_top_level_name(block: ast.Block) -> Iterable[Tuple[str, ast.Attribute]]:
    """Every attribute of a resource block, with the top-level argument or
    nested block name it sits under (``depends_on`` counts as ordering only)."""
    for attr in block.attributes:
        yield ("" if attr.name == "depends_on" else attr.name), attr
    for nested in block.blocks:
        name = nested.labels[0] if nested.type == "dynamic" and nested.labels else nested.type
        for _, attr in _attributes_by_top_level_name(nested):
            yield name, attr


def _describe(expr: Any) -> str:
    """``var.acl`` for an attribute written as a reference: said in messages."""
    if isinstance(expr, ast.Traversal) and expr.source is None and expr.root in ("var", "local", "each", "module"):
        parts = [expr.root]
        for step in expr.steps:
            if isinstance(step, ast.GetAttr):
                parts.append(step.name)
            else:
                break
        return ".".join(parts)
    return ""
