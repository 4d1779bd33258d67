"""Documents rendered from templates with unknown parts.

A policy written as a string template (a Terraform heredoc, a CloudFormation
``Fn::Sub`` or ``Fn::Join``) often has one unknown piece, an ARN, inside an
otherwise known JSON document. Rendering the unknown pieces as a marker and
parsing the result keeps the document's structure for the checks that read it.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from ..model import UNKNOWN_PRESENT, PartialDocument

# Stands in for an unknown part while a template is rendered.
UNKNOWN_MARKER = "\x00iacguard-unknown\x00"


def partial_json(text: str) -> Optional[PartialDocument]:
    """A JSON document rendered with unknown parts: its structure, with every
    string that held an unknown part unknown. None when the text is not JSON
    (or an unknown part stood outside a string)."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        document = json.loads(text, strict=False)  # the marker is a control character
    except ValueError:
        return None

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return UNKNOWN_PRESENT if UNKNOWN_MARKER in value else value
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if UNKNOWN_MARKER not in k}
        return value

    return PartialDocument(clean(document))
