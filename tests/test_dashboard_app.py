"""The Streamlit app through AppTest: every page, demo-like, hand-made, empty and broken workbooks,
filters, language, and the login gate."""

from __future__ import annotations

import base64
import hashlib
import re
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from automations.demo.command import OPEN_WITHOUT_LOGIN, write_demo_workbook
from dashboard import metrics
from dashboard.auth import hash_password
from dashboard.frames import Frames, build_frames
from dashboard.loading import _Memory, current_generation
from dashboard.login import login_throttle
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.backends.xlsx_cells import append_rows
from sheet_schema.backends.xlsx_init import create_workbook
from tests.fixtures_dashboard import SCHEMA, small_records, write_empty, write_small
from tests.test_revenue import write_typed

WAIT_ES = (
    r"Demasiadas contraseñas incorrectas\. "
    r"Espere (1 segundo|2 segundos) antes del próximo intento\."
)
APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
PAGES = ("overview", "funnel", "sources", "customers", "reminders", "mailings", "quality")


@pytest.fixture
def served_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Bind to loopback, as `sheetcrm demo` does (restored afterwards)."""
    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    yield
    config.set_option("server.address", before)


def app_for(workbook: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setattr(sys, "argv", ["app.py", "--workbook", str(workbook)])
    return AppTest.from_file(str(APP), default_timeout=60)


def demo_app(workbook: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app as `sheetcrm demo` starts it: opened without a login, to this computer only."""
    monkeypatch.setattr(sys, "argv", ["app.py", "--workbook", str(workbook), OPEN_WITHOUT_LOGIN])
    return AppTest.from_file(str(APP), default_timeout=60)


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"sections/{page}.py").run()
    assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
    return at


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    # Anchored on the real today, so the default period (last 12 months) holds the data.
    write_demo_workbook(path, SCHEMA, seed=7, customers=300, today=date.today())
    return path


@pytest.fixture(scope="module")
def demo_frames(demo_path: Path) -> Frames:
    return build_frames(XlsxBackend(demo_path, SCHEMA).read())


@pytest.fixture(scope="module")
def small_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_small(tmp_path_factory.mktemp("small") / "small.xlsx")


