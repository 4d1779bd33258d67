"""Configuration: ``.iacguard.yaml`` or ``[tool.iacguard]`` in pyproject.toml,
found by walking up from the scanned path to its repository root (never
above it), overridden by the command line. Every command gets its settings
from ``settings_for``; ``KEYS`` names each setting's option.

A configuration inside the scanned repository is as untrusted as the
templates beside it: its paths must stay inside the repository and it cannot
allow Python predicates (see ``load_file``).

Every value remembers where it came from, for ``iacguard config show``.
Unknown keys and unknown check ids are errors naming the file and the key,
with the closest valid name as a suggestion.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import difflib
import fnmatch
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence

from .findings import BUILTIN_TITLES, LANGS, SEVERITIES
from .model import FORMATS
from .source import Limits, SourceError, confined, is_inside, repository_root

if TYPE_CHECKING:
    from .engine.checks import CheckSet

CONFIG_NAMES = (".iacguard.yaml", ".iacguard.yml")
# The source of values given as options: errors in them name the option.
COMMAND_LINE = "command line"


class ConfigError(Exception):
    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message

    def describe(self) -> str:
        """The error for the user: the file and the key, or the option."""
        if self.source == COMMAND_LINE:
            return self.message
        return f"configuration error in {self.source}: {self.message}"


def _strings(value: Any, key: str, source: str) -> List[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(source, f"'{key}' takes a list of strings")


def _choice(options: Sequence[str]) -> Callable[[Any, str, str], str]:
    def check(value: Any, key: str, source: str) -> str:
        text = str(value).upper() if options is SEVERITIES else str(value)
        if text not in options:
            raise ConfigError(source, f"'{key}' must be one of {', '.join(options)}, not {value!r}")
        return text

    return check


def _bool(value: Any, key: str, source: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(source, f"'{key}' takes true or false")
    return value


def _string(value: Any, key: str, source: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(source, f"'{key}' takes a string")
    return value


def _frameworks(value: Any, key: str, source: str) -> List[str]:
    items = _strings(value, key, source)
    for item in items:
        if item not in FORMATS:
            raise ConfigError(source, f"unknown framework {item!r} in '{key}'{_suggest(item, FORMATS)}")
    return items


def _vars(value: Any, key: str, source: str) -> List[str]:
    if isinstance(value, dict):
        return [f"{k}={v}" for k, v in value.items()]
    items = _strings(value, key, source)
    bad = [item for item in items if "=" not in item]
    if bad:
        raise ConfigError(source, f"'{key}' takes NAME=VALUE, not {bad[0]!r}")
    return items


def _severity_map(value: Any, key: str, source: str) -> Dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(source, f"'{key}' maps check ids to severities")
    out = {}
    for check_id, severity in value.items():
        out[str(check_id)] = _choice(SEVERITIES)(severity, f"{key}.{check_id}", source)
    return out


# The largest value a limit may take: beyond what any input could reach, and
# within what the platform can count and allocate against.
MAX_LIMIT = 2 ** 48


def limit_names() -> List[str]:
    return [f.name for f in dataclasses.fields(Limits)]


def parse_limits(value: Any, key: str, source: str) -> Dict[str, int]:
    """``{name: number}`` in a file, ``["name=number"]`` on the command line."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        pairs = []
        for item in value:
            if "=" not in item:
                raise ConfigError(source, f"'{key}' takes NAME=NUMBER, not {item!r}")
            pairs.append(tuple(part.strip() for part in item.split("=", 1)))
    elif isinstance(value, dict):
        pairs = list(value.items())
    else:
        raise ConfigError(source, f"'{key}' maps limit names to numbers")
    names = limit_names()
    out: Dict[str, int] = {}
    for name, raw in pairs:
        if name not in names:
            raise ConfigError(source, f"unknown limit '{name}' in '{key}'{_suggest(str(name), names)}; "
                                      f"known: {', '.join(names)}")
        try:
            number = int(raw) if not isinstance(raw, bool) else 0
        except (TypeError, ValueError):
            number = 0
        if number < 1:
            raise ConfigError(source, f"limit '{name}' must be a positive whole number, not {raw!r}")
        if number > MAX_LIMIT:
            raise ConfigError(source, f"limit '{name}' must be at most {MAX_LIMIT:,}, not {raw!r}")
        out[str(name)] = number
    return out


