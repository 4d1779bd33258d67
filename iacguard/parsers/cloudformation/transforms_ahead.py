"""Templates that need cfn-lint's transforms, read in a worker process while
this one reads the others.

Importing cfn-lint takes about a second, more than decoding a hundred plain
templates. When a tree holds templates that declare a transform and the
parse cache does not hold them yet, one forked worker imports cfn-lint and
reads them (the same ``read_uncached`` as here) while this process decodes
and evaluates the rest; each result is collected when its template is read.
Anything the worker does not return (it failed, or died) is read here as if
there had been no worker.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Dict, Iterator, Optional, Sequence, Tuple

from ...parallel import in_background
from ...source import Limits
from .document import TRANSFORMS, DecodedTemplate, not_cached, read_uncached

if TYPE_CHECKING:
    from concurrent.futures import Future


def may_need_transform(text: str) -> bool:
    """Whether the text names a transform; a template that names none is
    never transformed (one that names it only in a comment is read, as
    written, by the worker all the same)."""
    return any(name in text for name in TRANSFORMS)


class TransformsAhead:
    """The results the worker is producing, by template text."""

    def __init__(self, pending: Dict[str, "Future[DecodedTemplate]"]) -> None:
        self._pending = pending

    def waits_for(self, text: str) -> bool:
        """Whether the template is being read in the worker."""
        return text in self._pending

    def collect(self, text: str) -> Optional[DecodedTemplate]:
        """The worker's reading of the text (waiting for it), or None when
        the worker has none: the caller reads it itself."""
        future = self._pending.pop(text, None)
        if future is None:
            return None
        try:
            return future.result()
        except Exception:  # the worker failed or died: nothing is lost, it is read here
            return None


@contextmanager
def transforms_ahead(texts: Sequence[str], cache: Any, workers: int, limits: Limits) -> Iterator[TransformsAhead]:
    """Within the block, the templates among ``texts`` that need a transform
    and are not in the cache are read in a worker (with one worker
    configured, or none needed, nothing starts)."""
    wanted = list(dict.fromkeys(text for text in texts if may_need_transform(text)))
    wanted = not_cached(wanted, cache, limits) if wanted else []
    with in_background(_read_in_worker, [(text, limits) for text in wanted], workers) as futures:
        yield TransformsAhead(dict(zip(wanted, futures, strict=True)) if futures is not None else {})


def _read_in_worker(item: Tuple[str, Limits]) -> DecodedTemplate:
    text, limits = item
    return read_uncached(text, limits)
