"""Terraform's built-in functions, as far as they are pure.

Each takes evaluated arguments and returns a value or UNKNOWN. A function that
raises is treated by the evaluator as UNKNOWN (Terraform would stop with an
error; we cannot know what the author meant).
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict

from ...model import UNKNOWN, contains_unknown


def _strict(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a function that needs all of its arguments fully known."""

    def wrapper(*args: Any) -> Any:
        if any(contains_unknown(a) for a in args):
            return UNKNOWN
        return func(*args)

    return wrapper


def _tostring(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if value is None:
        return None
    raise TypeError("not a primitive")


def _tobool(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if value in ("true", "false"):
        return value == "true"
    raise TypeError("not a bool")


def _tonumber(value: Any) -> Any:
    if isinstance(value, bool):
        raise TypeError("not a number")
    if isinstance(value, (int, float)) or value is None:
        return value
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _jsonencode(value: Any) -> Any:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


FUNCTIONS: Dict[str, Callable[..., Any]] = {
    "lower": _strict(lambda s: s.lower()),
    "upper": _strict(lambda s: s.upper()),
    "trimspace": _strict(lambda s: s.strip()),
    "tostring": _strict(_tostring),
    "tobool": _strict(_tobool),
    "tonumber": _strict(_tonumber),
    "jsonencode": _strict(_jsonencode),
    "jsondecode": _strict(json.loads),
}
