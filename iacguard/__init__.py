"""iacguard: a static analyzer for Infrastructure-as-Code."""

__version__ = "0.1.0"
