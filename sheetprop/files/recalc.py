"""Computing the values of an .xlsx whose formulas carry none (openpyxl and some web apps save them so).

formualizer (a spreadsheet engine in Rust, a pip package: no office suite needed, a third of a second for
a sheet of the exercise) recalculates first; LibreOffice is the fallback, for what formualizer cannot
read or compute (a function it does not know, a file it refuses; a template or a macro-enabled workbook
it is given typed as the plain workbook it also is). Both run in a child process of their
own, in a network namespace where one can be had, under a cap on memory and time, killed when the time
is up; the file they are given has passed guard.py's limits for files an engine opens.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

from sheetprop import libreoffice
from sheetprop.files.errors import FormualizerError
from sheetprop.files.patch import copy_raw

# The workbook part's content type in a template or a macro-enabled package, which formualizer refuses,
# and a plain workbook's, which it reads: the parts are the same.
OTHER_WORKBOOK = re.compile(rb"application/vnd\.(?:openxmlformats-officedocument\.spreadsheetml\.template|"
                            rb"ms-excel\.(?:sheet|template)\.macroEnabled)\.main\+xml")
WORKBOOK = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

MEMORY = libreoffice.UNTRUSTED_MEMORY    # address space of the child: a sheet of the exercise needs ~50 MB
SECONDS = libreoffice.UNTRUSTED_SECONDS


def recalculate(source: Path, out_dir: Path) -> tuple[Path, str]:
    """The recalculated copy of ``source`` in ``out_dir``, and the engine's name ('formualizer' or
    'LibreOffice'). Raises LibreOfficeError when neither could."""
    try:
        return formualizer(source, out_dir), "formualizer"
    except FormualizerError:
        return libreoffice.recalculate(source, out_dir / "libreoffice", untrusted=True), "LibreOffice"


def formualizer(source: Path, out_dir: Path) -> Path:
    """``formualizer recalc`` on ``source`` into ``out_dir``: every formula computed, its cached value
    written. Refused (FormualizerError) when formualizer is missing, fails, or meets a function it
    does not know (it would leave that cell an error, where a spreadsheet computes it)."""
    if importlib.util.find_spec("formualizer") is None:  # it runs in a child process: only know it is there
        raise FormualizerError("formualizer is not installed")
    source, out_dir = Path(source).resolve(), Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{source.stem}.xlsx"
    source = as_workbook(source, out_dir / "typed")
    command = [*(libreoffice.sandbox() or ()), sys.executable, "-m", "formualizer", "recalc", str(source),
               "-o", str(target), "--json", "--max-errors", "5"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, preexec_fn=libreoffice._limits(MEMORY))
    try:
        stdout, _ = process.communicate(timeout=SECONDS)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise FormualizerError(f"formualizer took over {SECONDS} s") from None
    except BaseException:
        _kill(process)
        raise
    try:
        summary = json.loads(stdout.strip().splitlines()[-1]) if stdout.strip() else {}
    except ValueError:
        summary = {}
    if process.returncode != 0 or not target.exists() or not isinstance(summary, dict):
        raise FormualizerError(f"formualizer stopped with status {process.returncode}")
    if summary.get("unknown_functions"):
        raise FormualizerError(f"formualizer does not know {', '.join(map(str, summary['unknown_functions']))}")
    return target


def as_workbook(source: Path, folder: Path) -> Path:
    """``source`` as formualizer reads it: a template's or a macro-enabled workbook's package copied into
    ``folder`` with its workbook part typed as a plain workbook's (every other part copied as it is), or
    ``source`` itself when it is a plain workbook."""
    try:
        with zipfile.ZipFile(source) as archive:
            types = archive.read("[Content_Types].xml")
            if not OTHER_WORKBOOK.search(types):
                return source
            folder.mkdir(parents=True, exist_ok=True)
            copy = folder / f"{source.stem}.xlsx"
            with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:
                for info in archive.infolist():
                    if info.filename == "[Content_Types].xml":
                        out.writestr(info, OTHER_WORKBOOK.sub(WORKBOOK, types))
                    else:
                        copy_raw(archive, info, out)
    except (KeyError, OSError, zipfile.BadZipFile) as error:
        raise FormualizerError(f"formualizer cannot be given {source.name} ({error})") from None
    return copy


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