@pytest.mark.usefixtures("served_on")
def test_every_page_renders_the_demo_with_its_numbers(
    demo_path: Path, demo_frames: Frames, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = demo_app(demo_path, monkeypatch).run()
    assert not at.exception
    period = metrics.Period(date.fromordinal(date.today().toordinal() - 364), date.today())
    totals = metrics.deal_totals(demo_frames.deals, period)
    assert totals.deals > 0
    for page in PAGES:
        open_page(at, page)
        if page == "funnel":
            shown = metric_values(at)
            assert shown["Deals opened"] == f"{totals.deals:,}"
            assert shown["Won"] == f"{totals.won:,}"
            shown_table = at.dataframe[0].value
            table = metrics.funnel(
                demo_frames.deals,
                demo_frames.stage_history,
                demo_frames.stages,
                period,
                date.today(),  # the page counts open deals' days in stage to today
            )
            assert shown_table["Reached"].tolist() == [f"{n:,}" for n in table["reached"]]
            open_now = [f"{int(n):,}" for n in table["open_now"].dropna()]
            assert shown_table["Open now"].tolist()[: len(open_now)] == open_now
            assert any("So far: the open deals' current stays" in c.value for c in at.caption)
        if page == "sources":
            by_source = at.dataframe[0].value
            assert "Google Ads" in by_source["Source"].tolist()
        if page == "customers":
            assert len(at.dataframe[0].value) == 300
        if page == "mailings":
            assert "Emails left today" in metric_values(at)
        if page == "quality":
            assert len(at.dataframe[1].value) == len(demo_frames.problems) > 0


@pytest.mark.usefixtures("served_on")
def test_hand_made_workbook_shows_hand_computed_figures(
    small_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = demo_app(small_path, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    open_page(at, "funnel")
    assert metric_values(at)["Won value of the deals opened"] == "€3,000"
    assert at.dataframe[0].value["Reached"].tolist() == ["7", "6", "5", "3", "2"]
    open_page(at, "sources")
    totals = at.dataframe[0].value.set_index("Source")
    assert totals.loc["Referral", "Cost"] == "no cost data"
    assert totals.loc["Google Ads", "Cost per lead"] == "€150"
    assert totals.loc["Facebook", "ROI"] == "1,233%"
    open_page(at, "mailings")
    # The fixture's sends are in 2024, so today the whole cap of 10 is left.
    assert metric_values(at)["Emails left today"] == "10"
    open_page(at, "quality")
    problems = at.dataframe[1].value
    assert "“soon” is not a date" in problems["Problem"].tolist()
    assert problems["Row"].tolist() == ["3", "3", "3"]


@pytest.mark.usefixtures("served_on")
def test_pages_say_their_dates_and_show_unknown_as_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_typed(tmp_path / "typed.xlsx")
    at = demo_app(path, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    won = next(m for m in at.metric if m.label == "Won revenue")
    assert won.value == "€5,950"  # purchases included, the one naming a valued deal only once
    assert won.delta == "incomplete: 1 deal without a value"
    assert any(
        c.value.startswith("Dates: leads by the customer's Created date") for c in at.caption
    )
    open_page(at, "funnel")
    assert any(c.value.startswith("Dates: the deals opened") for c in at.caption)
    open_page(at, "sources")
    assert any(c.value.startswith("Dates: leads by the month") for c in at.caption)
    totals = at.dataframe[0].value.set_index("Source")
    assert {"Olark Chat (not in the list)", "(no source)", "Event", "Website"} == set(totals.index)
    assert totals.loc["Event", "ROI"] == "250%"  # the deal's own source, not its customer's
    assert totals.loc["Website", "ROI"] == "–"  # a sale without a value: no ROI, not -100 %
    assert totals.loc["Website", "Sales without an amount"] == "1"


@pytest.mark.usefixtures("served_on")
def test_manager_filter_applies_to_every_page(
    small_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = demo_app(small_path, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    at.sidebar.multiselect(key="managers").select("João").run()
    open_page(at, "funnel")
    assert metric_values(at)["Deals opened"] == "3"  # D3, D4, D6
    open_page(at, "customers")
    assert sorted(at.dataframe[0].value["ID"]) == ["C-0003", "C-0004", "C-0006"]
    open_page(at, "overview")
    assert metric_values(at)["New leads"] == "3"


@pytest.mark.usefixtures("served_on")
def test_every_page_works_on_an_empty_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = demo_app(write_empty(tmp_path / "empty.xlsx"), monkeypatch).run()
    assert not at.exception
    for page in PAGES:
        open_page(at, page)
    open_page(at, "funnel")
    assert metric_values(at)["Deals opened"] == "0"
    open_page(at, "mailings")
    assert metric_values(at)["Emails left today"] == "450"


@pytest.mark.usefixtures("served_on")
def test_workbook_language_translates_the_interface(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "es.xlsx"
    create_workbook(path, SCHEMA, settings=[("Language", "es"), ("Currency", "EUR")])
    at = demo_app(path, monkeypatch).run()
    assert at.title[0].value == "Resumen"
    open_page(at, "funnel")
    assert at.title[0].value == "Embudo"
    assert metric_values(at)["Valor ganado de los tratos abiertos"] == "0 €"
    at.sidebar.selectbox(key="language").set_value("el").run()
    assert at.title[0].value == "Χοάνη πωλήσεων"


@pytest.mark.usefixtures("served_on")
def test_spanish_dashboard_shows_stages_lifecycles_segments_and_periods_in_spanish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "es.xlsx"
    create_workbook(path, SCHEMA, settings=[("Language", "es")])
    records = small_records()
    records["Customers"][2]["segment"] = "Amigos de la casa"  # typed by the team: kept as typed
    append_rows(path, SCHEMA, records)
    at = demo_app(path, monkeypatch).run()
    periods = at.sidebar.selectbox(key="period_preset")
    assert periods.options == [
        "Últimos 30 días",
        "Últimos 90 días",
        "Últimos 12 meses",
        "Este año",
        "Todo",
        "Personalizado",
    ]
    assert periods.value == "12m"
    periods.set_value("all").run()
    open_page(at, "funnel")
    stages = at.dataframe[0].value["Etapa"].tolist()
    assert stages == ["Contacto", "Cualificado", "Propuesta", "Negociación", "Ganado"]
    open_page(at, "customers")
    shown = at.dataframe[0].value.set_index("ID")
    assert shown.loc["C-0001", "Ciclo de vida"] == "Activo"
    assert shown.loc["C-0001", "Segmento"] == "Campeones"
    assert shown.loc["C-0003", "Segmento"] == "Amigos de la casa"
    assert shown.loc["C-0006", "Ciclo de vida"] == "Inactivo"
    at.selectbox(key="customer_pick").set_value("C-0001").run()
    assert at.dataframe[-3].value["Etapa"].tolist() == ["Ganado"]


@pytest.mark.usefixtures("served_on")
@pytest.mark.parametrize("kind", ["missing", "not-xlsx"])
def test_unreadable_workbook_shows_an_error_not_a_traceback(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crm.xlsx"
    if kind == "not-xlsx":
        path.write_text("name,email\nAna,ana@example.com\n")
    at = demo_app(path, monkeypatch).run()
    assert not at.exception
    message = at.error[0].value
    assert "The workbook cannot be read" in message
    assert str(path) in message
    assert ("no such workbook" in message) if kind == "missing" else ("not a readable" in message)


@pytest.fixture
def bound_to() -> Iterator[Callable[[str], None]]:
    """Set Streamlit's server.address for one test (restored afterwards)."""
    before = config.get_option("server.address")
    yield lambda address: config.set_option("server.address", address)
    config.set_option("server.address", before)


@pytest.fixture(autouse=True)
def fresh_throttle() -> Iterator[None]:
    """Each test starts with no wrong passwords counted (the throttle lives per process)."""
    login_throttle.clear()
    yield
    login_throttle.clear()


@pytest.mark.parametrize("address", ["0.0.0.0", "", "127.0.0.1", "localhost"])
def test_without_a_login_set_up_no_data_is_shown_on_any_address(
    address: str, small_path: Path, monkeypatch: pytest.MonkeyPatch, bound_to: Callable[[str], None]
) -> None:
    # 127.0.0.1 is the README's production layout: behind a reverse proxy every visitor
    # connects from this computer, so the bind address alone must not open it.
    bound_to(address)
    at = app_for(small_path, monkeypatch).run()
    assert not at.exception
    assert "needs a login" in at.error[0].value
    assert not at.metric and not at.dataframe


def test_opened_without_login_only_when_bound_to_loopback(
    small_path: Path, monkeypatch: pytest.MonkeyPatch, bound_to: Callable[[str], None]
) -> None:
    bound_to("0.0.0.0")
    at = demo_app(small_path, monkeypatch).run()
    assert "for this computer only" in at.error[0].value
    assert not at.metric and not at.dataframe
    # The same choice made in secrets instead of the command line; on loopback it opens.
    bound_to("127.0.0.1")
    at = app_for(small_path, monkeypatch)
    at.secrets["dashboard"] = {"open_without_login": True}
    at.run()
    assert not at.error
    assert "New leads" in metric_values(at)


def test_a_password_is_asked_even_when_opened_on_loopback(
    small_path: Path, monkeypatch: pytest.MonkeyPatch, bound_to: Callable[[str], None]
) -> None:
    bound_to("127.0.0.1")
    at = demo_app(small_path, monkeypatch)
    at.secrets["auth"] = {"password_hash": hash_password("correct horse")}
    at.run()
    assert at.title[0].value == "Sign in"
    assert not at.metric and not at.dataframe
    at.text_input(key="login_password").input("wrong")
    at.button[0].click().run()
    assert at.error[0].value == "Wrong password."
    assert not at.metric
    at.text_input(key="login_password").input("correct horse")
    at.button[0].click().run()
    assert not at.exception
    assert "New leads" in metric_values(at)


def test_too_many_wrong_passwords_make_the_next_try_wait(
    small_path: Path, monkeypatch: pytest.MonkeyPatch, bound_to: Callable[[str], None]
) -> None:
    bound_to("0.0.0.0")
    # A hash as an older version stored it, with a cheap cost so the many tries stay quick; the
    # parameters travel in the string, so it is still accepted.
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"correct horse", salt=salt, n=2**10, r=8, p=1, dklen=64)
    stored = "$".join(
        [
            "scrypt",
            "1024",
            "8",
            "1",
            base64.b64encode(salt).decode(),
            base64.b64encode(digest).decode(),
        ]
    )
    at = app_for(small_path, monkeypatch)
    at.secrets["auth"] = {"password_hash": stored}
    at.session_state["language"] = "es"
    at.run()
    assert at.title[0].value == "Iniciar sesión"
    for guess in range(1, 6):
        at.text_input(key="login_password").input(f"guess {guess}")
        at.button[0].click().run()
        assert [e.value for e in at.error] == ["Contraseña incorrecta."]
        # Four wrong tries are free; the fifth makes the next one wait a second.
        expected = [
            "Demasiadas contraseñas incorrectas. Espere 1 segundo antes del próximo intento."
        ]
        assert [w.value for w in at.warning] == (expected if guess == 5 else [])
    at.text_input(key="login_password").input("guess 6")
    at.button[0].click().run()
    # Refused unchecked while the second runs, or checked and then two seconds: a wait either way.
    shown = [e.value for e in at.error] + [w.value for w in at.warning]
    assert any(re.fullmatch(WAIT_ES, text) for text in shown), shown
    assert not at.metric and not at.dataframe


@pytest.mark.usefixtures("served_on")
def test_sheet_text_is_escaped_in_the_customer_history(
    small_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = demo_app(small_path, monkeypatch).run()
    open_page(at, "customers")
    at.selectbox(key="customer_pick").set_value("C-0005").run()
    header = next(m.value for m in at.markdown if "C\\-0005" in m.value)
    assert "\\<script\\>" in header
    assert all("<script>" not in m.value for m in at.markdown)


def test_cache_generation_follows_the_workbooks_ttl() -> None:
    memory = _Memory()
    assert current_generation(memory, "crm.xlsx", 1000.0) == 0
    memory.workbooks["crm.xlsx"].read_at = 1000.0
    memory.workbooks["crm.xlsx"].ttl = 60
    assert current_generation(memory, "crm.xlsx", 1059.0) == 0  # still fresh
    assert current_generation(memory, "crm.xlsx", 1060.0) == 1  # read again
    assert current_generation(memory, "other.xlsx", 1060.0) == 0


@pytest.mark.usefixtures("served_on")
def test_refresh_button_reads_the_workbook_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_small(tmp_path / "crm.xlsx")
    at = demo_app(path, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    assert metric_values(at)["New leads"] == "6"
    append_rows(path, SCHEMA, {"Customers": [{"name": "Gus", "created": date(2024, 6, 1)}]})
    at.run()
    assert metric_values(at)["New leads"] == "6"  # cached for the workbook's TTL (300 s)
    at.sidebar.button(key="refresh").click().run()
    assert metric_values(at)["New leads"] == "7"


@pytest.mark.usefixtures("served_on")
def test_revenue_follows_the_manager_filter_and_a_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sales are made once per read for the unfiltered frames: a filter still counts only
    its own, and a refresh counts a purchase typed meanwhile (small workbook: Maria won D1 for
    1,000, João D3 for 2,000)."""
    path = write_small(tmp_path / "crm.xlsx")
    at = demo_app(path, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    assert metric_values(at)["Won revenue"] == "€3,000"
    at.sidebar.multiselect(key="managers").select("João").run()
    assert metric_values(at)["Won revenue"] == "€2,000"
    at.sidebar.multiselect(key="managers").unselect("João").run()
    assert metric_values(at)["Won revenue"] == "€3,000"
    purchase = {"date": date(2024, 6, 1), "customer_id": "C-0003", "kind": "Purchase"}
    append_rows(path, SCHEMA, {"Interactions": [{**purchase, "amount": 500}]})
    at.sidebar.button(key="refresh").click().run()
    assert metric_values(at)["Won revenue"] == "€3,500"
    # The Sources page's revenue by source adds up to the same, filtered or not.
    open_page(at, "sources")
    assert _money_total(at.dataframe[0].value["Revenue"]) == 3500
    at.sidebar.multiselect(key="managers").select("João").run()
    assert _money_total(at.dataframe[0].value["Revenue"]) == 2500


def _money_total(shown: pd.Series) -> int:
    """The sum of a column of amounts as the page shows them ("€1,000")."""
    return sum(int(re.sub(r"[^0-9]", "", str(v)) or 0) for v in shown)


@pytest.mark.usefixtures("served_on")
def test_pages_opened_after_one_without_interactions_still_show_them(
    small_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = demo_app(small_path, monkeypatch).run()
    open_page(at, "funnel")  # drawn without reading the Interactions tab
    open_page(at, "customers")
    at.selectbox(key="customer_pick").set_value("C-0001").run()
    assert at.dataframe[-2].value["Summary"].tolist() == ["Intro call"]
    open_page(at, "quality")
    problems = at.dataframe[1].value
    assert problems[problems["Tab"] == "Interactions"]["Row"].tolist() == ["3"]


@pytest.mark.usefixtures("served_on")
def test_pages_opened_after_one_that_read_only_purchases_show_every_interaction(
    small_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Overview (the first page) reads only the Purchase rows of Interactions, for its revenue;
    Customers and Data quality, opened next, still show the other rows."""
    at = demo_app(small_path, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    assert metric_values(at)["Won revenue"] == "€3,000"
    open_page(at, "customers")
    at.selectbox(key="customer_pick").set_value("C-0001").run()
    assert at.dataframe[-2].value["Summary"].tolist() == ["Intro call"]
    open_page(at, "quality")
    problems = at.dataframe[1].value
    assert problems[problems["Tab"] == "Interactions"]["Row"].tolist() == ["3"]
    open_page(at, "overview")
    assert metric_values(at)["Won revenue"] == "€3,000"


@pytest.mark.usefixtures("served_on")
def test_group_by_shows_the_reports_figures_per_group_and_offers_the_csv(
    small_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The small workbook's deals by manager (a deal's own manager, else its customer's):
    # Maria has D1 (won 1,000), D2 (open), D5 (lost) and D7 (her own, open); João D3 (won
    # 2,000), D4 (lost) and D6 (open).
    at = demo_app(small_path, monkeypatch).run()
    at.sidebar.selectbox(key="period_preset").set_value("all").run()
    open_page(at, "funnel")
    at.selectbox(key="group_by_funnel").set_value("manager").run()
    assert not at.exception
    table = at.dataframe[-1].value.set_index("manager")
    assert table.loc["Maria", ["Deals", "Won", "Lost", "Open"]].tolist() == ["4", "1", "1", "2"]
    assert table.loc["João", ["Deals", "Won", "Lost", "Open"]].tolist() == ["3", "1", "1", "1"]
    assert table.loc["Maria", "Win rate"] == "50%"
    assert table.loc["João", "Won value of the deals opened"] == "€2,000"
    download = at.get("download_button")
    assert [d.proto.label for d in download] == ["Download table (CSV)"]
