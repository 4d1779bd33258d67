"""Reporters: each turns the final findings of a scan into one output format.

A reporter sees only the ``Report`` (``model``); ``formats`` names every
format and its writer.
"""

from __future__ import annotations

from .formats import FORMATS, OutputFormat, pieces, writer
from .model import Report, ScanInfo, Summary

__all__ = ["FORMATS", "OutputFormat", "Report", "ScanInfo", "Summary", "pieces", "writer"]