def _skips(value: Any, key: str, source: str) -> List[Dict[str, Any]]:
    if not isinstance(value, list):
        raise ConfigError(source, f"'{key}' takes a list of {{id, paths, reason}}")
    out = []
    for n, item in enumerate(value, 1):
        where = f"{key}[{n}]"
        if not isinstance(item, dict):
            raise ConfigError(source, f"'{where}' must be a mapping with id, paths and reason")
        extra = set(item) - {"id", "paths", "reason"}
        if extra:
            name = sorted(extra)[0]
            raise ConfigError(source, f"unknown key '{where}.{name}'{_suggest(name, ['id', 'paths', 'reason'])}")
        if "id" not in item:
            raise ConfigError(source, f"'{where}' needs an 'id'")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(source, f"'{where}' needs a 'reason': a skip must say why")
        out.append({"ids": _strings(item["id"], f"{where}.id", source),
                    "paths": _strings(item.get("paths", []), f"{where}.paths", source),
                    "reason": reason.strip()})
    return out


@dataclass(frozen=True)
class Key:
    """One setting: how a value is checked, its default, and the
    command-line option that gives it (if any)."""

    validate: Callable[[Any, str, str], Any]
    default: Any
    option: Optional[str] = None
    # The parsed option's attribute, when not the option's own name.
    dest: Optional[str] = None
    # A path, relative to the configuration file that gives it.
    path: bool = False
    # Changes how results are shown, not what they are.
    presentation: bool = False
    # A file named with the option inside a scanned repository must stay
    # inside it (see _check_given_files).
    held_to_repository: bool = False

    def attribute(self) -> str:
        """Where argparse puts the option's value."""
        return self.dest or (self.option or "").lstrip("-").replace("-", "_")


def _formats(value: Any, key: str, source: str) -> List[str]:
    return [_choice(_output_formats())(item, key, source) for item in _strings(value, key, source)]


# Every setting, by its key in a configuration file; the command line names
# most of them with an option. Options that act on one run only (--config,
# --create-baseline, --evidence, --checklist-from, --pre-commit, --no-cache,
# --debug) are not settings: no file gives them.
KEYS: Dict[str, Key] = {
    "format": Key(_formats, ["text"], "--format", dest="formats", presentation=True),
    "output": Key(_strings, [], "--output", dest="outputs", path=True, presentation=True),
    # None: the environment's language (default_lang).
    "lang": Key(_choice(LANGS), None, "--lang"),
    "checks": Key(_strings, [], "--check"),
    "skip_checks": Key(_strings, [], "--skip-check"),
    "checks_dirs": Key(_strings, [], "--checks-dir", path=True),
    "frameworks": Key(_frameworks, list(FORMATS), "--framework"),
    # LOW findings are advice: shown, never failing a commit or a build
    # unless a team asks for it (README, "Exit status").
    "severity_threshold": Key(_choice(SEVERITIES), "MEDIUM", "--severity-threshold"),
    "severity_overrides": Key(_severity_map, {}),
    "var_files": Key(_strings, [], "--var-file", path=True, held_to_repository=True),
    "vars": Key(_vars, [], "--var"),
    "parameters": Key(_strings, [], "--parameters", path=True, held_to_repository=True),
    "allowed_regions": Key(_strings, [], "--allowed-regions"),
    "allowed_vm_extensions": Key(_strings, []),
    "baseline": Key(_string, None, "--baseline", path=True),
    "skip": Key(_skips, []),
    "report_unused_suppressions": Key(_bool, False, "--report-unused-suppressions"),
    "quiet": Key(_bool, False, "--quiet", presentation=True),
    "compact": Key(_bool, False, "--compact", presentation=True),
    "verbose": Key(_bool, False, "--verbose", presentation=True),
    "limits": Key(parse_limits, {}, "--limit"),
    "allow_python_checks": Key(_bool, False, "--allow-python-checks"),
}


def _output_formats() -> Sequence[str]:
    from .report import FORMATS as OUTPUT_FORMATS

    return tuple(OUTPUT_FORMATS)


