"""The reports in a real headless browser: they render offline, without console errors, every
image loads, no request leaves the disk, and hostile text in the data stays text.

Needs the ``playwright`` Python package and Chromium at ``/usr/bin/chromium`` (Debian's
``chromium`` package; ``playwright install`` is not used). Missing either, the tests fail under
CI (env ``CI`` set) and are skipped elsewhere, like the real-data tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_report import EVIL, EVIL_CODE, shared_reports

from netdyn.report.run_report import SECTIONS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_browser():
    """The playwright sync API, or fail (under CI) / skip (elsewhere) saying what is missing."""
    missing = []
    try:
        from playwright import sync_api
    except ImportError:
        sync_api = None
        missing.append("the playwright package (pip install playwright)")
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if missing:
        message = "the browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return sync_api


@pytest.fixture(scope="module")
def browser():
    sync_api = require_browser()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    require_browser()  # do not build reports for a test that cannot run
    return shared_reports(tmp_path_factory)


def open_report(browser, path: Path) -> dict:
    """Load ``path`` offline and collect everything that went wrong, plus what rendered."""
    context = browser.new_context(offline=True, java_script_enabled=True)
    page = context.new_page()
    seen = {"console": [], "pageerror": [], "requests": [], "failed": [], "blocked": []}
    seen["dialogs"] = []

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            seen["blocked"].append(url)
            r.abort()

    context.route("**/*", route)
    page.on(
        "console",
        lambda m: (
            seen["console"].append(f"{m.type}: {m.text}")
            if m.type in {"error", "warning"}
            else None
        ),
    )
    page.on("pageerror", lambda e: seen["pageerror"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("requestfailed", lambda r: seen["failed"].append(f"{r.url}: {r.failure}"))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    seen["images"] = page.evaluate(
        """Array.from(document.images).map(i => ({
               alt: i.alt, complete: i.complete, width: i.naturalWidth, scheme: i.src.split(':')[0]
           }))"""
    )
    seen["h2"] = [t.strip() for t in page.locator("h2").all_inner_texts()]
    seen["text"] = page.inner_text("body")
    seen["pwned"] = page.evaluate("window.__pwned !== undefined")
    seen["page"], seen["context"] = page, context
    return seen


def assert_clean(seen: dict) -> None:
    for problem in ("console", "pageerror", "failed", "blocked", "dialogs"):
        assert seen[problem] == [], (problem, seen[problem])
    assert all(url.split(":")[0] in {"file", "data"} for url in seen["requests"]), seen["requests"]
    assert seen["images"], "no image on the page"
    for image in seen["images"]:
        assert image["complete"] and image["width"] > 0 and image["scheme"] == "data", image
    assert not seen["pwned"]


def test_run_report_renders_cleanly_in_chromium(browser, built):
    seen = open_report(browser, built["report"])
    try:
        assert_clean(seen)
        titles = [title for _, title in SECTIONS]
        assert seen["h2"] == ["Headline", "In brief", *titles, "Appendix: data and methods"]
        alts = [image["alt"] for image in seen["images"]]
        assert "the 6 largest cascade trees" in alts
        assert "coreness distribution" in alts and "CCDF of in_degree" in alts
        # hostile ids and content render as visible text, not as markup
        assert EVIL in seen["text"] and EVIL_CODE in seen["text"]
        # the link to the comparison works offline
        page = seen["page"]
        page.click(f"a[href='{built['compare_report'].name}']")
        page.wait_for_load_state("load")
        assert page.locator("h1").inner_text() == "netdyn comparison"
        assert seen["failed"] == [] and seen["blocked"] == [] and seen["console"] == []
    finally:
        seen["context"].close()


def test_compare_report_renders_cleanly_in_chromium(browser, built):
    seen = open_report(browser, built["compare_report"])
    try:
        assert_clean(seen)
        assert seen["h2"] == [
            "In brief",
            "Statistics side by side",
            "Distributions",
            "Appendix: methods and data",
        ]
        assert len(seen["images"]) >= 5  # one overlaid CCDF per quantity with values
        assert f"The log {built['null']} reproduces" in seen["text"]
        assert "reproduced" in seen["text"]
    finally:
        seen["context"].close()


def test_null_model_report_renders_cleanly_in_chromium(browser, built):
    seen = open_report(browser, built["null_report"])
    try:
        assert_clean(seen)
        assert built["null"] in seen["text"] and "Real versus synthetic" in seen["h2"]
    finally:
        seen["context"].close()
