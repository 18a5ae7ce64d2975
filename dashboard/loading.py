"""Reading the workbook for the dashboard: cached, refreshable, and never a traceback.

The cache TTL is the workbook's own ``Cache TTL seconds`` setting, which is only known after a
read. So the cached loader is keyed by a *generation* number per workbook: the first run reads
generation 0 and remembers when, and with which TTL; once that TTL has passed since the read, the
next run asks for the next generation, which is a fresh read. The refresh button forgets all.

Every page needs the core tabs; only Customers and Data quality need all of Interactions, the
biggest tab (two and a half rows per customer in the demo), and Overview and Sources only its
purchases (their sales). So the core tabs are one cached read and the Interactions tab another,
of the same generation, made only when such a page is opened, of only the rows the page needs:
at 50,000 customers that takes a third off the first render of the other pages. The two reads are
seconds apart at most; a customer's history may show an interaction saved in between.

What a rerun would otherwise redo is cached too: the core frames joined with Interactions (one
object per read, so a rerun that changes only the period finds the same frames), and every sale
of them (:func:`all_sales`). At 50,000 customers those two were about 0.6 s of the Sources
page's 0.9 s re-render after a period change (docs/PERFORMANCE.md).

The frames are kept with ``st.cache_resource`` rather than ``st.cache_data``: cache_data hands
every rerun an unpickled copy, which for a 50,000-customer workbook costs about 0.3 s a rerun
(measured with benchmarks/dashboard.py), more than half the re-render budget. Nothing mutates
the frames: metrics are pure functions that return new frames.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pandas as pd
import streamlit as st

from dashboard.frames import CORE_TABS, INTERACTIONS, Frames, build_frames, with_interactions
from dashboard.metrics.period import filter_options
from dashboard.metrics.revenue import sales_frame
from sheet_schema.backends.base import Backend, WorkbookError
from sheet_schema.collector import collector_paused
from sheet_schema.lists import PURCHASE
from sheet_schema.reading import RowFilter
from sheet_schema.settings import Settings

DEFAULT_TTL_SECONDS = Settings().cache_ttl_seconds
EVICT_AFTER_SECONDS = 24 * 3600


@dataclass
class _Freshness:
    generation: int = 0
    read_at: float | None = None  # time.monotonic() of the read, None until it succeeded
    ttl: float = DEFAULT_TTL_SECONDS


class _Memory:
    """Per workbook: which generation is current, when it was read and its TTL."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.workbooks: dict[str, _Freshness] = {}


@st.cache_resource
def _memory() -> _Memory:
    # Shared by every session of this server, like the cache it steers.
    return _Memory()


# The Interactions rows a page needs: none, only the purchases (revenue), or all of them.
InteractionRows = Literal["none", "purchases", "all"]
# Overview and Sources count sales only: of the Interactions tab, the Purchase rows, as
# `sheetcrm report` reads them (27,000 of 167,000 rows in the 50,000-customer demo).
_ONLY: dict[str, Mapping[str, RowFilter]] = {
    "purchases": {INTERACTIONS: RowFilter("kind", frozenset({PURCHASE}))},
    "all": {},
}


@st.cache_resource(ttl=EVICT_AFTER_SECONDS, max_entries=6, show_spinner=False)
def _read_frames(
    source_key: str,
    generation: int,
    tabs: tuple[str, ...],
    _backend: Backend,
    rows: InteractionRows = "all",
) -> Frames:
    del source_key, generation  # cache key only
    # The frames are built while the snapshot's millions of objects are alive: with the
    # garbage collector paused for that too (as the read pauses it), 0.5 s less at 50,000
    # customers.
    with collector_paused():
        return build_frames(_backend.read(tabs, _ONLY.get(rows, {})), tabs=tabs)


@st.cache_resource(ttl=EVICT_AFTER_SECONDS, max_entries=6, show_spinner=False)
def _joined(
    source_key: str, generation: int, rows: InteractionRows, _core: Frames, _part: Frames
) -> Frames:
    del source_key, generation, rows  # cache key only: the two reads of this generation
    return with_interactions(_core, _part)


@st.cache_resource(
    ttl=EVICT_AFTER_SECONDS, max_entries=4, show_spinner=False, hash_funcs={Frames: id}
)
def _sales_of(frames: Frames) -> tuple[Frames, pd.DataFrame]:
    # Keyed by the frames object, which the entry keeps alive: while it is cached no other
    # object can have its id, so an entry is never another read's sales.
    return frames, sales_frame(frames.customers, frames.deals, frames.interactions)


@st.cache_resource(
    ttl=EVICT_AFTER_SECONDS, max_entries=4, show_spinner=False, hash_funcs={Frames: id}
)
def _options_of(frames: Frames) -> tuple[Frames, tuple[list[str], list[str]]]:
    return frames, filter_options(frames)  # kept with the frames, as in _sales_of


def sidebar_options(frames: Frames) -> tuple[list[str], list[str]]:
    """The managers and sources the sidebar offers for frames :func:`load_frames` returned
    (:func:`dashboard.metrics.filter_options`), found once per read instead of on every rerun."""
    return _options_of(frames)[1]


def all_sales(frames: Frames) -> pd.DataFrame:
    """Every sale of frames :func:`load_frames` returned (:func:`dashboard.metrics.revenue.
    sales_frame`), made once per read instead of on every rerun."""
    return _sales_of(frames)[1]


@dataclass(frozen=True)
class LoadFailure:
    """Why the workbook could not be read, for the page to show."""

    message: str


def current_generation(memory: _Memory, source_key: str, now: float) -> int:
    """The generation to read: the next one once the last read is older than its TTL."""
    with memory.lock:
        state = memory.workbooks.setdefault(source_key, _Freshness())
        if state.read_at is not None and now - state.read_at >= state.ttl:
            state.generation += 1
            state.read_at = None
        return state.generation


def load_frames(
    backend: Backend, source_key: str, interactions: InteractionRows = "none"
) -> Frames | LoadFailure:
    """The workbook's frames, from the cache while the workbook's TTL lasts.

    ``interactions`` says which rows of the Interactions tab the frames hold: none (the frame is
    empty, see the module's docstring), only the purchases, or all.
    """
    memory = _memory()
    generation = current_generation(memory, source_key, time.monotonic())
    try:
        frames = _read_frames(source_key, generation, CORE_TABS, backend)
        if interactions != "none":
            part = _read_frames(source_key, generation, (INTERACTIONS,), backend, interactions)
            frames = _joined(source_key, generation, interactions, frames, part)
    except WorkbookError as error:
        return LoadFailure(str(error))
    except Exception as error:  # a page must explain, not crash: e.g. a network error
        return LoadFailure(f"{backend.describe()}: {type(error).__name__}: {error}")
    with memory.lock:
        state = memory.workbooks[source_key]
        if state.read_at is None and state.generation == generation:
            state.read_at = time.monotonic()
            state.ttl = frames.settings.cache_ttl_seconds
    return frames


def clear_cache() -> None:
    """Forget every cached read, so the next run reads the workbook again."""
    _read_frames.clear()
    _joined.clear()
    _sales_of.clear()
    _options_of.clear()
    memory = _memory()
    with memory.lock:
        memory.workbooks.clear()
