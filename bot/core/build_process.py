"""One separate process for the catalog's heavy work (full snapshot builds, co-rating refits).

Run in a thread, that work held the GIL for most of its 11-45 s on a large catalog, and every
command waited for it in turns (0.5-5 s stalls). In its own process it runs beside the event
loop instead. The process is started on first use ('spawn': a fresh interpreter, nothing of
the parent's event loop, engine or locks inherited) and kept for later builds of every
catalog cache in this process. As with any 'spawn' pool, a script that uses it runs its work
under `if __name__ == "__main__":` (the new interpreter imports the main module).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
PR_SET_PDEATHSIG = 1  # linux/prctl.h
NICE = 10  # the build process's scheduling priority (0 normal, 19 lowest)

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return _pool


def _start_worker(parent: int) -> None:
    _die_with_parent(parent)
    _yield_to_commands()


def _yield_to_commands() -> None:
    """In the build process: run at a lower scheduling priority than the bot, every thread
    of it (BLAS's own too: on Linux a nice value is per thread, and later threads inherit it).
    On a quiet machine the build still gets the idle cores, as fast as before; when the cores
    are busy (a rating refit of a large catalog is minutes of CPU), the commands of the bot
    come first instead of waiting for the builder's time slices."""
    if not sys.platform.startswith("linux"):
        return
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError):  # a thread that just ended
            tid = int(task)
            os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), NICE))


def _die_with_parent(parent: int) -> None:
    """In the build process: go when the bot process goes, even when it is SIGKILLed. An
    orphaned builder would hold the bot's stdout open (and its memory) with nobody to build
    for; a supervisor waiting for the bot's output to end would wait for ever."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # it died before prctl took effect
            os._exit(0)


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
