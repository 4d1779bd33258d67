"""Check files: loading, validating and compiling them.

One YAML file a check (see README "Writing a check"). Built-in checks live in
the ``checks`` directory shipped with the package; users add directories of
the same format with ``--checks-dir``. A malformed file is a configuration
error naming the file and the problem.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import stat
import sys
import time
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from ..cache import ParseCache
from ..findings import LANGS, SEVERITIES
from ..model import FORMATS
from ..plain_data import Codec
from ..source import Limits, SourceError, confined, read_reference, read_text
from . import aliases as alias_table
from .conditions import Condition, ConditionError, Result, compile_condition, predicate_names

CHECK_ID = re.compile(r"^IACG-(AWS|AZURE|GCP|GEN)-\d{3}$")
_USER_CHECK_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
_TOP_KEYS = {"id", "severity", "severity_rationale", "provider", "title", "description",
             "remediation", "controls", "cis", "mic_category", "clauses", "references", "requires",
             "redact_values"}
# Scan settings a check can depend on; without them it does not run.
SETTINGS = ("allowed_regions", "allowed_vm_extensions")
_CLAUSE_KEYS = {"formats", "resource_types", "when", "violation", "message"}


class CheckLoadError(Exception):
    def __init__(self, file: str, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message


@dataclass
class Clause:
    formats: Tuple[str, ...]
    resource_types: Tuple[str, ...]
    violation_spec: Any  # the conditions as written (validated)
    when_spec: Any = None
    message: Optional[Dict[str, str]] = None
    predicates: Tuple[str, ...] = ()  # names of the Python predicates the conditions call

    # Compiled on first use, so that a scan compiles the clauses of the
    # resource types it meets, not the whole catalogue.
    @cached_property
    def violation(self) -> Condition:
        return compile_condition(self.violation_spec)

    @cached_property
    def when(self) -> Optional[Condition]:
        return None if self.when_spec is None else compile_condition(self.when_spec)


@dataclass
class Check:
    id: str
    severity: str
    provider: str
    title: Dict[str, str]
    description: Dict[str, str]
    remediation: Dict[str, str]
    controls: List[str]
    cis: List[str]
    clauses: List[Clause]
    source: str
    mic_category: str = ""
    severity_rationale: Dict[str, str] = field(default_factory=dict)
    references: List[str] = field(default_factory=list)
    requires: List[str] = field(default_factory=list)
    redact_values: bool = False  # messages never show the offending value (secrets)

    @property
    def formats(self) -> List[str]:
        return sorted({f for c in self.clauses for f in c.formats})

    @property
    def resource_types(self) -> List[str]:
        return sorted({t for c in self.clauses for t in c.resource_types})

    def text(self, field_name: str, lang: str) -> str:
        values: Dict[str, str] = getattr(self, field_name)
        return values.get(lang) or values.get("en", "")


@dataclass
class CheckSet:
    checks: List[Check]
    predicates: Dict[str, Callable[..., Result]]
    # retired id -> the ids that replaced it (see engine/aliases.py)
    aliases: Dict[str, Tuple[str, ...]] = field(default_factory=dict)

    def by_id(self) -> Dict[str, Check]:
        return {c.id: c for c in self.checks}

    def digest(self) -> str:
        """SHA-256 over the files of the checks in the set (id, bytes) and the
        alias table: which rules a report was made with."""
        sha = hashlib.sha256()
        for check in sorted(self.checks, key=lambda c: c.id):
            sha.update(f"{check.id}\0".encode("utf-8"))
            try:
                sha.update(Path(check.source).read_bytes())
            except OSError:
                sha.update(b"(unreadable)")
            sha.update(b"\0")
        sha.update(repr(sorted(self.aliases.items())).encode("utf-8"))
        return sha.hexdigest()


def builtin_checks_dir() -> Path:
    """The built-in checks: inside the installed package, or beside it in a
    source checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "checks", here.parent / "checks"):
        if candidate.is_dir():
            return candidate
    raise CheckLoadError(str(here / "checks"), "built-in checks directory is missing")


