"""The scan options an effective configuration asks for, the same for the
command line and the language server."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Optional, Sequence

from .cache import ParseCache
from .config import Config
from .engine.aliases import Aliases
from .parsers.terraform.inputs import TerraformInputs
from .scan import ScanOptions
from .source import Limits
from .suppress import Accepted, SkipRule, SuppressionSettings


def config_dir(config: Config) -> Path:
    """Paths in a configuration file are relative to the file."""
    return Path(config.file).resolve().parent if config.file else Path.cwd()


def configured_limits(config: Config) -> Limits:
    return Limits(**config.get("limits"))


def scan_options(config: Config, paths: Sequence[str], aliases: Aliases, accepted: Mapping[str, Accepted],
                 cache: Optional[ParseCache], workers: int) -> ScanOptions:
    return ScanOptions(
        paths=paths, frameworks=config.get("frameworks"), checks=config.get("checks"),
        skip_checks=config.get("skip_checks"),
        terraform=TerraformInputs(var_files=config.get("var_files"), vars=config.get("vars")),
        parameters=config.get("parameters"),
        allowed_regions=config.get("allowed_regions"),
        allowed_vm_extensions=config.get("allowed_vm_extensions"),
        suppression=SuppressionSettings(
            skips=[SkipRule(tuple(r["ids"]), tuple(r["paths"]), r["reason"], config.sources["skip"],
                            config_dir(config)) for r in config.get("skip")],
            baseline=accepted,
            report_unused=config.get("report_unused_suppressions"),
            aliases=aliases,
        ),
        severity_overrides=config.get("severity_overrides"),
        cache=cache,
        workers=workers,
        limits=configured_limits(config),
    )
