"""Reading the workbook for the dashboard: cached, refreshable, and never a traceback.

The cache TTL is the workbook's own ``Cache TTL seconds`` setting, which is only known after a
read. So the cached loader takes a *time bucket*, ``floor(now / ttl)``, as part of its key, with
the TTL remembered from the previous read of the same workbook (300 s before the first read): a
new bucket means a fresh read, and st.cache_data's own TTL only evicts old entries. The frames are
cached, not the snapshot, so a cache hit hands the pages ready DataFrames.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from dashboard.frames import Frames, build_frames
from sheet_schema.backends.base import Backend, WorkbookError
from sheet_schema.settings import Settings

DEFAULT_TTL_SECONDS = Settings().cache_ttl_seconds
EVICT_AFTER_SECONDS = 24 * 3600


@st.cache_resource
def _ttl_memory() -> dict[str, int]:
    # The last TTL each workbook asked for, shared by every session of this server.
    return {}


@st.cache_data(ttl=EVICT_AFTER_SECONDS, max_entries=4, show_spinner=False)
def _read_frames(source_key: str, bucket: int, _backend: Backend) -> Frames:
    del source_key, bucket  # cache key only
    return build_frames(_backend.read())


def time_bucket(ttl_seconds: int, now: float) -> int:
    """The cache bucket for ``now``; a TTL of 0 means a new bucket on every run (no caching)."""
    if ttl_seconds <= 0:
        return time.time_ns()
    return int(now // ttl_seconds)


@dataclass(frozen=True)
class LoadFailure:
    """Why the workbook could not be read, for the page to show."""

    message: str


def load_frames(backend: Backend, source_key: str) -> Frames | LoadFailure:
    """The workbook's frames, from the cache while the workbook's TTL lasts."""
    memory = _ttl_memory()
    ttl = memory.get(source_key, DEFAULT_TTL_SECONDS)
    try:
        frames = _read_frames(source_key, time_bucket(ttl, time.time()), backend)
    except WorkbookError as error:
        return LoadFailure(str(error))
    except Exception as error:  # a page must explain, not crash: e.g. a network error
        return LoadFailure(f"{backend.describe()}: {type(error).__name__}: {error}")
    memory[source_key] = frames.settings.cache_ttl_seconds
    return frames


def clear_cache() -> None:
    """Forget every cached read, so the next run reads the workbook again."""
    _read_frames.clear()
