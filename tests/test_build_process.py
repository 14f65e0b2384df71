"""The build process (bot/core/build_process.py) runs background work behind the bot."""

from __future__ import annotations

import os
import sys

import pytest

from bot.core import build_process

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's"
)


def _thread_priorities() -> list[tuple[int, int]]:
    """In the build process: the nice value and scheduling policy of each of its threads
    (numpy's BLAS threads included: it is imported here, as a build imports it), and of a
    thread started by the work itself, as a build starts its co-rating thread."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    np.ones((64, 64)) @ np.ones((64, 64))

    def of_threads() -> list[tuple[int, int]]:
        return [
            (os.getpriority(os.PRIO_PROCESS, int(t)), os.sched_getscheduler(int(t)))
            for t in os.listdir("/proc/self/task")
        ]

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(of_threads).result()


async def test_background_work_runs_at_a_lower_priority_than_the_bot() -> None:
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    background = await build_process.run(_thread_priorities, background=True)
    assert len(background) > 2
    assert all(nice >= min(ours + 1, 19) for nice, _ in background), (ours, background)
    # Only when nothing else wants a core, every thread of it.
    assert {policy for _, policy in background} == {os.SCHED_IDLE}


@pytest.mark.skipif(os.geteuid() != 0, reason="taking a priority back needs privileges")
async def test_work_the_bot_waits_for_runs_at_the_bots_priority() -> None:
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    await build_process.run(_thread_priorities, background=True)
    assert set(await build_process.run(_thread_priorities)) == {(ours, os.SCHED_OTHER)}
