"""Readers of the input formats, one package each, and the table of them.

Discovery asks the readers in this order which format a file is (the first
that recognises it wins); the scan reads each format's files with its
reader, in the same order.
"""

from __future__ import annotations

from typing import Tuple

from . import arm, cloudformation, terraform
from .readers import Reader

READERS: Tuple[Reader, ...] = (
    terraform.CONFIGURATION_READER,
    arm.READER,
    terraform.PLAN_READER,
    cloudformation.READER,
)
