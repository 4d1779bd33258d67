"""AWS CloudFormation templates (YAML or JSON), SAM and nested stacks."""

from __future__ import annotations

import re
from typing import List, Optional

from ...model import ParsedFile, TemplateContext
from ..common.sniffing import head_of
from ..readers import Evaluation, Reader, ReadSettings, Template, read_each

SUFFIXES = (".yaml", ".yml", ".template", ".json")
_MARKER = re.compile(r"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?(AWS|Alexa)::[A-Za-z0-9]+::")


def detect(name: str, text: str) -> bool:
    """A YAML or JSON file with the template version or a resource type
    near its beginning."""
    return name.lower().endswith(SUFFIXES) and bool(_MARKER.search(head_of(text)))


def _parse(template: Template, context: TemplateContext) -> Optional[ParsedFile]:
    from .resources import parse_cloudformation

    return parse_cloudformation(template.display, template.text, context)


def read(templates: List[Template], settings: ReadSettings) -> Evaluation:
    """Every template decoded first (in worker processes, into the parse
    cache, when there are many), then each evaluated on its own."""
    from .document import read_templates_ahead

    read_templates_ahead([t.text for t in templates], settings.cache, settings.workers, settings.limits)
    return lambda: read_each(templates, settings, _parse)


READER = Reader("cloudformation", suffixes=SUFFIXES, detect=detect, read=read)
