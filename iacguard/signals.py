"""Ending on a signal the way the rest of the program ends on an error.

SIGTERM (and SIGHUP where it exists) becomes an exception in the main
thread, so that what is being written is cleaned up by the same
``except``/``finally`` code that cleans up after an error: no half-written
temporary report stays behind, and worker processes are stopped.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Iterator, Optional

_HANDLED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(BaseException):
    """The process was asked to end by ``signum``; not an error to catch
    with ``except Exception``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise(signum: int, frame: Optional[FrameType]) -> None:
    raise Terminated(signum)


@contextmanager
def signals_as_exceptions() -> Iterator[None]:
    """Within the block, SIGTERM/SIGHUP raise ``Terminated``; the handlers
    that were there before are put back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (and receives signals)
        return
    previous = {signum: signal.signal(signum, _raise) for signum in _HANDLED}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
