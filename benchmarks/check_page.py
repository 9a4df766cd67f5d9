"""The check page's size and its first-visit load time in headless Chromium.

Run: python3 benchmarks/check_page.py [--repeat 5] [--sheet FILE] [--mbit 20]

Writes the page for the lecture example, prints the folder's size by kind (Pyodide's runtime, the wheels,
the page itself), then visits it --repeat times, each in a fresh Chromium profile (an empty cache: a first
visit), served from 127.0.0.1; printed: the median and range of the seconds to "ready" (Pyodide started,
sheetprop imported) and to the first report on --sheet (default: the real hand-made student sheet in
../shared/sheets, else sheetprop's own lecture workbook). --mbit N has the server send at most N Mbit/s (all
responses together) to show a visit over a network; 0 (default) is the local server's speed.
Also printed: the CPU seconds of the page's processes, which a busy machine inflates far less than wall time.
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


def serve(folder: Path, mbit: float = 0) -> http.server.ThreadingHTTPServer:
    """``folder`` on 127.0.0.1; with ``mbit``, every response together sent at most that fast (Chromium's own
    network emulation does not reach a Web Worker's requests)."""
    lock, clock = threading.Lock(), [time.perf_counter()]
    chunk = 64 * 1024

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def copyfile(self, source, target):
            if not mbit:
                return super().copyfile(source, target)
            while data := source.read(chunk):
                with lock:  # one link shared by every connection
                    clock[0] = max(clock[0], time.perf_counter()) + len(data) * 8 / (mbit * 1e6)
                    due = clock[0]
                time.sleep(max(0.0, due - time.perf_counter()))
                target.write(data)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def cpu_seconds(work: Path) -> float:
    """CPU seconds (user and system) used so far by the page's processes (the renderers running the page and
    its worker) of the browser whose profile is in ``work``: a figure that a busy machine inflates far less
    than wall time."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        processes[int(entry.name)] = (int(fields[1]), command, int(fields[11]) + int(fields[12]))  # ppid, utime+stime
    tree = {pid for pid, (_, command, _) in processes.items()
            if any(part.startswith(b"--user-data-dir=") and str(work).encode() in part for part in command)}
    while True:  # the browser's descendants (renderers hang below its zygote)
        more = {pid for pid, (parent, _, _) in processes.items() if parent in tree} - tree
        if not more:
            break
        tree |= more
    # A child rewrites its command line as one string: look for the flag anywhere in it.
    ticks = sum(processes[pid][2] for pid in tree if b"--type=renderer" in b" ".join(processes[pid][1]))
    return ticks / os.sysconf("SC_CLK_TCK")


def visit(url: str, sheet: Path, work: Path) -> tuple[float, float, dict]:
    """Seconds from navigation to ready, and to the first report on ``sheet``, in a fresh profile; and the
    worker's own seconds (from its start) to Python running, the wheels installed, sheetprop imported, and
    the page's CPU seconds to ready and to the report."""
    from browser import Driven
    from selenium.webdriver.common.by import By

    browser = Driven(work)
    try:
        start = time.perf_counter()
        browser.driver.get(url)
        ready = _until(browser, "return document.body.dataset.ready || document.body.dataset.failed") - start
        steps = json.loads(browser.script("return document.body.dataset.timings || '{}'"))
        steps["cpu_ready"] = cpu_seconds(work)
        browser.driver.find_element(By.ID, "pick-file").send_keys(str(sheet))
        report = _until(browser, "return document.body.dataset.done || document.body.dataset.failed") - start
        steps["cpu_report"] = cpu_seconds(work)
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
        server = serve(folder, args.mbit)
        url = f"http://127.0.0.1:{server.server_port}/"
        readies, reports, steps = [], [], []
        for k in range(args.repeat):
            ready, report, step = visit(url, sheet, Path(scratch) / f"chromium-{k}")
            readies.append(ready)
            reports.append(report)
            steps.append(step)
            print(f"  visit {k + 1}: ready {ready:.1f} s, first report {report:.1f} s (in the worker: Python "
                  f"{step['python']:.1f} s, wheels {step['wheels']:.1f} s, sheetprop imported {step['imports']:.1f} s; "
                  f"CPU {step['cpu_ready']:.1f} s to ready, {step['cpu_report']:.1f} s to the report)", flush=True)
        server.shutdown()
    speed = f"throttled to {args.mbit:g} Mbit/s" if args.mbit else "local server, no throttling"
    print(f"first visit ({speed}), {args.repeat} visits, each in a fresh profile, on {sheet.name}:")
    print(f"  to ready:        median {statistics.median(readies):.1f} s (range {min(readies):.1f}–{max(readies):.1f})")
    print(f"  to first report: median {statistics.median(reports):.1f} s (range {min(reports):.1f}–{max(reports):.1f})")
    for key, what in [("python", "Python running"), ("wheels", "wheels installed"), ("imports", "sheetprop imported")]:
        print(f"  worker, from its start to {what}: median {statistics.median(s[key] for s in steps):.1f} s")
    print(f"  CPU seconds of the page's processes: median {statistics.median(s['cpu_ready'] for s in steps):.1f} to "
          f"ready, {statistics.median(s['cpu_report'] for s in steps):.1f} to the first report (wall time above is "
          "this and waiting: for the network, and for the cores on a busy machine)")


if __name__ == "__main__":
    main()