def _suggest(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


@dataclass
class Config:
    values: Dict[str, Any] = field(default_factory=dict)
    sources: Dict[str, str] = field(default_factory=dict)
    file: Optional[str] = None

    def get(self, key: str) -> Any:
        return self.values[key]

    def set(self, key: str, value: Any, source: str) -> None:
        self.values[key] = value
        self.sources[key] = source

    def judging(self) -> Dict[str, Any]:
        """The values that decide a scan's results, as plain data: all but
        where and how the results are shown."""
        values = {k: v for k, v in self.values.items() if not KEYS[k].presentation}
        return json.loads(json.dumps(values, sort_keys=True, default=str))

    def digest(self) -> str:
        """SHA-256 of the values that decide the results: the same settings
        give the same digest, wherever they came from."""
        text = json.dumps(self.judging(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def defaults() -> Config:
    config = Config()
    for key, spec in KEYS.items():
        # A copy: no run changes the table's defaults.
        config.set(key, copy.deepcopy(spec.default), "default")
    return config


def find_config(start: Path, root: Path) -> Optional[Path]:
    """The nearest .iacguard.yaml, or pyproject.toml with [tool.iacguard],
    in ``start`` or a parent directory up to ``root`` (the repository root):
    nothing above the repository applies to it."""
    directory = start if start.is_dir() else start.parent
    folders = [directory, *directory.parents]
    if root in folders:
        folders = folders[:folders.index(root) + 1]
    for folder in folders:
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
        pyproject = folder / "pyproject.toml"
        # One that leads out of the repository is returned unread, for
        # load_file to refuse.
        if pyproject.is_file() and (not _stays_in(pyproject, root) or _pyproject_section(pyproject) is not None):
            return pyproject
    return None


def _stays_in(path: Path, root: Path) -> bool:
    try:
        confined(path, root)
        return True
    except SourceError:
        return False


def _toml():
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib


def _pyproject_section(path: Path) -> Optional[Dict[str, Any]]:
    try:
        data = _toml().loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    section = data.get("tool", {}).get("iacguard")
    return section if isinstance(section, dict) else None


def load_file(path: Path, config: Config, repository: Optional[Path] = None) -> Config:
    """Read a configuration file into ``config`` (validated). ``repository``
    is the scanned repository the file lies in (None: the file is outside
    every scanned tree, the user's own): then the file itself and its paths
    must lead inside that repository, and it may not set
    ``allow_python_checks``."""
    source = str(path)
    if repository is not None:
        _confine(str(path), "configuration file", source, repository)
    if path.name == "pyproject.toml":
        try:
            data: Any = _toml().loads(path.read_text(encoding="utf-8")).get("tool", {}).get("iacguard", {})
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ConfigError(source, f"cannot read: {exc}") from None
        except RecursionError:
            raise ConfigError(source, "cannot read: nested too deeply") from None
    else:
        import yaml  # only when there is a file to read

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(source, "no such file") from None
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ConfigError(source, f"cannot read: {exc}") from None
        except RecursionError:
            raise ConfigError(source, "cannot read: nested too deeply") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, "the configuration must be a mapping of keys to values")
    for key, value in data.items():
        key = str(key).replace("-", "_")
        if key not in KEYS:
            raise ConfigError(source, f"unknown key '{key}'{_suggest(key, KEYS)}")
        validated = KEYS[key].validate(value, key, source)
        if KEYS[key].path:
            validated = _relative_to(validated, path.parent)
            if repository is not None:
                _confine(validated, key, source, repository)
        if key == "allow_python_checks" and validated and repository is not None:
            raise ConfigError(source, "'allow_python_checks' is refused in a configuration inside the scanned "
                                      "repository: give --allow-python-checks on the command line, or set it in a "
                                      "configuration outside the repository (--config)")
        config.set(key, validated, source)
    config.file = source
    return config


def _confine(value: Any, key: str, source: str, repository: Path) -> None:
    for item in value if isinstance(value, list) else [value]:
        try:
            confined(Path(item), repository)
        except SourceError as exc:
            raise ConfigError(source, f"'{key}': {item} {exc}") from None


def _relative_to(value: Any, base: Path) -> Any:
    if isinstance(value, list):
        return [str(base / v) for v in value]
    return str(base / value) if isinstance(value, str) else value


def validate_check_ids(config: Config, checkset: "CheckSet") -> None:
    """Every check id or pattern the configuration names must exist: a
    loaded check, a built-in one (IACG-000) or a retired id."""
    known_ids = [c.id for c in checkset.checks] + list(BUILTIN_TITLES) + list(checkset.aliases)

    def check(pattern: str, key: str) -> None:
        if not any(fnmatch.fnmatchcase(i, pattern) for i in known_ids):
            raise ConfigError(config.sources.get(key, "configuration"),
                              f"unknown check id '{pattern}' in '{key}'{_suggest(pattern, known_ids)}")

    for key in ("checks", "skip_checks"):
        for pattern in config.get(key):
            check(pattern, key)
    for rule in config.get("skip"):
        for pattern in rule["ids"]:
            check(pattern, "skip")
    for check_id in config.get("severity_overrides"):
        check(check_id, "severity_overrides")


def show(config: Config) -> str:
    """Each effective value and where it came from."""
    import yaml

    width = max(len(k) for k in config.values)
    lines = [f"# configuration file: {config.file or '(none found)'}"]
    for key in KEYS:
        value = config.values.get(key)
        rendered = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
        if rendered.endswith("\n..."):
            rendered = rendered[:-4].strip()
        lines.append(f"{key:<{width}} = {rendered:<40} # {config.sources.get(key, 'default')}")
    return "\n".join(lines) + "\n"


def settings_for(args: argparse.Namespace, recorded: Optional[Mapping[str, Any]] = None) -> Config:
    """The settings of one command, from its parsed command line: the
    defaults, then a configuration file (for a command with a ``--config``
    option: that file, else the nearest to the first path, see find_config)
    or the configuration ``recorded`` in an evidence record, then the options
    given. A ``lang`` set nowhere follows the environment."""
    config = defaults()
    paths = list(getattr(args, "paths", None) or ["."])
    roots = _scanned_repositories(paths)
    if recorded is not None:
        _apply_record(config, recorded)
    elif hasattr(args, "config"):
        path = Path(args.config) if args.config else find_config(Path(paths[0]).resolve(), roots[0])
        if path is not None:
            load_file(path, config, _repository_holding(path, roots))
    _apply_options(config, args, roots)
    if config.sources["lang"] == "default":
        config.set("lang", default_lang(), "environment (LC_ALL / LANG)")
    return config


def default_lang() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def _apply_record(config: Config, recorded: Mapping[str, Any]) -> None:
    """A record is data: it never allows Python checks by itself."""
    for key, value in recorded.items():
        if key in config.values and key != "allow_python_checks":
            config.set(key, value, "evidence record")


def _apply_options(config: Config, args: argparse.Namespace, roots: Sequence[Path]) -> None:
    """Options actually given win over the file, checked as a file's values
    are; a mapping (--limit) adds to the file's, entry by entry."""
    for key, spec in KEYS.items():
        if spec.option is None:
            continue
        given = getattr(args, spec.attribute(), None)
        if given is None or given == [] or given is False:
            continue
        value = spec.validate(given, spec.option, COMMAND_LINE)
        if isinstance(value, dict):
            value = {**config.get(key), **value}
        if spec.held_to_repository:
            _check_given_files(value, spec.option, roots)
        config.set(key, value, COMMAND_LINE)


def _scanned_repositories(paths: Sequence[str]) -> List[Path]:
    """The repository of each scanned path (source.repository_root)."""
    return [repository_root(Path(p)) for p in paths]


def _repository_holding(path: Path, roots: Sequence[Path]) -> Optional[Path]:
    """The scanned repository ``path`` is written in, or leads into through
    links, if any: a link in the repository to a file elsewhere is still the
    repository's file."""
    written = Path(os.path.normpath(path.absolute()))
    try:
        places = [written, written.parent.resolve() / written.name, path.resolve()]
    except (OSError, RuntimeError):
        return roots[0] if roots else None
    return next((r for place in places for r in roots if is_inside(place, r)), None)


def _check_given_files(names: Sequence[str], option: str, roots: Sequence[Path]) -> None:
    """Files named on the command line are the user's choice, wherever they
    are; one written inside a scanned repository must also stay inside it,
    so that a link planted there cannot turn it into a file elsewhere."""
    for name in names:
        written = Path(os.path.normpath(Path.cwd() / name))
        for root in roots:
            if is_inside(written, root) or is_inside(written.parent.resolve() / written.name, root):
                try:
                    confined(written, root)
                except SourceError as exc:
                    raise ConfigError(COMMAND_LINE, f"{option} {name} {exc}") from None
