"""The workbook as OpenDocument: sheetprop's .xlsx converted by LibreOffice, headless, every formula kept
and recalculated on the way."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from sheetprop.libreoffice import convert, soffice


def check() -> None:
    """Raise before a build writes anything when LibreOffice, which makes the .ods, is missing."""
    soffice()


def write(run, folder: Path) -> tuple[Path, ...]:
    """The writer of the build's table: ``NAME.ods`` in ``folder``, from the build's NAME.xlsx there, or
    from one written aside when the .xlsx was not asked for."""
    from sheetprop.workbook.writer import write as write_xlsx

    folder = Path(folder)
    target = folder / f"{run.config.stem}.ods"
    with tempfile.TemporaryDirectory(prefix="sheetprop-ods-") as scratch:
        workbook = folder / f"{run.config.stem}.xlsx"
        if not workbook.exists():
            (workbook,) = write_xlsx(run, Path(scratch))
        shutil.move(convert(workbook, Path(scratch) / "converted", "ods"), target)
    return (target,)
