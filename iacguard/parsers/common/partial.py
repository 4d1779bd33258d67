"""Documents rendered from templates with unknown parts.

A policy written as a string template (a Terraform heredoc, a CloudFormation
``Fn::Sub`` or ``Fn::Join``) often has one unknown piece, an ARN, inside an
otherwise known JSON document. Rendering the unknown pieces as a marker and
parsing the result keeps the document's structure for the checks that read it.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from ...model import PartialDocument, PartialString, is_unknown

# Stands in for an unknown part while a template is rendered.
UNKNOWN_MARKER = "\x00iacguard-unknown\x00"


def marked_text(value: Any) -> Optional[str]:
    """A value as it reads inside a larger string: known text as is, a
    partial string with markers for its unknown pieces, any other unknown as
    one marker; None for what cannot stand in a string (a document)."""
    if isinstance(value, str):
        return value
    if isinstance(value, PartialString):
        return "".join(UNKNOWN_MARKER if p is None else p for p in value.parts)
    if is_unknown(value) and not isinstance(value, PartialDocument):
        return UNKNOWN_MARKER
    return None


def partial_value(text: str) -> Any:
    """What a string rendered with unknown pieces is: a JSON document with
    its structure kept, else a string whose known pieces are kept."""
    document = partial_json(text)
    return document if document is not None else partial_string(text)


def partial_string(text: str) -> PartialString:
    pieces = text.split(UNKNOWN_MARKER)
    parts: list = []
    for i, piece in enumerate(pieces):
        if i:
            parts.append(None)
        if piece:
            parts.append(piece)
    return PartialString(tuple(parts))


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
            return partial_string(value) if UNKNOWN_MARKER in value else value
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if UNKNOWN_MARKER not in k}
        return value

    return PartialDocument(clean(document))
