"""The dashboard in a real headless Chromium: `streamlit run` on loopback, every page opened."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

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
