"""Wall time and peak memory of `sheetprop verify`, on real student sheets and on sheetprop's own workbooks.

Run: python3 benchmarks/verify_speed.py [--iterations 1000,10000,100000] [--repeat 3] [--against DIR] [--annotate]
     [--no-real] [--no-verify]  (leave out the real sheets, or time only the annotated copies)
     python3 benchmarks/verify_speed.py --slips [--sheets 500] [--repeat 3] [--against DIR]

Each verify runs in a child process of its own that writes its peak resident memory (VmHWM) on the way
out; printed: the median wall time and peak of ``--repeat`` runs, and for the own workbooks the time per
judged cell and its ratio to the smallest size (flat = linear in time). The own workbooks are built first
by ``sheetprop build`` from the lecture's config with that many iterations (6 learning rates). With
``--against DIR`` (a checkout of another version, such as the main branch's worktree) the same runs are
made with that version's verify too, side by side.

With ``--slips``, CPU time of verify (in this process, imports done; medians of ``--repeat``) on a wrong and a
correct copy of the same sheet, side by side: a hand-made sheet without intermediate columns (tests/handmade.py,
200 iterations; wrong: three gradients, the slips of the issue) and sheetprop's own layout with every chain-rule
step a column (200 iterations; wrong: three gradients with a reference slip), each as formulas with their cached
values and as a values-only copy (10 digits); then a workbook of ``--sheets`` (500) exercise sheets (own layout,
20 iterations, cached values, all correct): CPU and wall of verify in a child process (imports done), with
``--against``'s version beside this one. Every formula is recalculated by formualizer, an engine of its own.

With ``--annotate``, each own workbook also gets one slip planted (h1's cached value in the middle row
of the first rate sheet), is verified once for its report, and the annotated copy alone is timed (wall,
CPU, peak memory of a child that loads the pickled report and writes the copy) with this version's
``annotate`` and, with ``--against``, the other's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "sheets" / "real"
LECTURE = ROOT / "examples" / "lecture.toml"
# The CLI in a child that writes its own peak memory (KiB) to a file on the way out.
WRAPPER = """
import re, sys
from sheetprop.cli import main
status = main(sys.argv[2:])
with open("/proc/self/status") as status_file, open(sys.argv[1], "w") as out:
    out.write(re.search(r"VmHWM:\\s*(\\d+) kB", status_file.read()).group(1))
sys.exit(status)
"""

# A child that writes the annotated copy of a workbook from a pickled report: wall s, CPU s, peak MiB.
ANNOTATE = """
import pickle, resource, sys, time, types
from pathlib import Path
with open(sys.argv[1], "rb") as handle:
    report = pickle.load(handle)
path = Path(sys.argv[2])
start, cpu = time.perf_counter(), time.process_time()
try:
    from sheetprop.files.annotate import annotate
    from sheetprop.verify.notes import notes
    marks = notes(report)
except ImportError:  # a checkout from before sheetprop.files (--against)
    from sheetprop.verify.annotate import annotate
    marks = report
