"""What the beginning of a file says about its format."""

from __future__ import annotations

# How much of a file format detection looks at (also what is read of a file
# too large to read whole).
HEAD_CHARS = 65536


def head_of(text: str) -> str:
    return text[:HEAD_CHARS]


def looks_like_json(text: str) -> bool:
    """Does the text begin as a JSON document (comments allowed) does?"""
    return head_of(text).lstrip("\ufeff \t\n").startswith(("{", "[", "//", "/*"))
