"""The dashboard in a real headless Chromium: `streamlit run` on loopback, every page opened."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from automations.demo.command import write_demo_workbook
from tests.fixtures_dashboard import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_TITLES,
    SCHEMA,
    dashboard_server,
    wait_for_render,
)
from tests.test_report_unreadable import CUSTOMERS, broken, delete_deals

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = playwright_api.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    workbook = tmp_path_factory.mktemp("browser") / "demo.xlsx"
    write_demo_workbook(workbook, SCHEMA, seed=7, customers=300, today=date.today())
    with dashboard_server(workbook) as url:
        yield url


def test_every_page_opens_without_an_exception(server: str, tmp_path: Path) -> None:
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for name, title in PAGE_TITLES.items():
                page.goto(f"{server}/{name}")
                wait_for_render(page, title)
                exceptions = page.locator('[data-testid="stException"]')
                assert exceptions.count() == 0, f"{name}: {exceptions.first.inner_text()}"
                # Charts draw after the page title appears; under load that takes a while, so
                # wait for the chart a person sees (not for text that a hidden data-grid cell
                # may hold first).
                if name == "funnel":
                    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
                if name == "sources":
                    chart = page.locator(".js-plotly-plot", has_text="Google Ads").first
                    expect(chart).to_be_visible(timeout=30_000)
                page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
            # The owner has nothing to deploy: Streamlit's developer toolbar is hidden.
            assert page.locator('[data-testid="stAppDeployButton"]').count() == 0
            # The shared sidebar (filters) is drawn on every page.
            page.goto(f"{server}/funnel")
            wait_for_render(page, "Funnel")
            assert page.locator('[data-testid="stSidebar"]').get_by_text("Managers").count() == 1
        finally:
            browser.close()
    assert sorted(p.stem for p in tmp_path.glob("*.png")) == sorted(PAGE_TITLES)


@pytest.fixture(scope="module")
def server_without_deals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A workbook typed by hand whose Deals tab was then deleted."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with dashboard_server(broken(tmp_path_factory.mktemp("no-deals"), delete_deals)) as url:
        yield url


def _choose(page: Any, label: str, title: str, option: str) -> None:
    """Pick ``option`` in the select box labelled ``label`` on the page titled ``title``, as a
    person does, and wait for the page to run again with it.

    A select opened while the page is still redrawing after the last choice can close under the
    pointer (Streamlit replaces it); a person would open it again, and so does this."""
    wait_for_render(page, title)
    for _ in range(3):
        page.get_by_role("combobox", name=label).click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
            break
        except playwright_api.Error:
            continue
    else:
        raise AssertionError(f"{label}: the option {option!r} never showed")
    wait_for_render(page, title)


def test_sources_page_says_unknown_and_its_csv_too(server_without_deals: str) -> None:
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page.goto(f"{server_without_deals}/sources")
            wait_for_render(page, "Marketing sources")
            warning = page.get_by_test_id("stAlert").filter(has_text="no Deals tab")
            expect(warning).to_be_visible(timeout=30_000)
            expect(warning).to_contain_text("Unknown here: Customers won, Revenue")
            _choose(page, "Period", "Marketing sources", "All time")
            expect(page.get_by_role("combobox", name="Period")).to_have_value("All time")
            _choose(page, "Group by", "Marketing sources", "month")
            button = page.get_by_role("button", name="Download table (CSV)")
            expect(button).to_be_visible(timeout=30_000)
            with page.expect_download(timeout=30_000) as download:
                button.click()
            rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
        finally:
            browser.close()
    # The same CSV as `sheetcrm report sources --by month --format csv`: unknown, never 0.
    assert {r["revenue"] for r in rows} == {"unknown"}
    assert {r["customers_won"] for r in rows} == {"unknown"}
    assert sum(int(r["leads"]) for r in rows) == len(CUSTOMERS)  # Customers was read
