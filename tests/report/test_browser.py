"""The report from the sample, opened in headless Chromium as a reader opens it.

Every diagram it holds must draw (Mermaid runs inside the page, offline, under the page's
content security policy) with nothing on the browser's console, and the click-through from
the figures to an interaction's page must work. Needs Chromium and its driver on PATH, which
the README's test command installs (`tests/install-chromium.sh`); without them these tests
fail, saying so: leave them out on purpose with `pytest -m 'not browser'`.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from rulesengine.cli import main
from tests.events.builders import routed

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.browser
#: what the sample gives (README, docs/cli.md): every interaction has a page
SAMPLE_INTERACTIONS = 321
#: drawing every diagram of the sample takes a few seconds; this is a hang, not slowness
DRAW_TIMEOUT = 300


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> list[dict]:
    path = tmp_path_factory.mktemp("rows") / "rows.jsonl"
    assert main(["run", "--sample", "-o", str(path)]) == 0
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.fail("no Chromium and chromedriver on PATH: run tests/install-chromium.sh, or leave "
                    "the browser tests out with -m 'not browser'")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--window-size=1400,1000",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


def _console(driver) -> list[str]:
    """What the page wrote to the console since the last call: errors and warnings."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def _box(driver, element) -> dict:
    return driver.execute_script(
        "const b = arguments[0].getBoundingClientRect(); return {width: b.width, height: b.height};", element)


def test_every_diagram_draws_without_a_console_message(browser, sample_report, tmp_path):
    browser.get(sample_report.as_uri())
    assert browser.title == f"rulesengine report: {SAMPLE_INTERACTIONS} interactions"
    details = browser.find_elements(By.CSS_SELECTOR, "article.detail")
    assert len(details) == SAMPLE_INTERACTIONS
    browser.find_element(By.ID, "draw-all").click()
    WebDriverWait(browser, DRAW_TIMEOUT).until(lambda driver: driver.find_element(By.TAG_NAME, "body")
                                               .get_attribute("data-drawn"))
    assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-drawn") == str(SAMPLE_INTERACTIONS)
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('article.detail')).map(a => {"
        "  const svg = a.querySelector('.diagram > svg');"
        "  if (!svg) return [a.dataset.interaction, 0, 0, 0];"
        "  const b = svg.getBoundingClientRect();"
        "  return [a.dataset.interaction, b.width, b.height, svg.querySelectorAll('text').length]; })")
    empty = [interaction for interaction, width, height, texts in sizes if not (width > 0 and height > 0 and texts)]
    assert empty == [], "diagrams missing or empty"
    assert _console(browser) == []
    browser.execute_script("document.querySelector('article.detail .diagram').scrollIntoView()")
    shot = tmp_path / "every-diagram.png"
    assert browser.save_screenshot(str(shot))
    width, height = _png_size(shot)
    assert width >= 1000 and height >= 600
    assert shot.stat().st_size > 20_000  # diagrams and text: a blank page compresses to a few kilobytes


def test_from_a_descriptor_to_an_interaction_and_back(browser, sample_report, rows, tmp_path):
    browser.get(sample_report.as_uri())
    descriptor = "RoutedTo/Transferred (IRF)"
    having = {row["interaction"] for row in rows
              if f"{row['resource_role']}/{row['technical_result']} ({row['record']})" == descriptor}
    browser.find_element(By.CSS_SELECTOR, f'a[data-filter="{descriptor}"]').click()
    shown = [row.find_element(By.TAG_NAME, "a").text
             for row in browser.find_elements(By.CSS_SELECTOR, "#index tbody tr") if row.is_displayed()]
    assert sorted(shown) == sorted(having)
    assert browser.find_element(By.ID, "index-shown").text == str(len(having))

    browser.find_element(By.LINK_TEXT, "c03_transfer").click()
    page = browser.find_element(By.ID, "i-c03_transfer")
    assert page.is_displayed() and not browser.find_element(By.ID, "descriptors").is_displayed()
    svg = WebDriverWait(browser, 60).until(lambda driver: page.find_element(By.CSS_SELECTOR, ".diagram > svg"))
    box = _box(browser, svg)
    assert box["width"] > 400 and box["height"] > 400
    assert "RoutedTo/Transferred (IRF)" in svg.text and "+3m00s transfers to" in svg.text
    assert "c03_transfer c03_transfer.a1 (agent Agent1): RoutedTo/Transferred  IRF" in \
        page.find_element(By.CSS_SELECTOR, "pre.explanation").text
    shot = tmp_path / "c03_transfer.png"
    assert page.screenshot(str(shot)) and min(_png_size(shot)) > 400

    page.find_element(By.LINK_TEXT, "all interactions").click()
    assert browser.find_element(By.ID, "interactions").is_displayed() and not page.is_displayed()
    assert _console(browser) == []


def test_a_diagram_draws_whatever_line_break_its_interaction_id_holds(browser, tmp_path):
    """The contract takes any text for an id: one holding a line break once broke its diagram
    ("This diagram could not be drawn: Parse error on line 2")."""
    ids = [f"c{breaking}{number}" for number, breaking in enumerate(["\n", "\r", "\u2028", ";#:"])]
    events = tmp_path / "odd.jsonl"
    events.write_text("".join(json.dumps(event) + "\n" for name in ids for event in routed(name)), encoding="utf-8")
    page = tmp_path / "odd.html"
    assert main(["report", str(events), "-o", str(page)]) == 0
    browser.get(page.as_uri())
    browser.find_element(By.ID, "draw-all").click()
    WebDriverWait(browser, DRAW_TIMEOUT).until(lambda driver: driver.find_element(By.TAG_NAME, "body")
                                               .get_attribute("data-drawn"))
    assert browser.find_element(By.TAG_NAME, "body").get_attribute("data-drawn") == str(len(ids))
    drawn = browser.execute_script(
        "return Array.from(document.querySelectorAll('article.detail .diagram > svg')).filter(svg =>"
        "  svg.getBoundingClientRect().width > 0 && svg.querySelectorAll('text').length > 0).length")
    assert drawn == len(ids)
    assert _console(browser) == []
