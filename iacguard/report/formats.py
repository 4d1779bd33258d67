"""The output formats: one table that the command line's ``--format``
choices and the dispatch both read."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from .model import Report


@dataclass(frozen=True)
class OutputFormat:
    name: str
    module: str  # the module of this package that writes it, imported only when used
    function: str = "pieces"
    binary: bool = False  # bytes (a workbook): never to a terminal
    audit: bool = False  # its header says when, what and with which rules (ScanInfo)
    extension: str = ""  # of a file holding it; "" when it is not meant for a file

    def load(self) -> Callable[..., Any]:
        return getattr(importlib.import_module(f".{self.module}", __package__), self.function)


FORMATS: Mapping[str, OutputFormat] = MappingProxyType({f.name: f for f in (
    OutputFormat("text", "text", extension=".txt"),
    OutputFormat("json", "json_report", extension=".json"),
    OutputFormat("sarif", "sarif", extension=".sarif"),
    OutputFormat("junit", "junit", extension=".xml"),
    OutputFormat("markdown", "markdown_report", audit=True, extension=".md"),
    OutputFormat("html", "html_report", audit=True, extension=".html"),
    OutputFormat("github", "github"),
    OutputFormat("xlsx", "workbook", function="render", binary=True, audit=True, extension=".xlsx"),
)})


def pieces(fmt: str) -> Callable[[Report], Iterable[str]]:
    """The writer of text format ``fmt``: the report as a sequence of text
    pieces, to be written one after another, as they are made: finding by
    finding (JSON, SARIF, text, GitHub annotations), test case by test case
    (JUnit), row by row (the compliance reports), so a large report is never
    held whole. SARIF goes through a spool, which turns into a temporary file
    when large: it must know its compressed size before it is written."""
    spec = FORMATS.get(fmt)
    if spec is None or spec.binary:
        raise ValueError(f"unknown output format {fmt!r}")
    return spec.load()


def writer(fmt: str) -> Callable[[Report], str]:
    """The writer of ``fmt``, giving the whole report as one string."""
    stream = pieces(fmt)
    return lambda report: "".join(stream(report))