def _texts(raw: Any, name: str, required: bool = True) -> Dict[str, str]:
    if raw is None and not required:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"'{name}' must map each language (en, ja) to text")
    missing = [lang for lang in LANGS if not (isinstance(text := raw.get(lang), str) and text.strip())]
    if missing:
        raise ValueError(f"'{name}' lacks text for {', '.join(missing)}")
    extra = set(raw) - set(LANGS)
    if extra:
        raise ValueError(f"'{name}' has unknown language(s) {sorted(extra)}")
    return {lang: _unfold(raw[lang].strip(), lang) for lang in LANGS}


_CJK = "\u3000-\u30ff\u3400-\u9fff\uff00-\uffef"
_FOLDED_CJK_SPACE = re.compile(f"(?<=[{_CJK}])[ \t\n]+(?=[{_CJK}])")


def _unfold(text: str, lang: str) -> str:
    """YAML's folded scalars join lines with a space; Japanese takes none."""
    return _FOLDED_CJK_SPACE.sub("", text) if lang == "ja" else text


def _string_list(raw: Any, name: str, required: bool = True) -> List[str]:
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or (required and not raw) or not all(isinstance(x, str) for x in raw):
        raise ValueError(f"'{name}' must be a {'non-empty ' if required else ''}list of strings")
    return list(raw)


def _load_yaml(text: str) -> Any:
    """The data of a YAML text (ValueError when it is not YAML). PyYAML is
    imported here: a warm start reads the compiled check set, not YAML."""
    import yaml

    # libyaml's loader when PyYAML was built with it: ten times faster, same result.
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from None


@lru_cache(maxsize=1)
def known_controls() -> Dict[str, Dict[str, Any]]:
    path = Path(__file__).resolve().parent.parent / "data" / "controls.yaml"
    with path.open(encoding="utf-8") as handle:
        return {entry["id"]: entry for entry in _load_yaml(handle.read())}


def parse_check(data: Any, source: str, builtin: bool) -> Check:
    if not isinstance(data, Mapping):
        raise ValueError("a check file must hold one mapping")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ValueError(f"unknown key(s) {sorted(unknown)}")
    check_id = data.get("id")
    pattern = CHECK_ID if builtin else _USER_CHECK_ID
    if not isinstance(check_id, str) or not pattern.match(check_id):
        raise ValueError(f"'id' {check_id!r} does not match {pattern.pattern}")
    severity = data.get("severity")
    if severity not in SEVERITIES:
        raise ValueError(f"'severity' must be one of {', '.join(SEVERITIES)}")
    provider = data.get("provider")
    if not isinstance(provider, str) or not provider:
        raise ValueError("'provider' is required")
    # That built-in checks cite only catalogue ids is proven by the test suite,
    # not re-checked on every run.
    controls = _string_list(data.get("controls"), "controls")
    clauses_raw = data.get("clauses")
    if not isinstance(clauses_raw, list) or not clauses_raw:
        raise ValueError("'clauses' must be a non-empty list")
    clauses = [_parse_clause(c, n) for n, c in enumerate(clauses_raw, 1)]
    return Check(
        id=check_id,
        severity=severity,
        provider=provider,
        title=_texts(data.get("title"), "title"),
        description=_texts(data.get("description"), "description"),
        remediation=_texts(data.get("remediation"), "remediation"),
        controls=controls,
        cis=_string_list(data.get("cis"), "cis", required=False),
        clauses=clauses,
        source=source,
        mic_category=str(data.get("mic_category") or ""),
        severity_rationale=_texts(data.get("severity_rationale"), "severity_rationale", required=False),
        references=_string_list(data.get("references"), "references", required=False),
        requires=_requires(data.get("requires")),
        redact_values=data.get("redact_values") is True,
    )


