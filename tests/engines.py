"""Independent spreadsheet engines recalculating a workbook: LibreOffice, Gnumeric and formualizer, each
compared with the values the workbook caches (the engine's), and openxml-audit checking the file."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl

from helpers import close, workbook_mismatches
from sheetprop.libreoffice import recalculate


def cached(path: Path) -> list[tuple[str, dict[tuple[int, int], object]]]:
    """Each sheet's cached values by (row, column), 1-based, in sheet order."""
    workbook = openpyxl.load_workbook(path, data_only=True)
    return [(sheet.title, {(c.row, c.column): c.value for row in sheet.iter_rows() for c in row
                           if c.value is not None}) for sheet in workbook.worksheets]


def same(mine, theirs, rel: float = 1e-12, abs_: float = 1e-15) -> bool:
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (mine, theirs))
    return close(mine, theirs, rel, abs_) if numeric else mine == theirs


def libreoffice_mismatches(path: Path, work: Path) -> list[str]:
    """Cells whose value LibreOffice, forced to recalculate every formula, computes otherwise."""
    return workbook_mismatches(path, recalculate(path, work / "libreoffice"))


def gnumeric_mismatches(path: Path, work: Path, rel: float = 1e-12, abs_: float = 1e-15) -> list[str]:
    """Cells whose value Gnumeric (``ssconvert --recalc``, each sheet to CSV at full precision) computes
    otherwise. Gnumeric writes text cells as text and leaves error values out of CSV's reach, so those
    are compared as text."""
    assert shutil.which("ssconvert"), "Gnumeric is missing: 'bash scripts/test' installs it"
    out = work / "gnumeric"
    out.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["ssconvert", "--recalc", "-S", str(path), str(out / "sheet%n.csv")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    problems = []
    for index, (title, values) in enumerate(cached(path)):
        with open(out / f"sheet{index}.csv", newline="", encoding="utf-8") as handle:
            grid = {(r, c): text for r, row in enumerate(csv.reader(handle), start=1)
                    for c, text in enumerate(row, start=1) if text != ""}
        for at, mine in values.items():
            text = grid.get(at, "")
            try:
                theirs = float(text) if not isinstance(mine, str) else text
            except ValueError:
                theirs = text
            if not same(mine, theirs, rel, abs_):
                problems.append(f"{title}!{openpyxl.utils.get_column_letter(at[1])}{at[0]} {mine!r} != {theirs!r}")
    return problems


def formualizer_report(path: Path) -> dict:
    """formualizer's ``recalc --check --json``: formulas recalculated, cached values that changed, errors."""
    found = shutil.which("formualizer")
    assert found, "formualizer is missing: it comes with the test extra (pip install -e '.[test]')"
    result = subprocess.run([found, "recalc", str(path), "--check", "--json"], capture_output=True, text=True,
                            timeout=300)
    return json.loads(result.stdout)


def audit_errors(path: Path) -> list[str]:
    """Structural errors openxml-audit finds (warnings about inline strings are Excel's habits, not errors)."""
    found = shutil.which("openxml-audit")
    assert found, "openxml-audit is missing: it comes with the test extra (pip install -e '.[test]')"
    result = subprocess.run([found, "-o", "json", "-m", "50", str(path)], capture_output=True, text=True,
                            timeout=300)
    (report,) = json.loads(result.stdout)
    errors = [e["description"][:300] for e in report.get("errors", []) if e.get("severity") != "warning"]
    return errors or ([] if report["valid"] else ["invalid, with no error listed"])
