"""Time from an edit in the living walkthrough to the page being updated, in headless Chromium.

Run: python3 benchmarks/walkthrough_edit.py [--repeat 15]

Two pages: the lecture's (2-2-2, 201 iterations × 6 learning rates) and the largest network a build
accepts (550-14-10, 16,372 of the workbook's 16,384 columns, 7,840 weights; 201 iterations × 6 rates).
Each edit types a new value into a field and fires its input event (the large page's w1 has no field of
its own: it is set as a link sets it); printed per page, medians over the edits: the script's work (the
runs recomputed, every number rewritten: the handler returns), the time to the next frame after it
(style, layout, paint), and the Python engine computing the same runs (Run.summary, in this process).
A new η recomputes only the rows it shows, since the runs for the same values are kept. Also the time
the page takes to open (the generated engines compiled). Needs Debian's chromium and chromium-driver and
selenium (the test extra).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser import Driven  # noqa: E402
from sheetprop import config as configs  # noqa: E402
from sheetprop.runs import Run  # noqa: E402
from sheetprop.walkthrough import write_walkthrough  # noqa: E402

RATES = [0.1, 0.2, 0.5, 0.8, 1.0, 2.0]
LARGEST = {"name": "largest", "inputs": [((k * 37) % 100) / 100 for k in range(550)], "targets": [0.1] * 9 + [0.9],
           "layers": [550, 14, 10], "seed": 7, "learning_rates": RATES, "iterations": 201}

EDIT = """
const [name, value, done] = arguments;
const input = document.querySelector(`input.num[data-param='${name}']`);
const before = Number(document.body.dataset.updates || 0);
const start = performance.now();
if (input) {  // typed into the field
  input.value = value;
  input.dispatchEvent(new Event("input"));
} else {  // a value with no field of its own (a large network's weight): as the link sets it
  window.sheetprop.edit(name, value);
}
const handled = performance.now();
const updated = Number(document.body.dataset.updates) === before + 1;
requestAnimationFrame(() => setTimeout(() => done([handled - start, performance.now() - start, updated]), 0));
"""


def measure(driven: Driven, page: Path, config, field: str, values: list[float], repeat: int) -> dict:
    start = time.perf_counter()
    driven.open(page)
    driven.script("return document.body.dataset.updates")
    opened = time.perf_counter() - start
    handled, framed, python = [], [], []
    for i in range(repeat):
        value = values[i % len(values)]
        spent, frame, updated = driven.driver.execute_async_script(EDIT, field, str(value))
        assert updated, "the page did not update"
        handled.append(spent / 1000)
        framed.append(frame / 1000)
        if i < 3 and field != "lr":  # the engine's time barely varies: three runs give its median
            began = time.perf_counter()
            Run.of(edited(config, field, value)).summary  # every run; the rows 1 and 2 cost nothing more
            python.append(time.perf_counter() - began)
    return {"open": opened, "script": statistics.median(handled), "frame": statistics.median(framed),
            "python": statistics.median(python) if python else None}


def edited(data: dict, name: str, value: float):
    """The config with one value changed (the learning rate shown changes no run)."""
    config = configs.parse(data)
    if name == "lr":
        return config
    return dataclasses.replace(config, values={**config.values, name: value})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    lecture = {"name": "lecture", "inputs": [0.05, 0.10], "targets": [0.01, 0.99],
               "weights": [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55], "learning_rates": RATES,
               "iterations": 201}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        pages = {}
        for data in (lecture, LARGEST):
            config = configs.parse(data)
            run = Run.of(config)
            began = time.perf_counter()
            pages[data["name"]] = write_walkthrough(config, run.graph, run.summary, folder, None).html
            size = pages[data["name"]].stat().st_size
            print(f"{data['name']}: {'-'.join(map(str, config.network.layers))}, page {size / 1e6:.1f} MB "
                  f"written in {time.perf_counter() - began:.1f} s")
        driven = Driven(folder / "chromium")
        try:
            few = max(3, args.repeat // 3)
            rows = [("lecture, edit w5", measure(driven, pages["lecture"], lecture, "w5", [0.3, 0.35, 0.4], args.repeat)),
                    ("lecture, edit η", measure(driven, pages["lecture"], lecture, "lr", [0.5, 2.0, 0.1], args.repeat)),
                    ("550-14-10, edit w1", measure(driven, pages["largest"], LARGEST, "w1", [0.3, -0.2, 0.1], few)),
                    ("550-14-10, edit η", measure(driven, pages["largest"], LARGEST, "lr", [0.5, 2.0, 0.1], few))]
        finally:
            requests = driven.quit()
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, headless Chromium; medians of {args.repeat} edits "
          f"({max(3, args.repeat // 3)} on the large page); requests made by the pages: {len(requests)}\n")
    print("| page, edit | page opens | script (recompute + rewrite) | to the next frame | Python engine, same runs |")
    print("|---|---|---|---|---|")
    for name, m in rows:
        python = "— (the runs are kept)" if m["python"] is None else \
            f"{m['python'] * 1000:.0f} ms ({m['python'] / m['script']:.1f}× the script's)"
        print(f"| {name} | {m['open']:.2f} s | {m['script'] * 1000:.0f} ms | {m['frame'] * 1000:.0f} ms | {python} |")


if __name__ == "__main__":
    main()
