"""The snapshot file: a pickle whose big arrays lie beside it, page-aligned, and are mapped
from the file on load instead of being read into the process.

A catalog snapshot is ~25 MB of Python objects and ~90 MB of numpy arrays (co-rating weights,
the semantic vectors, the content matrices) on the imported catalog. Read into memory, every
loaded snapshot costs all of it at once, beside the one still answering. Pickle protocol 5
hands out the arrays' buffers (`buffer_callback`); they are written after the pickle and, on
load, become views of a copy-on-write mapping of the file: the arrays cost nothing until a
query touches their pages, those pages are the page cache's (shared by every process that
loaded the same file, and given back by the kernel under pressure), and dropping the
snapshot unmaps them. A write into such an array (none is expected) stays private to the
process, as with any array.

Layout: MAGIC, then little-endian u64 pickle length and buffer count, (offset, length) u64
pairs, the pickle, and the buffers at their page-aligned offsets. The file is never written
in place (SnapshotStore writes a new file and renames it over the old), so a mapping stays
valid whatever happens to the path later.
"""

from __future__ import annotations

import io
import mmap
import os
import pickle
import struct
from pathlib import Path
from typing import Any

MAGIC = b"reelbot-snapshot-1\n"
ALIGN = mmap.PAGESIZE
# Smaller buffers stay in the pickle: a mapping per tiny array is not worth its page.
MIN_MAPPED = 64 * 1024
_HEADER = struct.Struct("<QQ")
_ENTRY = struct.Struct("<QQ")


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN


def dump(obj: Any, path: Path) -> None:
    """Write `obj` to `path` (a new file)."""
    buffers: list[pickle.PickleBuffer] = []

    def out_of_band(buffer: pickle.PickleBuffer) -> bool:
        if buffer.raw().nbytes < MIN_MAPPED:
            return True  # in-band
        buffers.append(buffer)
        return False

    stream = io.BytesIO()
    pickle.dump(obj, stream, protocol=5, buffer_callback=out_of_band)
    body = stream.getbuffer()
    raws = [b.raw() for b in buffers]
    offset = len(MAGIC) + _HEADER.size + _ENTRY.size * len(raws) + len(body)
    table = []
    for raw in raws:
        offset = _aligned(offset)
        table.append((offset, raw.nbytes))
        offset += raw.nbytes
    with path.open("wb") as f:
        f.write(MAGIC)
        f.write(_HEADER.pack(len(body), len(raws)))
        for entry in table:
            f.write(_ENTRY.pack(*entry))
        f.write(body)
        for (at, _size), raw in zip(table, raws, strict=True):
            f.write(b"\0" * (at - f.tell()))
            f.write(raw)


def load(path: Path) -> Any:
    """What `dump` wrote to `path`; ValueError if it is not such a file (or is cut short)."""
    with path.open("rb") as f:
        if f.read(len(MAGIC)) != MAGIC:
            raise ValueError(f"{path} is not a snapshot file")
        body_size, count = _HEADER.unpack(f.read(_HEADER.size))
        table = [_ENTRY.unpack(f.read(_ENTRY.size)) for _ in range(count)]
        # The pickle is streamed from the file, neither mapped nor read whole: either would
        # hold all of it (~70 MB on 130k titles) beside the objects being made from it, at the
        # moment two snapshots are in the process already.
        body_at = f.tell()
        size = os.fstat(f.fileno()).st_size
        if body_at + body_size > size or any(at + n > size for at, n in table):
            raise ValueError(f"{path} is cut short")
        buffers: list[memoryview] = []
        if table:
            start = table[0][0]
            # Copy-on-write: the arrays are writable, and a write never reaches the file.
            mapped = mmap.mmap(f.fileno(), size - start, access=mmap.ACCESS_COPY, offset=start)
            view = memoryview(mapped)
            buffers = [view[at - start : at - start + n] for at, n in table]
        # The arrays keep their slices of the mapping, and so the mapping, alive; nothing
        # else does.
        obj = pickle.Unpickler(f, buffers=buffers).load()
        if f.tell() != body_at + body_size:
            raise ValueError(f"{path} is not a snapshot file")
        return obj
