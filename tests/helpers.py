"""Small helpers the tests share: running the engine and comparing numbers."""

from __future__ import annotations

import math
from pathlib import Path

from sheetprop.engine import iterate
from sheetprop.graph import build_graph


# The project's shared test data sits beside the checkout (../shared), whichever folder the checkout is in.
SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL = SHARED / "sheets" / "real"


def real_sheets(pattern: str = "*.xlsx") -> list[Path]:
    """The real hand-made sheets of ../shared/sheets/real matching ``pattern``. They are part of the test
    data: when they are missing this raises, so that a test parametrized over them fails to collect
    instead of collecting nothing."""
    found = sorted(REAL.glob(pattern))
    if not found:
        raise FileNotFoundError(f"{REAL} holds no {pattern}: the real sheets are part of the test data "
                                "(the shared folder beside the checkout)")
    return found


def run(config, lr: float, iterations: int | None = None):
    """The engine's rows for one rate, with the graph, as (graph, rows)."""
    graph = build_graph(config.network)
    return graph, list(iterate(graph, config.values, lr, iterations or config.iterations))


def value(graph, row, name: str) -> float:
    return row[graph.index[name]]


def close(a: float, b: float, rel: float, abs_: float = 0.0) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def printed(value: float, text: str) -> bool:
    """Does ``value`` round to the published figure ``text`` at the precision it is printed with?"""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(value - float(text)) <= 0.5 * 10 ** -decimals + 1e-15


def workbook_mismatches(expected_path, actual_path, rel: float = 1e-12, abs_: float = 1e-15) -> list[str]:
    """Cells whose values differ between two workbooks (numbers within rel/abs), as 'Sheet!A1 x != y'."""
    import openpyxl

    expected = openpyxl.load_workbook(expected_path, data_only=True)
    actual = openpyxl.load_workbook(actual_path, data_only=True)
    problems = []
    for sheet in expected.worksheets:
        other = actual[sheet.title]
        for row in sheet.iter_rows():
            for cell in row:
                mine, theirs = cell.value, other[cell.coordinate].value
                numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (mine, theirs))
                if (numeric and close(mine, theirs, rel, abs_)) or (not numeric and mine == theirs):
                    continue
                problems.append(f"{sheet.title}!{cell.coordinate} {mine!r} != {theirs!r}")
    return problems


def shown_by_libreoffice(path, out_dir) -> dict[str, list[list[str]]]:
    """Each sheet's cells as LibreOffice displays them (number formats applied), read from its CSV export."""
    import csv
    import subprocess
    import tempfile
    from pathlib import Path

    from sheetprop.libreoffice import soffice

    path, out_dir = Path(path).resolve(), Path(out_dir).resolve()
    # CSV filter: comma, double quote, UTF-8, from row 1, cells as shown (token 9), every sheet (token 12: -1).
    export = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    with tempfile.TemporaryDirectory(prefix="sheetprop-csv-") as profile:
        subprocess.run([soffice(), f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                        "--convert-to", export, "--outdir", str(out_dir), str(path)],
                       capture_output=True, check=True, timeout=600)
    sheets = {}
    for csv_path in out_dir.glob(f"{path.stem}-*.csv"):
        with open(csv_path, newline="", encoding="utf-8") as handle:
            sheets[csv_path.stem.removeprefix(f"{path.stem}-")] = list(csv.reader(handle))
    return sheets
