"""A new user's walk through the archive in real Chromium, against `archive serve` (waitress).
Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import running_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
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


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


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
