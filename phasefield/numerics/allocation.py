"""glibc's allocator and a step's large temporaries: keep freed memory in the heap for reuse.

A step makes hundreds of temporary arrays of one field's size (0.5 MB at 256^2, 8 MB at
1024^2, 5 MB for 128 x 72 x 72 cells). glibc serves blocks above its mmap threshold (128 KiB at
start, raised only by what is freed) with fresh pages from the kernel and gives them back when
they are freed, and trims the heap's top above a trim threshold: every such temporary is then
zero-filled page by page on first touch. Measured (``benchmarks/bench_cost_per_cell.py
--compare-heap``, README "Speed"): the kernel's share of a 3D step at 128 x 72 x 72 was a third
of its time. With the threshold at 32 MiB (the ceiling of glibc's own raising) and freed memory kept up
to 1 GiB, the blocks are reused from the heap (:func:`reuse_heap_memory`, set when a run
starts); the numbers computed are the same bit for bit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

_M_TRIM_THRESHOLD = -1  # mallopt parameters (glibc malloc.h)
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20
"""Blocks below this come from the heap (the ceiling of glibc's own dynamic threshold, DEFAULT_MMAP_THRESHOLD_MAX on 64-bit)."""
TRIM_THRESHOLD = 2**30
"""Freed memory at the heap's top kept for reuse up to this much [bytes]."""


@functools.lru_cache(maxsize=1)
def _mallopt():
    """glibc's ``mallopt``, or None (another C library, or none found)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return getattr(ctypes.CDLL(name), "mallopt", None)
    except OSError:
        return None


def reuse_heap_memory() -> bool:
    """Serve blocks up to :data:`MMAP_THRESHOLD` from the heap and keep freed memory up to
    :data:`TRIM_THRESHOLD`, for the rest of the process; True if set (glibc), False otherwise.

    Not undone after a run: setting glibc's thresholds turns off its own raising of the mmap
    threshold for the process, so its initial values would be worse than either.
    """
    mallopt = _mallopt()
    if mallopt is None:
        return False
    return mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
