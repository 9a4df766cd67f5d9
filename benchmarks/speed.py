"""sheetprop's speed in one run: the build against the pure-Python floor and openpyxl, the default build, and
the sibling benchmarks (verify, grade) when they are there.

Run: python3 benchmarks/speed.py [--iterations 1000 10000 100000] [--repeat 5 3 1] [--default-runs 7]
                                 [--no-siblings]

Build (6 learning rates of the lecture's 2-2-2 example, N iterations each), every figure a whole process of its
own, the kinds interleaved (floor, openpyxl, sheetprop, floor, …) so that a change in the machine's load falls
on all of them alike; CPU time (user + system, the PNG's process included) is the figure to compare on a
shared machine, wall time is printed beside it; medians over the repeats, peak resident memory the largest:
- floor: benchmarks/floor.py, the same workbook's sheet rows (engine values, formula text, the Compare
  sheet's trajectory) from one %-template per row, deflated by zlib at level 6; checked, at the first size,
  to be byte for byte the rows the build writes,
- openpyxl: write_only mode with lxml, the rate sheets' formulas without cached values (what openpyxl can write),
- sheetprop: the whole `sheetprop build` command (engine, rate sheets, Compare sheet, PNG, walkthrough).
Default build: `sheetprop build` with no config (201 iterations × 6 rates), wall time and CPU time; where
PYTHONDONTWRITEBYTECODE is set, also with Python's bytecode cached (in a temporary folder), as it runs installed,
the two interleaved.
Then each sibling script in benchmarks/ that exists (verify_speed.py, grade_speed.py) runs with its defaults.
Targets (issue 17): the build within 1.3× the floor, the default build under 1 s.
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
HERE = Path(__file__).resolve().parent
SIBLINGS = ("verify_speed.py", "grade_speed.py")  # printed by this run too, when they exist
CONFIG = """name = "bench"
inputs = [0.05, 0.10]
targets = [0.01, 0.99]
weights = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
learning_rates = [0.1, 0.2, 0.5, 0.8, 1.0, 2.0]
iterations = {iterations}
"""

OPENPYXL = r'''
import sys
from sheetprop.compare import labels
from sheetprop.config import load
from sheetprop.runs import Run
from sheetprop.workbook.layout import Layout
import openpyxl

config, path = load(sys.argv[1]), sys.argv[2]
run = Run.of(config)
names = labels(run.cases)
book = openpyxl.Workbook(write_only=True)
for case in run.cases:
    layout = Layout(run.graph_of(case))
    sheet = book.create_sheet(names[case])
    for _ in range(layout.row(1)):
        sheet.append([])
    for iteration, row in enumerate(run.rows(case), start=1):
        sheet.append(layout.formulas(iteration))  # the values are computed, but openpyxl cannot store them
book.save(path)
'''


def environment(bytecode: Path | None = None) -> dict:
    """The children's environment: this checkout's sheetprop first; with ``bytecode``, Python's bytecode cached
    in that folder, as for an installed sheetprop, even where PYTHONDONTWRITEBYTECODE is set."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    if bytecode is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    return env


