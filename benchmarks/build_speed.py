"""Wall time and peak memory of `sheetprop build` against raw writers filling the identical cells.

Run: python3 benchmarks/build_speed.py [--iterations 1000 10000 100000] [--repeat 3] [--libreoffice-up-to 10000]

For each size (6 learning rates of the lecture's 2-2-2 example) it prints, measured in the same run:
- sheetprop: the whole `sheetprop build` command (engine, rate sheets, Compare sheet, PNG), median of runs,
- openpyxl: write_only mode with lxml, the same formulas without cached values (what openpyxl can write),
- xlsxwriter: constant_memory mode, the same formulas with cached values, through the public API,
- LibreOffice: recalculating the sheetprop workbook (headless, forced recalculation),
with peak resident memory of each (its own process) and ratios to openpyxl.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = """name = "bench"
inputs = [0.05, 0.10]
targets = [0.01, 0.99]
weights = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
learning_rates = [0.1, 0.2, 0.5, 0.8, 1.0, 2.0]
iterations = {iterations}
"""

RAW = r'''
import sys
from sheetprop.outputs import default_config
from sheetprop.compare import sheet_name
from sheetprop.engine import compile_rows, iterate
from sheetprop.graph import build_graph
from sheetprop.workbook.layout import Layout

writer, iterations, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
config = default_config()
graph = build_graph(config.network)
layout, functions = Layout(graph), compile_rows(graph)

def rows(rate):
    for iteration, row in enumerate(iterate(graph, config.values, rate, iterations, functions), start=1):
        yield iteration, layout.formulas(iteration), row

if writer == "openpyxl":
    import openpyxl
    book = openpyxl.Workbook(write_only=True)
    for rate in config.learning_rates:
        sheet = book.create_sheet(sheet_name(rate))
        for _ in range(layout.row(1)):
            sheet.append([])
        for iteration, formulas, values in rows(rate):
            sheet.append(formulas)
    book.save(path)
elif writer == "xlsxwriter":
    import xlsxwriter
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    for rate in config.learning_rates:
        sheet = book.add_worksheet(sheet_name(rate))
        for iteration, formulas, values in rows(rate):
            r = layout.row(iteration)
            for column, (formula, value) in enumerate(zip(formulas, values)):
                sheet.write_formula(r, column, formula, None, value)
    book.close()
else:  # generation only: engine rows and formula text, nothing written
    for rate in config.learning_rates:
        for _ in rows(rate):
            pass
'''


def measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def median_of(runs: int, command: list[str], cwd: Path) -> tuple[float, float]:
    results = [measure(command, cwd) for _ in range(runs)]
    return statistics.median(t for t, _ in results), max(m for _, m in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size below 100,000 (median)")
    parser.add_argument("--libreoffice-up-to", type=int, default=10_000, metavar="N",
                        help="recalculate in LibreOffice only up to N iterations (default 10,000; 0: never)")
    args = parser.parse_args()
    if importlib.util.find_spec("lxml") is None:  # openpyxl is the floor only at its fastest, with lxml
        raise SystemExit("benchmarks/build_speed.py: lxml is missing, so openpyxl would write at its slowest; "
                         "pip install lxml")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; 6 learning rates × N iterations, "
          f"44 formulas a row")
    print(f"{'N':>7} {'what':<12} {'seconds':>8} {'peak MiB':>9} {'vs openpyxl':>12}")
    for n in args.iterations:
        runs = args.repeat if n < 100_000 else 1
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            config = folder / "bench.toml"
            config.write_text(CONFIG.format(iterations=n))
            results = {
                "generation": median_of(runs, [sys.executable, "-c", RAW, "none", str(n), "-"], ROOT),
                "openpyxl": median_of(runs, [sys.executable, "-c", RAW, "openpyxl", str(n), str(folder / "o.xlsx")], ROOT),
                "xlsxwriter": median_of(runs, [sys.executable, "-c", RAW, "xlsxwriter", str(n), str(folder / "x.xlsx")], ROOT),
                "sheetprop": median_of(runs, [sys.executable, "-m", "sheetprop", "build", str(config), "--out",
                                              str(folder / "out"), "--quiet"], ROOT),
            }
            if n <= args.libreoffice_up_to:
                start = time.perf_counter()
                subprocess.run([sys.executable, "-c", "import sys; from sheetprop.libreoffice import recalculate; "
                                "recalculate(sys.argv[1], sys.argv[2])", str(folder / "out" / "bench.xlsx"),
                                str(folder / "lo")], check=True, cwd=ROOT)
                results["LibreOffice"] = (time.perf_counter() - start, float("nan"))
            floor = results["openpyxl"][0]
            for what, (seconds, peak) in results.items():
                print(f"{n:>7} {what:<12} {seconds:>8.2f} {peak:>9.0f} {seconds / floor:>11.2f}×", flush=True)


if __name__ == "__main__":
    main()
