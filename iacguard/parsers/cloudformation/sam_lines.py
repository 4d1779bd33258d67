"""Lines for the resources the SAM transform creates.

SAM's output keeps no useful positions, so a finding on a generated resource
points at the SAM property it came from: the property of the same name, or
the one SAM renames (``Tracing`` becomes a function's ``TracingConfig``), else
the SAM resource itself. A resource made from one SAM property (a function
URL from ``FunctionUrlConfig``, an invoke permission from one of its
``Events``) starts at that property.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, Mapping, Optional, Tuple

from ...model import Path, Resource
from .intrinsics import mark_line

# Generated type -> generated property -> SAM properties it may come from,
# where SAM names them differently.
_RENAMED: Mapping[str, Mapping[str, Tuple[str, ...]]] = {
    "AWS::Lambda::Function": {
        "TracingConfig": ("Tracing",),
        "Code": ("InlineCode", "CodeUri"),
        "DeadLetterConfig": ("DeadLetterQueue",),
    },
    "AWS::StepFunctions::StateMachine": {
        "LoggingConfiguration": ("Logging",),
        "TracingConfiguration": ("Tracing",),
        "DefinitionString": ("Definition",),
        "DefinitionS3Location": ("DefinitionUri",),
    },
    "AWS::DynamoDB::Table": {
        "KeySchema": ("PrimaryKey",),
        "AttributeDefinitions": ("PrimaryKey",),
    },
    "AWS::IAM::Role": {"ManagedPolicyArns": ("Policies",)},
}

# Generated type -> the SAM property that alone makes the resource.
_MADE_FROM: Mapping[str, str] = {
    "AWS::Lambda::Url": "FunctionUrlConfig",
    "AWS::Lambda::EventInvokeConfig": "EventInvokeConfig",
}


def point_at_sam(resource: Resource, logical_id: str, owner_id: str, sam_body: Mapping[Any, Any]) -> None:
    """Rewrite the lines of ``resource`` (``logical_id`` in the expanded
    template) to the SAM resource ``owner_id`` that declared it (``sam_body``
    as written)."""
    props = sam_body.get("Properties")
    props = props if isinstance(props, dict) else {}
    start = _source_line(resource.type, logical_id[len(owner_id):], props) or resource.location.line
    # A resource made from one property takes its settings from inside it
    # (FunctionUrlConfig.AuthType becomes the URL's AuthType).
    source = _made_from(resource.type, props)
    settings = source if isinstance(source, dict) else props
    keys = {str(k): k for k in settings}
    if start != resource.location.line:
        resource.location = replace(resource.location, line=start, end_line=max(start, resource.location.end_line))
    renamed = _RENAMED.get(resource.type, {})

    def line(path: Path) -> int:
        for sam_name in renamed.get(str(path[0]), ()) + (str(path[0]),):
            if sam_name in keys:
                key = keys[sam_name]
                # Where SAM copies the property unchanged, the nested
                # setting has its own line.
                return _deepest_line(settings[key], path[1:], mark_line(key, start))
        return start

    resource.attribute_lines = {path: line(path) for path in resource.attribute_lines}


def _deepest_line(value: Any, rest: Path, line: int) -> int:
    """The line of the deepest mapping key along ``rest`` written in ``value``.
    Lists stop the walk: SAM reshapes their items (a policy document becomes
    the PolicyDocument of a role policy), so an index may not match."""
    for step in rest:
        key = next((k for k in value if str(k) == step), None) if isinstance(value, dict) else None
        if key is None:
            break
        line, value = mark_line(key, line), value[key]
    return line


def _made_from(rtype: str, props: Dict[Any, Any]) -> Any:
    """The SAM property that alone made a resource of type ``rtype``, as written."""
    name = _MADE_FROM.get(rtype)
    return next((v for k, v in props.items() if str(k) == name), None)


def _source_line(rtype: str, rest: str, props: Dict[Any, Any]) -> Optional[int]:
    """The line of the one SAM property that made a generated resource of
    type ``rtype`` named ``<SAM resource><rest>``, if any."""
    names = {str(k): k for k in props}
    made_from = _MADE_FROM.get(rtype)
    if made_from in names:
        return mark_line(names[made_from], 0) or None
    if rtype != "AWS::Lambda::Permission" or not rest:
        return None
    # SAM names a function's permissions <Function>Url... for its URL and
    # <Function><Event>Permission... for an event source.
    if rest.lower().startswith("url") and "FunctionUrlConfig" in names:
        return mark_line(names["FunctionUrlConfig"], 0) or None
    events = props.get(names["Events"]) if "Events" in names else None
    if isinstance(events, dict):
        matching = [k for k in events if rest.startswith(str(k))]
        if matching:
            return mark_line(max(matching, key=lambda k: len(str(k))), 0) or None
    return None
