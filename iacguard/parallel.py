"""Running one function over many inputs in worker processes.

Parsing is CPU-bound pure Python, so threads would not help. Workers are
forked where the platform allows, so they start with the parent's imports
and need nothing pickled but the inputs and results.
"""

from __future__ import annotations

from typing import Callable, List, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_in_processes(function: Callable[[T], R], items: Sequence[T], workers: int, threshold: int,
                     chunksize: int = 8) -> List[R]:
    """``[function(item) for item in items]``, in ``workers`` processes when
    there are at least ``threshold`` items (below that a pool costs more than
    it saves). ``function`` must be a module-level function."""
    if workers <= 1 or len(items) < threshold:
        return [function(item) for item in items]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(function, items, chunksize=chunksize))
