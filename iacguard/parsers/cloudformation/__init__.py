"""AWS CloudFormation templates (YAML or JSON), SAM and nested stacks."""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING, List, Optional

from ...model import ParsedFile, TemplateContext
from ..common.sniffing import head_of
from ..readers import Evaluation, Reader, ReadResult, ReadSettings, Template, read_each

if TYPE_CHECKING:
    from .transforms_ahead import TransformsAhead

SUFFIXES = (".yaml", ".yml", ".template", ".json")
_MARKER = re.compile(r"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?(AWS|Alexa)::[A-Za-z0-9]+::")


def detect(name: str, text: str) -> bool:
    """A YAML or JSON file with the template version or a resource type
    near its beginning."""
    return name.lower().endswith(SUFFIXES) and bool(_MARKER.search(head_of(text)))


def _parse(template: Template, context: TemplateContext,
           ahead: Optional[TransformsAhead] = None) -> Optional[ParsedFile]:
    from .resources import parse_cloudformation

    return parse_cloudformation(template.display, template.text, context, ahead)


def read(templates: List[Template], settings: ReadSettings) -> Evaluation:
    """Every template decoded first (in worker processes, into the parse
    cache, when there are many), then each evaluated on its own."""
    from .document import read_templates_ahead

    read_templates_ahead([t.text for t in templates], settings.cache, settings.workers, settings.limits)
    return lambda: _evaluate(templates, settings)


def _evaluate(templates: List[Template], settings: ReadSettings) -> ReadResult:
    """Templates that need a transform are read in a worker meanwhile, and
    evaluated last so that the others need not wait for it."""
    from .transforms_ahead import transforms_ahead

    with transforms_ahead([t.text for t in templates], settings.cache, settings.workers, settings.limits) as ahead:
        return read_each(templates, settings, partial(_parse, ahead=ahead),
                         later=lambda template: ahead.waits_for(template.text))


READER = Reader("cloudformation", suffixes=SUFFIXES, detect=detect, read=read)
