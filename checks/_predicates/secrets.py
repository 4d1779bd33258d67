"""Credentials written inside a script or document, such as EC2 user data.

User data is shell or cloud-init text, often base64-encoded (Terraform's
``user_data_base64``, a launch template's ``user_data``, CloudFormation's
``Fn::Base64``). A text that decodes to UTF-8 is read decoded. Only what is
written is judged: an unknown value matches nothing, and of a partly known
text only its known pieces are read, each on its own.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Iterator, List

from iacguard.engine.conditions import Context, Evidence, Result, Tri
from iacguard.engine.paths import parse_path, resolve
from iacguard.model import PartialString, is_unknown

# What a credential looks like in a script. A value that starts with "$" is
# read at run time (a variable, "$(aws secretsmanager ...)"), not written.
_CREDENTIALS = [re.compile(p) for p in (
    r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----",
    r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])",
    r"(?i)aws_secret_access_key\s*[=:]\s*[\"']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])",
    r"\bgh[pousr]_[A-Za-z0-9]{36,}",
    r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
    r"(?i)[a-z0-9_.-]*(?:password|passwd|secret|token|api_?key)(?:_?(?:value|key|string))?[\"']?\s*[=:]\s*[\"']?"
    r"(?![$\"'\s]|\{\{)[^\s\"'$]{8,}",
)]
# AWS's documentation examples are placeholders, not credentials.
_EXAMPLE = re.compile(r"EXAMPLE|<[^>]*>|\bchangeme\b|\bxxxx", re.IGNORECASE)
_BASE64 = re.compile(r"^[A-Za-z0-9+/\s]+={0,2}\s*$")


def _texts(value: Any) -> Iterator[str]:
    """The readable text of a value: decoded when it is base64 of UTF-8."""
    if isinstance(value, PartialString):
        yield from (part for part in value.parts if part)
        return
    if not isinstance(value, str) or is_unknown(value):
        return
    if len(value) >= 8 and _BASE64.match(value):
        try:
            yield base64.b64decode(value, validate=False).decode("utf-8")
            return
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
    yield value


def _holds_credential(text: str) -> bool:
    return any(m and not _EXAMPLE.search(m.group(0))
               for pattern in _CREDENTIALS for m in pattern.finditer(text))


def credentials_in_text(ctx: Context, paths: List[str]) -> Result:
    """TRUE for each attribute at ``paths`` whose text holds a credential."""
    evidence = []
    for path in paths:
        for match in resolve(ctx.base, parse_path(path), ctx.ignore_case):
            if any(_holds_credential(text) for text in _texts(match.value)):
                evidence.append(Evidence(ctx.base_path + match.path, match.value))
    return Result(Tri.TRUE, evidence, evidence) if evidence else Result(Tri.FALSE)


def secret_named_entries(ctx: Context, path: str, names: str, exclude: str, value: str) -> Result:
    """TRUE for each entry of the map at ``path`` (keys the author chose, such
    as a function's environment variables) whose key matches ``names`` and not
    ``exclude`` and whose written value matches ``value``."""
    wanted, unwanted, literal = re.compile(names), re.compile(exclude), re.compile(value)
    evidence = []
    undecided = False
    for match in resolve(ctx.base, parse_path(path), ctx.ignore_case):
        if is_unknown(match.value):
            undecided = True
            continue
        entries = match.value if isinstance(match.value, dict) else {}
        for key, text in entries.items():
            if not wanted.search(str(key)) or unwanted.search(str(key)):
                continue
            if is_unknown(text):
                undecided = True
            elif isinstance(text, str) and literal.search(text):
                evidence.append(Evidence(ctx.base_path + match.path + (key,), text))
    if evidence:
        return Result(Tri.TRUE, evidence, evidence)
    return Result.unknown() if undecided else Result(Tri.FALSE)


PREDICATES = {"credentials_in_text": credentials_in_text, "secret_named_entries": secret_named_entries}
