"""A CloudFormation template read once: decoded, transformed, and cached.

``decoder`` decodes the text (short-form tags such as ``!Ref``,
duplicate keys, a position on every mapping and string). A template that
declares ``AWS::LanguageExtensions`` (``Fn::ForEach``) or SAM
(``AWS::Serverless-2016-10-31``) is expanded with cfn-lint's transforms,
which work on cfn-lint's own reading of the text; importing cfn-lint takes
about a second, so only those templates load it, the result is converted to
``positioned``' containers and kept in the parse cache: an unchanged
template never loads cfn-lint again.

Before a transform runs, the template's size with YAML aliases expanded and
the number of copies ``Fn::ForEach`` would make are counted without
expanding anything; a template over either limit is read as written and
reported, since the transforms themselves have no limit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path as FSPath
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from ...cache import ParseCache, read_through
from ...parallel import map_in_processes
from ...source import Limits, describe_size
from ..common.value_weight import weight
from .decoder import decode, reported_line
from .positioned import editor_line, line_table, positioned_list, positioned_map, positioned_text

if TYPE_CHECKING:
    from .transforms_ahead import TransformsAhead

# The cache entry kind; bumped when DecodedTemplate changes shape.
_CACHE_KIND = "cloudformation/3"
TRANSFORMS = ("AWS::Serverless-2016-10-31", "AWS::LanguageExtensions")
_FOREACH = "Fn::ForEach::"


@dataclass
class DecodedTemplate:
    """``written`` is the template as decoded, ``expanded`` after transforms
    (the same object when none applies or none could be applied)."""

    written: Any = None
    expanded: Any = None
    # (line, message): the template could not be read at all.
    error: Optional[Tuple[int, str]] = None
    # (line, message): problems the reader recovered from, and limits hit.
    duplicates: List[Tuple[int, str]] = field(default_factory=list)
    problems: List[Tuple[int, str]] = field(default_factory=list)
    # Transforms that failed on their own terms: the template is read as written.
    transform_notes: List[str] = field(default_factory=list)


# Templates to decode before worker processes pay for themselves. Our reader
# decodes a template in milliseconds, while each worker's results are read
# back from the cache and a worker given a SAM template imports cfn-lint
# again: on 186 templates reading them one by one was faster.
PARALLEL_THRESHOLD = 400


def read_templates_ahead(texts: Sequence[str], cache: Any, workers: int, limits: Limits) -> None:
    """Decode, in worker processes, the templates the cache does not hold
    yet, so that reading them one by one afterwards finds each there."""
    if cache is None or not cache.enabled or workers <= 1 or len(texts) < PARALLEL_THRESHOLD:
        return  # (a small tree is not worth hashing twice to find out)
    missing = not_cached(texts, cache, limits)
    if len(missing) >= PARALLEL_THRESHOLD:
        map_in_processes(_read_into_cache, [(text, str(cache.directory), limits) for text in missing], workers,
                         PARALLEL_THRESHOLD, chunksize=4)


def not_cached(texts: Sequence[str], cache: Any, limits: Limits) -> List[str]:
    """The texts whose templates the cache does not hold (all without a cache)."""
    if cache is None or not cache.enabled:
        return list(texts)
    kind = _cache_kind(limits)
    return [text for text in texts if not cache.has(kind, text.encode("utf-8", "surrogatepass"))]


def _read_into_cache(item: Tuple[str, str, Limits]) -> None:
    text, directory, limits = item
    read_template(text, ParseCache(FSPath(directory)), limits)


def _cache_kind(limits: Limits) -> str:
    # The limits decide what a template reads as, so they are part of the key.
    return (f"{_CACHE_KIND}/{limits.max_cloudformation_bytes}/{limits.max_cloudformation_values}/"
            f"{limits.max_cloudformation_copies}")


def read_template(text: str, cache: Any = None, limits: Optional[Limits] = None,
                  ahead: Optional["TransformsAhead"] = None) -> DecodedTemplate:
    """The decoded template, from the cache when this text was read before
    (within the default limits unless given others), else from ``ahead``
    when it was transformed there, else read now."""
    chosen = limits or Limits()

    def compute() -> DecodedTemplate:
        done = ahead.collect(text) if ahead is not None else None
        return done if done is not None else read_uncached(text, chosen)

    return read_through(cache, _cache_kind(chosen), text, DecodedTemplate, compute)


def read_uncached(text: str, limits: Limits) -> DecodedTemplate:
    """The template read from its text alone, the cache aside."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_cloudformation_bytes:
        return DecodedTemplate(error=(1, f"template is {describe_size(size)}, larger than the "
                                         f"{describe_size(limits.max_cloudformation_bytes)} limit "
                                         "(max_cloudformation_bytes; CloudFormation accepts 1 MB); not scanned"))
    try:
        raw, duplicates = decode(text)
    except RecursionError:
        return DecodedTemplate(error=(1, "template nested too deeply to read"))
    if isinstance(raw, tuple):
        return DecodedTemplate(error=raw)
    out = DecodedTemplate(written=raw, expanded=raw, duplicates=duplicates)
    if _may_exceed_values(text, limits) and \
            weight(raw, {}, limits.max_cloudformation_values, count_keys=True) > limits.max_cloudformation_values:
        out.problems.append((1, f"template expands to more than {limits.max_cloudformation_values} values "
                                "(YAML aliases?; max_cloudformation_values); transforms not applied"))
    elif _declares_transform(raw) and _copies_allowed(raw, out, limits.max_cloudformation_copies):
        try:
            _transform(text, out)
        except RecursionError:
            return DecodedTemplate(error=(1, "template nested too deeply to read"))
    return out


