"""What the language server keeps between requests, and one rescan."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from .. import baseline
from ..cache import ParseCache
from ..config import Config, ConfigError, find_config, settings_for, validate_check_ids
from ..engine.checks import CheckSet, load_checks
from ..engine.runner import CheckError
from ..findings import Finding
from ..options import scan_options
from ..precommit import plan
from ..scan import ScanResult, scan, select_checks
from ..source import display_path, repository_root
from ..suppress import Accepted


@dataclass
class Settings:
    """The effective configuration of one workspace and what it selects."""

    config: Config
    checks: CheckSet


@dataclass
class Outcome:
    """One rescan: findings by absolute file path, for every file it judged."""

    findings: Dict[Path, List[Finding]] = field(default_factory=dict)
    lang: str = "en"
    internal_errors: List[str] = field(default_factory=list)
    check_errors: List[CheckError] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)  # for the user, once


class Session:
    """The warm state: checks loaded once, configurations reread only when
    their file changes, parsed files kept in the parse cache by content."""

    def __init__(self, checks_dirs: Sequence[Path] = (), allow_python: bool = False,
                 cache: Optional[ParseCache] = None) -> None:
        self.cache = cache if cache is not None else ParseCache()
        # Checks from the server's own command line only: a workspace's
        # configuration must not make the server load code (predicates).
        self.all_checks = load_checks(list(checks_dirs), cache=self.cache, allow_python=allow_python)
        self._settings: Dict[Optional[Path], Tuple[Tuple[object, ...], Settings]] = {}
        self._notes: List[str] = []

    def settings(self, directory: Path, root: Path) -> Settings:
        """The configuration that applies to ``directory`` of the workspace
        ``root``, reread only when its file changed; ConfigError when it is
        not valid."""
        path = find_config(directory, repository_root(root))
        stamp = _stamp(path)
        known = self._settings.get(path)
        if known is not None and known[0] == stamp:
            return known[1]
        # The workspace is a scanned repository: a configuration in it is
        # held to it (its paths may not lead out).
        config = settings_for(argparse.Namespace(paths=[str(directory), str(root)],
                                                 config=str(path) if path else None))
        validate_check_ids(config, self.all_checks)
        selected = select_checks(self.all_checks, config.get("checks"), config.get("skip_checks"))
        if config.get("checks_dirs"):
            self._notes.append(f"{config.sources['checks_dirs']}: checks_dirs is not followed by the language "
                               "server (a workspace must not make it load code); give --checks-dir to "
                               "'iacguard lsp' in the editor's settings instead")
        settings = Settings(config, selected)
        self._settings[path] = (stamp, settings)
        return settings

    def rescan(self, document: Path, root: Path, overlay: Mapping[Path, str]) -> Outcome:
        """Judge ``document`` in its context (its Terraform module, or the
        template alone, as the pre-commit mode does); findings of every file
        that context judged. ``root`` is the workspace folder: finding paths
        are relative to it."""
        settings = self.settings(document.parent, root)
        config = settings.config
        accepted: Dict[str, Accepted] = {}
        if config.get("baseline"):
            try:
                accepted = baseline.load(Path(config.get("baseline")), self.all_checks.aliases)
            except baseline.BaselineError as exc:
                raise ConfigError(config.sources["baseline"], str(exc)) from None
        scope = plan([display_path(document, root)], root, removed=[])
        outcome = Outcome(lang=config.get("lang"), notes=self._notes[:])
        self._notes.clear()
        if not scope.scan_paths:
            return outcome
        options = scan_options(config, scope.scan_paths, self.all_checks.aliases, accepted, self.cache, 1)
        options.cwd = root
        options.overlay = overlay
        result: ScanResult = scan(options, settings.checks)
        outcome.internal_errors = result.internal_errors
        outcome.check_errors = result.check_errors
        judged = {root / p for p in scope.scan_paths} | {document}
        if document.name.endswith((".tfvars", ".tfvars.json")):
            judged.discard(document)  # its values show on the module's files
        outcome.findings = {path: [] for path in judged}
        for finding in result.findings:
            path = root / finding.file
            if path in outcome.findings and not finding.suppressed:
                outcome.findings[path].append(finding)
        return outcome


def _stamp(path: Optional[Path]) -> Tuple[object, ...]:
    """What a configuration file holds now: its content, not its time (a
    rewrite within the file system's time granularity must count)."""
    if path is None:
        return ()
    try:
        return (str(path), path.read_bytes())
    except OSError:
        return (str(path),)
