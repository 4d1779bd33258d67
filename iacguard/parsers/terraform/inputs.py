"""What the user gives a Terraform scan: variable files, -var values and
the environment. Kept apart from the parser so the CLI can build it without
loading the HCL grammar."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Mapping, Sequence


@dataclass
class TerraformInputs:
    """Values for root-module variables, in Terraform's precedence order."""

    var_files: Sequence[str] = ()
    vars: Sequence[str] = ()  # "NAME=VALUE" as given on the command line
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


def variable_files(directory: Path) -> List[Path]:
    """The variable files Terraform reads by itself in a root module, in its
    order of precedence: terraform.tfvars(.json), then *.auto.tfvars(.json)
    by name (the first two may not exist)."""
    files = [directory / name for name in ("terraform.tfvars", "terraform.tfvars.json")]
    files += sorted(p for p in directory.glob("*.auto.tfvars*")
                    if p.name.endswith((".auto.tfvars", ".auto.tfvars.json")))
    return files
