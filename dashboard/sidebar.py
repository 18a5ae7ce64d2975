"""The sidebar every page shares: language, period, managers, sources and refresh."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from dashboard.frames import Frames
from dashboard.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from dashboard.loading import clear_cache, sidebar_options
from dashboard.metrics import Period

PRESETS = ("30d", "90d", "12m", "ytd", "all", "custom")
DEFAULT_PRESET = "12m"


def preset_period(preset: str, today: date) -> Period:
    """The dates a preset stands for, ending today (``custom`` falls back to 30 days)."""
    if preset == "all":
        return Period()
    if preset == "90d":
        return Period(today - timedelta(days=89), today)
    if preset == "12m":
        return Period(today - timedelta(days=364), today)
    if preset == "ytd":
        return Period(date(today.year, 1, 1), today)
    return Period(today - timedelta(days=29), today)


def language_picker(default: str) -> str:
    """The interface language: the workbook's, unless the owner picked another."""
    index = LANGUAGES.index(default) if default in LANGUAGES else 0
    choice = st.sidebar.selectbox(
        "Language · Idioma · Γλώσσα",
        LANGUAGES,
        index=index,
        format_func=lambda code: LANGUAGE_NAMES[code],
        key="language",
    )
    return str(choice)


def filters(
    frames: Frames, today: date, tr: Translator
) -> tuple[Period, tuple[str, ...], tuple[str, ...]]:
    """Period, managers and sources widgets; returns what they hold."""
    preset = st.sidebar.selectbox(
        tr("sidebar.period"),
        PRESETS,
        index=PRESETS.index(DEFAULT_PRESET),
        format_func=lambda key: tr(f"period.{key}"),
        key="period_preset",
    )
    period = preset_period(str(preset), today)
    if preset == "custom":
        picked = st.sidebar.date_input(
            tr("sidebar.from_to"), value=(period.start, period.end), key="period_dates"
        )
        if isinstance(picked, tuple) and len(picked) == 2:
            period = Period(picked[0], picked[1])
    elif period.start and period.end:
        st.sidebar.caption(tr("period.shown", start=tr.date(period.start), end=tr.date(period.end)))
    managers, sources = sidebar_options(frames)
    chosen_managers = st.sidebar.multiselect(
        tr("sidebar.managers"), managers, placeholder=tr("sidebar.all"), key="managers"
    )
    chosen_sources = st.sidebar.multiselect(
        tr("sidebar.sources"),
        sources,
        placeholder=tr("sidebar.all"),
        format_func=tr.value,  # "Olark Chat (not in the list)" in the dashboard's language
        key="sources",
    )
    return period, tuple(chosen_managers), tuple(chosen_sources)


def refresh_button(tr: Translator) -> None:
    """A button that drops the cached data; the rerun it triggers reads the workbook again."""
    st.sidebar.button(
        tr("sidebar.refresh"), on_click=clear_cache, key="refresh", icon=":material/refresh:"
    )
