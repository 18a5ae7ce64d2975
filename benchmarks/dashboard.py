"""Dashboard speed on a large workbook, in a real browser. Prints one JSON object a line.

    .venv/bin/python benchmarks/dashboard.py --customers 50000 [--workbook PATH] [--keep]

Steps measured: writing the demo workbook (skipped when --workbook exists), reading it into
frames, then for the Funnel and the Sources page, each on a newly started `streamlit run` on
loopback with headless Chromium: the first full render (cold: includes reading the workbook, and
ends when every plotly chart is drawn), the first render in a new session (warm cache), and the
re-render after a sidebar filter change (period). Then the Customers page, the first to need the
Interactions tab. Targets: first render under 5 s, re-render under 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from automations.demo.command import write_demo_workbook
from dashboard.frames import build_frames
from sheet_schema.backends.xlsx import XlsxBackend
from sheet_schema.schema import load_schema
from tests.fixtures_dashboard import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_TITLES,
    dashboard_server,
    wait_for_render,
)

_SIDEBAR_CAPTIONS = '[data-testid="stSidebar"] [data-testid="stCaptionContainer"]'
_RERENDERED = """([before, selector]) => {
    const caption = [...document.querySelectorAll(selector)].map(e => e.innerText).join('|');
    return caption !== before
        && !document.querySelector('[data-testid="stStatusWidget"]')
        && !document.querySelector('[data-stale="true"]');
}"""
_CAPTIONS = (
    """(selector) => [...document.querySelectorAll(selector)].map(e => e.innerText).join('|')"""
)


def emit(**fields: object) -> None:
    """One JSON line."""
    print(json.dumps(fields), flush=True)


def first_render(page: object, url: str, name: str) -> float:
    """Seconds from navigation to the page fully drawn."""
    started = time.perf_counter()
    page.goto(f"{url}/{name}")  # type: ignore[attr-defined]
    wait_for_render(page, PAGE_TITLES[name], timeout_ms=300_000)
    return time.perf_counter() - started


def rerender(page: object, preset_label: str) -> float:
    """Seconds from picking a period preset in the sidebar to the page drawn again."""
    before = page.evaluate(_CAPTIONS, _SIDEBAR_CAPTIONS)  # type: ignore[attr-defined]
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(1).click()  # type: ignore[attr-defined]
    option = page.get_by_role("option", name=preset_label)  # type: ignore[attr-defined]
    started = time.perf_counter()
    option.click()
    page.wait_for_function(_RERENDERED, arg=[before, _SIDEBAR_CAPTIONS], timeout=120_000)  # type: ignore[attr-defined]
    return time.perf_counter() - started


def main() -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workbook", type=Path, default=Path("/tmp/sheetcrm-bench-dashboard.xlsx"))
    parser.add_argument("--rounds", type=int, default=3, help="re-render measurements per page")
    args = parser.parse_args()
    schema = load_schema()
    if not args.workbook.exists():
        started = time.perf_counter()
        write_demo_workbook(
            args.workbook, schema, seed=args.seed, customers=args.customers, today=date.today()
        )
        emit(
            step="write_workbook",
            customers=args.customers,
            seconds=round(time.perf_counter() - started, 2),
        )
    started = time.perf_counter()
    snapshot = XlsxBackend(args.workbook, schema).read()
    read = time.perf_counter() - started
    frames = build_frames(snapshot)
    emit(
        step="read_workbook",
        customers=len(frames.customers),
        deals=len(frames.deals),
        read_seconds=round(read, 2),
        frames_seconds=round(time.perf_counter() - started - read, 2),
    )

    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for name in ("funnel", "sources"):
                # A new server for each page, so each first render starts with an empty cache.
                with dashboard_server(args.workbook, timeout=120) as url:
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    emit(
                        step="first_render",
                        page=name,
                        cache="cold",
                        seconds=round(first_render(context.new_page(), url, name), 2),
                        target_seconds=5,
                    )
                    fresh = context.new_page()
                    emit(
                        step="first_render",
                        page=name,
                        cache="warm",
                        seconds=round(first_render(fresh, url, name), 2),
                        target_seconds=5,
                    )
                    times = []
                    for _ in range(args.rounds):
                        times.append(rerender(fresh, "All time"))
                        times.append(rerender(fresh, "Last 12 months"))
                    emit(
                        step="rerender_after_filter_change",
                        page=name,
                        seconds=[round(t, 3) for t in times],
                        median_seconds=round(sorted(times)[len(times) // 2], 3),
                        target_seconds=0.5,
                    )
                    if name == "funnel":
                        # The first page that needs the Interactions tab reads it then.
                        emit(
                            step="first_render",
                            page="customers",
                            cache="core tabs warm, Interactions cold",
                            seconds=round(first_render(context.new_page(), url, "customers"), 2),
                        )
                    context.close()
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
