"""The owner's dashboard: ``streamlit run dashboard/app.py -- --workbook PATH``.

Also ``-- --spreadsheet ID --credentials FILE``, or the SHEETCRM_WORKBOOK environment variable;
the options are read by :func:`sheet_schema.backends.opening.open_workbook_from_arguments`,
exactly as the bot reads them; ``--open-without-login`` opens it without a login to this computer
only (see :mod:`dashboard.auth`). This is the one place that loads data: it checks the login, reads
the workbook (cached), draws the shared sidebar, and hands the chosen page a
:class:`~dashboard.view.View`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # `streamlit run` executes this file as a script
    _ROOT = str(Path(__file__).resolve().parents[1])
    if _ROOT not in sys.path:
        sys.path.insert(0, _ROOT)

from datetime import UTC, datetime

import streamlit as st

from dashboard.auth import OPEN_OPTION
from dashboard.i18n import Translator
from dashboard.loading import (
    InteractionRows,
    LoadFailure,
    all_sales,
    clear_cache,
    load_frames,
)
from dashboard.login import require_login
from dashboard.metrics import filter_frames
from dashboard.sidebar import filters, language_picker, refresh_button
from dashboard.view import View, publish
from sheet_schema.backends.base import Backend, WorkbookError
from sheet_schema.backends.opening import open_workbook_from_arguments
from sheet_schema.schema import SchemaError

# Pages that show the Interactions tab; the others are drawn without reading it.
# Purchases (Interactions) are revenue, so every page that shows revenue reads them.
# The pages that show Interactions rows, and those that count only its purchases (sales).
NEEDS_INTERACTIONS = frozenset({"customers", "quality"})
NEEDS_PURCHASES = frozenset({"overview", "sources"})
PAGES = (
    ("overview", "page.overview", ":material/dashboard:"),
    ("funnel", "page.funnel", ":material/filter_alt:"),
    ("sources", "page.sources", ":material/campaign:"),
    ("customers", "page.customers", ":material/group:"),
    ("reminders", "page.reminders", ":material/alarm:"),
    ("mailings", "page.mailings", ":material/mail:"),
    ("quality", "page.quality", ":material/rule:"),
)


@st.cache_resource(show_spinner=False)
def _backend(argv: tuple[str, ...]) -> Backend:
    # Built once per set of options: a Google Sheets backend authenticates when built.
    return open_workbook_from_arguments(argv, os.environ)


def _show_failure(message: str, tr: Translator) -> None:
    st.title(tr("app.title"))
    st.error(f"**{tr('error.workbook')}**\n\n{message}", icon=":material/error:")
    st.info(tr("error.hint"))
    st.button(tr("error.retry"), on_click=clear_cache, key="retry")


def main(argv: list[str]) -> None:
    """Draw the dashboard for the workbook the options point at."""
    st.set_page_config(page_title="SheetCRM", page_icon=":material/monitoring:", layout="wide")
    tr = Translator(str(st.session_state.get("language", "en")))
    if not require_login(tr, argv):
        st.stop()
    argv = [argument for argument in argv if argument != OPEN_OPTION]
    try:
        backend = _backend(tuple(argv))
    except (WorkbookError, SchemaError) as error:
        _show_failure(str(error), tr)
        st.stop()
    source_key = " ".join(argv) or backend.describe()
    loaded = load_frames(backend, source_key)
    if isinstance(loaded, LoadFailure):
        _show_failure(loaded.message, tr)
        st.stop()
    assert not isinstance(loaded, LoadFailure)
    settings = loaded.settings
    tr = Translator(language_picker(settings.language), settings.currency)
    now_local = datetime.now(UTC).astimezone(settings.zone).replace(tzinfo=None)
    today = now_local.date()
    period, managers, sources = filters(loaded, today, tr)
    refresh_button(tr)
    read_at = loaded.read_at.astimezone(settings.zone).replace(tzinfo=None)
    st.sidebar.caption(tr("sidebar.read_at", when=tr.datetime(read_at)))
    pages = [
        st.Page(f"sections/{name}.py", title=tr(key), icon=icon, url_path=name, default=index == 0)
        for index, (name, key, icon) in enumerate(PAGES)
    ]
    page = st.navigation(pages)
    # The default page (the first) has an empty url_path.
    name = page.url_path or PAGES[0][0]
    needs_interactions = name in NEEDS_INTERACTIONS or name in NEEDS_PURCHASES
    if needs_interactions:
        rows: InteractionRows = "all" if name in NEEDS_INTERACTIONS else "purchases"
        loaded = load_frames(backend, source_key, interactions=rows)
        if isinstance(loaded, LoadFailure):
            _show_failure(loaded.message, tr)
            st.stop()
        assert not isinstance(loaded, LoadFailure)
    frames = filter_frames(loaded, managers, sources)
    publish(
        View(
            frames=frames,
            everything=loaded,
            period=period,
            today=today,
            now_local=now_local,
            tr=tr,
            # The sales of everything are cached per read; filtered frames have their own.
            cached_sales=all_sales(loaded) if needs_interactions and frames is loaded else None,
        )
    )
    page.run()


if __name__ == "__main__":
    main(sys.argv[1:])
