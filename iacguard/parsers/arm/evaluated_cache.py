"""Evaluated ARM templates kept in the parse cache.

Reading a template (parsing its JSON, every expression, its nested and
linked deployments) costs far more than reading the result back, so the
result (the ``ParsedFile``) is kept. An entry is keyed by everything the
reading depends on before it starts: the template's text, where it is and
how it is shown, the parameter files named, the limits and the package's
own limits (``MAX_*``). What the reading finds on the way (the paired
parameters file, linked templates, parametersLink files) is recorded by
``file_reads`` and asked again before an entry is used: any other answer
and the template is read again. A result holding a value the entry cannot
store is simply not kept.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Optional, Tuple, Union

from ...model import ParsedFile, TemplateContext
from ..common import json_positions, value_weight
from . import expressions as expressions_module
from . import functions, resources, syntax, template, values
from .file_reads import FileReads, unchanged
from .packed_result import codec, packed, unpacked
from .resources import parse_arm
from .syntax import ExpressionError, Node

_KIND = "arm/evaluated/1"

# Modules whose MAX_* limits shape what a template reads as.
_LIMITED: tuple[ModuleType, ...] = (resources, template, expressions_module, functions, syntax, values,
                                    json_positions, value_weight)


class Evaluations:
    """The ARM templates of one scan, each read or taken from the cache.
    Parsed expressions are shared by the templates (the same texts recur
    across files); the package's limits are taken once, when the scan starts."""

    def __init__(self) -> None:
        self.expressions: Dict[str, Union[Node, ExpressionError]] = {}
        self._limits_in_code = json.dumps(
            {f"{module.__name__}.{name}": value for module in _LIMITED for name, value in vars(module).items()
             if name.startswith("MAX_") and isinstance(value, int)}, sort_keys=True)
        self._shapes: Dict[Tuple[Any, ...], str] = {}

    def read(self, display: str, text: str, context: Optional[TemplateContext]) -> ParsedFile:
        """``parse_arm`` of the template, from the cache when an entry for
        it holds and the files it read are unchanged."""
        cache = context.cache if context is not None else None
        if context is None or cache is None or not cache.usable():
            return parse_arm(display, text, context, expressions=self.expressions)
        key = self._key(display, text, context)
        entry = cache.get(_KIND, key, codec())
        if isinstance(entry, dict) and isinstance(entry.get("reads"), list) \
                and unchanged(entry["reads"], context.limits):
            found = unpacked(entry)
            if found is not None:
                return found
        reads = FileReads()
        # The result is what is kept; its JSON documents would only cost writing.
        parsed = parse_arm(display, text, dataclasses.replace(context, cache=None), reads, self.expressions)
        stored = packed(parsed)
        if stored is not None:
            cache.put(_KIND, key, {"reads": reads.observed, **stored}, codec())
        return parsed

    def _key(self, display: str, text: str, context: TemplateContext) -> bytes:
        this = json.dumps([display, str(context.path)])
        return f"{this}\0{self._settings(context)}\0".encode() + text.encode("utf-8", "surrogatepass")

    def _settings(self, context: TemplateContext) -> str:
        """What the scan gives every template: the repository, the parameter
        files named, the working directory (relative paths are found from
        it, files shown relative to it) and the limits, as JSON."""
        shape = (context.repo_root, tuple(context.parameter_files), context.cwd, context.limits)
        if shape not in self._shapes:
            cwd = context.cwd or Path.cwd()
            self._shapes[shape] = json.dumps({
                "repository": str(context.repo_root),
                "parameters": [str(p) for p in context.parameter_files],
                "cwd": [str(context.cwd), os.getcwd(), str(cwd.absolute()), str(cwd.resolve())],
                "limits": dataclasses.asdict(context.limits),
                "in_code": self._limits_in_code,
            }, sort_keys=True)
        return self._shapes[shape]