def measure(command: list[str], bytecode: Path | None = None) -> tuple[float, float, float]:
    """(CPU seconds, wall seconds, peak RSS in MiB) of one child process and the processes it waited for."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=environment(bytecode), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    process.stderr.close()
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def build_command(config: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "sheetprop", "build", str(config), "--out", str(out), "--quiet"]


def floor(*args) -> None:
    """benchmarks/floor.py's other commands, in a process of their own: this one stays small, since a child's
    peak memory counts its parent's at the fork."""
    subprocess.run([sys.executable, str(HERE / "floor.py"), *map(str, args)], check=True, cwd=ROOT, env=environment())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeat", type=int, nargs="+", default=[5, 3, 1],
                        help="runs of each kind per size, in the order of --iterations (the last for any more)")
    parser.add_argument("--default-runs", type=int, default=7, help="runs of the default build (median)")
    parser.add_argument("--no-siblings", action="store_true", help="skip verify_speed.py and grade_speed.py")
    args = parser.parse_args()
    if importlib.util.find_spec("lxml") is None:  # openpyxl is the comparison only at its fastest, with lxml
        raise SystemExit("benchmarks/speed.py: lxml is missing, so openpyxl would write at its slowest; pip install lxml")
    from importlib.metadata import version

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, XlsxWriter {version('XlsxWriter')}; "
          f"load average {os.getloadavg()[0]:.1f} at the start (a shared machine: compare CPU times)")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        small = folder / "small.toml"
        small.write_text(CONFIG.format(iterations=3))
        subprocess.run(build_command(small, folder / "small"), check=True, cwd=ROOT, env=environment())
        styles = folder / "styles.json"
        floor("styles", folder / "small" / "bench.xlsx", styles)

        print("\nbuild: 6 learning rates × N iterations, 44 formulas a row; medians; ratios of CPU time")
        print(f"{'N':>7} {'what':<10} {'CPU s':>8} {'wall s':>8} {'peak MiB':>9} {'/ floor':>8} {'/ openpyxl':>11}")
        for k, n in enumerate(args.iterations):
            runs = args.repeat[min(k, len(args.repeat) - 1)]
            config = folder / f"n{n}" / "bench.toml"
            config.parent.mkdir()
            config.write_text(CONFIG.format(iterations=n))
            if k == 0:  # the floor's rows are byte for byte the build's, else it is the floor of something else
                subprocess.run(build_command(config, config.parent / "checked"), check=True, cwd=ROOT,
                               env=environment())
                floor("check", config, styles, config.parent / "checked" / "bench.xlsx", config.parent / "plain")
            commands = {
                "floor": [sys.executable, str(HERE / "floor.py"), str(config), str(styles), str(config.parent / "f.bin")],
                "openpyxl": [sys.executable, "-c", OPENPYXL, str(config), str(config.parent / "o.xlsx")],
                "sheetprop": build_command(config, config.parent / "out"),
            }
            results = {what: [] for what in commands}
            for _ in range(runs):  # interleaved
                for what, command in commands.items():
                    results[what].append(measure(command))
            medians = {what: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs),
                              max(r[2] for r in rs)) for what, rs in results.items()}
            for what, (cpu, wall, peak) in medians.items():
                print(f"{n:>7} {what:<10} {cpu:>8.2f} {wall:>8.2f} {peak:>9.0f} {cpu / medians['floor'][0]:>7.2f}× "
                      f"{cpu / medians['openpyxl'][0]:>10.2f}×", flush=True)

        print(f"\ndefault build (`sheetprop build`: 201 iterations × 6 rates; xlsx, png, walkthrough), "
              f"{args.default_runs} runs")
        default = [sys.executable, "-m", "sheetprop", "build", "--out", str(folder / "default"), "--quiet"]
        # Where PYTHONDONTWRITEBYTECODE is set, sheetprop's modules are compiled again on every run; an installed
        # sheetprop runs from its bytecode cache. Both kinds interleaved, so that the machine's load falls alike.
        kinds = {"as run here": None}
        if os.environ.get("PYTHONDONTWRITEBYTECODE"):
            kinds["with Python's bytecode cache, as installed"] = folder / "pyc"
            measure(default, folder / "pyc")  # writes the cache
        results = {kind: [] for kind in kinds}
        for _ in range(args.default_runs):
            for kind, bytecode in kinds.items():
                results[kind].append(measure(default, bytecode))
        for kind, runs in results.items():
            walls = sorted(r[1] for r in runs)
            print(f"{kind}: wall median {statistics.median(walls):.2f} s, fastest {walls[0]:.2f} s; "
                  f"CPU (both processes) median {statistics.median(r[0] for r in runs):.2f} s", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f} at the end", flush=True)

    if not args.no_siblings:
        for name in SIBLINGS:
            script = HERE / name
            if script.exists():
                print(f"\n{name}:", flush=True)
                subprocess.run([sys.executable, str(script)], cwd=ROOT, env=environment(), check=False)


if __name__ == "__main__":
    main()
