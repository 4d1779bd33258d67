"""Code actions: an inline suppression comment for a finding."""

from __future__ import annotations

from typing import List, Optional, Sequence

from lsprotocol import types

from ..findings import BUILTIN_TITLES
from .diagnostics import SOURCE

REASON_PLACEHOLDER = "REASON: why this finding is accepted"


def comment_prefix(file_name: str) -> Optional[str]:
    """How a comment starts in this kind of file; None where the format has
    no comments (Terraform JSON, CloudFormation JSON)."""
    name = file_name.lower()
    if name.endswith((".tf", ".tfvars")):
        return "#"
    if name.endswith((".yaml", ".yml", ".template")):
        return "#"
    if name.endswith(".json") and not name.endswith((".tf.json", ".tfvars.json")):
        return "//"  # ARM templates accept // comments (CloudFormation JSON does not)
    return None


def suppression_actions(uri: str, file_name: str, lines: Sequence[str],
                        diagnostics: Sequence[types.Diagnostic]) -> List[types.CodeAction]:
    """One action per iacguard diagnostic: a comment naming its check, with
    a reason to fill in, on its own line right above the finding's line
    (which suppresses that attribute, or the resource on its first line)."""
    prefix = comment_prefix(file_name)
    if prefix is None:
        return []
    actions: List[types.CodeAction] = []
    for diagnostic in diagnostics:
        check_id = diagnostic.code
        if diagnostic.source != SOURCE or not isinstance(check_id, str) or check_id in BUILTIN_TITLES:
            continue
        line = diagnostic.range.start.line
        text = lines[line] if line < len(lines) else ""
        indent = text[: len(text) - len(text.lstrip())]
        comment = f"{indent}{prefix} iacguard:ignore {check_id} {REASON_PLACEHOLDER}\n"
        edit = types.TextEdit(types.Range(types.Position(line, 0), types.Position(line, 0)), comment)
        actions.append(types.CodeAction(
            title=f"Suppress {check_id} here (iacguard:ignore with a reason)",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            edit=types.WorkspaceEdit(changes={uri: [edit]}),
        ))
    return actions
