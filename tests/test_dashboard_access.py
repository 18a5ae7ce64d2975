"""The README's production layout, attacked: `streamlit run` bound to 127.0.0.1 with a plain TCP
forwarder in front (every visitor looks local), opened in a real headless Chromium.

What the browser receives over Streamlit's websocket is recorded, so "no customer data before
login" is checked on the bytes served, not only on what is drawn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from dashboard.auth import hash_password
from tests.fixtures_dashboard import (
    CHROMIUM,
    CHROMIUM_ARGS,
    dashboard_server,
    small_records,
    wait_for_render,
    write_small,
)
from tests.tcp_forwarder import tcp_forwarder

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = playwright_api.expect

PASSWORD = "correct horse battery"
CUSTOMERS = small_records()["Customers"]
# What must never reach a visitor who has not logged in: every name and email in the workbook.
PRIVATE = [str(c[key]) for c in CUSTOMERS for key in ("name", "email")]


def forwarded(url: str, stack: ExitStack) -> str:
    port = int(url.rsplit(":", 1)[1])
    return f"http://127.0.0.1:{stack.enter_context(tcp_forwarder(port))}"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    folder = tmp_path_factory.mktemp("access")
    workbook = write_small(folder / "crm.xlsx")
    with ExitStack() as stack:
        # As the README's production section says, before and after a password is set.
        bare = stack.enter_context(dashboard_server(workbook, open_without_login=False))
        secrets = f'[auth]\npassword_hash = "{hash_password(PASSWORD)}"\n'
        guarded = stack.enter_context(
            dashboard_server(
                workbook, open_without_login=False, secrets_toml=secrets, folder=folder / "site"
            )
        )
        yield {"bare": forwarded(bare, stack), "guarded": forwarded(guarded, stack)}


@pytest.fixture
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def recorded_page(browser: Any) -> tuple[Any, list[bytes]]:
    """A new page and the list every websocket frame it receives is appended to."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    frames: list[bytes] = []

    def on_socket(socket: Any) -> None:
        socket.on(
            "framereceived",
            lambda payload: frames.append(
                payload if isinstance(payload, bytes) else payload.encode()
            ),
        )

    page.on("websocket", on_socket)
    return page, frames


def leaked(page: Any, frames: list[bytes]) -> list[str]:
    served = b"".join(frames)
    text = page.content()
    return [value for value in PRIVATE if value.encode() in served or value in text]


def wait_until_idle(page: Any) -> None:
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')""", timeout=60_000
    )


def test_no_login_set_up_means_no_data_through_a_forwarder(
    servers: dict[str, str], browser: Any
) -> None:
    page, frames = recorded_page(browser)
    page.goto(f"{servers['bare']}/customers")
    expect(page.get_by_text("This dashboard needs a login")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    assert frames, "the websocket was not recorded"
    assert leaked(page, frames) == []
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_password_opens_the_data_through_a_forwarder(
    servers: dict[str, str], browser: Any
) -> None:
    page, frames = recorded_page(browser)
    page.goto(f"{servers['guarded']}/customers")
    page.wait_for_selector('h1:has-text("Sign in")', timeout=60_000)
    wait_until_idle(page)
    password = page.get_by_label("Password", exact=True)
    password.fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong password.")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    assert leaked(page, frames) == []
    password.fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    wait_for_render(page, "Overview")  # signing in starts on the first page
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Customers").click()
    wait_for_render(page, "Customers")
    # The first customer is picked and shown with name and email, as a person sees them.
    first = CUSTOMERS[0]
    # The address is both a link and a table cell; wait for one a person can see.
    shown = page.get_by_text(re.compile(re.escape(str(first["email"])))).filter(visible=True)
    expect(shown.first).to_be_visible()
    assert str(first["name"]) in page.inner_text("body")
    assert set(leaked(page, frames)) >= {str(first["name"]), str(first["email"])}
