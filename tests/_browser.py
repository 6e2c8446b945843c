"""A real browser for the end-to-end tests: Debian's Chromium driven by Selenium through
the system ChromeDriver (no driver download), against the test app served on a free port
by a werkzeug server in a thread, on the same test database.

Screenshots go to artifacts/screenshots/ (EVENTHUB_SCREENSHOT_DIR to change it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("EVENTHUB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("EVENTHUB_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOTS = Path(os.environ.get(
    "EVENTHUB_SCREENSHOT_DIR",
    Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"))
DESKTOP = (1280, 900)
PHONE = (390, 844)


def browser_available() -> bool:
    return all(Path(p).exists() or shutil.which(p) for p in (CHROMIUM, CHROMEDRIVER))


def require_browser() -> None:
    if browser_available():
        return
    message = (f"Chromium ({CHROMIUM}) and ChromeDriver ({CHROMEDRIVER}) are needed; "
               "scripts/browser-deps installs them")
    if os.environ.get("EVENTHUB_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def chromium():
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
                     "--lang=en-GB"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(2)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium):
    """The shared Chromium with a clean slate: no cookies, desktop size."""
    chromium.delete_all_cookies()
    chromium.set_window_size(*DESKTOP)
    yield chromium
    chromium.delete_all_cookies()


def screenshot(driver, name: str, *, size: tuple[int, int] | None = None) -> Path:
    """Save the whole page (its full height) as artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = (size or DESKTOP)[0]
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.set_window_size(width, min(max(int(height) + 100, 600), 6000))
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(*(size or DESKTOP))
    return path


def wait_for_next_page(driver, old_page, timeout: float = 15) -> None:
    """Wait until the document holding `old_page` (its <html> element) is replaced.
    While the old document is torn down, Chromium may answer a query about the element
    with "Node with given id does not belong to the document" instead of a stale-element
    error; both mean the page was replaced."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def replaced(_driver) -> bool:
        try:
            old_page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    WebDriverWait(driver, timeout).until(replaced)