annotate(types.SimpleNamespace(path=path, xlsx=path, converted=False), marks, Path(sys.argv[3]))
print(time.perf_counter() - start, time.process_time() - cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
# A child that verifies a workbook: CPU s, wall s (imports done), wrong quantities, load average at the end.
BOOK = """
import os, sys, time
from sheetprop.verify import verify
start, wall = time.process_time(), time.perf_counter()
report = verify(sys.argv[1])
print(time.process_time() - start, time.perf_counter() - wall, len(report.findings), os.getloadavg()[0])
"""
# A child that verifies a workbook and pickles the report.
REPORT = """
import pickle, sys
from sheetprop.verify import verify
with open(sys.argv[2], "wb") as handle:
    pickle.dump(verify(sys.argv[1]), handle)
"""


def planted(workbook: Path, iterations: int) -> Path:
    """A copy of an own workbook with h1's cached value (column N) in the middle row of its first rate
    sheet (xl/worksheets/sheet2.xml) changed by 0.01: the slip ``--annotate`` has to mark."""
    target = workbook.with_name(workbook.stem + "-slip.xlsx")
    row = 6 + max(1, iterations // 2)
    cell = re.compile(rf'(<c r="N{row}"[^>]*><f>[^<]*</f><v>)([^<]*)(</v>)'.encode())
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data, count = cell.subn(lambda m: m[1] + repr(float(m[2]) + 0.01).encode() + m[3], data)
                assert count == 1, "no h1 cell to plant the slip in"
            out.writestr(info, data)
    return target


def measure_annotate(workbook: Path, iterations: int, codes: dict[str, Path], scratch: Path) -> None:
    """Print the time and peak memory of writing the annotated copy, per version of the code."""
    slipped = planted(workbook, iterations)
    report = scratch / "report.pickle"
    subprocess.run([sys.executable, "-c", REPORT, str(slipped), str(report)], cwd=ROOT, check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    for name, code in codes.items():
        out = scratch / f"annotated-{name}.xlsx"
        done = subprocess.run([sys.executable, "-c", ANNOTATE, str(report), str(slipped), str(out)], cwd=code,
                              env={**os.environ, "PYTHONPATH": str(code)}, capture_output=True, text=True)
        if done.returncode:
            print(f"    annotate {name:8} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        wall, cpu, peak = map(float, done.stdout.split())
        print(f"    annotate {name:8} {wall:7.2f} s wall, {cpu:7.2f} s CPU, {peak:6.0f} MiB peak, "
              f"copy {out.stat().st_size / 2 ** 20:,.0f} MiB")
        out.unlink()
    slipped.unlink()


def run_verify(path: Path, code: Path, scratch: Path) -> tuple[float, float, int, dict | None]:
    """(wall seconds, peak MiB, exit status, the JSON report) of one ``sheetprop verify --json``."""
    peak = scratch / "peak"
    peak.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(code)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAPPER, str(peak), "verify", "--json", str(path)], cwd=code,
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    try:
        report = json.loads(done.stdout)
    except ValueError:
        report = None
    mib = int(peak.read_text()) / 1024 if peak.exists() else float("nan")
    return wall, mib, done.returncode, report


def judged(report: dict | None) -> int:
    return sum(sheet.get("cells_judged", 0) for sheet in (report or {}).get("sheets", []))


def build_own(iterations: int, folder: Path) -> Path:
    """sheetprop's own workbook of the lecture's network with ``iterations`` iterations (6 rates)."""
    config = folder / f"own{iterations}.toml"
    text = LECTURE.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^iterations = .*$", f"iterations = {iterations}", text)
    text = re.sub(r'(?m)^name = .*$', f'name = "own{iterations}"', text)
    config.write_text(text, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "sheetprop", "build", str(config), "--out", str(folder), "--quiet",
                    "--format", "xlsx"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    return folder / f"own{iterations}.xlsx"


def measure(path: Path, code: Path, repeat: int, scratch: Path) -> dict:
    runs = [run_verify(path, code, scratch) for _ in range(repeat)]
    return {"wall": statistics.median(r[0] for r in runs), "peak": statistics.median(r[1] for r in runs),
            "status": runs[-1][2], "judged": judged(runs[-1][3]),
            "error": (runs[-1][3] or {}).get("error")}


def shown(result: dict) -> str:
    if result["status"] == 2:
        return f"refused ({(result['error'] or '')[:60]}…)"
    return f"{result['wall']:7.2f} s {result['peak']:6.0f} MiB (exit {result['status']})"


def own_sheet(folder: Path, iterations: int, slips: dict[str, tuple[str, str]], copies: int = 1) -> Path:
    """sheetprop's own layout (the lecture network's first rate sheet, ``copies`` times) with ``slips``
    (gradient header → (the header of the column it reads, the header of the column it reads instead)),
    recalculated by formualizer."""
    import formualizer
    import openpyxl

    from sheetprop import config as configs
    from sheetprop.runs import Run
    from sheetprop.workbook.writer import write_workbook

    text = re.sub(r"(?m)^iterations = .*$", f"iterations = {iterations}", LECTURE.read_text(encoding="utf-8"))
    built = folder / "own-built.xlsx"
    write_workbook(built, Run.of(configs.parse(tomllib.loads(text))))
    workbook = openpyxl.load_workbook(built)
    sheet = workbook.worksheets[1]
    letters = {c.value: c.column_letter for c in sheet[6] if c.value}
    for gradient, (old, new) in slips.items():
        column = letters[gradient]
        for row in range(7, sheet.max_row + 1):
            formula = sheet[f"{column}{row}"].value
            if isinstance(formula, str):
                sheet[f"{column}{row}"] = re.sub(rf"\b{letters[old]}{row}\b", f"{letters[new]}{row}", formula)
    for other in workbook.worksheets[2:]:
        workbook.remove(other)
    workbook.remove(workbook.worksheets[0])
    for k in range(1, copies):
        workbook.copy_worksheet(sheet).title = f"student {k + 1}"
    path = folder / f"own-{len(slips)}-{copies}.xlsx"
    workbook.save(path)
    formualizer.recalculate_file(str(path), str(path))
    return path


def handmade_sheet(folder: Path, wrong: bool) -> Path:
    """The hand-made layout (no intermediate columns), correct or with three wrong gradients, recalculated."""
    import dataclasses

    import formualizer

    sys.path.insert(0, str(ROOT / "tests"))
    import handmade

    correct = dataclasses.replace(handmade.SHEETS[0], iterations=200)
    sheet = correct if not wrong else dataclasses.replace(correct, title="wrong", slips={
        **handmade.SHEETS[1].slips, **handmade.SHEETS[2].slips, **handmade.SHEETS[3].slips})
    path = folder / f"handmade-{sheet.title}.xlsx"
    handmade.write_workbook(path, [sheet])
    formualizer.recalculate_file(str(path), str(path))
    return path


def cpu(path: Path, repeat: int) -> tuple[float, float, int]:
    """Median CPU and wall seconds of verify on ``path`` in this process, and the wrong quantities found."""
    from sheetprop.verify import verify

    times, walls = [], []
    for _ in range(repeat):
        start, wall = time.process_time(), time.perf_counter()
        report = verify(path)
        times.append(time.process_time() - start)
        walls.append(time.perf_counter() - wall)
    return statistics.median(times), statistics.median(walls), len(report.findings)


def slips(repeat: int, codes: dict[str, Path], sheets: int) -> None:
    """Print verify's CPU time on a wrong and a correct copy of the same sheet, and on a workbook of
    ``sheets`` exercise sheets with each version of the code in ``codes``."""
    sys.path.insert(0, str(ROOT / "tests"))
    import handmade

    with tempfile.TemporaryDirectory(prefix="verify-slips-") as scratch_name:
        scratch = Path(scratch_name)
        cpu(handmade_sheet(scratch, False), 1)   # imports and caches warmed up
        layouts = {
            "no intermediate columns (hand-made, 200 iterations)": (handmade_sheet(scratch, False),
                                                                      handmade_sheet(scratch, True)),
            "intermediate columns (own layout, 200 iterations)": (
                own_sheet(scratch, 200, {}),
                own_sheet(scratch, 200, {"∂E/∂w1": ("i1", "i2"), "∂E/∂w5": ("a_h1", "a_h2"),
                                         "∂E/∂w8": ("a_h2", "a_h1")})),
        }
        print(f"\nCPU time of verify, wrong beside correct (median of {repeat}):")
        for name, (correct, wrong) in layouts.items():
            for kind in ("formulas", "values only"):
                if kind == "values only":
                    correct_v, wrong_v = (scratch / f"v-{p.name}" for p in (correct, wrong))
                    handmade.values_copy(correct, correct_v)
                    handmade.values_copy(wrong, wrong_v)
                    pair = (correct_v, wrong_v)
                else:
                    pair = (correct, wrong)
                (c, _, c_found), (w, _, w_found) = (cpu(p, repeat) for p in pair)
                print(f"  {name}, {kind:11}: correct {c:6.2f} s ({c_found} wrong), wrong {w:6.2f} s "
                      f"({w_found} wrong): {w / c:.2f}×")
        start = time.perf_counter()
        book = own_sheet(scratch, 20, {}, copies=sheets)
        print(f"\n{sheets} exercise sheets (own layout, 20 iterations, all correct; built in "
              f"{time.perf_counter() - start:.0f} s), verify in a child process, median of {repeat}:")
        for name, code in codes.items():
            runs = []
            for _ in range(repeat):
                done = subprocess.run([sys.executable, "-c", BOOK, str(book)], cwd=code, capture_output=True,
                                      text=True, env={**os.environ, "PYTHONPATH": str(code)}, check=True)
                runs.append([float(v) for v in done.stdout.split()])
            c, wall, found, load = (statistics.median(r[i] for r in runs) for i in range(4))
            print(f"  {name:8} {c:6.1f} s CPU, {wall:6.1f} s wall, {found:.0f} wrong (load average {load:.1f} "
                  f"at the end)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--repeat-largest", type=int, default=1, help="runs of the largest own workbook")
    parser.add_argument("--against", type=Path, help="another checkout whose verify to run alongside")
    parser.add_argument("--annotate", action="store_true", help="also time the annotated copy of each own workbook")
    parser.add_argument("--no-real", action="store_true", help="leave out the real student sheets")
    parser.add_argument("--no-verify", action="store_true", help="time only --annotate on the own workbooks")
    parser.add_argument("--slips", action="store_true", help="only CPU time of wrong beside correct sheets, and "
                                                              "a workbook of many exercise sheets")
    parser.add_argument("--sheets", type=int, default=500, help="exercise sheets of the --slips workbook")
    args = parser.parse_args()
    codes = {"this": ROOT, **({"against": args.against.resolve()} if args.against else {})}
    if args.slips:
        load = os.getloadavg()
        print(f"verify on {platform.node()} ({platform.processor() or platform.machine()}): {os.cpu_count()} cores, "
              f"Python {platform.python_version()}, load average {load[0]:.1f} at the start")
        slips(args.repeat, codes, args.sheets)
        return
    sizes = [int(n) for n in args.iterations.split(",") if n]
    load = os.getloadavg()
    print(f"verify on {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, load average "
          f"{load[0]:.1f} at the start (other work may share the machine); median of {args.repeat} runs each")
    with tempfile.TemporaryDirectory(prefix="verify-speed-") as scratch_name:
        scratch = Path(scratch_name)
        print("\nreal student sheets (../shared/sheets/real):")
        for sheet in [] if args.no_real else sorted(REAL.glob("*.xlsx")):
            line = "  ".join(f"{name}: {shown(measure(sheet, code, args.repeat, scratch))}" for name, code in codes.items())
            print(f"  {sheet.name[:40]:40} {line}")
        print("\nsheetprop's own workbooks (lecture network, 6 learning rates):")
        base: dict[str, float] = {}
        for iterations in sizes:
            start = time.perf_counter()
            workbook = build_own(iterations, scratch)
            built = time.perf_counter() - start
            print(f"  {iterations:,} iterations: {workbook.stat().st_size / 2 ** 20:,.0f} MiB file, built in {built:.0f} s")
            repeat = args.repeat_largest if iterations == max(sizes) and len(sizes) > 1 else args.repeat
            for name, code in {} if args.no_verify else codes.items():
                result = measure(workbook, code, repeat, scratch)
                line = f"    {name:8} {shown(result)}"
                if result["status"] != 2 and result["judged"]:
                    per_cell = result["wall"] / result["judged"] * 1e6
                    base.setdefault(name, per_cell)
                    line += (f", {result['judged']:,} cells judged, {per_cell:.1f} µs a cell "
                             f"({per_cell / base[name]:.2f}× the smallest size's)")
                print(line + (f" (median of {repeat})" if repeat != args.repeat else ""))
            if args.annotate:
                measure_annotate(workbook, iterations, codes, scratch)
            workbook.unlink()


if __name__ == "__main__":
    main()