def _requires(raw: Any) -> List[str]:
    names = _string_list(raw, "requires", required=False)
    unknown = [n for n in names if n not in SETTINGS]
    if unknown:
        raise ValueError(f"'requires' names unknown setting(s) {unknown}; known: {', '.join(SETTINGS)}")
    return names


def _parse_clause(raw: Any, number: int) -> Clause:
    where = f"clause {number}"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be a mapping")
    unknown = set(raw) - _CLAUSE_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}")
    formats = _string_list(raw.get("formats"), f"{where} formats")
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"{where}: unknown format(s) {bad}; use {', '.join(FORMATS)}")
    types = _string_list(raw.get("resource_types"), f"{where} resource_types")
    if "violation" not in raw:
        raise ValueError(f"{where}: 'violation' is required")
    if "when" in raw and raw["when"] is None:
        raise ValueError(f"{where}: a condition must be a mapping, got None")
    message = _texts(raw.get("message"), f"{where} message", required=False) or None
    clause = Clause(tuple(formats), tuple(types), raw["violation"], raw.get("when"), message)
    try:
        conditions = [c for c in (clause.violation, clause.when) if c is not None]
    except ConditionError as exc:
        raise ValueError(f"{where}: {exc}") from None
    clause.predicates = tuple(name for c in conditions for name in predicate_names(c))
    return clause


def _load_predicates(directory: Path, into: Dict[str, Callable[..., Result]], allowed: bool) -> None:
    """Import the directory's ``_predicates/*.py``: Python runs, so only for
    the built-in checks or when the user allowed it (a checks directory may
    come from the scanned repository)."""
    pred_dir = directory / "_predicates"
    if not pred_dir.is_dir():
        return
    for path in sorted(pred_dir.glob("*.py")):
        if path.name.startswith("_"):
            continue
        if not allowed:
            raise CheckLoadError(str(path), "Python predicates of a checks directory run only with "
                                            "--allow-python-checks on the command line (or allow_python_checks "
                                            "in a configuration outside the scanned repository)")
        module_name = f"iacguard_predicates_{abs(hash(str(path)))}_{path.stem}"
        module = sys.modules.get(module_name)
        if module is None:
            spec = importlib.util.spec_from_file_location(module_name, path)
            if spec is None or spec.loader is None:
                raise CheckLoadError(str(path), "cannot load predicate module")
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            except Exception as exc:  # a user's predicate module is configuration
                raise CheckLoadError(str(path), f"predicate module failed to load: {exc}") from None
            sys.modules[module_name] = module
        table = getattr(module, "PREDICATES", None)
        if not isinstance(table, dict):
            raise CheckLoadError(str(path), "a predicate module must define a PREDICATES dict")
        into.update(table)


def _check_text(path: Path, directory: Path, plain_dirs: Set[Path]) -> str:
    """The text of ``path``, found below ``directory``, which it may not lead
    out of (a link in a checks directory of the scanned repository to a
    secret would be quoted by the YAML error). A file reached through no
    symbolic link cannot lead out and is read as it is; any other goes
    through the repository's confinement check. ``plain_dirs`` holds the
    directories already known to be no link."""
    try:
        if not path.is_symlink() and _no_link_between(directory, path.parent, plain_dirs):
            return read_text(path, Limits())
        return read_reference(path, directory, Limits())
    except SourceError as exc:
        raise CheckLoadError(str(path), str(exc)) from None


def _no_link_between(directory: Path, parent: Path, plain_dirs: Set[Path]) -> bool:
    current = parent
    while current != directory and current not in plain_dirs:
        if current.is_symlink() or current == current.parent:
            return False
        current = current.parent
    plain_dirs.add(parent)
    return True


@dataclass
class CompiledDirectory:
    """A checks directory after validation: what the cache keeps of it, so
    that a warm start reads one entry instead of parsing every file."""

    checks: List[Check]
    aliases: Dict[str, Tuple[str, ...]]


