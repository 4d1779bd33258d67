"""``iacguard checks explain ID``: one check in full, with the controls it
enforces and how they relate to ISO/IEC 27017 and the CSA Guidance."""

from __future__ import annotations

from typing import List

from ..engine.checks import Check, known_controls
from .i18n import t


def explain(check: Check, lang: str) -> str:
    catalogue = known_controls()
    controls: List[str] = []
    iso: List[str] = []
    csa: List[str] = []
    for cid in check.controls:
        entry = catalogue.get(cid, {})
        title = entry.get(f"title_{lang}") or entry.get("title_en", "")
        controls.append(f"  - {cid} {title}".rstrip())
        iso += [i for i in entry.get("iso27017", []) if i not in iso]
        csa += [d for d in entry.get("csa_domain", []) if d not in csa]
    lines = [
        f"{check.id}: {check.text('title', lang)}",
        f"{t('explain.severity', lang)}: {check.severity}",
    ]
    if check.severity_rationale:
        lines.append(f"{t('explain.rationale', lang)}: {check.text('severity_rationale', lang)}")
    lines += [
        f"{t('explain.provider', lang)}: {check.provider}",
        *([f"{t('explain.category', lang)}: {check.mic_category}"] if check.mic_category else []),
        f"{t('explain.formats', lang)}: {', '.join(check.formats)}",
        f"{t('explain.types', lang)}: {', '.join(check.resource_types)}",
        *([f"{t('explain.requires', lang)}: {', '.join(check.requires)}"] if check.requires else []),
        "",
        f"{t('explain.description', lang)}:",
        check.text("description", lang),
        "",
        f"{t('explain.remediation', lang)}:",
        check.text("remediation", lang),
        "",
        f"{t('explain.controls', lang)}:",
        *controls,
    ]
    if check.cis:
        lines += ["", f"{t('explain.cis', lang)}: {', '.join(check.cis)}"]
    if iso:
        lines.append(f"{t('explain.iso', lang)}: {', '.join(iso)}")
    if csa:
        lines.append(f"{t('explain.csa', lang)}: {', '.join(csa)}")
    return "\n".join(lines)
