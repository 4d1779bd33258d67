"""The README's project layout names every module of the package, so that
a newcomer finds each one there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _layout() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"^## Project layout\n(.*?)^## ", text, re.MULTILINE | re.DOTALL).group(1)


def test_every_module_and_package_has_a_line() -> None:
    layout = _layout()
    named = set(re.findall(r"^(iacguard/\S+)", layout, re.MULTILINE))
    package = ROOT / "iacguard"
    modules = {f"iacguard/{p.name}" for p in package.glob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    folders = {f"iacguard/{p.name}/" for p in package.iterdir() if (p / "__init__.py").is_file()}
    assert modules | folders <= named, sorted((modules | folders) - named)
    assert "__main__.py" in layout


def test_the_layout_names_no_module_that_is_gone() -> None:
    named = re.findall(r"^(iacguard/\S+)", _layout(), re.MULTILINE)
    assert [name for name in named if not (ROOT / name).exists()] == []
