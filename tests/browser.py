"""Headless Chromium for the tests: load a local page, get its DOM, a screenshot and the requests it made.

Requests come from Chromium's own net log. The browser also talks to Google on its own (updates,
accounts); those carry no page context, while a page's requests are keyed to its file:// origin, so
only the latter count.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def chromium() -> str:
    found = shutil.which("chromium")
    assert found, "Chromium is missing: 'bash scripts/test' installs it (apt-get install chromium)"
    return found


@dataclass
class Visit:
    dom: str
    requests: list[str]


def visit(page: Path, work: Path, flags: list[str] = ()) -> Visit:
    """Open ``page`` (file://) in a fresh profile (with extra Chromium ``flags``); its DOM after load and
    the URLs the page requested."""
    work.mkdir(parents=True, exist_ok=True)
    log = work / "net-log.json"
    result = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={work / 'profile'}", f"--log-net-log={log}",
                             *flags, "--dump-dom", page.resolve().as_uri()], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return Visit(result.stdout, page_requests(log))


def screenshot(page: Path, target: Path, work: Path, width: int = 1100, height: int = 2400) -> Path:
    """A PNG of the top ``height`` pixels of the page as Chromium draws it."""
    result = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={work / 'profile-shot'}",
                             f"--window-size={width},{height}", f"--screenshot={target}", page.resolve().as_uri()],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and target.exists(), result.stderr[-2000:]
    return target


def page_requests(log: Path) -> list[str]:
    """URLs of the requests the page itself started (not file: or data:), from a Chromium net log."""
    data = json.loads(log.read_text())
    start = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in data["events"]:
        params = event.get("params", {})
        if event["type"] != start or "url" not in params:
            continue
        from_page = "file://" in params.get("network_isolation_key", "") or params.get("initiator") == "null"
        if from_page and not params["url"].startswith(("file:", "data:")):
            urls.append(params["url"])
    return urls


def site_requests(log: Path, site: str) -> list[str]:
    """URLs of every request made for pages of ``site`` (``http://127.0.0.1``), their Web Workers' included
    (the net log keys each request to the site of the page it serves, whatever host it goes to); the
    browser's own requests are keyed to other sites or to none."""
    data = json.loads(log.read_text())
    start = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [event["params"]["url"] for event in data["events"]
            if event["type"] == start and "url" in event.get("params", {})
            and event["params"].get("network_isolation_key", "").split(" ")[0] == site]


class Driven:
    """Headless Chromium driven by Selenium through Debian's chromedriver, with Chromium's net log kept, so
    that the requests of every page it opened can be read once it has quit (``requests``)."""

    def __init__(self, work: Path, javascript: bool = True):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        driver = shutil.which("chromedriver")
        assert driver, "chromedriver is missing: 'bash scripts/test' installs it (apt-get install chromium-driver)"
        work.mkdir(parents=True, exist_ok=True)
        self.log = work / "net-log.json"
        options = webdriver.ChromeOptions()
        options.binary_location = chromium()
        for flag in [*FLAGS, f"--user-data-dir={work / 'profile-driven'}", f"--log-net-log={self.log}",
                     "--window-size=1100,1400"]:
            options.add_argument(flag)
        if not javascript:
            options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
        self.driver = webdriver.Chrome(service=Service(driver), options=options)

    def open(self, page: Path, fragment: str = "") -> None:
        """Load ``page`` (file://), with ``#fragment`` when given, as a fresh load."""
        self.driver.get("about:blank")
        self.driver.get(page.resolve().as_uri() + (f"#{fragment}" if fragment else ""))

    def script(self, source: str, *args):
        return self.driver.execute_script(source, *args)

    def quit(self) -> list[str]:
        """Close the browser; the URLs its pages requested (not file: or data:)."""
        self.driver.quit()
        return page_requests(self.log)
