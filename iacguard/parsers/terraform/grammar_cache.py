"""Lark's parse tables for the HCL grammar, kept in our own cache.

Building the LALR tables takes seconds, so they are kept between runs. Lark's
own cache (``cache=True``) is a pickle under a predictable name in the shared
temporary directory, loaded before its hash is checked: another local user
could plant one. Here the tables go through the parse cache instead (a
private directory, JSON rebuilt without calling anything), keyed by the
grammar text and the Lark and Python versions.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, Optional

import lark
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

from ...cache import ParseCache
from ...plain_data import Codec

_KIND = "lark-tables/1"
# Options stored with the tables; postlex and propagate_positions are given
# again when they are loaded (Lark stores neither).
_BUILD_OPTIONS: Dict[str, Any] = {"parser": "lalr"}


def lalr_parser(grammar: str, postlex: Any, cache: Optional[ParseCache] = None) -> Lark:
    """A Lark LALR parser of ``grammar`` without position propagation: from
    cached tables when they are there, else built and cached."""
    # The tables depend on the grammar and Lark alone (the key names both).
    cache = cache or ParseCache(codec=Codec(), by_code=False)
    key = "\0".join((grammar, lark.__version__, sys.version, repr(sorted(_BUILD_OPTIONS.items())))).encode()
    stored = cache.get(_KIND, key)
    if isinstance(stored, dict):
        try:
            return Lark._load_from_dict(stored["data"], stored["memo"], postlex=postlex, propagate_positions=False)
        except Exception:  # tables of a shape this Lark does not read: build them afresh
            pass
    built = Lark(grammar, postlex=postlex, propagate_positions=False, **_BUILD_OPTIONS)
    try:
        data, memo = built.memo_serialize([TerminalDef, Rule])
    except (AttributeError, TypeError):  # a Lark without it: no cache, same parser
        return built
    from lark.lark import _LOAD_ALLOWED_OPTIONS

    data["options"] = {k: v for k, v in data["options"].items() if k not in _LOAD_ALLOWED_OPTIONS}
    cache.put(_KIND, key, {"data": data, "memo": memo})
    return built
