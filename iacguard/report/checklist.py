"""``iacguard checks list --format markdown``: the built-in checks as a
table, as published in docs/checks.md."""

from __future__ import annotations

from collections import Counter
from typing import List, Sequence

from ..engine.checks import Check
from .i18n import t

_PROVIDERS = ("aws", "azure", "gcp", "generic")


def render(checks: Sequence[Check], lang: str = "en") -> str:
    counts = Counter(c.provider for c in checks)
    lines: List[str] = [
        f"# {t('checklist.title', lang)}",
        "",
        t("checklist.intro", lang, total=len(checks),
          by=", ".join(f"{p} {counts[p]}" for p in _PROVIDERS if counts[p])),
        "",
    ]
    for provider in _PROVIDERS:
        group = [c for c in checks if c.provider == provider]
        if not group:
            continue
        lines += [f"## {provider}", "",
                  f"| {t('col.id', lang)} | {t('explain.severity', lang)} | {t('explain.formats', lang)} "
                  f"| {t('checklist.check', lang)} | {t('explain.controls', lang)} |",
                  "|---|---|---|---|---|"]
        for check in group:
            title = check.text("title", lang).replace("|", "\\|")
            lines.append(f"| {check.id} | {check.severity} | {', '.join(check.formats)} | {title} "
                         f"| {', '.join(check.controls)} |")
        lines.append("")
    return "\n".join(lines)