# Bumped when what a compiled entry holds changes meaning.
_CATALOGUE_KIND = "check-catalogue-1"
_FILES_KIND = "check-files-1"
# A file changed this recently may change again within the clock's
# resolution without its size or time changing: not keyed by its metadata.
_SETTLED_NS = 2_000_000_000


@lru_cache(maxsize=1)
def catalogue_codec() -> Codec:
    return Codec([CompiledDirectory, Check, Clause])


def _compiled_directory(directory: Path, builtin: bool, cache: Optional[ParseCache]) -> CompiledDirectory:
    """The checks and alias table of ``directory``. Cached twice: by the
    files' metadata (a warm start reads no check file) and by their contents
    (a fresh checkout of unchanged files still hits)."""
    paths = _check_files(directory)
    alias_file = directory / alias_table.FILE_NAME
    listed = ([alias_file] if alias_file.is_file() else []) + paths
    metadata, settled = _metadata_key(listed, builtin)
    if cache is not None:
        content_key = cache.get(_FILES_KIND, metadata, catalogue_codec())
        if isinstance(content_key, str):
            hit = _cached_directory(cache, content_key, directory)
            if hit is not None:
                return hit
    plain_dirs: Set[Path] = set()
    try:
        texts = [_check_text(path, directory, plain_dirs) for path in listed]
    except (UnicodeDecodeError, OSError) as exc:
        raise CheckLoadError(str(directory), f"not readable: {exc}") from None
    sha = hashlib.sha256(b"builtin\0" if builtin else b"user\0")
    for path, text in zip(listed, texts, strict=True):
        sha.update(f"{path.relative_to(directory).as_posix()}\0{text}\0".encode("utf-8", "surrogatepass"))
    content_key = sha.hexdigest()
    compiled = _cached_directory(cache, content_key, directory) if cache is not None else None
    if compiled is None:
        compiled = _compile_directory(directory, builtin, listed, texts)
        if cache is not None:
            cache.put(_CATALOGUE_KIND, content_key.encode(), _relative(compiled, directory), catalogue_codec())
    if cache is not None and settled:
        cache.put(_FILES_KIND, metadata, content_key, catalogue_codec())
    return compiled


def _metadata_key(paths: Sequence[Path], builtin: bool) -> Tuple[bytes, bool]:
    """What identifies the files without reading them: name, kind, inode,
    size, modification and change time (of a link and of what it leads to;
    the change time cannot be set back, so an edit that restores the
    modification time still misses); and whether none changed just now."""
    parts = [b"builtin" if builtin else b"user"]
    newest = 0
    for path in paths:
        infos = [os.lstat(path)]
        if stat.S_ISLNK(infos[0].st_mode):
            try:
                infos.append(os.stat(path))
            except OSError:
                pass  # a dangling link: the cold load names it
        parts.append(str(path).encode("utf-8", "surrogatepass"))
        for info in infos:
            parts.append(b"%d:%d:%d:%d:%d:%d" % (info.st_mode, info.st_dev, info.st_ino, info.st_size,
                                                info.st_mtime_ns, info.st_ctime_ns))
            newest = max(newest, info.st_mtime_ns, info.st_ctime_ns)
    return b"\0".join(parts), newest < time.time_ns() - _SETTLED_NS


def _cached_directory(cache: ParseCache, content_key: str, directory: Path) -> Optional[CompiledDirectory]:
    hit = cache.get(_CATALOGUE_KIND, content_key.encode(), catalogue_codec())
    if not isinstance(hit, CompiledDirectory):
        return None
    for check in hit.checks:
        check.source = str(directory / check.source)
    return hit


def _relative(compiled: CompiledDirectory, directory: Path) -> CompiledDirectory:
    """``compiled`` with each check's file relative to ``directory`` (the
    entry serves the same files wherever they are)."""
    checks = [replace(c, source=Path(c.source).relative_to(directory).as_posix()) for c in compiled.checks]
    return CompiledDirectory(checks, compiled.aliases)


