"""Pausing Python's cyclic garbage collector while a read builds millions of small objects.

A 50,000-customer workbook holds about five million cells, and a read makes objects of all of
them: the parsed grid's lists and values, then each typed row's dicts. None of these form
reference cycles (reference counting frees them), yet the collector, started again and again by
the growing number of new objects, walks every one of them in its full passes. On that workbook
those passes were half of the read (docs/PERFORMANCE.md). So a read pauses the collector, and it
resumes afterwards, finding whatever cycles there are as usual.

The collector is one per process, shared by every thread (the dashboard serves sessions on
several), so pauses are counted under a lock: it resumes when the last read ends, and only if it
was running when the first began (a program that switched it off keeps it off).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    """How many reads are under way, and whether the collector ran before the first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.resume = False


# One per process, as the collector it pauses is.
_PAUSES = _Pauses()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector paused (see the module's docstring)."""
    with _PAUSES.lock:
        if _PAUSES.depth == 0:
            _PAUSES.resume = gc.isenabled()
            gc.disable()
        _PAUSES.depth += 1
    try:
        yield
    finally:
        with _PAUSES.lock:
            _PAUSES.depth -= 1
            if _PAUSES.depth == 0 and _PAUSES.resume:
                gc.enable()
