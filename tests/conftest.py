"""Shared test helpers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, List, Tuple

import pytest

from iacguard.cli import main


@pytest.fixture
def run(capsys) -> Callable[[List[str], Path], Tuple[int, str, str]]:
    """Run the command line in a directory: (exit status, stdout, stderr)."""

    def invoke(args: List[str], cwd: Path, _capsys=None) -> Tuple[int, str, str]:
        old = Path.cwd()
        os.chdir(cwd)
        try:
            code = main(args)
        finally:
            os.chdir(old)
        out = capsys.readouterr()
        return code, out.out, out.err

    return invoke
