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
store is simply not kept, nor one that Python's recursion limit cut (how
deep it gets depends on the caller's stack).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Optional, Sequence, Tuple, Union

from ...cache import ParseCache
from ...model import ParsedFile, TemplateContext
from ...parallel import map_in_processes
from ..common import json_positions, value_weight
from . import expressions as expressions_module
from . import functions, resources, syntax, template, values
from .file_reads import FileReads, unchanged
from .packed_result import codec, packed, unpacked
from .resources import parse_arm
from .syntax import ExpressionError, Node

_KIND = "arm/evaluated/1"
# Characters of templates not in the cache from which they are evaluated in
# worker processes: below, a pool (its start, and reading each result back
# from the cache) costs more than it saves.
PARALLEL_CHARACTERS = 1 << 20

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

    def read_ahead(self, templates: Sequence[Tuple[str, str, TemplateContext]], workers: int) -> None:
        """Evaluate (display, text, context) templates the cache does not
        hold yet in worker processes, into the cache, so that reading them one
        by one afterwards finds each there; when they are large enough to be
        worth a pool. Whatever a worker does not leave there is read as usual."""
        cache = templates[0][2].cache if templates else None
        if workers <= 1 or cache is None or not cache.usable() \
                or sum(len(text) for _, text, _ in templates) < PARALLEL_CHARACTERS:
            return
        keys = [self._key(display, text, context) for display, text, context in templates]
        missing = [template for template, key in zip(templates, keys, strict=True)
                   if key is not None and not cache.has(_KIND, key)]
        if len(missing) < 2 or sum(len(text) for _, text, _ in missing) < PARALLEL_CHARACTERS:
            return
        missing.sort(key=lambda template: -len(template[1]))  # the largest first: the workers end together
        items = [(display, text, dataclasses.replace(context, cache=None), str(cache.directory))
                 for display, text, context in missing]
        try:
            map_in_processes(_read_into_cache, items, workers, threshold=2, chunksize=1)
        except Exception:  # a worker lost (killed, out of memory): each template is read here
            pass

    def read(self, display: str, text: str, context: Optional[TemplateContext]) -> ParsedFile:
        """``parse_arm`` of the template, from the cache when an entry for
        it holds and the files it read are unchanged."""
        cache = context.cache if context is not None else None
        if context is None or cache is None or not cache.usable():
            return parse_arm(display, text, context, expressions=self.expressions)
        key = self._key(display, text, context)
        if key is None:
            return parse_arm(display, text, context, expressions=self.expressions)
        entry = cache.get(_KIND, key, codec())
        if isinstance(entry, dict) and isinstance(entry.get("reads"), list) \
                and unchanged(entry["reads"], context.limits):
            found = unpacked(entry)
            if found is not None:
                return found
        reads = FileReads()
        # The result is what is kept; its JSON documents would only cost writing.
        parsed = parse_arm(display, text, dataclasses.replace(context, cache=None), reads, self.expressions)
        stored = packed(parsed) if not reads.out_of_stack else None
        if stored is not None:
            cache.put(_KIND, key, {"reads": reads.observed, **stored}, codec())
        return parsed

    def _key(self, display: str, text: str, context: TemplateContext) -> Optional[bytes]:
        """The entry's key; None when the working directory is gone (there
        is then nothing to key a result by)."""
        try:
            settings = self._settings(context)
        except OSError:
            return None
        this = json.dumps([display, str(context.path)])
        return f"{this}\0{settings}\0".encode() + text.encode("utf-8", "surrogatepass")

    def _settings(self, context: TemplateContext) -> str:
        """What the scan gives every template: the repository, the parameter
        files named, the working directory (relative paths are found from
        it, files shown relative to it) and the limits, as JSON (Python's
        limit on int digits is in every entry's key, see ``cache``)."""
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


def _read_into_cache(item: Tuple[str, str, TemplateContext, str]) -> None:
    """A worker's part of ``Evaluations.read_ahead``. A template it cannot
    read is left out: read again in the scan, its error is reported there."""
    display, text, context, directory = item
    try:
        Evaluations().read(display, text, dataclasses.replace(context, cache=ParseCache(Path(directory))))
    except Exception:  # reported when the scan reads the template itself
        pass
