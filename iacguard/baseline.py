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
from typing import Dict, List, Optional

from .engine.aliases import Aliases
from .findings import Finding, fingerprint
from .report.common import json_pieces
from .suppress import Accepted

VERSION = 1


class BaselineError(Exception):
    pass


def render(findings: List[Finding]) -> str:
    entries = sorted(
        ({"fingerprint": f.fingerprint, "check_id": f.check_id, "file": f.file, "resource": f.resource,
          "attribute": f.attribute} for f in findings if not f.suppressed and not f.check_id.startswith("IACG-00")),
        key=lambda e: (e["file"], e["check_id"], e["resource"], e["attribute"]))
    return "".join(json_pieces({"version": VERSION, "tool": "iacguard", "findings": entries}))


def load(path: Path, aliases: Optional[Aliases] = None) -> Dict[str, Accepted]:
    """Fingerprint -> where it was accepted. An entry recorded under a check
    id that has since been retired accepts the same resource and attribute
    under each of the ids that replaced it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BaselineError(f"baseline file {path} is not readable JSON: {exc}") from None
    except RecursionError:
        raise BaselineError(f"baseline file {path} is nested too deeply to be an iacguard baseline") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f"baseline file {path} is not an iacguard baseline (version {VERSION})")
    accepted: Dict[str, Accepted] = {}
    for entry in data["findings"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            continue
        accepted[entry["fingerprint"]] = Accepted(str(path))
        retired = entry.get("check_id")
        placed = all(isinstance(entry.get(k), str) for k in _PLACE)
        if aliases and isinstance(retired, str) and retired in aliases and placed:
            for replacement in aliases[retired]:
                derived = fingerprint(replacement, *(entry[k] for k in _PLACE))
                accepted.setdefault(derived, Accepted(str(path), retired))
    return accepted


_PLACE = ("file", "resource", "attribute")
