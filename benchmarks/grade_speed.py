"""Sheets per second and peak memory of `sheetprop grade` on a class of submissions.

Run: python3 benchmarks/grade_speed.py [--files 100] [--repeat 3]

The class: sheetprop's own 12-iteration lecture workbooks (two rate sheets each) and copies of the real
hand-made sheets in ../shared/sheets/real, in turn. Each run grades the folder in a fresh process, with one
worker and with two (this machine's cores); printed: median wall time, sheets per second, the ratio of the
two, and the peak resident memory of the largest process (a worker or the parent).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "sheets" / "real"
GRADE = """
import sys
from sheetprop.config import default
from sheetprop.grade import grade_folder
grades = grade_folder(sys.argv[1], default(), workers=int(sys.argv[2]))
print(len(grades))
"""


def make_class(folder: Path, files: int) -> None:
    from sheetprop.config import parse
    from sheetprop.outputs import build

    with tempfile.TemporaryDirectory() as scratch:
        config = parse({"name": "own", "inputs": [0.05, 0.10], "targets": [0.01, 0.99], "learning_rates": [0.5, 1.0],
                        "weights": [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55], "iterations": 12})
        sources = [build(config, scratch).workbook, *sorted(REAL.glob("*.xlsx"))]
        for k in range(files):
            source = sources[k % len(sources)]
            shutil.copy(source, folder / f"student{k:03d}{source.suffix}")


def grade_once(folder: Path, workers: int) -> tuple[float, int]:
    """Wall seconds, and the peak RSS (KiB) of the process tree (the largest of its processes)."""
    start = time.perf_counter()
    command = [sys.executable, "-c", GRADE, str(folder), str(workers)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - start
    return wall, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        make_class(folder, args.files)
        print(f"grading {args.files} submissions ({len(list(REAL.glob('*.xlsx')))} real sheets and sheetprop's "
              "own workbook, in turn); median of", args.repeat, "runs")
        medians = {}
        for workers in (1, 2):
            runs = [grade_once(folder, workers) for _ in range(args.repeat)]
            wall = statistics.median(r[0] for r in runs)
            medians[workers] = wall
            # ru_maxrss of children is the largest single process so far (Linux: KiB).
            print(f"  {workers} worker{'s' if workers > 1 else ' '}: {wall:6.2f} s, {args.files / wall:5.1f} sheets/s, "
                  f"peak {max(r[1] for r in runs) / 1024:.0f} MiB in one process")
        print(f"  two workers take {medians[2] / medians[1]:.2f}× the time of one")


if __name__ == "__main__":
    main()
