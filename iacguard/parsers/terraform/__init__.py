"""Terraform: configurations (HCL and ``.tf.json``) evaluated with their
variables and modules, and plans and states (``terraform show -json``)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ...model import ParsedFile, TemplateContext
from ..common.sniffing import head_of, looks_like_json
from ..readers import Evaluation, Reader, ReadResult, ReadSettings, Template, read_each
from .inputs import variable_files

CONFIGURATION_SUFFIXES = (".tf", ".tf.json")
VARIABLE_FILE_SUFFIXES = (".tfvars", ".tfvars.json")
# A plan has planned_values; ``terraform show -json`` of a state has values.root_module.
_PLAN_MARKER = re.compile(r"\"planned_values\"|\"root_module\"")
_PLAN_VERSION = re.compile(r"\"format_version\"")


def detect_configuration(name: str, text: str) -> bool:
    return name.lower().endswith(CONFIGURATION_SUFFIXES)


def detect_plan(name: str, text: str) -> bool:
    # The marker may come after the first values (the whole text is searched).
    return looks_like_json(text) and bool(_PLAN_MARKER.search(text)) and bool(_PLAN_VERSION.search(head_of(text)))


def read_configuration(templates: List[Template], settings: ReadSettings) -> Evaluation:
    """Every file parsed (cached, in parallel when worth it) and grouped by
    module directory; the evaluation then starts from each root module."""
    from .project import Project

    directories: Dict[Path, List[Tuple[str, str]]] = defaultdict(list)
    for template in templates:
        directories[template.path.parent].append((template.display, template.text))
    settings.progress(f"parsing and evaluating {len(templates)} Terraform files in {len(directories)} directories")
    project = Project(settings.repositories, settings.cwd, settings.terraform, settings.cache, settings.workers,
                      settings.limits, settings.overlay)
    project.add_directories(directories)

    def evaluate() -> ReadResult:
        return ReadResult(project.evaluate(), list(project.notes), list(project.internal_errors))

    return evaluate


def _parse_plan(template: Template, context: TemplateContext) -> Optional[ParsedFile]:
    from .plan import parse_tfplan

    return parse_tfplan(template.display, template.text)


def read_plan(templates: List[Template], settings: ReadSettings) -> Evaluation:
    return lambda: read_each(templates, settings, _parse_plan)


def variable_files_beside(template: Path) -> List[Path]:
    return [p for p in variable_files(template.parent) if p.is_file()]


def link_plans(files: List[ParsedFile]) -> None:
    from .plan import link_plans_to_configuration

    link_plans_to_configuration(files)


CONFIGURATION_READER = Reader("terraform", suffixes=CONFIGURATION_SUFFIXES, detect=detect_configuration,
                              read=read_configuration, inputs=VARIABLE_FILE_SUFFIXES, beside=variable_files_beside)
PLAN_READER = Reader("tfplan", suffixes=(".json",), detect=detect_plan, read=read_plan, link=link_plans)