def _may_exceed_values(text: str, limits: Limits) -> bool:
    """Whether the decoded template could hold more values than allowed.
    Every key or value written takes at least one character, so only YAML
    aliases (which need an ``&`` anchor) let a short text hold more values
    than it has characters; counting is skipped for the rest."""
    return "&" in text or len(text) > limits.max_cloudformation_values


def decode_with_cfn_lint(text: str) -> Tuple[Any, List[Tuple[int, str]]]:
    """cfn-lint's reading of the text, as ``decoder.decode`` returns it but
    with cfn-lint's nodes: what its transforms work on."""
    from cfnlint.decode import decode_str  # heavy: only for transforms

    template, matches = decode_str(text)
    if template is None and matches and all(
            str(getattr(m, "message", "")).startswith("Duplicate found") for m in matches):
        # CloudFormation itself accepts a repeated key and keeps the last one.
        template = _load_last_key_wins(text)
        if template is not None:
            return template, [(_match_line(m, text), f"{m.message}; the last value is used") for m in matches]
    if template is None:
        match = matches[0] if matches else None
        message = f"cannot parse template: {match.message}" if match is not None else "cannot parse template"
        return (_match_line(match, text) if match is not None else 1, message), []
    return template, []


def _match_line(match: Any, text: str) -> int:
    return reported_line(int(getattr(match, "linenumber", 1) or 1), str(getattr(match, "message", "")), text)


def _load_last_key_wins(text: str) -> Any:
    from cfnlint.decode import cfn_yaml

    class LastKeyWinsLoader(cfn_yaml.CfnFullLoader):
        def construct_yaml_map(self, node):  # type: ignore[override]
            node.using_merge = True  # cfn-lint skips its duplicate check for merged maps
            return cfn_yaml.NodeConstructor.construct_yaml_map(self, node)

    LastKeyWinsLoader.add_constructor("tag:yaml.org,2002:map", LastKeyWinsLoader.construct_yaml_map)
    loader = LastKeyWinsLoader(text, None)
    loader.add_multi_constructor("!", cfn_yaml.multi_constructor)
    try:
        return loader.get_single_data()
    except Exception:  # the fallback is best effort; the original error stands
        return None


def _declares_transform(template: Any) -> bool:
    if not isinstance(template, dict):
        return False
    declared = template.get("Transform")
    names = declared if isinstance(declared, list) else [declared]
    return any(isinstance(n, str) and n in TRANSFORMS for n in names)


def _copies_allowed(template: Dict[Any, Any], out: DecodedTemplate, max_copies: int) -> bool:
    copies, line = _foreach_copies(template, max_copies)
    if copies > max_copies:
        out.problems.append((line, f"Fn::ForEach makes more than {max_copies} copies "
                                   "(max_cloudformation_copies); transforms not applied"))
        return False
    return True


