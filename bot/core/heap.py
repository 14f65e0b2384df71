"""Giving freed snapshot memory back to the system (glibc's malloc; elsewhere these do nothing).

A bot holds one catalog snapshot (~250 MB on the imported catalog) and loads the next beside
it, so its peak is two snapshots. That is only true if the old one's memory really leaves the
process when it is dropped; by default glibc keeps much of it:
- an array of up to 32 MB freed after being mapped raises malloc's mmap threshold to its size,
  so the next snapshot's arrays come from the heap, where freed space stays in the process;
- freed heap space is returned only from the top of the heap, not from the middle.
`map_big_allocations` fixes the threshold (big arrays are always mapped, and unmapped when
freed); `trim` returns the free heap pages once a snapshot is gone.

The threshold is well above a per-query temporary, though: every answer makes a few dozen
catalog-length vectors (a float32 per title: 0.5 MB at 130k titles, a years x titles product
for personal picks), and a mapping per temporary is a page fault per 4 KB when it is first
written (~1,900 per similar list at 130k titles: 9 ms instead of 2.5, measured). So is the
trim threshold: freed temporaries at the top of the heap stay for the next query, and `trim`
returns them with the old snapshot.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1  # malloc.h
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's own ceiling for its moving threshold
TRIM_THRESHOLD = 64 * 1024 * 1024


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018 - glibc only: musl and macOS have neither function
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError, TypeError):
        return None
    return libc


@functools.cache
def map_big_allocations() -> None:
    """Allocations above MMAP_THRESHOLD always get their own mapping, and up to
    TRIM_THRESHOLD of free heap top stays until `trim` (once per process)."""
    libc = _libc()
    if libc is None:
        return
    if not libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD):
        log.warning("mallopt(M_MMAP_THRESHOLD) failed")
    if not libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD):
        log.warning("mallopt(M_TRIM_THRESHOLD) failed")


def trim() -> None:
    """Return free heap memory to the system (a few ms on a bot's heap)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
