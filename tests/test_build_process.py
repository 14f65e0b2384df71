"""The build process (bot/core/build_process.py) runs beside the bot, behind it in line."""

from __future__ import annotations

import os
import sys

import pytest

from bot.core import build_process


def _thread_priorities() -> list[int]:
    """In the build process: the nice value of each of its threads (numpy's BLAS threads
    included: it is imported here, as a build imports it)."""
    import numpy as np

    np.ones((64, 64)) @ np.ones((64, 64))
    tasks = os.listdir("/proc/self/task")
    return [os.getpriority(os.PRIO_PROCESS, int(t)) for t in tasks]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
async def test_the_build_process_runs_at_a_lower_priority_than_the_bot() -> None:
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    priorities = await build_process.run(_thread_priorities)
    assert priorities
    assert all(p >= min(ours + 1, 19) for p in priorities), (ours, priorities)
