"""A new user's walk through the archive in real Chromium, against `archive serve` (waitress).
Screenshots are kept under pytest's temporary folder (the `artifacts` fixture)."""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import running_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS: list[Path] = []  # the folder of this run, set by the fixture below
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(index_dir):
    """`archive serve` in a subprocess on a free loopback port."""
    with running_server(index_dir) as (base, _):
        yield base


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run the README's test command")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module", autouse=True)
def screenshots(artifacts):
    """Screenshots go to this run's artifacts folder."""
    SCREENSHOTS[:] = [artifacts / "screenshots"]
    SCREENSHOTS[0].mkdir(exist_ok=True)


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS[0] / f"{name}.png"), full_page=True)


def test_server_is_waitress(server):
    with urllib.request.urlopen(server + "/") as response:
        assert response.headers["Server"] == "archive"


def test_new_user_walkthrough(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server + "/")
    shot(page, "01-landing")
    page.get_by_label("Search the archive").fill("trafficking")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=trafficking")
    assert page.locator("#total").inner_text() == "2"
    shot(page, "02-results")

    page.locator('a[data-facet="speaker"]', has_text="Sar Kheng").click()
    page.wait_for_url("**speaker=Sar+Kheng**")
    assert page.locator("#total").inner_text() == "1"
    assert page.locator(".chips").inner_text().startswith("Speaker: Sar Kheng")

    page.locator("#from").fill("2016-01-01")
    page.locator("#to").fill("2016-12-31")
    page.get_by_role("button", name="Apply dates").click()
    page.wait_for_url("**to=2016-12-31**")
    filtered_url = page.url
    assert page.locator("#total").inner_text() == "1"
    assert "speaker=Sar+Kheng" in filtered_url
    shot(page, "03-filtered")

    page.locator("ol.hits h2 a").first.click()
    page.wait_for_url("**/article/**")
    assert page.locator("h1").inner_text() == "Gov’t officials enabling traffickers, says Kheng"
    assert page.locator(".body mark").count() > 0
    shot(page, "04-article")
    page.go_back()
    page.wait_for_url(filtered_url)
    assert page.locator("#total").inner_text() == "1"

    page.locator("#save-name").fill("Kheng on trafficking, 2016")
    page.get_by_role("button", name="Save search").click()
    page.wait_for_url("**/saved?saved=**")
    link = page.locator("#saved-link").get_attribute("href")
    shot(page, "05-saved")
    context.close()

    fresh = browser.new_context()
    other = fresh.new_page()
    other.goto(server + link)
    assert other.locator("#total").inner_text() == "1"
    assert other.locator(".chips").inner_text().count("✕") == 2
    assert other.locator("ol.hits h2 a").first.inner_text().startswith("Gov’t officials")
    shot(other, "06-reopened")
    fresh.close()


def test_timeline_bar_narrows_the_range(server, browser):
    page = browser.new_page()
    page.goto(server + "/search?q=said")
    page.locator("svg.timeline a").first.click()
    page.wait_for_url("**from=**")
    assert "from=2000" in page.url and "to=2000" in page.url
    assert page.locator("#total").inner_text() == "1"
    page.close()


def test_phone_layout_and_keyboard(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(server + "/search?q=rights")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400
    shot(page, "07-phone")
    context.close()


def test_batch_of_pasted_names_then_open_one(server, browser):
    page = browser.new_page()
    page.goto(server + "/")
    page.get_by_role("link", name="Batch").click()
    page.get_by_label("Names or queries, one per line").fill("Hun Sen\nSar Kheng\nNobody Atall")
    page.get_by_role("button", name="Count").click()
    table = page.locator("#batch-results")
    table.wait_for()
    rows = table.locator("tbody tr")
    assert rows.count() == 3
    # Sorted by hits; "Nobody Atall" has none and comes last.
    assert rows.nth(2).inner_text().startswith('"Nobody Atall"\t0')
    shot(page, "10-batch")
    rows.locator("a", has_text="Sar Kheng").click()
    page.wait_for_url("**/search?q=%22Sar+Kheng%22")
    assert page.locator("#total").inner_text() == "1"
    page.close()


def test_compare_from_the_results_page(server, browser):
    page = browser.new_page()
    page.goto(server + "/search?q=trafficking")
    page.locator("#compare-link").click()
    page.wait_for_url("**/compare?**")
    page.get_by_label("Query 2").fill('"Sar Kheng"')
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**q=%22Sar+Kheng%22**")
    svg = page.locator("svg.compare")
    assert svg.locator("polyline").count() == 2
    legend = svg.locator("text.legend").all_text_contents()
    assert legend == ["trafficking", '"Sar Kheng"']
    header = page.locator("#compare-data thead").inner_text()
    assert "trafficking (2)" in header and '"Sar Kheng" (1)' in header
    assert page.locator("#compare-data tbody tr").first.inner_text().startswith("2016")
    shot(page, "11-compare")
    page.close()


def test_story_read_from_a_web_archive(browser, tmp_path):
    """A WARC ingested by the CLI: its story is found, names its original URL and both
    capture dates, and keeps the page's own date."""
    import subprocess
    import sys

    from tests.test_webarchive import NIGHT_URL, crawl

    warc = tmp_path / "crawl.warc.gz"
    warc.write_bytes(crawl()[0])
    index = tmp_path / "index"
    subprocess.run(
        [sys.executable, "-m", "archive_cli", "ingest", str(warc), "--index", str(index)],
        cwd=Path(__file__).resolve().parents[1],
        check=True,
        capture_output=True,
    )
    with running_server(index) as (base, _):
        page = browser.new_page()
        page.goto(base + "/search?q=%22night+market%22")
        assert page.locator("#total").inner_text() == "1"
        page.locator(".hit h2 a").first.click()
        page.wait_for_url("**/article/**")
        meta = page.locator("header .meta").inner_text()
        assert "captured 2017-11-20" in meta and "captured 2018-05-01" in meta
        assert page.get_by_role("link", name=NIGHT_URL).count() == 1
        assert "Date2017-11-16" in " ".join(meta.split()).replace(" ", "")
        shot(page, "12-warc-story")
        page.close()