def _transform(text: str, out: DecodedTemplate) -> None:
    """Expand SAM and language extensions as CloudFormation would, on
    cfn-lint's reading of the text (the same values as ours)."""
    from cfnlint.template import Template

    template, _ = decode_with_cfn_lint(text)
    # cfn-lint names the copies of a Fn::ForEach collection it cannot resolve
    # with random letters; the same template must read the same every time.
    state = random.getstate()
    random.seed(0)
    try:
        cfn = Template("template", template, ["us-east-1"])
        matches = cfn.transform()
    except Exception as exc:  # a transform's own failure must not end the scan
        out.transform_notes.append(f"transform not applied ({type(exc).__name__}: {exc}); read as written")
        return
    finally:
        random.setstate(state)
    if matches:
        out.transform_notes.append(f"transform not applied ({matches[0].message}); read as written")
        return
    lines = line_table(text)
    memo: Dict[int, Any] = {}
    out.written = convert(template, memo, lines)
    out.expanded = convert(cfn.template, memo, lines)


def _foreach_copies(template: Dict[Any, Any], cap: int) -> Tuple[int, int]:
    """How many copies the Fn::ForEach loops make (products of collection
    lengths along each nesting), and the line of the first loop."""
    parameters = template.get("Parameters")
    mappings = template.get("Mappings")
    total, first_line = 0, 1
    pending: List[Tuple[Any, int]] = [(template, 1)]
    while pending:
        node, factor = pending.pop()
        if isinstance(node, list):
            pending.extend((item, factor) for item in node)
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if isinstance(key, str) and key.startswith(_FOREACH) and isinstance(value, list) and len(value) == 3:
                if total == 0:
                    first_line = getattr(key, "line", 0) or 1
                inner = factor * max(_collection_length(value[1], parameters, mappings), 1)
                total += inner
                if total > cap:
                    return total, first_line
                pending.append((value[2], inner))
            else:
                pending.append((value, factor))
    return total, first_line


def _collection_length(collection: Any, parameters: Any, mappings: Any) -> int:
    if isinstance(collection, list):
        return len(collection)
    if isinstance(collection, dict) and len(collection) == 1:
        (function, argument), = collection.items()
        if function == "Ref" and isinstance(parameters, dict):
            declared = parameters.get(argument)
            default = declared.get("Default") if isinstance(declared, dict) else None
            if isinstance(default, list):
                return len(default)
            if isinstance(default, str):
                return default.count(",") + 1
        if function == "Fn::FindInMap" and isinstance(argument, list) and argument and isinstance(mappings, dict):
            mapping = mappings.get(argument[0]) if isinstance(argument[0], str) else None
            if isinstance(mapping, dict):
                lengths = [len(v) for row in mapping.values() if isinstance(row, dict)
                           for v in row.values() if isinstance(v, list)]
                return max(lengths, default=1)
    return 1


def _line(mark: Any, lines: Optional[List[int]]) -> int:
    """1-based editor line of one of cfn-lint's 0-based marks (0: none)."""
    return 0 if mark is None else editor_line(int(mark.line), lines)


def convert(node: Any, memo: Dict[int, Any], lines: Optional[List[int]]) -> Any:
    """cfn-lint's nodes as our containers; a part used twice (an alias) stays
    one shared object, so conversion costs the text's size, not the expansion's."""
    known = memo.get(id(node))
    if known is not None:
        return known[1]
    start = _line(getattr(node, "start_mark", None), lines)
    if isinstance(node, dict):
        out: Any = positioned_map(start, _line(getattr(node, "end_mark", None), lines))
        # The original stays in the memo so its id cannot be reused meanwhile.
        memo[id(node)] = (node, out)
        for key, value in node.items():
            # A string value's own line is never asked for (its key's is), and
            # plain strings are much cheaper to load from the cache.
            out[convert(key, memo, lines)] = str(value) if type(value) is not str and isinstance(value, str) \
                else convert(value, memo, lines)
    elif isinstance(node, list):
        out = positioned_list(start, _line(getattr(node, "end_mark", None), lines))
        memo[id(node)] = (node, out)
        out.extend(convert(item, memo, lines) for item in node)
    elif isinstance(node, str) and start:
        out = positioned_text(node, start)
        memo[id(node)] = (node, out)
    else:
        return node
    return out
