"""A real headless Chromium (Debian's `chromium` and `chromium-driver`) driven by selenium, for
the tests and benchmarks that look at a page the way a reader does.

The system chromedriver is named explicitly, so selenium never tries to download a driver or a
browser of its own (its Selenium Manager would reach for the network).
"""

from __future__ import annotations

import base64
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMEDRIVER_NAMES = ("chromedriver",)
PAGE_WIDTH = 1100
TIMEOUT = 60.0  # seconds for the page and its images, never reached when green

# What the page reports about itself once loaded: every image's load state and natural size.
IMAGES_SCRIPT = """
return Array.from(document.images).map(img => ({
    alt: img.alt, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,
    scheme: img.src.split(':')[0]}));
"""


def chromium_paths() -> tuple[str, str] | None:
    """(browser, driver) when both are installed, else None."""
    browser = next((p for name in CHROMIUM_NAMES if (p := shutil.which(name))), None)
    driver = next((p for name in CHROMEDRIVER_NAMES if (p := shutil.which(name))), None)
    if browser is None or driver is None:
        return None
    return browser, driver


def missing_reason() -> str | None:
    """Why a browser test cannot run here, or None."""
    if chromium_paths() is None:
        return "needs Debian's chromium and chromium-driver (apt-get install chromium " \
               "chromium-driver; .ci/run installs them)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "needs selenium: pip install -e '.[test]'"
    return None


@dataclass(slots=True)
class RenderedPage:
    title: str
    text: str
    """The page's visible text (innerText of the body)."""
    images: list[dict[str, Any]]
    """alt, complete, width and height (natural size) and URL scheme of every <img>."""
    screenshot: bytes
    """A PNG of the whole page, not only the window."""


def render(path: Path, *, width: int = PAGE_WIDTH) -> RenderedPage:
    """Open the file `path` in headless Chromium, wait for its images, and read it back."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    paths = chromium_paths()
    if paths is None:
        raise RuntimeError(missing_reason())
    browser, driver_path = paths
    with tempfile.TemporaryDirectory(prefix="warta-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for argument in (
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-extensions", "--no-first-run", f"--user-data-dir={profile}",
            f"--window-size={width},900", "--hide-scrollbars",
        ):
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
        try:
            driver.set_page_load_timeout(TIMEOUT)
            driver.get(path.resolve().as_uri())
            WebDriverWait(driver, TIMEOUT).until(
                lambda d: all(image["complete"] for image in d.execute_script(IMAGES_SCRIPT))
            )
            images = driver.execute_script(IMAGES_SCRIPT)
            text = driver.execute_script("return document.body.innerText")
            shot = driver.execute_cdp_cmd(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
            )
            return RenderedPage(driver.title, text, images, base64.b64decode(shot["data"]))
        finally:
            driver.quit()
