"""``iacguard init``: a starter configuration and a pre-commit entry."""

from __future__ import annotations

from pathlib import Path
from typing import List

import yaml

STARTER = """\
# iacguard configuration. Every key is optional; `iacguard config show`
# prints the effective values and where each came from.

# Fail the run (and block the commit) only on findings at or above this
# severity; lower ones are still shown. MEDIUM blocks what a commit makes
# exploitable or unaudited and leaves LOW findings as advice; HIGH blocks
# only open exposure; LOW blocks on everything.
severity_threshold: MEDIUM

# Formats to scan: terraform, tfplan, cloudformation, arm.
# frameworks: [terraform, cloudformation, arm]

# Data residency: the regions resources may use (checked by IACG-GEN-001).
# allowed_regions: [ap-northeast-1, ap-northeast-3, japaneast, japanwest, asia-northeast1, asia-northeast2]

# Azure VM extension types the organisation approves (checked by IACG-AZURE-112).
# allowed_vm_extensions: [AzureMonitorLinuxAgent, AzureMonitorWindowsAgent, MDE.Linux, MDE.Windows]

# Checks not to run at all, or to skip on some paths (a reason is required).
# skip_checks: [IACG-AWS-013]
# skip:
#   - id: IACG-AWS-100
#     paths: ["legacy/**"]
#     reason: frozen code, scheduled for deletion

# Accepted findings, recorded with: iacguard scan --create-baseline .iacguard-baseline.json
# baseline: .iacguard-baseline.json

# Report iacguard:ignore comments that no longer match anything.
report_unused_suppressions: true
"""

HOOK = {
    "repo": "local",
    "hooks": [{
        "id": "iacguard",
        "name": "iacguard",
        "entry": "iacguard scan --pre-commit",
        "language": "system",
        "types_or": ["terraform", "yaml", "json"],
        "require_serial": True,
        "always_run": True,
    }],
}


# The local hook runs the iacguard command found on PATH.
HOOK_NEEDS = "it runs the installed iacguard command: pip install iacguard-jp, then pre-commit install"


def init(directory: Path) -> List[str]:
    """Write what is missing; never overwrite. Returns what was done."""
    done: List[str] = []
    config = directory / ".iacguard.yaml"
    if config.exists():
        done.append(f"{config.name} exists; left as it is")
    else:
        config.write_text(STARTER, encoding="utf-8")
        done.append(f"wrote {config.name}")
    hooks = directory / ".pre-commit-config.yaml"
    if not hooks.exists():
        hooks.write_text(yaml.safe_dump({"repos": [HOOK]}, sort_keys=False), encoding="utf-8")
        done.append(f"wrote {hooks.name} with the iacguard hook ({HOOK_NEEDS})")
        return done
    try:
        current = yaml.safe_load(hooks.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        done.append(f"{hooks.name} is not valid YAML; add the iacguard hook by hand (see README)")
        return done
    repos = current.get("repos") if isinstance(current, dict) else None
    has_hook = any(isinstance(r, dict) and any(isinstance(h, dict) and h.get("id") == "iacguard"
                                               for h in r.get("hooks") or []) for r in repos or [])
    if has_hook:
        done.append(f"{hooks.name} already runs iacguard")
        return done
    if repos == [] or not isinstance(current, dict):
        data = current if isinstance(current, dict) else {}
        data["repos"] = [HOOK]
        hooks.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        done.append(f"added the iacguard hook to {hooks.name} ({HOOK_NEEDS})")
        return done
    # Append rather than rewrite, so the user's comments and layout survive.
    entry = yaml.safe_dump([HOOK], sort_keys=False)
    indented = "".join(f"  {line}\n" for line in entry.splitlines())
    text = hooks.read_text(encoding="utf-8")
    if repos is None:
        text = text.rstrip("\n") + "\nrepos:"
    hooks.write_text(text.rstrip("\n") + "\n" + indented, encoding="utf-8")
    done.append(f"added the iacguard hook to {hooks.name} ({HOOK_NEEDS})")
    return done
