"""The check page's size and its first-visit load time in headless Chromium.

Run: python3 benchmarks/check_page.py [--repeat 5] [--sheet FILE] [--mbit 20]

Writes the page for the lecture example, prints the folder's size by kind (Pyodide's runtime, the wheels,
the page itself), then visits it --repeat times, each in a fresh Chromium profile (an empty cache: a first
visit), served from 127.0.0.1; printed: the median and range of the seconds to "ready" (Pyodide started,
sheetprop imported) and to the first report on --sheet (default: the real hand-made student sheet in
../shared/sheets, else sheetprop's own lecture workbook). --mbit N throttles the connection to N Mbit/s
(Chromium's network emulation) to show a visit over a network; 0 (default) is the local server's speed.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
STUDENT = ROOT.parent / "shared" / "sheets" / "student-BackPropagation.xlsx"


def serve(folder: Path) -> http.server.ThreadingHTTPServer:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def visit(url: str, sheet: Path, work: Path, mbit: float) -> tuple[float, float, dict]:
    """Seconds from navigation to ready, and to the first report on ``sheet``, in a fresh profile; and the
    worker's own seconds (from its start) to Python running, the wheels installed, sheetprop imported."""
    from browser import Driven
    from selenium.webdriver.common.by import By

    browser = Driven(work)
    try:
        if mbit:
            rate = mbit * 1e6 / 8
            browser.driver.execute_cdp_cmd("Network.enable", {})
            browser.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
                "offline": False, "latency": 20, "downloadThroughput": rate, "uploadThroughput": rate})
        start = time.perf_counter()
        browser.driver.get(url)
        ready = _until(browser, "return document.body.dataset.ready || document.body.dataset.failed") - start
        steps = json.loads(browser.script("return document.body.dataset.timings || '{}'"))
        browser.driver.find_element(By.ID, "pick-file").send_keys(str(sheet))
        report = _until(browser, "return document.body.dataset.done || document.body.dataset.failed") - start
        return ready, report, steps
    finally:
        browser.quit()


def _until(browser, condition: str, patience: float = 600) -> float:
    deadline = time.perf_counter() + patience
    while time.perf_counter() < deadline:
        if browser.script(condition):
            return time.perf_counter()
        time.sleep(0.05)
    raise SystemExit(f"the page did not get there in {patience:.0f} s")


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores, load {load}; {platform.system()} {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sheet", type=Path)
    parser.add_argument("--mbit", type=float, default=0)
    args = parser.parse_args()
    from sheetprop.checkpage import runtime, write_check_page

    sheet = args.sheet or (STUDENT if STUDENT.exists() else ROOT / "outputs" / "lecture.xlsx")
    with tempfile.TemporaryDirectory(prefix="check-page-") as scratch:
        folder = Path(scratch) / "check"
        files = write_check_page(folder)
        kinds = {"Pyodide (runtime, standard library)": [f for f in files if f.name in runtime.FILES],
                 "wheels (sheetprop, openpyxl, et_xmlfile, XlsxWriter)": [f for f in files if f.suffix == ".whl"]}
        kinds["the page (HTML, scripts, style, notices)"] = [f for f in files if not any(f in v for v in kinds.values())]
        total = sum(f.stat().st_size for f in files)
        print(f"machine: {machine()}")
        print(f"the folder: {total / 1e6:.1f} MB in {len(files)} files")
        for kind, members in kinds.items():
            print(f"  {kind}: {sum(f.stat().st_size for f in members) / 1e6:.2f} MB")
        server = serve(folder)
        url = f"http://127.0.0.1:{server.server_port}/"
        readies, reports, steps = [], [], []
        for k in range(args.repeat):
            ready, report, step = visit(url, sheet, Path(scratch) / f"chromium-{k}", args.mbit)
            readies.append(ready)
            reports.append(report)
            steps.append(step)
            print(f"  visit {k + 1}: ready {ready:.1f} s, first report {report:.1f} s (in the worker: Python "
                  f"{step['python']:.1f} s, wheels {step['wheels']:.1f} s, sheetprop imported {step['imports']:.1f} s)",
                  flush=True)
        server.shutdown()
    speed = f"throttled to {args.mbit:g} Mbit/s" if args.mbit else "local server, no throttling"
    print(f"first visit ({speed}), {args.repeat} visits, each in a fresh profile, on {sheet.name}:")
    print(f"  to ready:        median {statistics.median(readies):.1f} s (range {min(readies):.1f}–{max(readies):.1f})")
    print(f"  to first report: median {statistics.median(reports):.1f} s (range {min(reports):.1f}–{max(reports):.1f})")
    for key, what in [("python", "Python running"), ("wheels", "wheels installed"), ("imports", "sheetprop imported")]:
        print(f"  worker, from its start to {what}: median {statistics.median(s[key] for s in steps):.1f} s")


if __name__ == "__main__":
    main()
