"""One separate process for the catalog's heavy work (full snapshot builds, co-rating refits).

Run in a thread, that work held the GIL for most of its 11-45 s on a large catalog, and every
command waited for it in turns (0.5-5 s stalls). In its own process it runs beside the event
loop instead. The process is started on first use ('spawn': a fresh interpreter, nothing of
the parent's event loop, engine or locks inherited), kept for later builds of every catalog
cache in this process, and runs at a lower priority so commands win the CPU on a busy machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")

# Background work: yields the CPU to the bot's own process when both want it.
NICENESS = 5

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _lower_priority() -> None:
    # Not on this platform, or not allowed: run as is.
    with contextlib.suppress(AttributeError, OSError):
        os.nice(NICENESS)


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_lower_priority,
            )
        return _pool


def _discard(broken: ProcessPoolExecutor) -> None:
    """A worker that died (killed, out of memory) breaks its pool for good: the next build
    starts a new one."""
    global _pool
    with _lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


async def run(work: Callable[..., T], *args: object) -> T:
    """`work(*args)` in the build process (both picklable, `work` a module-level function)."""
    pool = _executor()
    try:
        return await asyncio.wrap_future(pool.submit(work, *args))
    except BrokenProcessPool:
        _discard(pool)
        raise
