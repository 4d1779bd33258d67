"""``iacguard checks list``: the checks as aligned text columns under a
header, or (``--format markdown``) as the table published in docs/checks.md."""

from __future__ import annotations

import unicodedata
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


def text_rows(checks: Sequence[Check], lang: str = "en") -> List[str]:
    """A header, then one row a check; each column as wide as its widest entry."""
    header = (t("col.id", lang), t("explain.severity", lang), t("explain.provider", lang),
              t("explain.formats", lang), t("checklist.check", lang))
    rows = [(c.id, c.severity, c.provider, ",".join(c.formats), c.text("title", lang)) for c in checks]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    return ["  ".join([*(cell + " " * (w - _width(cell)) for cell, w in zip(row[:-1], widths, strict=True)), row[-1]])
            for row in [header, *rows]]


def _width(text: str) -> int:
    """Columns a terminal gives the text: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
