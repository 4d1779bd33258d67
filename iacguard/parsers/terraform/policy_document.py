"""``data "aws_iam_policy_document"`` rendered to the policy JSON it produces,
so that policy checks read one policy model whether a policy is written as
JSON, ``jsonencode(...)`` or this data source."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from ...model import UNKNOWN, contains_unknown, is_unknown

_PAIRS = (
    ("actions", "Action"), ("not_actions", "NotAction"),
    ("resources", "Resource"), ("not_resources", "NotResource"),
)


def _text(value: Any) -> Any:
    """A string argument as Terraform reads it: numbers and booleans
    converted, anything else (a list, a map) invalid, hence unknown."""
    if isinstance(value, str) or is_unknown(value):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return repr(value)
    return UNKNOWN


def _principals(blocks: Any) -> Any:
    if is_unknown(blocks):
        return UNKNOWN
    out: Dict[str, Any] = {}
    for block in blocks or []:
        if is_unknown(block) or not isinstance(block, dict):
            return UNKNOWN
        kind, identifiers = _text(block.get("type")), block.get("identifiers")
        if is_unknown(kind) or is_unknown(identifiers):
            return UNKNOWN
        if kind == "*":
            return "*"
        out.setdefault(kind, []).extend(identifiers if isinstance(identifiers, list) else [identifiers])
    return out


def _conditions(blocks: Any) -> Any:
    if is_unknown(blocks):
        return UNKNOWN
    out: Dict[str, Any] = {}
    for block in blocks or []:
        if is_unknown(block) or not isinstance(block, dict):
            return UNKNOWN
        test, variable = _text(block.get("test")), _text(block.get("variable"))
        if is_unknown(test) or is_unknown(variable):
            return UNKNOWN
        out.setdefault(test, {})[variable] = block.get("values")
    return out


def _statement(block: Any) -> Any:
    if is_unknown(block) or not isinstance(block, dict):
        return UNKNOWN
    statement: Dict[str, Any] = {"Effect": block.get("effect", "Allow")}
    if "sid" in block:
        statement["Sid"] = block["sid"]
    for attribute, key in _PAIRS:
        if attribute in block:
            statement[key] = block[attribute]
    for attribute, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        if attribute in block:
            statement[key] = _principals(block[attribute])
    if "condition" in block:
        statement["Condition"] = _conditions(block["condition"])
    return statement


def render_policy_document(attributes: Dict[str, Any]) -> Any:
    """The ``json`` attribute: a JSON string when fully known; otherwise the
    document as a mapping with UNKNOWN where it could not be resolved."""
    statements: List[Any] = []
    for source in ("source_policy_documents", "source_json"):
        value = attributes.get(source)
        documents = value if isinstance(value, list) else ([value] if value is not None else [])
        for document in documents:
            if is_unknown(document):
                statements.append(UNKNOWN)
                continue
            try:
                parsed = json.loads(document) if isinstance(document, str) else document
            except ValueError:
                continue
            found = parsed.get("Statement", []) if isinstance(parsed, dict) else []
            statements.extend(found if isinstance(found, list) else [found])
    blocks = attributes.get("statement")
    if is_unknown(blocks):
        statements.append(UNKNOWN)
    else:
        statements.extend(_statement(b) for b in blocks or [])
    version = attributes.get("version", "2012-10-17")
    document = {"Version": version, "Statement": statements}
    if contains_unknown(document):
        return document
    return json.dumps(document, separators=(",", ":"), sort_keys=True)