def _compile_directory(directory: Path, builtin: bool, paths: Sequence[Path],
                       texts: Sequence[str]) -> CompiledDirectory:
    aliases: Dict[str, Tuple[str, ...]] = {}
    checks: List[Check] = []
    for path, text in zip(paths, texts, strict=True):
        try:
            document = _load_yaml(text)
        except ValueError as exc:
            raise CheckLoadError(str(path), f"not valid YAML: {exc}") from None
        try:
            if path.parent == directory and path.name == alias_table.FILE_NAME:
                aliases = alias_table.parse_aliases(document)
            else:
                checks.append(parse_check(document, str(path), builtin))
        except ValueError as exc:
            raise CheckLoadError(str(path), str(exc)) from None
    return CompiledDirectory(checks, aliases)


def load_checks(extra_dirs: Sequence[Path] = (), include_builtin: bool = True,
                cache: Optional[ParseCache] = None, allow_python: bool = False) -> CheckSet:
    """The built-in checks and those of ``extra_dirs``; the Python
    predicates of ``extra_dirs`` are imported only with ``allow_python``."""
    directories: List[Tuple[Path, bool]] = []
    if include_builtin:
        directories.append((builtin_checks_dir(), True))
    directories.extend((Path(d), False) for d in extra_dirs)
    checks: List[Check] = []
    predicates: Dict[str, Callable[..., Result]] = {}
    aliases: Dict[str, Tuple[str, ...]] = {}
    alias_files: List[str] = []
    seen: Dict[str, str] = {}
    for directory, builtin in directories:
        if not directory.is_dir():
            raise CheckLoadError(str(directory), "checks directory does not exist")
        _load_predicates(directory, predicates, builtin or allow_python)
        compiled = _compiled_directory(directory, builtin, cache)
        aliases.update(compiled.aliases)
        if (directory / alias_table.FILE_NAME).is_file():
            alias_files.append(str(directory / alias_table.FILE_NAME))
        for check in compiled.checks:
            if check.id in seen:
                raise CheckLoadError(check.source, f"duplicate check id {check.id} (also in {seen[check.id]})")
            seen[check.id] = check.source
            checks.append(check)
    for check in checks:
        for clause in check.clauses:
            for name in clause.predicates:
                if name not in predicates:
                    raise CheckLoadError(check.source, f"unknown predicate {name!r}")
    try:
        alias_table.validate_aliases(aliases, seen)
    except ValueError as exc:
        raise CheckLoadError(", ".join(alias_files), str(exc)) from None
    checks.sort(key=lambda c: c.id)
    return CheckSet(checks, predicates, aliases)


def _check_files(directory: Path) -> List[Path]:
    """The check files below ``directory``, in order of their path (one
    directory scan each, no stat per file: a warm start walks the catalogue
    and reads nothing else of it). A link to a directory is not walked into:
    one inside the directory is walked where it leads; one leading out is
    refused rather than silently skipped."""
    found: List[Tuple[Tuple[str, ...], Path]] = []
    links: List[Tuple[Tuple[str, ...], Path]] = []
    pending: List[Tuple[Tuple[str, ...], Path]] = [((), directory)]
    while pending:
        parts, folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except PermissionError:
            continue  # as a glob does: what cannot be listed holds no check
        for entry in entries:
            relative = parts + (entry.name,)
            if entry.is_dir():
                if entry.is_symlink():
                    links.append((relative, folder / entry.name))
                    continue
                pending.append((relative, folder / entry.name))
                continue
            if os.path.splitext(entry.name)[1] in (".yaml", ".yml") \
                    and not any(p.startswith(("_", ".")) for p in relative) and relative != (alias_table.FILE_NAME,):
                found.append((relative, folder / entry.name))
    for _, link in sorted(links):
        try:
            confined(link, directory)
        except SourceError as exc:
            raise CheckLoadError(str(link), str(exc)) from None
    return [path for _, path in sorted(found)]
