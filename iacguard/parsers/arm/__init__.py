"""Azure Resource Manager templates (JSON), their parameter files, nested
and linked deployments."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Optional

from ...model import ParsedFile, TemplateContext
from ..common.sniffing import head_of, looks_like_json
from ..readers import Evaluation, Reader, ReadResult, ReadSettings, Template, read_each, template_context

_MARKER = re.compile(r"deploymentTemplate\.json", re.IGNORECASE)
_PARAMETERS_MARKER = re.compile(r"deploymentParameters\.json", re.IGNORECASE)


def detect(name: str, text: str) -> bool:
    """A JSON document with the deployment template schema (a parameter
    file names its own schema near the top)."""
    head = head_of(text)
    return looks_like_json(head) and bool(_MARKER.search(head)) and not _PARAMETERS_MARKER.search(head[:2048])


def read(templates: List[Template], settings: ReadSettings) -> Evaluation:
    def evaluate() -> ReadResult:
        from .evaluated_cache import Evaluations

        evaluations = Evaluations()
        evaluations.read_ahead([(t.display, t.text, template_context(t, settings)) for t in templates],
                               settings.workers)

        def parse(template: Template, context: TemplateContext) -> Optional[ParsedFile]:
            return evaluations.read(template.display, template.text, context)

        return read_each(templates, settings, parse)

    return evaluate


def parameters_beside(template: Path) -> List[Path]:
    from .parameters import paired_file

    paired = paired_file(template)
    return [paired] if paired is not None else []


READER = Reader("arm", suffixes=(".json",), detect=detect, read=read, beside=parameters_beside)
