"""What the user gives a Terraform scan: variable files, -var values and
the environment. Kept apart from the parser so the CLI can build it without
loading the HCL grammar."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping, Sequence


@dataclass
class TerraformInputs:
    """Values for root-module variables, in Terraform's precedence order."""

    var_files: Sequence[str] = ()
    vars: Sequence[str] = ()  # "NAME=VALUE" as given on the command line
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
