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
BACKGROUND_NICE = 10  # how much lower background work runs (nice 0 normal, 19 lowest)

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
        return _pool


def _at_priority(nice: int, idle: bool, work: Callable[..., T], *args: object) -> T:
    """In the build process: `work(*args)` at that nice value, under SCHED_IDLE if `idle`."""
    _set_priority(nice, idle)
    return work(*args)


def _set_priority(nice: int, idle: bool) -> None:
    """Every thread of this process at this nice value and, `idle`, under Linux's SCHED_IDLE
    policy (BLAS's threads too: on Linux both are per thread, and new threads inherit their
    creator's). A nice value of 10 still left the build a tenth of a core the bot's thread
    was on: at 130k titles a refit running beside the bot put 1-2 ms on its slowest answers.
    SCHED_IDLE gets the cores only when nothing else wants them. Going back up to a higher
    priority needs privileges: without them the process stays where it was."""
    if not sys.platform.startswith("linux"):
        return
    policy = os.SCHED_IDLE if idle else os.SCHED_OTHER
    for task in os.listdir("/proc/self/task"):
        # A thread that just ended; a priority this process may not take back.
        with contextlib.suppress(OSError):
            os.sched_setscheduler(int(task), policy, os.sched_param(0))
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, int(task), nice)


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


async def run(work: Callable[..., T], *args: object, background: bool = False) -> T:
    """`work(*args)` in the build process (both picklable, `work` a module-level function).
    `background`: while the bot answers from what it has (a rebuild or refit that replaces a
    snapshot), at a lower priority than the bot (nice BACKGROUND_NICE, SCHED_IDLE): a refit
    of a large catalog is a minute of CPU, and the bot's commands come first instead of taking
    turns with it; on a quiet machine it still gets the idle cores. Otherwise (the bot waits
    for it) at the bot's own priority, where the process is allowed back there."""
    pool = _executor()
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    nice = min(ours + BACKGROUND_NICE, 19) if background else ours
    try:
        return await asyncio.wrap_future(pool.submit(_at_priority, nice, background, work, *args))
    except BrokenProcessPool:
        _discard(pool)
        raise
