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


def visit(page: Path, work: Path) -> Visit:
    """Open ``page`` (file://) in a fresh profile; its DOM after load and the URLs the page requested."""
    work.mkdir(parents=True, exist_ok=True)
    log = work / "net-log.json"
    result = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={work / 'profile'}", f"--log-net-log={log}",
                             "--dump-dom", page.resolve().as_uri()], capture_output=True, text=True, timeout=120)
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
