"""``iacguard checks explain ID``: one check in full, with the controls it
enforces and how they relate to ISO/IEC 27017 and the CSA Guidance."""

from __future__ import annotations

from types import MappingProxyType
from typing import List

from ..engine.checks import Check, known_controls
from .i18n import t

# The crosswalk names CSA Security Guidance v4.0 domains by number and the
# Japanese edition's heading; these are the English edition's headings.
CSA_DOMAINS_EN = MappingProxyType({
    "D1": "Cloud Computing Concepts and Architectures",
    "D2": "Governance and Enterprise Risk Management",
    "D3": "Legal Issues, Contracts and Electronic Discovery",
    "D4": "Compliance and Audit Management",
    "D5": "Information Governance",
    "D6": "Management Plane and Business Continuity",
    "D7": "Infrastructure Security",
    "D8": "Virtualization and Containers",
    "D9": "Incident Response",
    "D10": "Application Security",
    "D11": "Data Security and Encryption",
    "D12": "Identity, Entitlement, and Access Management",
    "D13": "Security as a Service",
    "D14": "Related Technologies",
})


def csa_domain(domain: str, lang: str) -> str:
    """``D12 アイデンティティ管理...`` as the language reads it."""
    number = domain.split(" ", 1)[0]
    if lang == "ja" or number not in CSA_DOMAINS_EN:
        return domain
    return f"{number} {CSA_DOMAINS_EN[number]}"


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
        csa += [csa_domain(d, lang) for d in entry.get("csa_domain", []) if csa_domain(d, lang) not in csa]
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
