"""bot/core/heap.py: a query's catalog-length temporaries come from the heap (no page fault per
4 KB on every answer), while a replaced snapshot's memory still leaves the process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.core import heap

pytestmark = pytest.mark.skipif(heap._libc() is None, reason="glibc's malloc only")

# A fresh process each: mallopt settings last for the life of a process.
FAULTS = """
import resource
import numpy as np
from bot.core import heap
heap.map_big_allocations()
titles = np.ones(130_000, dtype=np.float32)  # one float32 per title of a large catalog
for _ in range(5):
    (titles * 2).sum()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    (titles * 2).sum()  # a temporary of 0.5 MB made and freed, as every answer does
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

RETURNED = """
import numpy as np
from bot.core import heap

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

heap.map_big_allocations()
base = rss_mb()
# A snapshot's worth of arrays below the mapping threshold, written, then dropped.
parts = [np.ones(2_000_000, dtype=np.float32) for _ in range(60)]  # 8 MB each, 480 MB
held = rss_mb() - base
del parts
heap.trim()
print(held, rss_mb() - base)
"""


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


def test_a_query_temporary_does_not_fault_its_pages_in_every_time() -> None:
    faults = int(run(FAULTS))
    # Mapped per temporary, it would be ~128 faults each: 25,600 for the 200.
    assert faults < 2_000, faults


def test_a_dropped_snapshot_memory_goes_back_after_trim() -> None:
    held, left = (float(x) for x in run(RETURNED).split())
    assert held > 400
    assert left < 80, (held, left)
