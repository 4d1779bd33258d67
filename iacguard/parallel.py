"""Running one function over many inputs in worker processes.

Parsing is CPU-bound pure Python, so threads would not help. Workers are
forked where the platform allows, so they start with the parent's imports
and need nothing pickled but the inputs and results.

Workers never outlive the parent: whatever ends it (an exception, Ctrl-C,
SIGTERM, even SIGKILL), they are stopped or stop themselves. Left behind,
each would hold the caller's standard output open, and a CI job reading it
would wait for ever.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator, List, Optional, Sequence, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_HELD = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}
# How often a worker looks whether its parent is still there, where the
# kernel cannot tell it.
_PARENT_POLL_S = 1.0


def map_in_processes(function: Callable[[T], R], items: Sequence[T], workers: int, threshold: int,
                     chunksize: int = 8) -> List[R]:
    """``[function(item) for item in items]``, in ``workers`` processes when
    there are at least ``threshold`` items (below that a pool costs more than
    it saves). ``function`` must be a module-level function."""
    if workers <= 1 or len(items) < threshold:
        return [function(item) for item in items]
    import multiprocessing

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with _worker_pool(workers, context) as pool:
        # The workers are forked while submitting. A signal handled in the
        # middle of a fork runs inside the at-fork callbacks, which swallow
        # the exception it raises (the scan would go on, or wait for a worker
        # that never started): signals wait until the forks are done.
        with _signals_held():
            pending = pool.map(function, items, chunksize=chunksize)
        return list(pending)


@contextmanager
def in_background(function: Callable[[T], R], items: Sequence[T],
                  workers: int) -> Iterator[Optional[List["Future[R]"]]]:
    """``function`` on each item in one worker process forked now, while the
    caller goes on: a future per item, in order. None (nothing started)
    without items, with one worker configured, or where processes cannot be
    forked (a fresh interpreter would pay again for every import). Leaving
    the block stops the worker, whatever it is still doing."""
    if workers <= 1 or not items:
        yield None
        return
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    with _worker_pool(1, multiprocessing.get_context("fork")) as pool:
        try:
            with _signals_held():  # see map_in_processes
                futures = [pool.submit(function, item) for item in items]
        except OSError:  # no process to be had (the system refused the fork): the caller does the work
            yield None
            return
        yield futures
        if not all(future.done() for future in futures):
            _stop(pool)  # what is left is no longer wanted: do not wait for it


@contextmanager
def _worker_pool(workers: int, context: Any) -> Iterator["ProcessPoolExecutor"]:
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                               initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown()


def _stop(pool: "ProcessPoolExecutor") -> None:
    """Stop the workers now: leaving the pool normally would wait for every
    worker to finish its current items first."""
    import multiprocessing

    for process in multiprocessing.active_children():
        process.kill()
    pool.shutdown(cancel_futures=True)  # the pool notices its workers gone


@contextmanager
def _signals_held() -> Iterator[None]:
    """Within the block, Ctrl-C and termination signals stay pending;
    they are handled as soon as it ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_worker(parent: int) -> None:
    """Set up a worker: the parent alone answers Ctrl-C and SIGTERM (a
    process-group Ctrl-C would otherwise print a traceback per worker), and
    the worker ends when the parent does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # held by the parent while forking
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:
        threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the worker could ask to follow it
        os._exit(1)


def _exit_when_orphaned(parent: int) -> None:
    """Where no parent-death signal exists, notice being reparented."""
    event = threading.Event()
    while not event.wait(_PARENT_POLL_S):
        if os.getppid() != parent:
            os._exit(1)
