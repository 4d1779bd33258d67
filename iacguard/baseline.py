"""Baselines: findings accepted as known debt, by stable fingerprint.

``--create-baseline FILE`` records the current unsuppressed findings;
``--baseline FILE`` then reports them as suppressed (kind external) so that
only new findings fail. A fingerprint is built from the check, the file, the
resource and the attribute, never the line: moving code keeps it, changing
the resource or the check does not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

from .findings import Finding
from .report.common import json_pieces

VERSION = 1


class BaselineError(Exception):
    pass


def render(findings: List[Finding]) -> str:
    entries = sorted(
        ({"fingerprint": f.fingerprint, "check_id": f.check_id, "file": f.file, "resource": f.resource,
          "attribute": f.attribute} for f in findings if not f.suppressed and not f.check_id.startswith("IACG-00")),
        key=lambda e: (e["file"], e["check_id"], e["resource"], e["attribute"]))
    return "".join(json_pieces({"version": VERSION, "tool": "iacguard", "findings": entries}))


def load(path: Path) -> Dict[str, str]:
    """Fingerprint -> the baseline file it was accepted in."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BaselineError(f"baseline file {path} is not readable JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f"baseline file {path} is not an iacguard baseline (version {VERSION})")
    return {str(e["fingerprint"]): str(path) for e in data["findings"]
            if isinstance(e, dict) and isinstance(e.get("fingerprint"), str)}
